// The cache core: stored entries in LRU order with expiry times, the in-flight registry, and
// exact counters. Plain C++: it knows nothing of JavaScript.
//
// The store hands out slot numbers instead of holding values. A value slot names where the
// caller keeps an entry's value; a flight slot names where it keeps an in-flight fetch's
// Promise. A slot the store empties is reported as `released` so the caller can drop what it
// kept there; a slot reused for a new entry is simply overwritten. Time is a parameter
// (milliseconds on any monotonic scale), so tests drive it by hand.
//
// Not thread-safe: one store belongs to one thread.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "key_index.h"
#include "lru_list.h"
#include "seeded_hash.h"
#include "stats.h"

namespace herdcache {

// Identifies one in-flight fetch: its slot and the slot's generation when the fetch began.
// A token stays valid for exactly as long as its fetch is the key's current in-flight record.
struct FlightToken {
  uint32_t slot = kNoSlot;
  uint32_t generation = 0;
};

// What a store operation did.
enum class Outcome : uint8_t {
  kHit,        // a fresh entry answered; `slot` is its value slot
  kMiss,       // nothing fresh is stored (Get, Peek)
  kJoin,       // a fetch of the key is in flight; `slot` is its flight slot
  kStart,      // a new in-flight record was made; `slot` and `generation` form its token
  kStored,     // a value was stored; `slot` is the value slot to fill
  kNotStored,  // nothing was stored (ttl 0, or the fetch was no longer current)
  kRemoved,    // Delete removed a stored entry
};

struct Result {
  Outcome outcome = Outcome::kMiss;
  uint32_t slot = kNoSlot;
  uint32_t generation = 0;
  // A value slot this call emptied without reusing it (an expired or deleted entry), or kNoSlot.
  uint32_t released = kNoSlot;
};

class Store {
 public:
  // The largest `max_entries`: slot numbers must fit in 31 bits for the binding.
  static constexpr uint32_t kMaxEntriesLimit = 0x7fffffff;
  static constexpr double kNeverExpires = std::numeric_limits<double>::infinity();

  // Precondition: 0 < max_entries <= kMaxEntriesLimit. Storage grows with use, not with
  // max_entries.
  explicit Store(uint32_t max_entries, HashSeed seed = HashSeed::ForProcess());
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // A lookup (counts a hit or a miss). kHit refreshes recency; an expired entry is removed
  // (counted in expirations, reported as released) and the lookup misses.
  Result Get(std::u16string_view key, double now);

  // A getOrFetch lookup: kHit as Get; on a miss, kJoin when a fetch is in flight (counted in
  // coalesced), else kStart with a new in-flight record (counted in fetches).
  Result Acquire(std::u16string_view key, double now);

  // Ends a fetch that produced a value. When `token` is still current its record is removed
  // and, unless ttl_ms == 0, the value is stored: kStored with the value slot. Otherwise (the
  // key was deleted, cleared or set meanwhile) kNotStored and nothing changes.
  // Precondition: ttl_ms >= 0 (Infinity allowed).
  Result Complete(FlightToken token, double ttl_ms, double now);

  // Ends a fetch that failed: counted in fetch_errors; the record is removed if still current.
  // Returns whether it was current.
  bool Fail(FlightToken token);

  // Stores a value for `key` (kStored with its slot), replacing any entry, and detaches any
  // fetch in flight for it so that fetch's result is not stored. With ttl_ms == 0 nothing is
  // stored and an existing entry is removed (kNotStored, released).
  Result Set(std::u16string_view key, double ttl_ms, double now);

  // Removes the key's entry (kRemoved with `released`, or kMiss) and detaches its in-flight
  // fetch, if any.
  Result Delete(std::u16string_view key);

  // Removes every entry and detaches every in-flight fetch. Counters are kept.
  void Clear();

  // The value slot of a fresh entry without counting a lookup or changing recency (kHit), or
  // kMiss. An expired entry found here is removed (counted in expirations, released).
  Result Peek(std::u16string_view key, double now);

  // Whether `token` is its key's current in-flight record.
  bool IsCurrent(FlightToken token) const noexcept;

  StoreStats stats() const noexcept;
  size_t size() const noexcept { return entry_index_.size(); }
  size_t in_flight() const noexcept { return flight_index_.size(); }
  uint32_t max_entries() const noexcept { return max_entries_; }

  // Checks internal consistency (index, list, free lists, counts); for tests. O(n).
  bool CheckInvariants() const;

 private:
  struct Entry {
    std::u16string key;
    uint64_t hash = 0;
    double expires_at = 0;
  };
  struct Flight {
    std::u16string key;
    uint64_t hash = 0;
    uint32_t generation = 0;
    bool current = false;
  };

  uint32_t FindEntry(std::u16string_view key, uint64_t hash) const noexcept;
  uint32_t FindFlight(std::u16string_view key, uint64_t hash) const noexcept;
  // Finds the key's entry; an expired one is removed (released) and not returned.
  uint32_t FindFresh(std::u16string_view key, uint64_t hash, double now, Result& result);
  // Stores under `key` (moved from when a new slot is taken), replacing any entry.
  Result Write(std::u16string&& key, uint64_t hash, double ttl_ms, double now);
  uint32_t TakeEntrySlot();
  void RemoveEntry(uint32_t slot);
  void DetachFlight(uint32_t slot);

  static double ExpiryFor(double now, double ttl_ms) noexcept { return now + ttl_ms; }

  uint32_t max_entries_;
  HashSeed seed_;

  KeyIndex entry_index_;
  LruList recency_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_entries_;

  KeyIndex flight_index_;
  std::vector<Flight> flights_;
  std::vector<uint32_t> free_flights_;

  StoreStats stats_;
};

}  // namespace herdcache
