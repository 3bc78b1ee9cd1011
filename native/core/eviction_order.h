// Which entry goes when the table is full: the eviction policy, over slot numbers.
//
// kLru: one recency list; the least recently used entry goes. The default, and exactly the
// order herdcache has always kept.
//
// kTinyLfu: W-TinyLFU (Einziger, Friedman and Manes; the design of Java's Caffeine). A count-min
// sketch (frequency_sketch.h) estimates how often each key was asked for, hits and misses alike.
// New entries enter a small LRU window (1% of max_entries at first, at least one; a hill climber
// resizes it once per sample of ten lookups per entry, towards the size whose hit rate is best,
// so a workload where recency matters more than frequency gets a large window). The window's least
// recently used entry, when the window is full, is a candidate for the main space, an SLRU of a
// probation segment (~20%) and a protected one (~80%): it is admitted only if its key was asked
// for more often than the probation segment's least recently used entry's, which is evicted in
// its place; otherwise the candidate itself is evicted. So one scan of keys asked for once
// cannot flush the keys asked for often. A hit in probation promotes the entry to protected
// (demoting protected's least recently used entry when protected outgrows its share); hits in
// the window and in protected make the entry the most recently used of its segment. A candidate
// asked for at least kAdmitAnywayFrequency times that loses is still admitted once in 128 (by a
// deterministic generator), so an attacker cannot pin the main space with keys whose sketch
// counters collide with the victims'.
//
// Iteration (Front/Next, Back/Prev) visits every entry: under kLru most recently used first;
// under kTinyLfu the window, then protected, then probation, each most recently used first.
//
// Operations are O(1) and noexcept except Reserve (may allocate); under kTinyLfu, the sketch's
// aging (O(sketch)) and the climber's resizing (O(entries moved), at most 6.25% of max_entries)
// run once per ten lookups per entry. Not thread-safe. Copy is deleted.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "frequency_sketch.h"
#include "lru_list.h"
#include "segmented_list.h"
#include "slot.h"

namespace herdcache {

// The numbers are part of no protocol; the names are (PolicyName, PolicyNamed).
enum class EvictionPolicy : uint8_t { kLru, kTinyLfu };

// "lru" or "tinylfu": how the policy is named in options and errors.
const char* PolicyName(EvictionPolicy policy) noexcept;
// The policy named `name`, or nullopt.
std::optional<EvictionPolicy> PolicyNamed(std::string_view name) noexcept;

class EvictionOrder {
 public:
  // A losing candidate with at least this frequency is admitted anyway once in 128.
  static constexpr uint32_t kAdmitAnywayFrequency = 6;

  // Precondition: max_entries > 0.
  EvictionOrder(EvictionPolicy policy, uint32_t max_entries);
  EvictionOrder(const EvictionOrder&) = delete;
  EvictionOrder& operator=(const EvictionOrder&) = delete;

  EvictionPolicy policy() const noexcept { return policy_; }

  // Makes slots [0, slot_count) linkable (and, under kTinyLfu, grows the sketch with them up to
  // max_entries). Amortized O(1) per slot; may throw std::bad_alloc.
  void Reserve(uint32_t slot_count) {
    if (policy_ == EvictionPolicy::kLru) {
      lru_.Reserve(slot_count);
    } else {
      ReserveTinyLfu(slot_count);
    }
  }

  // Whether `slot` holds an entry. Precondition: `slot` is reserved.
  bool Contains(uint32_t slot) const noexcept {
    return policy_ == EvictionPolicy::kLru ? lru_.Contains(slot) : segments_.Contains(slot);
  }

  // A new entry of the key hashed `hash` in `slot`. Precondition: `slot` is reserved and holds
  // no entry; the table holds fewer than max_entries entries.
  void Insert(uint32_t slot, uint64_t hash) noexcept {
    if (policy_ == EvictionPolicy::kLru) {
      lru_.PushFront(slot);
    } else {
      InsertTinyLfu(slot, hash);
    }
  }

  // A lookup that hit the entry in `slot` (its key hashed `hash`). Precondition: `slot` holds
  // an entry.
  void Access(uint32_t slot, uint64_t hash) noexcept {
    if (policy_ == EvictionPolicy::kLru) {
      lru_.MoveToFront(slot);
    } else {
      AccessTinyLfu(slot, hash);
    }
  }

  // Hints that Access(slot, hash) comes soon: first `slot`'s links (and under kTinyLfu the
  // key's counters), then (once those have arrived) its neighbours'. EntryTable applies its
  // recorded reads in batches and asks for all their cache lines before it moves any. Change
  // nothing. Precondition: `slot` holds an entry.
  void Prefetch(uint32_t slot, uint64_t hash) const noexcept {
    if (policy_ == EvictionPolicy::kLru) {
      lru_.Prefetch(slot);
    } else {
      segments_.Prefetch(slot);
      sketch_.Prefetch(hash);
    }
  }
  void PrefetchNeighbours(uint32_t slot) const noexcept {
    if (policy_ == EvictionPolicy::kLru) {
      lru_.PrefetchNeighbours(slot);
    } else {
      segments_.PrefetchNeighbours(slot);
    }
  }

