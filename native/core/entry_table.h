// The stored entries: key index, eviction order, expiry heap, byte total, the entries' tags, and
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
// A lookup in a large table pays for cache misses, not instructions, so an entry is split. Its
// hot part (hash, the times a lookup compares, and a short key inline) is one 64-byte line:
// with the index's bucket that makes two misses a hit. The rest (the other phases, byte size, a
// key too long to sit inline) is read only on the paths that need it. And a hit does not move
// the entry in the recency list at once, which would touch its two neighbours' links: Touch
// records the slot in a small buffer, and the buffer is applied in order before anything reads
// or changes the list (an eviction, a removal, Walk), so the order is still exact LRU.
//
// Not thread-safe: one table belongs to one thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eviction_order.h"
#include "expiry_heap.h"
#include "huge_pages.h"
#include "key_index.h"
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

  // Precondition: 0 < max_entries <= kMaxEntriesLimit. `seed` keys the tags' hash; `policy`
  // chooses which entry makes room (eviction_order.h).
  EntryTable(uint32_t max_entries, uint64_t max_bytes, HashSeed seed,
             EvictionPolicy policy = EvictionPolicy::kLru);
  EntryTable(const EntryTable&) = delete;
  EntryTable& operator=(const EntryTable&) = delete;

  // The slot of `key`'s entry in whatever phase, expired included, or kNoSlot. `hash` is
  // HashKey(seed, key). Average O(1).
  uint32_t Find(std::u16string_view key, uint64_t hash) const noexcept {
    return index_.Find(hash, [&](uint32_t slot) { return KeyEquals(slot, key, hash); });
  }

  // Like Find, but an expired entry is removed (logged as kExpired) and kNoSlot returned.
  uint32_t FindRetained(std::u16string_view key, uint64_t hash, Now& now) {
    const uint32_t slot = Find(key, hash);
    if (slot == kNoSlot || now.Before(hot_[slot].retain_until)) return slot;
    Remove(slot, RemovalCause::kExpired);
    return kNoSlot;
  }

  // The phases of a stored entry (`slot` from Find). Each reads the clock at most once, and
  // only when the phase's end is finite.
  bool IsFresh(uint32_t slot, Now& now) const noexcept {
    return now.Before(hot_[slot].fresh_until);
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
    return now.Before(hot_[slot].retain_until);
  }

  // Milliseconds until a stored entry stops being fresh: +infinity when it never does, 0 or
  // less once it is stale (it is fresh exactly while this is positive). Reads the clock only for
  // a finite TTL.
  double FreshFor(uint32_t slot, Now& now) const noexcept {
    const double until = hot_[slot].fresh_until;
    return until == kNever ? kNever : until - now.get();
  }

  // A stored entry's key, valid until the entry is removed.
  std::u16string_view KeyOf(uint32_t slot) const noexcept {
    const HotEntry& hot = hot_[slot];
    return hot.key_size <= kInlineKey ? std::u16string_view(hot.key, hot.key_size)
                                      : std::u16string_view(entries_[slot].long_key);
  }

  // Appends to `out` the slots of the stored entries that are fresh at `now` (with
  // `allow_stale`, every retained one), in the eviction order's iteration order (under kLru most
  // recently used first). Reads the clock at most once, and changes nothing: neither recency nor
  // expired entries, which stay for lookups and the sweep to remove. Applies the reads recorded
  // so far. O(n).
  void Walk(Now& now, bool allow_stale, std::vector<uint32_t>& out);

  // Makes a stored entry the most recently used (under kTinyLfu: of its segment, counting the
  // access): recorded now, applied to the eviction order before it is next read or changed.
  // O(1) amortized.
  void Touch(uint32_t slot) noexcept {
    reads_[read_count_++] = Read{slot, hot_[slot].hash};
    if (read_count_ == kReadBuffer) ApplyReads();
  }

  // A lookup of the key hashed `hash` that found nothing to answer with (kTinyLfu counts it).
  void RecordMiss(uint64_t hash) noexcept { order_.RecordMiss(hash); }

  // Stores `key` per `spec` as the most recently used entry and returns its slot, first
  // removing any entry for the key (kReplaced, or kExpired if its time had run out) and then
  // the policy's victims (under kLru the least recently used) until it fits. Returns kNoSlot,
  // storing nothing, when spec stores nothing (ttl 0, or more bytes than max_bytes). O(1) amortized
  // plus O(log n) per finite lifetime touched.
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
  EvictionPolicy policy() const noexcept { return order_.policy(); }
  // Entries removed as kEvicted and as kExpired since construction.
  uint64_t evictions() const noexcept { return evictions_; }
  uint64_t expirations() const noexcept { return expirations_; }

  // Checks index, list, heap, tags, free list, byte total and bounds agree; for tests. O(n).
  bool CheckInvariants() const;

 private:
  // Keys of up to this many UTF-16 units sit inline in the hot part.
  static constexpr uint32_t kInlineKey = 18;
  // Reads recorded before they are applied to the recency list.
  static constexpr uint32_t kReadBuffer = 64;

  // What a lookup reads, in one cache line.
  struct alignas(64) HotEntry {
    uint64_t hash = 0;
    double fresh_until = 0;
    double retain_until = 0;  // the end of the last phase
    uint32_t key_size = 0;
    char16_t key[kInlineKey] = {};  // the key when key_size <= kInlineKey
  };
  static_assert(sizeof(HotEntry) == 64);

  // The rest of an entry.
  struct Entry {
    double stale_until = 0;     // end of the stale-while-revalidate phase
    double fallback_until = 0;  // end of the stale-if-error phase
    uint64_t bytes = 0;
    std::u16string long_key;  // the key when it is longer than kInlineKey
  };

  bool KeyEquals(uint32_t slot, std::u16string_view key, uint64_t hash) const noexcept {
    const HotEntry& hot = hot_[slot];
    if (hot.hash != hash || hot.key_size != key.size()) return false;
    return SameKey(key.size() <= kInlineKey ? std::u16string_view(hot.key, key.size())
                                            : std::u16string_view(entries_[slot].long_key),
                   key);
  }

  // Applies the recorded reads to the eviction order, oldest first. Every mutation of the list
  // and every walk of it starts here, so a recorded slot is always still linked.
  void ApplyReads() noexcept;

  // Evicts the policy's victims until one more entry of `bytes` fits.
  void MakeRoom(uint64_t bytes, Now& now);
  uint32_t TakeSlot();

  uint32_t max_entries_;
  uint64_t max_bytes_;
  bool record_removed_keys_ = false;
  HashSeed seed_;

  KeyIndex index_;
  EvictionOrder order_;
  ExpiryHeap expiry_;
  TagIndex tags_;
  HugePageVector<HotEntry> hot_;
  std::vector<Entry> entries_;
  struct Read {
    uint32_t slot;
    uint64_t hash;
  };
  Read reads_[kReadBuffer] = {};
  uint32_t read_count_ = 0;
  std::vector<uint32_t> free_slots_;
  uint64_t bytes_ = 0;

  std::vector<Removal> removals_;
  uint64_t evictions_ = 0;
  uint64_t expirations_ = 0;
};

}  // namespace herdcache
