// An indexed min-heap of slots by time: which entry must be reclaimed next.
//
// Each slot is in the heap at most once and knows its position, so changing or removing a
// slot's time is O(log n) with no stale duplicates left behind: the heap never holds more
// items than there are entries with a finite lifetime.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace herdcache {

class ExpiryHeap {
 public:
  ExpiryHeap() = default;
  ExpiryHeap(const ExpiryHeap&) = delete;
  ExpiryHeap& operator=(const ExpiryHeap&) = delete;

  // Sets `slot`'s time, adding it if absent. O(log n).
  void Set(uint32_t slot, double time) {
    if (slot >= position_.size()) position_.resize(slot + 1, kAbsent);
    if (position_[slot] == kAbsent) {
      position_[slot] = static_cast<uint32_t>(items_.size());
      items_.push_back({time, slot});
      SiftUp(position_[slot]);
      return;
    }
    const uint32_t at = position_[slot];
    const double before = items_[at].time;
    items_[at].time = time;
    if (time < before) {
      SiftUp(at);
    } else {
      SiftDown(at);
    }
  }

  // Removes `slot` if present. O(log n).
  void Remove(uint32_t slot) noexcept {
    if (slot >= position_.size() || position_[slot] == kAbsent) return;
    const uint32_t at = position_[slot];
    position_[slot] = kAbsent;
    const Item last = items_.back();
    items_.pop_back();
    if (at == items_.size()) return;
    items_[at] = last;
    position_[last.slot] = at;
    SiftUp(at);
    SiftDown(position_[last.slot]);
  }

  bool empty() const noexcept { return items_.empty(); }
  size_t size() const noexcept { return items_.size(); }
  // The earliest time, or +infinity when empty.
  double TopTime() const noexcept {
    return items_.empty() ? std::numeric_limits<double>::infinity() : items_.front().time;
  }
  // The slot with the earliest time. Precondition: !empty().
  uint32_t TopSlot() const noexcept { return items_.front().slot; }

  void Clear() noexcept {
    std::vector<Item>().swap(items_);
    std::vector<uint32_t>().swap(position_);
  }

  // Heap order and position back-links agree; for tests. O(n).
  bool CheckInvariants() const {
    for (size_t i = 0; i < items_.size(); ++i) {
      if (i > 0 && items_[(i - 1) / 2].time > items_[i].time) return false;
      if (items_[i].slot >= position_.size() || position_[items_[i].slot] != i) return false;
    }
    return true;
  }

 private:
  struct Item {
    double time;
    uint32_t slot;
  };
  static constexpr uint32_t kAbsent = UINT32_MAX;

  void Swap(uint32_t a, uint32_t b) noexcept {
    std::swap(items_[a], items_[b]);
    position_[items_[a].slot] = a;
    position_[items_[b].slot] = b;
  }
  void SiftUp(uint32_t at) noexcept {
    while (at > 0) {
      const uint32_t parent = (at - 1) / 2;
      if (!(items_[at].time < items_[parent].time)) return;
      Swap(at, parent);
      at = parent;
    }
  }
  void SiftDown(uint32_t at) noexcept {
    const auto count = static_cast<uint32_t>(items_.size());
    for (;;) {
      const uint32_t left = 2 * at + 1;
      if (left >= count) return;
      uint32_t child = left;
      if (left + 1 < count && items_[left + 1].time < items_[left].time) child = left + 1;
      if (!(items_[child].time < items_[at].time)) return;
      Swap(at, child);
      at = child;
    }
  }

  std::vector<Item> items_;
  std::vector<uint32_t> position_;
};

}  // namespace herdcache
