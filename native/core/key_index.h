// An open-addressing hash index from keys to slot numbers.
//
// The index stores no keys: each bucket holds 32 bits of the key's hash and a slot number, and
// the owner answers "is the key at this slot equal?" through a callback. That keeps the index at
// eight bytes a bucket, and a probe rarely touches a key because the hash bits filter first.
// Linear probing with backward-shift deletion: no tombstones, so a long-lived cache with churn
// never degrades.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "huge_pages.h"
#include "slot.h"

namespace herdcache {

class KeyIndex {
 public:
  KeyIndex() { Reset(); }
  KeyIndex(const KeyIndex&) = delete;
  KeyIndex& operator=(const KeyIndex&) = delete;

  // The slot whose key hashes to `hash` and satisfies `key_equals(slot)`, or kNoSlot.
  // Average O(1).
  template <typename KeyEquals>
  uint32_t Find(uint64_t hash, KeyEquals&& key_equals) const noexcept {
    const uint32_t tag = Tag(hash);
    for (size_t i = tag & mask_;; i = (i + 1) & mask_) {
      const uint64_t bucket = buckets_[i];
      if (bucket == 0) return kNoSlot;
      if (BucketTag(bucket) == tag && key_equals(BucketSlot(bucket))) return BucketSlot(bucket);
    }
  }

  // Adds `slot` under `hash`. Precondition: no slot with an equal key is indexed.
  // Amortized O(1); may grow the table.
  void Insert(uint64_t hash, uint32_t slot) {
    assert(slot != kNoSlot);
    if ((count_ + 1) * 4 > (mask_ + 1) * 3) Grow();
    Place(MakeBucket(Tag(hash), slot));
    ++count_;
  }

  // Removes `slot`, which must be indexed under `hash`. O(1) average.
  void Erase(uint64_t hash, uint32_t slot) noexcept {
    const uint64_t wanted = MakeBucket(Tag(hash), slot);
    size_t hole = Tag(hash) & mask_;
    while (buckets_[hole] != wanted) {
      assert(buckets_[hole] != 0 && "Erase of a slot that is not indexed");
      hole = (hole + 1) & mask_;
    }
    // Backward-shift: pull later members of the probe run into the hole when the hole lies on
    // their path from home, so every run stays contiguous and Find can stop at the first gap.
    for (size_t next = (hole + 1) & mask_; buckets_[next] != 0; next = (next + 1) & mask_) {
      const size_t home = BucketTag(buckets_[next]) & mask_;
      const size_t distance_to_next = (next - home) & mask_;
      const size_t distance_to_hole = (hole - home) & mask_;
      if (distance_to_hole <= distance_to_next) {
        buckets_[hole] = buckets_[next];
        hole = next;
      }
    }
    buckets_[hole] = 0;
    --count_;
  }

  // Forgets every slot and returns the table to its initial size.
  void Reset() {
    buckets_.assign(kInitialBuckets, 0);
    mask_ = kInitialBuckets - 1;
    count_ = 0;
  }

  size_t size() const noexcept { return count_; }
  size_t bucket_count() const noexcept { return mask_ + 1; }

 private:
  static constexpr size_t kInitialBuckets = 16;

  static uint32_t Tag(uint64_t hash) noexcept { return static_cast<uint32_t>(hash); }
  static uint64_t MakeBucket(uint32_t tag, uint32_t slot) noexcept {
    return (uint64_t{tag} << 32) | (uint64_t{slot} + 1);
  }
  static uint32_t BucketTag(uint64_t bucket) noexcept {
    return static_cast<uint32_t>(bucket >> 32);
  }
  static uint32_t BucketSlot(uint64_t bucket) noexcept { return static_cast<uint32_t>(bucket) - 1; }

  void Place(uint64_t bucket) noexcept {
    size_t i = BucketTag(bucket) & mask_;
    while (buckets_[i] != 0) i = (i + 1) & mask_;
    buckets_[i] = bucket;
  }

  void Grow() {
    HugePageVector<uint64_t> old = std::move(buckets_);
    buckets_.assign(old.size() * 2, 0);
    mask_ = buckets_.size() - 1;
    for (uint64_t bucket : old) {
      if (bucket != 0) Place(bucket);
    }
  }

  HugePageVector<uint64_t> buckets_;
  size_t mask_ = 0;
  size_t count_ = 0;
};

}  // namespace herdcache
