// The cache core: stored entries in LRU order with expiry times, byte sizes and tags; the
// in-flight registry; the removal log; exact counters. Plain C++: it knows nothing of JavaScript.
//
// The store hands out slot numbers instead of holding values. A value slot names where the
// caller keeps an entry's value; a flight slot names where it keeps an in-flight fetch. Every
// entry the store removes is appended to the removal log (slot and cause, and the key when
// `record_removed_keys` is set) so the caller can release the value, report the removal, and
// only then fill a slot the same call reused. Time is a parameter (milliseconds on any
// monotonic scale), so tests drive it by hand.
//
// An entry's life has up to three phases after it is written at time w with an EntrySpec:
//   fresh       until w + ttl                       answers every lookup
//   stale       until w + ttl + staleWhileRevalidate served by Acquire while one refresh runs
//   fallback    until w + ttl + staleIfError        served only when a fetch of the key fails
//               (from w on, so a failed forced refresh of a fresh entry falls back too; with
//               staleIfError 0 there is no fallback at all)
// After the last phase it is expired: removed when found, swept, or chosen to make room.
//
// Not thread-safe: one store belongs to one thread.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "expiry_heap.h"
#include "key_index.h"
#include "lru_list.h"
#include "now.h"
#include "seeded_hash.h"
#include "stats.h"
#include "tag_index.h"

namespace herdcache {

struct StoreOptions {
  uint32_t max_entries = 1000;       // 0 < max_entries <= Store::kMaxEntriesLimit
  uint64_t max_bytes = UINT64_MAX;   // the byte bound over EntrySpec::bytes
  bool record_removed_keys = false;  // fill Removal::key (costs a copy per removal)
  HashSeed seed = HashSeed::ForProcess();
};

// How a value is kept. Times are in milliseconds and must be >= 0 (Infinity allowed).
struct EntrySpec {
  double ttl_ms = kNever;  // 0: do not store
  double stale_while_revalidate_ms = 0;
  double stale_if_error_ms = 0;
  uint64_t bytes = 0;
};

// Identifies one in-flight fetch: its slot and the slot's generation when the fetch began.
// A token stays valid for exactly as long as its fetch is the key's current in-flight record.
struct FlightToken {
  uint32_t slot = kNoSlot;
  uint32_t generation = 0;
};

enum class Outcome : uint8_t {
  kHit,        // a fresh entry answered; `slot` is its value slot
  kStaleHit,   // a stale entry answered (`slot`); `started` tells whether a refresh began
  kMiss,       // nothing fresh is stored (Get, Peek)
  kJoin,       // a fetch of the key is in flight; `flight.slot` is its slot
  kStart,      // a new in-flight record; `flight` is its token, `slot` a retained entry or none
  kStored,     // a value was stored; `slot` is the value slot to fill
  kNotStored,  // nothing was stored (ttl 0, too large, or the fetch was no longer current)
  kRemoved,    // Delete removed a stored entry
};

struct Result {
  Outcome outcome = Outcome::kMiss;
  uint32_t slot = kNoSlot;
  FlightToken flight;
  bool started = false;  // kStaleHit: a background refresh was started (`flight`)
};

// Why an entry left the store (Caffeine's RemovalCause, in herdcache's words).
enum class RemovalCause : uint8_t {
  kEvicted = 0,   // made room under max_entries or max_bytes
  kExpired = 1,   // its last phase ended
  kDeleted = 2,   // Delete or InvalidateTag
  kReplaced = 3,  // a new value was written for its key (Set, a completed fetch)
  kCleared = 4,   // Clear
};

struct Removal {
  uint32_t slot;
  RemovalCause cause;
  std::u16string key;  // empty unless StoreOptions::record_removed_keys
};

// How a fetch ended without a value.
enum class FailCause : uint8_t { kError, kTimeout, kAbort };

struct FailResult {
  bool current = false;         // the fetch was still its key's in-flight record
  uint32_t fallback = kNoSlot;  // a value slot in its stale-if-error phase (or fresher), or none
};

class Store {
 public:
  // The largest max_entries: slot numbers must fit in 31 bits for the binding.
  static constexpr uint32_t kMaxEntriesLimit = 0x7fffffff;

  explicit Store(const StoreOptions& options);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // A lookup (counts a hit or a miss). A fresh entry hits and becomes most recently used;
  // anything else misses (an expired entry is removed, a stale one is kept for Acquire).
  Result Get(std::u16string_view key, Now now);

  // A getOrFetch lookup. kHit for a fresh entry (unless force_refresh). kStaleHit for an entry
  // in its stale phase (counted as a hit and a stale hit), starting a background refresh when no
  // fetch of the key is in flight. Otherwise a miss: kJoin when a fetch is in flight (counted
  // in coalesced), else kStart with a new record (counted in fetches) and, in `slot`, a retained
  // entry whose value the fetcher may see as its stale value.
  Result Acquire(std::u16string_view key, Now now, bool force_refresh = false);

  // Adds `tag` to the in-flight fetch `token` (no-op when not current). Its entry inherits it.
  void TagFlight(FlightToken token, std::u16string_view tag);

