// The store's counters. Each is exact: every event is counted once, in the call that causes it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace herdcache {

struct StoreStats {
  uint64_t hits = 0;            // lookups (Get, Acquire) answered by a fresh or stale entry
  uint64_t misses = 0;          // lookups that found nothing to answer with
  uint64_t stale_hits = 0;      // the hits answered by a stale entry (SWR, or Get allow_stale)
  uint64_t fetches = 0;         // in-flight records started: one per fetcher call
  uint64_t refreshes = 0;       // the fetches started in the background by a stale hit
  uint64_t fetch_errors = 0;    // fetches that failed (FailCause::kError)
  uint64_t refresh_errors = 0;  // refreshes that failed or timed out
  uint64_t timeouts = 0;        // fetches that timed out
  uint64_t aborts = 0;          // fetches abandoned by every waiter
  uint64_t coalesced = 0;       // Acquire misses that joined a fetch in flight
  uint64_t evictions = 0;       // entries removed to make room (least recently used first)
  uint64_t expirations = 0;     // entries removed because their time ran out
  size_t size = 0;              // entries stored now
  size_t in_flight = 0;         // current in-flight records now
  uint64_t bytes = 0;           // bytes stored now (by EntrySpec::bytes)
};

}  // namespace herdcache
