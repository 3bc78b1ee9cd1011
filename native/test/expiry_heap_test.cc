#include "expiry_heap.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace herdcache {
namespace {

using Popped = std::vector<std::pair<double, uint32_t>>;

// Empties the heap through TopSlot/Remove, returning (time, slot) in the order it gave them.
Popped Drain(ExpiryHeap& heap) {
  Popped order;
  while (!heap.empty()) {
    order.emplace_back(heap.TopTime(), heap.TopSlot());
    heap.Remove(heap.TopSlot());
    EXPECT_TRUE(heap.CheckInvariants());
    if (order.size() > 1000) break;  // a broken Remove would otherwise never end
  }
  return order;
}

TEST(ExpiryHeap, IsEmptyWithAnInfiniteTopTimeWhenNew) {
  ExpiryHeap heap;
  EXPECT_TRUE(heap.empty());
  EXPECT_EQ(heap.size(), 0u);
  EXPECT_TRUE(std::isinf(heap.TopTime()));
  EXPECT_GT(heap.TopTime(), 0);
  EXPECT_TRUE(heap.CheckInvariants());
}

TEST(ExpiryHeap, TopIsTheEarliestTimeWhateverTheInsertionOrder) {
  ExpiryHeap heap;
  heap.Set(4, 40);
  EXPECT_EQ(heap.TopSlot(), 4u);
  heap.Set(1, 10);
  heap.Set(9, 90);
  heap.Set(2, 20);
  heap.Set(0, 5);
  EXPECT_EQ(heap.size(), 5u);
  EXPECT_EQ(heap.TopSlot(), 0u);
  EXPECT_EQ(heap.TopTime(), 5);
  EXPECT_TRUE(heap.CheckInvariants());
  EXPECT_EQ(Drain(heap), (Popped{{5, 0}, {10, 1}, {20, 2}, {40, 4}, {90, 9}}));
}

TEST(ExpiryHeap, DrainsInNondecreasingOrderWithTiesAndFractions) {
  ExpiryHeap heap;
  const double times[] = {3, 1.5, 3, 0.25, 7, 1.5, 3, 1e300, 0};
  for (uint32_t slot = 0; slot < std::size(times); ++slot) heap.Set(slot, times[slot]);
  const Popped order = Drain(heap);
  ASSERT_EQ(order.size(), std::size(times));
  std::set<uint32_t> slots;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i > 0) {
      EXPECT_LE(order[i - 1].first, order[i].first) << "at " << i;
    }
    EXPECT_EQ(order[i].first, times[order[i].second]) << "slot " << order[i].second;
    slots.insert(order[i].second);
  }
  EXPECT_EQ(slots.size(), std::size(times)) << "each slot exactly once";
}

TEST(ExpiryHeap, SetOfAPresentSlotToAnEarlierTimeMovesItUp) {
  ExpiryHeap heap;
  for (uint32_t slot = 0; slot < 7; ++slot) heap.Set(slot, 10.0 * (slot + 1));
  heap.Set(6, 1);
  EXPECT_EQ(heap.size(), 7u) << "updating adds no duplicate";
  EXPECT_EQ(heap.TopSlot(), 6u);
  EXPECT_EQ(heap.TopTime(), 1);
  EXPECT_TRUE(heap.CheckInvariants());
  EXPECT_EQ(Drain(heap), (Popped{{1, 6}, {10, 0}, {20, 1}, {30, 2}, {40, 3}, {50, 4}, {60, 5}}));
}

TEST(ExpiryHeap, SetOfAPresentSlotToALaterTimeMovesItDown) {
  ExpiryHeap heap;
  for (uint32_t slot = 0; slot < 7; ++slot) heap.Set(slot, 10.0 * (slot + 1));
  heap.Set(0, 100);
  EXPECT_EQ(heap.size(), 7u);
  EXPECT_EQ(heap.TopSlot(), 1u);
  EXPECT_TRUE(heap.CheckInvariants());
  EXPECT_EQ(Drain(heap), (Popped{{20, 1}, {30, 2}, {40, 3}, {50, 4}, {60, 5}, {70, 6}, {100, 0}}));
}

TEST(ExpiryHeap, SetToTheSameTimeChangesNothing) {
  ExpiryHeap heap;
  heap.Set(3, 30);
  heap.Set(1, 10);
  heap.Set(3, 30);
  EXPECT_EQ(heap.size(), 2u);
  EXPECT_EQ(Drain(heap), (Popped{{10, 1}, {30, 3}}));
}

TEST(ExpiryHeap, RemovesTheTop) {
  ExpiryHeap heap;
  for (uint32_t slot = 0; slot < 6; ++slot) heap.Set(slot, 6.0 - slot);
  heap.Remove(5);
  EXPECT_TRUE(heap.CheckInvariants());
  EXPECT_EQ(heap.TopSlot(), 4u);
  EXPECT_EQ(Drain(heap), (Popped{{2, 4}, {3, 3}, {4, 2}, {5, 1}, {6, 0}}));
}

