#include "lru_list.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace herdcache {
namespace {

using Slots = std::vector<uint32_t>;

// The list from most to least recently used; checks that Back() is the last of them and that
// the Prev links walk the same list backwards.
Slots Order(const LruList& list) {
  Slots order;
  for (uint32_t slot = list.Front(); slot != kNoSlot; slot = list.Next(slot)) {
    order.push_back(slot);
    if (order.size() > 1000) break;  // a cycle would otherwise never end
  }
  EXPECT_EQ(list.Back(), order.empty() ? kNoSlot : order.back());
  Slots backwards;
  for (uint32_t slot = list.Back(); slot != kNoSlot; slot = list.Prev(slot)) {
    backwards.push_back(slot);
    if (backwards.size() > 1000) break;
  }
  EXPECT_EQ(Slots(backwards.rbegin(), backwards.rend()), order) << "Prev disagrees with Next";
  return order;
}

// Links `front_to_back` into an empty list so that Order(list) == front_to_back.
void Fill(LruList& list, const Slots& front_to_back) {
  list.Reserve(8);
  for (auto it = front_to_back.rbegin(); it != front_to_back.rend(); ++it) list.PushFront(*it);
}

TEST(LruList, IsEmptyWhenNew) {
  LruList list;
  EXPECT_EQ(list.Front(), kNoSlot);
  EXPECT_EQ(list.Back(), kNoSlot);
}

TEST(LruList, PushFrontMakesASlotTheMostRecentlyUsed) {
  LruList list;
  list.Reserve(4);
  list.PushFront(2);
  EXPECT_EQ(list.Front(), 2u);
  EXPECT_EQ(list.Back(), 2u);
  EXPECT_EQ(list.Next(2), kNoSlot);
  list.PushFront(0);
  list.PushFront(3);
  EXPECT_EQ(Order(list), (Slots{3, 0, 2}));
  EXPECT_EQ(list.Front(), 3u);
  EXPECT_EQ(list.Back(), 2u);
}

TEST(LruList, BackIsTheLeastRecentlyUsed) {
  LruList list;
  Fill(list, {1, 2, 3});
  EXPECT_EQ(list.Back(), 3u);
  list.MoveToFront(3);
  EXPECT_EQ(list.Back(), 2u);
  EXPECT_EQ(Order(list), (Slots{3, 1, 2}));
}

TEST(LruList, RemovesTheHead) {
  LruList list;
  Fill(list, {1, 2, 3});
  list.Remove(1);
  EXPECT_EQ(Order(list), (Slots{2, 3}));
  EXPECT_EQ(list.Front(), 2u);
}

TEST(LruList, RemovesTheTail) {
  LruList list;
  Fill(list, {1, 2, 3});
  list.Remove(3);
  EXPECT_EQ(Order(list), (Slots{1, 2}));
  EXPECT_EQ(list.Back(), 2u);
  EXPECT_EQ(list.Next(2), kNoSlot);
}

TEST(LruList, RemovesFromTheMiddle) {
  LruList list;
  Fill(list, {1, 2, 3});
  list.Remove(2);
  EXPECT_EQ(Order(list), (Slots{1, 3}));
  EXPECT_EQ(list.Next(1), 3u);
}

TEST(LruList, RemovesTheOnlySlotLeavingItEmpty) {
  LruList list;
  Fill(list, {5});
  list.Remove(5);
  EXPECT_EQ(list.Front(), kNoSlot);
  EXPECT_EQ(list.Back(), kNoSlot);
  list.PushFront(5);
  EXPECT_EQ(Order(list), (Slots{5}));
}

TEST(LruList, RemovedSlotCanBePushedAgain) {
  LruList list;
  Fill(list, {0, 1, 2, 3});
  list.Remove(2);
  list.PushFront(2);
  EXPECT_EQ(Order(list), (Slots{2, 0, 1, 3}));
  list.Remove(3);
  list.PushFront(3);
  EXPECT_EQ(Order(list), (Slots{3, 2, 0, 1}));
}

TEST(LruList, MoveToFrontOfTheHeadChangesNothing) {
  LruList list;
  Fill(list, {1, 2, 3});
  list.MoveToFront(1);
  EXPECT_EQ(Order(list), (Slots{1, 2, 3}));
}

TEST(LruList, MoveToFrontFromTheMiddleAndTheTail) {
  LruList list;
  Fill(list, {1, 2, 3, 4});
  list.MoveToFront(3);
  EXPECT_EQ(Order(list), (Slots{3, 1, 2, 4}));
  list.MoveToFront(4);
  EXPECT_EQ(Order(list), (Slots{4, 3, 1, 2}));
  EXPECT_EQ(list.Back(), 2u);
}

TEST(LruList, EvictsLeastRecentlyUsedWhenUsedAsACache) {
  // The owner's eviction loop: take Back(), unlink it, reuse the slot at the front.
  LruList list;
  Fill(list, {0, 1, 2});
  list.MoveToFront(2);  // 2 0 1
  list.MoveToFront(0);  // 0 2 1
  const uint32_t victim = list.Back();
  EXPECT_EQ(victim, 1u);
  list.Remove(victim);
  list.PushFront(victim);
  EXPECT_EQ(Order(list), (Slots{1, 0, 2}));
}

TEST(LruList, ReserveKeepsExistingLinks) {
  LruList list;
  list.Reserve(2);
  list.PushFront(0);
  list.PushFront(1);
  list.Reserve(100);
  list.Reserve(1);  // never shrinks
  list.PushFront(99);
  EXPECT_EQ(Order(list), (Slots{99, 1, 0}));
}

TEST(LruList, PrevWalksTowardsTheMostRecentlyUsed) {
  LruList list;
  Fill(list, {4, 1, 6});
  EXPECT_EQ(list.Prev(6), 1u);
  EXPECT_EQ(list.Prev(1), 4u);
  EXPECT_EQ(list.Prev(4), kNoSlot);
  list.MoveToFront(6);
  EXPECT_EQ(list.Prev(6), kNoSlot);
  EXPECT_EQ(list.Prev(4), 6u);
  list.Remove(4);
  EXPECT_EQ(list.Prev(1), 6u);
}

TEST(LruList, ClearUnlinksEverything) {
  LruList list;
  Fill(list, {0, 1, 2, 3});
  list.Clear();
  EXPECT_EQ(list.Front(), kNoSlot);
  EXPECT_EQ(list.Back(), kNoSlot);
  list.Reserve(3);
  list.PushFront(2);
  list.PushFront(1);
  EXPECT_EQ(Order(list), (Slots{1, 2}));
}

TEST(LruList, MatchesAReferenceOrderUnderRandomOperations) {
  constexpr uint32_t kSlots = 8;
  LruList list;
  list.Reserve(kSlots);
  Slots model;  // front to back
  uint64_t state = 12345;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  for (int step = 0; step < 3000; ++step) {
    const uint32_t slot = next() % kSlots;
    const auto it = std::find(model.begin(), model.end(), slot);
    const bool linked = it != model.end();
    switch (next() % 3) {
      case 0:
        if (!linked) {
          list.PushFront(slot);
          model.insert(model.begin(), slot);
        }
        break;
      case 1:
        if (linked) {
          list.Remove(slot);
          model.erase(it);
        }
        break;
      default:
        if (linked) {
          list.MoveToFront(slot);
          model.erase(it);
          model.insert(model.begin(), slot);
        }
        break;
    }
    ASSERT_EQ(Order(list), model) << "step " << step;
  }
}

TEST(LruList, ContainsExactlyTheLinkedSlots) {
  LruList list;
  list.Reserve(4);
  EXPECT_FALSE(list.Contains(0));
  list.PushFront(0);
  EXPECT_TRUE(list.Contains(0)) << "a lone slot is linked though it has no neighbours";
  list.PushFront(3);
  EXPECT_TRUE(list.Contains(3));
  EXPECT_FALSE(list.Contains(1));
  list.Remove(0);
  EXPECT_FALSE(list.Contains(0));
  list.Remove(3);
  EXPECT_FALSE(list.Contains(3));
}

TEST(LruList, ListOperationsAreNoexceptAndTheListIsNotCopyable) {
  LruList list;
  static_assert(noexcept(list.PushFront(0)));
  static_assert(noexcept(list.Remove(0)));
  static_assert(noexcept(list.MoveToFront(0)));
  static_assert(noexcept(list.Next(0)));
  static_assert(noexcept(list.Prev(0)));
  static_assert(noexcept(list.Front()));
  static_assert(noexcept(list.Back()));
  static_assert(noexcept(list.Clear()));
  static_assert(!std::is_copy_constructible_v<LruList> && !std::is_copy_assignable_v<LruList>);
  SUCCEED();
}

// The preconditions written on the declarations are asserted in debug builds (the test build is
// one); in a release build these calls are undefined, so the death tests only run under assert.
#ifndef NDEBUG
TEST(LruListDeathTest, PushFrontOfALinkedSlotAssertsInDebugBuilds) {
  LruList list;
  Fill(list, {1, 2});
  EXPECT_DEATH(list.PushFront(2), "Contains");
}

TEST(LruListDeathTest, PushFrontOfAnUnreservedSlotAssertsInDebugBuilds) {
  LruList list;
  list.Reserve(2);
  EXPECT_DEATH(list.PushFront(2), "links_.size");
}

TEST(LruListDeathTest, RemoveOfAnUnlinkedSlotAssertsInDebugBuilds) {
  LruList list;
  Fill(list, {1});
  EXPECT_DEATH(list.Remove(0), "Contains");
}

TEST(LruListDeathTest, MoveToFrontOfAnUnlinkedSlotAssertsInDebugBuilds) {
  LruList list;
  Fill(list, {1, 2});
  EXPECT_DEATH(list.MoveToFront(3), "Contains");
}

TEST(LruListDeathTest, NextAndPrevOfAnUnlinkedSlotAssertInDebugBuilds) {
  LruList list;
  Fill(list, {1, 2});
  EXPECT_DEATH(list.Next(4), "Contains");
  EXPECT_DEATH(list.Prev(4), "Contains");
}
#endif

}  // namespace
}  // namespace herdcache
