// The stored entries: key index, recency order, expiry heap, byte total, the entries' tags, and
// the log of every entry removed. Plain C++; knows nothing of fetches in flight.
//
// An entry lives in a slot number the table chooses; the caller keeps the entry's value under
// that number. Every removal is appended to the removal log (slot and cause, and the key when
// record_removed_keys is set) so the caller can release the value, report the removal, and only
// then fill a slot the same call reused.
//
// An entry written at time w with an EntrySpec has up to three phases:
//   fresh       until w + ttl                            IsFresh
//   stale       until w + ttl + staleWhileRevalidate     InStalePhase
//   fallback    until w + ttl + staleIfError, from w on  InFallbackPhase (none without
//   staleIfError)
// It is retained while it is in any of them; after the last it is expired: removed when found
// by FindRetained, swept, or chosen to make room.
//
// Not thread-safe: one table belongs to one thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "expiry_heap.h"
#include "key_index.h"
#include "lru_list.h"
#include "now.h"
#include "seeded_hash.h"
#include "slot.h"
#include "tag_index.h"

namespace herdcache {

// How a value is kept. Times are in milliseconds and must be >= 0 (Infinity allowed).
struct EntrySpec {
  double ttl_ms = kNever;  // 0: do not store
  double stale_while_revalidate_ms = 0;
  double stale_if_error_ms = 0;
  uint64_t bytes = 0;
};

// Why an entry left the table (Caffeine's RemovalCause, in herdcache's words). The numbers are
// part of the binding's protocol.
enum class RemovalCause : uint8_t {
  kEvicted = 0,   // made room under max_entries or max_bytes
  kExpired = 1,   // its last phase ended
  kDeleted = 2,   // Delete or InvalidateTag
  kReplaced = 3,  // a new value was written for its key (Set, a completed fetch)
  kCleared = 4,   // Clear
};
inline constexpr int kRemovalCauseCount = 5;

struct Removal {
  uint32_t slot;
  RemovalCause cause;
  std::u16string key;  // empty unless record_removed_keys
};

class EntryTable {
 public:
  // The largest max_entries: slot numbers must fit in 31 bits for the binding.
  static constexpr uint32_t kMaxEntriesLimit = 0x7fffffff;

  // Precondition: 0 < max_entries <= kMaxEntriesLimit. `seed` keys the tags' hash.
  EntryTable(uint32_t max_entries, uint64_t max_bytes, HashSeed seed);
  EntryTable(const EntryTable&) = delete;
  EntryTable& operator=(const EntryTable&) = delete;

  // The slot of `key`'s entry in whatever phase, expired included, or kNoSlot. `hash` is
  // HashKey(seed, key). Average O(1).
  uint32_t Find(std::u16string_view key, uint64_t hash) const noexcept {
    return index_.Find(hash, [&](uint32_t slot) {
      const Entry& entry = entries_[slot];
      return entry.hash == hash && SameKey(entry.key, key);
    });
  }

  // Like Find, but an expired entry is removed (logged as kExpired) and kNoSlot returned.
  uint32_t FindRetained(std::u16string_view key, uint64_t hash, Now& now) {
    const uint32_t slot = Find(key, hash);
    if (slot == kNoSlot || now.Before(entries_[slot].retain_until())) return slot;
    Remove(slot, RemovalCause::kExpired);
    return kNoSlot;
  }

  // The phases of a stored entry (`slot` from Find). Each reads the clock at most once, and
  // only when the phase's end is finite.
  bool IsFresh(uint32_t slot, Now& now) const noexcept {
    return now.Before(entries_[slot].fresh_until);
  }
  bool InStalePhase(uint32_t slot, Now& now) const noexcept {
    return now.Before(entries_[slot].stale_until);
  }
  bool InFallbackPhase(uint32_t slot, Now& now) const noexcept {
    return now.Before(entries_[slot].fallback_until);
  }

  // Whether a stored entry is still in one of its phases (not expired). Reads the clock only
  // when its last phase ends at a finite time.
  bool IsRetained(uint32_t slot, Now& now) const noexcept {
    return now.Before(entries_[slot].retain_until());
  }

  // Milliseconds until a stored entry stops being fresh: +infinity when it never does, 0 or
  // less once it is stale (it is fresh exactly while this is positive). Reads the clock only for
  // a finite TTL.
  double FreshFor(uint32_t slot, Now& now) const noexcept {
    const double until = entries_[slot].fresh_until;
    return until == kNever ? kNever : until - now.get();
  }

  // A stored entry's key.
  const std::u16string& KeyOf(uint32_t slot) const noexcept { return entries_[slot].key; }

  // Appends to `out` the slots of the stored entries that are fresh at `now` (with
  // `allow_stale`, every retained one), most recently used first. Reads the clock at most once,
  // and changes nothing: neither recency nor expired entries, which stay for lookups and the
  // sweep to remove. O(n).
  void Walk(Now& now, bool allow_stale, std::vector<uint32_t>& out) const;

  // Makes a stored entry the most recently used. O(1).
  void Touch(uint32_t slot) noexcept { recency_.MoveToFront(slot); }

  // Stores `key` per `spec` as the most recently used entry and returns its slot, first
  // removing any entry for the key (kReplaced, or kExpired if its time had run out) and then
  // least recently used entries until it fits. Returns kNoSlot, storing nothing, when spec
  // stores nothing (ttl 0, or more bytes than max_bytes). O(1) amortized plus O(log n) per
  // finite lifetime touched.
  uint32_t Write(std::u16string&& key, uint64_t hash, const EntrySpec& spec, Now& now);

  // Adds `tags` to a stored entry (a tag it has, or one named twice, is added once).
  // O(tags.size() + the tags it has) average.
  void Tag(uint32_t slot, std::span<const std::u16string_view> tags) { tags_.Attach(slot, tags); }

  // Removes a stored entry and logs it with `cause`. O(log n + its tags).
  void Remove(uint32_t slot, RemovalCause cause);

  // Removes every entry tagged `tag` (kDeleted); returns how many.
  size_t RemoveTagged(std::u16string_view tag);

  // Removes every entry, logging each as kCleared only when recording keys (otherwise the
  // caller drops all its values at once), and releases the table's memory. Counters are kept.
  void Clear();

  // Removes up to `limit` entries whose last phase has ended by `now`, as kExpired, earliest
  // first; returns how many.
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
  // Whether removals from now on carry their keys. Removals already logged keep what they have.
  void set_record_removed_keys(bool record) noexcept { record_removed_keys_ = record; }
  bool record_removed_keys() const noexcept { return record_removed_keys_; }

  size_t size() const noexcept { return index_.size(); }
  uint64_t bytes() const noexcept { return bytes_; }
  uint32_t max_entries() const noexcept { return max_entries_; }
  // Entries removed as kEvicted and as kExpired since construction.
  uint64_t evictions() const noexcept { return evictions_; }
  uint64_t expirations() const noexcept { return expirations_; }

  // Checks index, list, heap, tags, free list, byte total and bounds agree; for tests. O(n).
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

  // Evicts least recently used entries until one more entry of `bytes` fits.
  void MakeRoom(uint64_t bytes, Now& now);
  uint32_t TakeSlot();

  uint32_t max_entries_;
  uint64_t max_bytes_;
  bool record_removed_keys_ = false;
  HashSeed seed_;

  KeyIndex index_;
  LruList recency_;
  ExpiryHeap expiry_;
  TagIndex tags_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_slots_;
  uint64_t bytes_ = 0;

  std::vector<Removal> removals_;
  uint64_t evictions_ = 0;
  uint64_t expirations_ = 0;
};

}  // namespace herdcache
