// The cache core as the binding sees it: the stored entries (EntryTable) and the in-flight
// registry (FlightRegistry) composed into one getOrFetch protocol, with exact counters. Plain
// C++: it knows nothing of JavaScript.
//
// The store coordinates the two parts: a lookup that misses joins or starts a fetch, a fetch
// that completes becomes an entry (its tags with it) only while its token is current, and Set,
// Delete, InvalidateTag and Clear detach the fetches of what they change so a late result never
// overwrites them. Each call hashes its key once, for both parts. Slot numbers, the removal log
// and the phases of an entry are described in entry_table.h; tokens in flight_registry.h. Time
// is a parameter (milliseconds on any monotonic scale), so tests drive it by hand.
//
// Not thread-safe: one store belongs to one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "entry_table.h"
#include "flight_registry.h"
#include "now.h"
#include "seeded_hash.h"
#include "slot.h"
#include "stats.h"

namespace herdcache {

struct StoreOptions {
  uint32_t max_entries = 1000;                   // 0 < max_entries <= EntryTable::kMaxEntriesLimit
  uint64_t max_bytes = UINT64_MAX;               // the byte bound over EntrySpec::bytes
  bool record_removed_keys = false;              // fill Removal::key (costs a copy per removal)
  EvictionPolicy policy = EvictionPolicy::kLru;  // which entry makes room (eviction_order.h)
  HashSeed seed = HashSeed::ForProcess();
};

enum class Outcome : uint8_t {
  kHit,        // a fresh entry answered; `slot` is its value slot
  kStaleHit,   // a stale entry answered (`slot`); Acquire: `started` tells if a refresh began
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

// How a fetch ended without a value. The numbers are part of the binding's protocol.
enum class FailCause : uint8_t { kError = 0, kTimeout = 1, kAbort = 2 };
inline constexpr int kFailCauseCount = 3;

struct FailResult {
  bool current = false;         // the fetch was still its key's in-flight record
  uint32_t fallback = kNoSlot;  // a value slot in its stale-if-error phase (or fresher), or none
};

class Store {
 public:
  // The largest max_entries: slot numbers must fit in 31 bits for the binding.
  static constexpr uint32_t kMaxEntriesLimit = EntryTable::kMaxEntriesLimit;

  explicit Store(const StoreOptions& options);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // A lookup (counts a hit or a miss). A fresh entry hits and becomes most recently used;
  // anything else misses (an expired entry is removed, a stale one is kept for Acquire). With
  // `allow_stale`, a stale entry still retained (in its stale-while-revalidate or stale-if-error
  // window) answers too: kStaleHit with its slot, counted as a hit and a stale hit, made most
  // recently used. No fetch starts either way.
  Result Get(std::u16string_view key, Now now, bool allow_stale = false);

  // A getOrFetch lookup. kHit for a fresh entry (unless force_refresh). kStaleHit for an entry
  // in its stale phase (counted as a hit and a stale hit), starting a background refresh when no
  // fetch of the key is in flight. Otherwise a miss: kJoin when a fetch is in flight (counted
  // in coalesced), else kStart with a new record (counted in fetches) and, in `slot`, a retained
  // entry whose value the fetcher may see as its stale value.
  Result Acquire(std::u16string_view key, Now now, bool force_refresh = false);

  // Adds `tags` to the in-flight fetch `token` (no-op when not current); its entry inherits
  // them. With `replace`, the fetch's tags become exactly `tags` (a fetcher that decided its
  // entry's tags). O(tags.size()), plus the tags it had when replacing.
  void TagFlight(FlightToken token, std::span<const std::u16string_view> tags,
                 bool replace = false);

  // Ends a fetch that produced a value. When `token` is current its record is removed and the
  // value stored per `spec` (kStored with the slot to fill, replacing any entry for the key).
  // kNotStored when it is no longer current, or when spec stores nothing (ttl 0, or more bytes
  // than max_bytes: any existing entry for the key is then removed as replaced).
  Result Complete(FlightToken token, const EntrySpec& spec, Now now);