  // A lookup of the key hashed `hash` that found nothing to answer with: counted by the sketch.
  void RecordMiss(uint64_t hash) noexcept {
    if (policy_ == EvictionPolicy::kTinyLfu) RecordMissTinyLfu(hash);
  }

  // The entry in `slot` left the table. Precondition: `slot` holds an entry.
  void Remove(uint32_t slot) noexcept {
    if (policy_ == EvictionPolicy::kLru) {
      lru_.Remove(slot);
    } else {
      segments_.Remove(slot);
    }
  }

  // The entry to evict to make room for one more: the least recently used (kLru), or the loser
  // of the window's candidate against probation's victim (kTinyLfu: a winning candidate moves
  // to probation now). kNoSlot when empty. The caller removes it before calling again.
  uint32_t Victim() noexcept {
    return policy_ == EvictionPolicy::kLru ? lru_.Back() : VictimTinyLfu();
  }

  // Iteration over every entry in the order described above; kNoSlot past the end.
  // Preconditions of Next and Prev: `slot` holds an entry.
  uint32_t Front() const noexcept {
    return policy_ == EvictionPolicy::kLru ? lru_.Front() : FrontTinyLfu();
  }
  uint32_t Next(uint32_t slot) const noexcept {
    return policy_ == EvictionPolicy::kLru ? lru_.Next(slot) : NextTinyLfu(slot);
  }
  uint32_t Back() const noexcept {
    return policy_ == EvictionPolicy::kLru ? lru_.Back() : BackTinyLfu();
  }
  uint32_t Prev(uint32_t slot) const noexcept {
    return policy_ == EvictionPolicy::kLru ? lru_.Prev(slot) : PrevTinyLfu(slot);
  }

  // Forgets every entry and releases the links: every slot must be reserved again. The sketch
  // keeps its counts (how often keys are asked for does not change with a clear).
  void Clear() noexcept;

  // Checks the segments' sizes against their links and shares; for tests. O(n).
  bool CheckInvariants() const;

  // The segments' sizes and shares (kTinyLfu), for tests.
  uint32_t window_size() const noexcept { return segments_.size(kWindow); }
  uint32_t probation_size() const noexcept { return segments_.size(kProbation); }
  uint32_t protected_size() const noexcept { return segments_.size(kProtected); }
  uint32_t window_max() const noexcept { return window_max_; }
  uint32_t protected_max() const noexcept { return protected_max_; }
  const FrequencySketch& sketch() const noexcept { return sketch_; }

 private:
  // Segment numbers, in iteration order.
  static constexpr uint8_t kWindow = 0;
  static constexpr uint8_t kProtected = 1;
  static constexpr uint8_t kProbation = 2;
  static constexpr uint8_t kSegmentCount = 3;

  // The kTinyLfu halves of the operations above; kLru's stay inline, as cheap as LruList's.
  void ReserveTinyLfu(uint32_t slot_count);
  uint32_t FrontTinyLfu() const noexcept;
  uint32_t NextTinyLfu(uint32_t slot) const noexcept;
  uint32_t BackTinyLfu() const noexcept;
  uint32_t PrevTinyLfu(uint32_t slot) const noexcept;
  void InsertTinyLfu(uint32_t slot, uint64_t hash) noexcept;
  void AccessTinyLfu(uint32_t slot, uint64_t hash) noexcept;
  void RecordMissTinyLfu(uint64_t hash) noexcept;
  // Counts a lookup for the window's sizing; climbs once per sample of lookups.
  void Sample(bool hit) noexcept;
  // One step of the hill climber: grows or shrinks the window's share by the current step,
  // keeping the direction while the hit rate improves and reversing it when it worsens.
  void Climb() noexcept;
  // Sets the window's share (clamped to [1, max_entries - 1]) and protected's (80% of the rest),
  // moving what no longer fits in either to probation. O(entries moved).
  void ResizeWindow(int64_t window_max) noexcept;
  uint32_t VictimTinyLfu() noexcept;
  // The main space's next victim: probation's least recently used, else protected's.
  uint32_t MainVictim() const noexcept;
  bool Admit(uint32_t candidate, uint32_t victim) noexcept;
  uint64_t NextRandom() noexcept;

  EvictionPolicy policy_;
  uint32_t max_entries_;
  LruList lru_;  // kLru

  // kTinyLfu
  SegmentedList<kSegmentCount> segments_;
  std::vector<uint64_t> hashes_;  // by slot: the key's hash, for admission decisions
  FrequencySketch sketch_;
  uint32_t window_max_ = 0;
  uint32_t protected_max_ = 0;
  // The hill climber (see Climb): lookups in the current sample, the last sample's hit rate,
  // and the next step in entries (negative: shrink the window).
  uint64_t sample_hits_ = 0;
  uint64_t sample_misses_ = 0;
  uint64_t sample_period_ = 0;
  double previous_hit_rate_ = 0;
  double step_ = 0;
  uint64_t random_state_ = 0x9e3779b97f4a7c15ULL;
};

}  // namespace herdcache
