// The store's counters. Each is exact: every event is counted once, in the call that causes it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace herdcache {

struct StoreStats {
  uint64_t hits = 0;          // lookups (Get, Acquire) answered by a fresh entry
  uint64_t misses = 0;        // lookups that found nothing fresh
  uint64_t fetches = 0;       // in-flight records started: one per fetcher call
  uint64_t fetch_errors = 0;  // fetches that failed (Fail)
  uint64_t coalesced = 0;     // Acquire misses that joined a fetch in flight
  uint64_t evictions = 0;     // entries removed to make room (least recently used first)
  uint64_t expirations = 0;   // entries removed because their time ran out
  size_t size = 0;            // entries stored now
  size_t in_flight = 0;       // current in-flight records now
};

}  // namespace herdcache
