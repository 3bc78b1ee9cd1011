// Several recency lists over slot numbers sharing one array of links: each slot is in at most
// one of the lists (its segment). W-TinyLFU keeps its window, probation and protected segments
// this way (eviction_order.h), at one pair of links and one byte per slot.
//
// Like LruList: every operation is O(1) and noexcept except Reserve, which may allocate;
// preconditions are written on the declarations and asserted in debug builds.
#pragma once

#include <array>
#include <cassert>
#include <cstdint>
#include <vector>

#include "huge_pages.h"
#include "prefetch.h"
#include "slot.h"

namespace herdcache {

template <uint8_t kSegments>
class SegmentedList {
 public:
  // The segment of a slot in no list.
  static constexpr uint8_t kUnlinked = 0xff;

  SegmentedList() = default;
  SegmentedList(const SegmentedList&) = delete;
  SegmentedList& operator=(const SegmentedList&) = delete;

  // Makes slots [0, slot_count) linkable. Amortized O(1) per slot; may throw std::bad_alloc.
  void Reserve(uint32_t slot_count) {
    if (slot_count > links_.size()) {
      links_.resize(slot_count);
      segment_.resize(slot_count, kUnlinked);
    }
  }

  // The segment `slot` is in, or kUnlinked. Precondition: `slot` is reserved.
  uint8_t SegmentOf(uint32_t slot) const noexcept {
    assert(slot < segment_.size());
    return segment_[slot];
  }
  bool Contains(uint32_t slot) const noexcept { return SegmentOf(slot) != kUnlinked; }

  // Links `slot` as the most recently used of `segment`.
  // Precondition: `slot` is reserved and in no list; segment < kSegments.
  void PushFront(uint8_t segment, uint32_t slot) noexcept {
    assert(!Contains(slot) && segment < kSegments);
    Ends& ends = ends_[segment];
    links_[slot] = Link{kNoSlot, ends.head};
    if (ends.head != kNoSlot) links_[ends.head].prev = slot;
    ends.head = slot;
    if (ends.tail == kNoSlot) ends.tail = slot;
    segment_[slot] = segment;
    ++sizes_[segment];
  }

  // Unlinks `slot` from its segment. Precondition: `slot` is linked.
  void Remove(uint32_t slot) noexcept {
    assert(Contains(slot));
    Ends& ends = ends_[segment_[slot]];
    const Link link = links_[slot];
    (link.prev == kNoSlot ? ends.head : links_[link.prev].next) = link.next;
    (link.next == kNoSlot ? ends.tail : links_[link.next].prev) = link.prev;
    links_[slot] = Link{};
    --sizes_[segment_[slot]];
    segment_[slot] = kUnlinked;
  }

  // Makes `slot` the most recently used of its segment. Precondition: `slot` is linked.
  void MoveToFront(uint32_t slot) noexcept {
    const uint8_t segment = SegmentOf(slot);
    if (ends_[segment].head == slot) return;
    Remove(slot);
    PushFront(segment, slot);
  }

  // Moves `slot` to the front of `segment`. Precondition: `slot` is linked.
  void MoveTo(uint8_t segment, uint32_t slot) noexcept {
    Remove(slot);
    PushFront(segment, slot);
  }

  // Hints that `slot`'s links are about to be changed, then its neighbours' (see LruList).
  // Precondition: `slot` is linked.
  void Prefetch(uint32_t slot) const noexcept { PrefetchForWrite(&links_[slot]); }
  void PrefetchNeighbours(uint32_t slot) const noexcept {
    const Link link = links_[slot];
    if (link.prev != kNoSlot) PrefetchForWrite(&links_[link.prev]);
    if (link.next != kNoSlot) PrefetchForWrite(&links_[link.next]);
  }

  // A segment's most and least recently used slots (kNoSlot when it is empty), and its size.
  uint32_t Front(uint8_t segment) const noexcept { return ends_[segment].head; }
  uint32_t Back(uint8_t segment) const noexcept { return ends_[segment].tail; }
  uint32_t size(uint8_t segment) const noexcept { return sizes_[segment]; }

  // The neighbours of `slot` in its segment, kNoSlot at its ends. Precondition: `slot` is linked.
  uint32_t Next(uint32_t slot) const noexcept {
    assert(Contains(slot));
    return links_[slot].next;
  }
  uint32_t Prev(uint32_t slot) const noexcept {
    assert(Contains(slot));
    return links_[slot].prev;
  }

  // Unlinks everything and releases the arrays: every slot must be reserved again.
  void Clear() noexcept {
    HugePageVector<Link>().swap(links_);
    std::vector<uint8_t>().swap(segment_);
    ends_ = {};
    sizes_ = {};
  }

 private:
  struct Link {
    uint32_t prev = kNoSlot;
    uint32_t next = kNoSlot;
  };
  struct Ends {
    uint32_t head = kNoSlot;
    uint32_t tail = kNoSlot;
  };

  HugePageVector<Link> links_;
  std::vector<uint8_t> segment_;
  std::array<Ends, kSegments> ends_{};
  std::array<uint32_t, kSegments> sizes_{};
};

}  // namespace herdcache