  // Ends a fetch of `key` that failed, timed out or was abandoned by all its waiters; counts it
  // under its cause (and refresh_errors for a refresh) and removes its record if still current.
  // For a fetch that failed or timed out (not one abandoned: no one waits), `fallback` names the
  // newest good value its waiters get instead of the error:
  //  - a current fetch: the key's entry while it is in its stale-if-error phase (which, with a
  //    window, starts at the write, so a failed forced refresh falls back to the fresh value;
  //    without one there is none, and it rejects);
  //  - a fetch no longer current (a Set, Delete, Clear or InvalidateTag detached it): the key's
  //    entry if it is fresh, else if it is in its stale-if-error phase. Such an entry was written
  //    by a Set or a later fetch, so it is newer than anything this fetch could have answered.
  // `key` is the fetch's key (the registry forgets a detached record's key). Reads the clock at
  // most once.
  FailResult Fail(FlightToken token, std::u16string_view key, FailCause cause, Now now);

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

  // Like Get (kHit, or with `allow_stale` kStaleHit), without counting a lookup or changing
  // recency. An expired entry found is removed.
  Result Peek(std::u16string_view key, Now now, bool allow_stale = false);

  // Milliseconds the key's entry stays fresh (EntryTable::FreshFor: +infinity for never, 0 or
  // less once stale), or nullopt when no entry is retained. Counts no lookup and leaves recency
  // alone; an expired entry found is removed, as by Peek.
  std::optional<double> RemainingTtl(std::u16string_view key, Now now);

  // The slots of the entries fresh at `now` (with `allow_stale`, every retained one), most
  // recently used first. Counts nothing and changes nothing (it applies the reads already
  // recorded, which only brings the recency list up to date). O(n); reads the clock at most once.
  std::vector<uint32_t> Walk(Now now, bool allow_stale);
  // The key of the entry in `slot`, valid until it is removed. Precondition: `slot` holds an
  // entry (from Walk, say).
  std::u16string_view KeyOf(uint32_t slot) const noexcept { return entries_.KeyOf(slot); }

  // Removes up to `limit` entries whose last phase has ended by `now`, as kExpired. Returns how
  // many it removed.
  size_t Sweep(Now now, size_t limit);
  // When the next entry's last phase ends (+infinity when none will).
  double NextExpiry() const noexcept { return entries_.NextExpiry(); }

  // Moves the removals logged since the last take into `into` (cleared first), oldest first.
  // Swaps buffers, so both vectors keep their capacity across calls.
  void TakeRemovals(std::vector<Removal>& into) noexcept { entries_.TakeRemovals(into); }
  size_t pending_removals() const noexcept { return entries_.pending_removals(); }

  // Whether `token` is its key's current in-flight record.
  bool IsCurrent(FlightToken token) const noexcept { return flights_.IsCurrent(token); }

  StoreStats stats() const noexcept;
  size_t size() const noexcept { return entries_.size(); }
  size_t in_flight() const noexcept { return flights_.size(); }
  uint64_t bytes() const noexcept { return entries_.bytes(); }
  uint32_t max_entries() const noexcept { return entries_.max_entries(); }
  EvictionPolicy policy() const noexcept { return entries_.policy(); }
  // Whether removals from now on carry their keys (StoreOptions::record_removed_keys). Removals
  // already logged keep what they have.
  void set_record_removed_keys(bool record) noexcept { entries_.set_record_removed_keys(record); }
  bool record_removed_keys() const noexcept { return entries_.record_removed_keys(); }

  // Checks both parts' internal consistency; for tests. O(n).
  bool CheckInvariants() const { return entries_.CheckInvariants() && flights_.CheckInvariants(); }

 private:
  FlightToken StartFlight(std::u16string_view key, uint64_t hash, bool refresh);
  // HashKey(seed_, key), remembered for the key of the last Acquire that missed: a storm asks
  // for one key again and again, and the hash was a fifth of a joining caller's time in the
  // core. Hashing is pure, so the memo never needs invalidating. Keys longer than
  // kMaxRememberedUnits are not kept (a huge key would stay copied).
  uint64_t AcquireHash(std::u16string_view key) const noexcept {
    return SameKey(key, missed_key_) ? missed_hash_ : HashKey(seed_, key);
  }
  void RememberMiss(std::u16string_view key, uint64_t hash);

  HashSeed seed_;
  std::u16string missed_key_;  // starts as the empty key, with its hash
  uint64_t missed_hash_ = HashKey(seed_, std::u16string_view());
  static constexpr size_t kMaxRememberedUnits = 256;
  EntryTable entries_;
  FlightRegistry flights_;
  // Lookups and fetch outcomes; evictions, expirations and the sizes come from the parts.
  StoreStats stats_;
};

}  // namespace herdcache
