// How often keys were asked for, approximately and in little memory: a count-min sketch of 4-bit
// counters, for W-TinyLFU's admission decisions (see eviction_order.h).
//
// Each key has one counter in each of four rows; its frequency is the smallest of the four, so
// a collision can only inflate it. A counter saturates at 15: admission needs to tell "asked
// for a few times" from "asked for many times", not to count exactly. All four counters of a key
// lie in one 64-byte block (eight words, two per row), so an increment touches one cache line.
//
// Aging: after `sample_size` increments (ten per entry the cache can hold) every counter is
// halved, and so is the count of increments, so keys that were popular long ago do not keep out
// keys popular now.
//
// The key's hash is already a keyed SipHash; it is re-mixed here for the block and row choices
// so that the sketch's indexes do not share bits with the key index's buckets.
//
// Not thread-safe. Copy is deleted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "huge_pages.h"
#include "prefetch.h"

namespace herdcache {

class FrequencySketch {
 public:
  // The largest table: 2^24 words (128 MiB) bound the sketch of a huge max_entries.
  static constexpr uint32_t kMaxWords = 1u << 24;
  static constexpr uint32_t kMaxFrequency = 15;

  FrequencySketch() = default;
  FrequencySketch(const FrequencySketch&) = delete;
  FrequencySketch& operator=(const FrequencySketch&) = delete;

  // Sizes the sketch for `entries` keys (one word per key, rounded up to a power of two, at
  // least 64, at most kMaxWords) and sets the aging period to ten increments per key. No more
  // than already sized for: nothing changes. A table that grows keeps every key's counts. May
  // throw std::bad_alloc. O(new size).
  void EnsureCapacity(uint32_t entries);

  // Counts one more access of the key hashed `hash`; ages every counter once the period is up.
  // Without capacity, does nothing. O(1), plus O(size) once per period.
  void Increment(uint64_t hash) noexcept;

  // Hints that the key's counters are about to be incremented (their block is one cache line).
  // Changes nothing.
  void Prefetch(uint64_t hash) const noexcept {
    if (!table_.empty()) PrefetchForWrite(&table_[CellsOf(hash).word[0]]);
  }

  // The key's estimated accesses in the current period, 0..kMaxFrequency. 0 without capacity.
  uint32_t Frequency(uint64_t hash) const noexcept;

  // Halves every counter: the aging step Increment runs once per period. O(size).
  void Age() noexcept;

  // Increments counted towards the period (halved with the counters).
  uint64_t additions() const noexcept { return additions_; }
  uint64_t sample_size() const noexcept { return sample_size_; }
  // Words in the table (16 counters each).
  size_t words() const noexcept { return table_.size(); }

 private:
  // The four counters of a key: per row, the word's index and the counter's bit offset.
  struct Cells {
    uint32_t word[4];
    uint32_t shift[4];
  };
  Cells CellsOf(uint64_t hash) const noexcept;

  HugePageVector<uint64_t> table_;
  uint32_t entries_ = 0;     // the most keys EnsureCapacity was asked for
  uint32_t block_mask_ = 0;  // blocks - 1; a block is 8 words
  uint64_t sample_size_ = 0;
  uint64_t additions_ = 0;
};

}  // namespace herdcache