TEST(ExpiryHeap, RemovesTheLastItem) {
  ExpiryHeap heap;
  for (uint32_t slot = 0; slot < 5; ++slot) heap.Set(slot, slot);
  heap.Remove(4);  // the last in array order: nothing moves into its place
  EXPECT_EQ(heap.size(), 4u);
  EXPECT_TRUE(heap.CheckInvariants());
  EXPECT_EQ(Drain(heap), (Popped{{0, 0}, {1, 1}, {2, 2}, {3, 3}}));
}

TEST(ExpiryHeap, RemovesFromTheMiddleWhenTheMovedItemMustGoUp) {
  // Two subtrees: the last item (small) moves into the other subtree's hole and must rise.
  ExpiryHeap heap;
  heap.Set(0, 1);
  heap.Set(1, 50);  // left child of the root
  heap.Set(2, 10);  // right child
  heap.Set(3, 60);
  heap.Set(4, 70);
  heap.Set(5, 20);  // last: under slot 2
  heap.Remove(3);   // a hole under slot 1 (50) that 20 fills, then rises above 50
  EXPECT_TRUE(heap.CheckInvariants());
  EXPECT_EQ(Drain(heap), (Popped{{1, 0}, {10, 2}, {20, 5}, {50, 1}, {70, 4}}));
}

TEST(ExpiryHeap, RemovesFromTheMiddleWhenTheMovedItemMustGoDown) {
  ExpiryHeap heap;
  heap.Set(0, 1);
  heap.Set(1, 2);
  heap.Set(2, 3);
  heap.Set(3, 4);
  heap.Set(4, 5);
  heap.Set(5, 100);
  heap.Remove(1);  // 100 fills a hole above 4 and 5 and must sink
  EXPECT_TRUE(heap.CheckInvariants());
  EXPECT_EQ(Drain(heap), (Popped{{1, 0}, {3, 2}, {4, 3}, {5, 4}, {100, 5}}));
}

TEST(ExpiryHeap, RemoveOfAnAbsentSlotIsANoOp) {
  ExpiryHeap heap;
  heap.Remove(0);
  heap.Remove(1000);
  heap.Set(2, 5);
  heap.Remove(1);
  heap.Remove(2);
  heap.Remove(2);
  EXPECT_TRUE(heap.empty());
  EXPECT_TRUE(heap.CheckInvariants());
}

TEST(ExpiryHeap, RemovedSlotCanBeSetAgain) {
  ExpiryHeap heap;
  heap.Set(0, 5);
  heap.Set(1, 6);
  heap.Remove(0);
  heap.Set(0, 7);
  EXPECT_EQ(heap.size(), 2u);
  EXPECT_EQ(Drain(heap), (Popped{{6, 1}, {7, 0}}));
}

TEST(ExpiryHeap, ClearForgetsEverySlot) {
  ExpiryHeap heap;
  for (uint32_t slot = 0; slot < 10; ++slot) heap.Set(slot, slot);
  heap.Clear();
  EXPECT_TRUE(heap.empty());
  EXPECT_TRUE(std::isinf(heap.TopTime()));
  heap.Remove(3);  // forgotten, not present
  heap.Set(3, 1);
  EXPECT_EQ(Drain(heap), (Popped{{1, 3}}));
}

TEST(ExpiryHeap, SparseSlotNumbersAreAccepted) {
  ExpiryHeap heap;
  heap.Set(100'000, 2);
  heap.Set(7, 1);
  EXPECT_EQ(Drain(heap), (Popped{{1, 7}, {2, 100'000}}));
}

TEST(ExpiryHeap, MatchesAMultisetModelUnderRandomOperations) {
  constexpr uint32_t kSlots = 40;
  for (const uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    ExpiryHeap heap;
    std::map<uint32_t, double> times;                  // slot -> time
    std::multiset<std::pair<double, uint32_t>> order;  // (time, slot)
    for (int step = 0; step < 4000; ++step) {
      const auto slot = static_cast<uint32_t>(rng() % kSlots);
      // Few distinct times, so ties and equal-time updates are common.
      const double time = static_cast<double>(rng() % 16) / 2;
      const auto it = times.find(slot);
      switch (rng() % 4) {
        case 0:
        case 1:  // add or update (up, down or unchanged)
          if (it != times.end()) {
            order.erase(order.find({it->second, slot}));
            it->second = time;
          } else {
            times[slot] = time;
          }
          order.insert({time, slot});
          heap.Set(slot, time);
          break;
        case 2:  // remove any, present or not
          if (it != times.end()) {
            order.erase(order.find({it->second, slot}));
            times.erase(it);
          }
          heap.Remove(slot);
          break;
        default:  // remove the top
          if (!heap.empty()) {
            const uint32_t top = heap.TopSlot();
            ASSERT_EQ(times.count(top), 1u) << "step " << step;
            order.erase(order.find({times[top], top}));
            times.erase(top);
            heap.Remove(top);
          }
          break;
      }
      ASSERT_TRUE(heap.CheckInvariants()) << "step " << step;
      ASSERT_EQ(heap.size(), times.size()) << "step " << step;
      if (order.empty()) {
        ASSERT_TRUE(std::isinf(heap.TopTime())) << "step " << step;
      } else {
        ASSERT_EQ(heap.TopTime(), order.begin()->first) << "step " << step;
        ASSERT_EQ(times.at(heap.TopSlot()), order.begin()->first) << "step " << step;
      }
    }
  }
}

}  // namespace
}  // namespace herdcache
