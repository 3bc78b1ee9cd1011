// Recency order over slot numbers: a doubly-linked list threaded through an array of links.
//
// The list owns only links; the slots' contents live with the owner. A slot's two links sit
// side by side, so unlinking touches one cache line per neighbour, which is most of the cost of
// a hit in a store too large for the CPU cache. Every operation is O(1) and noexcept except
// Reserve, which may allocate. Preconditions are written on each declaration and asserted in
// debug builds; a release build trusts them, as the store's invariant checks cover its use.
#pragma once

#include <cassert>
#include <cstdint>
#include <vector>

#include "huge_pages.h"
#include "prefetch.h"
#include "slot.h"

namespace herdcache {

class LruList {
 public:
  LruList() = default;
  LruList(const LruList&) = delete;
  LruList& operator=(const LruList&) = delete;

  // Makes slots [0, slot_count) linkable. Slots already reserved keep their links. Amortized
  // O(1) per slot; may throw std::bad_alloc.
  void Reserve(uint32_t slot_count) {
    if (slot_count > links_.size()) links_.resize(slot_count);
  }

  // Whether `slot` is in the list. Precondition: `slot` is reserved.
  bool Contains(uint32_t slot) const noexcept {
    assert(slot < links_.size());
    // A linked slot has a predecessor unless it is the head; an unlinked one has neither.
    return links_[slot].prev != kNoSlot || head_ == slot;
  }

  // Links `slot` as most recently used. Precondition: `slot` is reserved and not linked.
  void PushFront(uint32_t slot) noexcept {
    assert(!Contains(slot));
    links_[slot] = Link{kNoSlot, head_};
    if (head_ != kNoSlot) links_[head_].prev = slot;
    head_ = slot;
    if (tail_ == kNoSlot) tail_ = slot;
  }

  // Unlinks `slot`. Precondition: `slot` is linked.
  void Remove(uint32_t slot) noexcept {
    assert(Contains(slot));
    const Link link = links_[slot];
    (link.prev == kNoSlot ? head_ : links_[link.prev].next) = link.next;
    (link.next == kNoSlot ? tail_ : links_[link.next].prev) = link.prev;
    links_[slot] = Link{};
  }

  // Makes `slot` the most recently used. Precondition: `slot` is linked.
  void MoveToFront(uint32_t slot) noexcept {
    assert(Contains(slot));
    if (slot == head_) return;
    Remove(slot);
    PushFront(slot);
  }

  // Hints that `slot`'s links are about to be read, then its neighbours' (after its own links
  // have arrived), so a batch of moves can overlap its cache misses. Change nothing.
  // Precondition: `slot` is linked.
  void Prefetch(uint32_t slot) const noexcept { PrefetchForWrite(&links_[slot]); }
  void PrefetchNeighbours(uint32_t slot) const noexcept {
    const Link link = links_[slot];
    if (link.prev != kNoSlot) PrefetchForWrite(&links_[link.prev]);
    if (link.next != kNoSlot) PrefetchForWrite(&links_[link.next]);
  }

  // The least recently used slot, or kNoSlot when empty.
  uint32_t Back() const noexcept { return tail_; }
  // The most recently used slot, or kNoSlot when empty.
  uint32_t Front() const noexcept { return head_; }
  // The slot after `slot` towards the least recently used end, or kNoSlot.
  // Precondition: `slot` is linked.
  uint32_t Next(uint32_t slot) const noexcept {
    assert(Contains(slot));
    return links_[slot].next;
  }
  // The slot before `slot` towards the most recently used end, or kNoSlot.
  // Precondition: `slot` is linked.
  uint32_t Prev(uint32_t slot) const noexcept {
    assert(Contains(slot));
    return links_[slot].prev;
  }

  // Unlinks everything and releases the link array: every slot must be reserved again.
  void Clear() noexcept {
    HugePageVector<Link>().swap(links_);
    head_ = tail_ = kNoSlot;
  }

 private:
  struct Link {
    uint32_t prev = kNoSlot;
    uint32_t next = kNoSlot;
  };

  HugePageVector<Link> links_;
  uint32_t head_ = kNoSlot;
  uint32_t tail_ = kNoSlot;
};

}  // namespace herdcache