  // Ends a fetch that produced a value. When `token` is current its record is removed and the
  // value stored per `spec` (kStored with the slot to fill, replacing any entry for the key).
  // kNotStored when it is no longer current, or when spec stores nothing (ttl 0, or more bytes
  // than max_bytes: any existing entry for the key is then removed as replaced).
  Result Complete(FlightToken token, const EntrySpec& spec, Now now);

  // Ends a fetch that failed, timed out or was abandoned by all its waiters; counts it under
  // its cause (and refresh_errors for a refresh) and removes its record if still current.
  // For a current fetch that failed or timed out, `fallback` names the key's entry if it is
  // still within its stale-if-error phase.
  FailResult Fail(FlightToken token, FailCause cause, Now now);

  // Stores under `key` per `spec`, replacing any entry, tagged with `tags`, and detaches any
  // fetch in flight for it so that fetch's result is not stored.
  Result Set(std::u16string_view key, const EntrySpec& spec,
             std::span<const std::u16string_view> tags, Now now);

  // Removes the key's entry (kRemoved, or kMiss) and detaches its in-flight fetch, if any.
  Result Delete(std::u16string_view key);

  // Removes every entry tagged `tag` (cause kDeleted) and detaches every fetch tagged with it.
  // Returns the number of entries removed.
  size_t InvalidateTag(std::u16string_view tag);

  // Removes every entry (logged as kCleared only when recording keys) and detaches every fetch.
  // Counters are kept.
  void Clear();

  // Like Get for a fresh entry, without counting a lookup or changing recency.
  Result Peek(std::u16string_view key, Now now);

  // Removes up to `limit` entries whose last phase has ended by `now`, as kExpired. Returns how
  // many it removed.
  size_t Sweep(Now now, size_t limit);
  // When the next entry's last phase ends (+infinity when none will).
  double NextExpiry() const noexcept { return expiry_.TopTime(); }

  // Moves the removals logged since the last take into `into` (cleared first), oldest first.
  // Swaps buffers, so both vectors keep their capacity across calls.
  void TakeRemovals(std::vector<Removal>& into) noexcept {
    into.clear();
    into.swap(removals_);
  }
  size_t pending_removals() const noexcept { return removals_.size(); }

  // Whether `token` is its key's current in-flight record.
  bool IsCurrent(FlightToken token) const noexcept;

  StoreStats stats() const noexcept;
  size_t size() const noexcept { return entry_index_.size(); }
  size_t in_flight() const noexcept { return flight_index_.size(); }
  uint64_t bytes() const noexcept { return bytes_; }
  uint32_t max_entries() const noexcept { return options_.max_entries; }
  // Whether removals from now on carry their keys (StoreOptions::record_removed_keys). Removals
  // already logged keep what they have.
  void set_record_removed_keys(bool record) noexcept { options_.record_removed_keys = record; }
  bool record_removed_keys() const noexcept { return options_.record_removed_keys; }

  // Checks internal consistency (index, list, heap, tags, free lists, counts); for tests. O(n).
  bool CheckInvariants() const;

 private:
  struct Entry {
    std::u16string key;
    uint64_t hash = 0;
    double fresh_until = 0;
    double stale_until = 0;     // end of the stale-while-revalidate phase
    double fallback_until = 0;  // end of the stale-if-error phase
    uint64_t bytes = 0;
    double retain_until() const noexcept {
      return fallback_until > stale_until ? fallback_until : stale_until;
    }
  };
  struct Flight {
    std::u16string key;
    uint64_t hash = 0;
    uint32_t generation = 0;
    bool current = false;
    bool refresh = false;
  };
  // Tag members are numbered densely, entries and flights interleaved, because the tag index
  // keeps a link list per member number.
  static constexpr uint32_t EntryMember(uint32_t slot) noexcept { return slot * 2; }
  static constexpr uint32_t FlightMember(uint32_t slot) noexcept { return slot * 2 + 1; }

  uint32_t FindEntry(std::u16string_view key, uint64_t hash) const noexcept;
  uint32_t FindFlight(std::u16string_view key, uint64_t hash) const noexcept;
  // Finds the key's entry; an expired one is removed and not returned.
  uint32_t FindRetained(std::u16string_view key, uint64_t hash, Now& now);
  FlightToken StartFlight(std::u16string_view key, uint64_t hash, bool refresh);
  Result Write(std::u16string&& key, uint64_t hash, const EntrySpec& spec, Now& now);
  // Evicts least recently used entries until one more entry of `bytes` fits.
  void MakeRoom(uint64_t bytes, Now& now);
  uint32_t TakeEntrySlot();
  void RemoveEntry(uint32_t slot, RemovalCause cause);
  // Ends a current record: out of the index, generation bumped, slot freed; tags kept.
  void ReleaseFlight(uint32_t slot);
  // ReleaseFlight, and drops the fetch's tags.
  void DetachFlight(uint32_t slot);

  StoreOptions options_;

  KeyIndex entry_index_;
  LruList recency_;
  ExpiryHeap expiry_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_entries_;
  uint64_t bytes_ = 0;

  KeyIndex flight_index_;
  std::vector<Flight> flights_;
  std::vector<uint32_t> free_flights_;

  TagIndex tags_;
  std::vector<Removal> removals_;
  StoreStats stats_;
};

}  // namespace herdcache
