// Recency order over slot numbers: a doubly-linked list threaded through two arrays.
//
// The list owns only links; the slots' contents live with the owner. Every operation is O(1)
// and noexcept except Reserve, which may allocate.
#pragma once

#include <cassert>
#include <cstdint>
#include <vector>

#include "key_index.h"

namespace herdcache {

class LruList {
 public:
  LruList() = default;
  LruList(const LruList&) = delete;
  LruList& operator=(const LruList&) = delete;

  // Makes slots [0, slot_count) linkable.
  void Reserve(uint32_t slot_count) {
    if (slot_count > prev_.size()) {
      prev_.resize(slot_count, kNoSlot);
      next_.resize(slot_count, kNoSlot);
    }
  }

  // Links `slot` as most recently used. Precondition: `slot` is reserved and not linked.
  void PushFront(uint32_t slot) noexcept {
    assert(slot < prev_.size());
    prev_[slot] = kNoSlot;
    next_[slot] = head_;
    if (head_ != kNoSlot) prev_[head_] = slot;
    head_ = slot;
    if (tail_ == kNoSlot) tail_ = slot;
  }

  // Unlinks `slot`. Precondition: `slot` is linked.
  void Remove(uint32_t slot) noexcept {
    assert(slot < prev_.size());
    const uint32_t before = prev_[slot];
    const uint32_t after = next_[slot];
    (before == kNoSlot ? head_ : next_[before]) = after;
    (after == kNoSlot ? tail_ : prev_[after]) = before;
    prev_[slot] = next_[slot] = kNoSlot;
  }

  // Makes a linked `slot` the most recently used.
  void MoveToFront(uint32_t slot) noexcept {
    if (slot == head_) return;
    Remove(slot);
    PushFront(slot);
  }

  // The least recently used slot, or kNoSlot when empty.
  uint32_t Back() const noexcept { return tail_; }
  // The most recently used slot, or kNoSlot when empty.
  uint32_t Front() const noexcept { return head_; }
  // The slot after `slot` towards the least recently used end, or kNoSlot.
  uint32_t Next(uint32_t slot) const noexcept { return next_[slot]; }
  // The slot before `slot` towards the most recently used end, or kNoSlot.
  uint32_t Prev(uint32_t slot) const noexcept { return prev_[slot]; }

  // Unlinks everything and releases the link arrays.
  void Clear() noexcept {
    std::vector<uint32_t>().swap(prev_);
    std::vector<uint32_t>().swap(next_);
    head_ = tail_ = kNoSlot;
  }

 private:
  std::vector<uint32_t> prev_;
  std::vector<uint32_t> next_;
  uint32_t head_ = kNoSlot;
  uint32_t tail_ = kNoSlot;
};

}  // namespace herdcache
