#include "eviction_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <unordered_map>
#include <vector>

namespace herdcache {
namespace {

using Slots = std::vector<uint32_t>;

uint64_t HashOf(uint64_t key) { return (key + 1) * 0x9e3779b97f4a7c15ULL; }

// Every slot in iteration order; checks that Back/Prev walk the same slots backwards.
Slots Order(const EvictionOrder& order) {
  Slots slots;
  for (uint32_t slot = order.Front(); slot != kNoSlot; slot = order.Next(slot)) {
    slots.push_back(slot);
    if (slots.size() > 100'000) break;  // a cycle would otherwise never end
  }
  Slots backwards;
  for (uint32_t slot = order.Back(); slot != kNoSlot; slot = order.Prev(slot)) {
    backwards.push_back(slot);
    if (backwards.size() > 100'000) break;
  }
  EXPECT_EQ(Slots(backwards.rbegin(), backwards.rend()), slots) << "Prev disagrees with Next";
  return slots;
}

// A cache of integer keys over an EvictionOrder, the way EntryTable drives it: a lookup that
// misses counts the miss and inserts the key, evicting the order's victim when full.
class Cache {
 public:
  Cache(EvictionPolicy policy, uint32_t max_entries)
      : order_(policy, max_entries), max_entries_(max_entries) {}

  // Returns whether the key was present.
  bool Get(uint64_t key) {
    if (const auto found = slots_.find(key); found != slots_.end()) {
      order_.Access(found->second, HashOf(key));
      return true;
    }
    order_.RecordMiss(HashOf(key));
    Put(key);
    return false;
  }

  void Put(uint64_t key) {
    if (slots_.size() >= max_entries_) Evict();
    uint32_t slot;
    if (free_.empty()) {
      slot = static_cast<uint32_t>(keys_.size());
      keys_.push_back(key);
      order_.Reserve(slot + 1);
    } else {
      slot = free_.back();
      free_.pop_back();
      keys_[slot] = key;
    }
    slots_[key] = slot;
    order_.Insert(slot, HashOf(key));
  }

  void Evict() {
    const uint32_t victim = order_.Victim();
    ASSERT_NE(victim, kNoSlot);
    ASSERT_TRUE(order_.Contains(victim));
    Erase(keys_[victim]);
    ++evictions_;
  }

  void Erase(uint64_t key) {
    const uint32_t slot = slots_.at(key);
    order_.Remove(slot);
    slots_.erase(key);
    free_.push_back(slot);
  }

  bool Has(uint64_t key) const { return slots_.contains(key); }
  uint32_t SlotOf(uint64_t key) const { return slots_.at(key); }
  size_t size() const { return slots_.size(); }
  EvictionOrder& order() { return order_; }
  uint64_t evictions() const { return evictions_; }
  std::vector<uint64_t> KeysInOrder() const {
    std::vector<uint64_t> keys;
    for (const uint32_t slot : Order(order_)) keys.push_back(keys_[slot]);
    return keys;
  }

 private:
  EvictionOrder order_;
  uint32_t max_entries_;
  std::unordered_map<uint64_t, uint32_t> slots_;
  std::vector<uint64_t> keys_;  // by slot
  Slots free_;
  uint64_t evictions_ = 0;
};

TEST(EvictionPolicyNames, NameEachPolicyBothWays) {
  EXPECT_STREQ(PolicyName(EvictionPolicy::kLru), "lru");
  EXPECT_STREQ(PolicyName(EvictionPolicy::kTinyLfu), "tinylfu");
  EXPECT_EQ(PolicyNamed("lru"), EvictionPolicy::kLru);
  EXPECT_EQ(PolicyNamed("tinylfu"), EvictionPolicy::kTinyLfu);
  EXPECT_EQ(PolicyNamed("LRU"), std::nullopt);
  EXPECT_EQ(PolicyNamed(""), std::nullopt);
}

TEST(EvictionOrderLru, IteratesMostRecentlyUsedFirstAndEvictsTheLeast) {
  Cache cache(EvictionPolicy::kLru, 3);
  cache.Get(1);
  cache.Get(2);
  cache.Get(3);
  EXPECT_EQ(cache.KeysInOrder(), (std::vector<uint64_t>{3, 2, 1}));
  cache.Get(1);  // a hit
  EXPECT_EQ(cache.KeysInOrder(), (std::vector<uint64_t>{1, 3, 2}));
  cache.Get(4);  // evicts 2
  EXPECT_FALSE(cache.Has(2));
  EXPECT_EQ(cache.KeysInOrder(), (std::vector<uint64_t>{4, 1, 3}));
}

TEST(EvictionOrderLru, IgnoresMissesAndHasNoSketch) {
  EvictionOrder order(EvictionPolicy::kLru, 100);
  order.Reserve(10);
  for (int i = 0; i < 100; ++i) order.RecordMiss(HashOf(1));
  EXPECT_EQ(order.sketch().words(), 0u);
  EXPECT_EQ(order.Victim(), kNoSlot);
}

TEST(EvictionOrderTinyLfu, SharesOnePercentWindowAndEightyPercentProtected) {
  const EvictionOrder order(EvictionPolicy::kTinyLfu, 1000);
  EXPECT_EQ(order.window_max(), 10u);
  EXPECT_EQ(order.protected_max(), 792u);
  const EvictionOrder tiny(EvictionPolicy::kTinyLfu, 1);
  EXPECT_EQ(tiny.window_max(), 1u);
  EXPECT_EQ(tiny.protected_max(), 0u);
}

TEST(EvictionOrderTinyLfu, NewEntriesEnterTheWindowAndOverflowToProbation) {
  Cache cache(EvictionPolicy::kTinyLfu, 200);  // window of 2
  cache.Get(1);
  cache.Get(2);
  EXPECT_EQ(cache.order().window_size(), 2u);
  EXPECT_EQ(cache.order().probation_size(), 0u);
  cache.Get(3);
  EXPECT_EQ(cache.order().window_size(), 2u);
  EXPECT_EQ(cache.order().probation_size(), 1u);
  // Window first (most recent first), then probation.
  EXPECT_EQ(cache.KeysInOrder(), (std::vector<uint64_t>{3, 2, 1}));
  EXPECT_TRUE(cache.order().CheckInvariants());
}

TEST(EvictionOrderTinyLfu, AHitInProbationPromotesToProtected) {
  Cache cache(EvictionPolicy::kTinyLfu, 200);
  for (uint64_t key = 1; key <= 5; ++key) cache.Get(key);  // 1, 2, 3 in probation
  ASSERT_EQ(cache.order().probation_size(), 3u);
  cache.Get(2);
  EXPECT_EQ(cache.order().protected_size(), 1u);
  EXPECT_EQ(cache.order().probation_size(), 2u);
  // Window 5, 4; protected 2; probation 3, 1.
  EXPECT_EQ(cache.KeysInOrder(), (std::vector<uint64_t>{5, 4, 2, 3, 1}));
  cache.Get(5);  // a hit in the window moves it to the window's front
  cache.Get(4);
  EXPECT_EQ(cache.KeysInOrder(), (std::vector<uint64_t>{4, 5, 2, 3, 1}));
}

TEST(EvictionOrderTinyLfu, ProtectedOverflowDemotesItsLeastRecentlyUsedToProbation) {
  Cache cache(EvictionPolicy::kTinyLfu, 10);                // window 1, protected share 7
  for (uint64_t key = 1; key <= 10; ++key) cache.Get(key);  // 1..9 in probation, 10 in window
  ASSERT_EQ(cache.order().protected_max(), 7u);
  for (uint64_t key = 1; key <= 7; ++key) cache.Get(key);
  EXPECT_EQ(cache.order().protected_size(), 7u);
  cache.Get(8);  // protected is full: its least recently used (1) goes back to probation
  EXPECT_EQ(cache.order().protected_size(), 7u);
  EXPECT_EQ(cache.order().probation_size(), 2u);
  EXPECT_EQ(cache.KeysInOrder(), (std::vector<uint64_t>{10, 8, 7, 6, 5, 4, 3, 2, 1, 9}));
  EXPECT_TRUE(cache.order().CheckInvariants());
}

TEST(EvictionOrderTinyLfu, ACandidateAskedForMoreOftenReplacesTheProbationVictim) {
  Cache cache(EvictionPolicy::kTinyLfu, 10);
  for (uint64_t key = 1; key <= 10; ++key) cache.Get(key);  // probation 9..1, window 10
  // Key 11 was asked for (and missed) before: it wins against key 1, asked for once.
  for (int i = 0; i < 3; ++i) cache.order().RecordMiss(HashOf(11));
  cache.Get(11);  // candidate 10 (asked for once) ties with victim 1: the candidate goes
  EXPECT_FALSE(cache.Has(10));
  EXPECT_TRUE(cache.Has(1));
  cache.Get(12);  // candidate 11 (asked for 4 times) beats victim 1 (once)
  EXPECT_TRUE(cache.Has(11));
  EXPECT_FALSE(cache.Has(1));
  EXPECT_EQ(cache.order().probation_size(), 9u);
}

TEST(EvictionOrderTinyLfu, NewKeysAlwaysEnterTheWindow) {
  Cache cache(EvictionPolicy::kTinyLfu, 100);
  for (uint64_t key = 0; key < 100; ++key) {
    for (int i = 0; i < 5; ++i) cache.Get(key);  // a full cache of frequent keys
  }
  for (uint64_t key = 1000; key < 1010; ++key) {
    EXPECT_FALSE(cache.Get(key));
    EXPECT_TRUE(cache.Has(key)) << "the newest key is in the window until pushed out";
    EXPECT_EQ(cache.order().Front(), cache.SlotOf(key));
  }
}

TEST(EvictionOrderTinyLfu, KeepsAHotSetThroughAScanThatFlushesLru) {
  for (const EvictionPolicy policy : {EvictionPolicy::kLru, EvictionPolicy::kTinyLfu}) {
    Cache cache(policy, 100);
    for (int round = 0; round < 20; ++round) {
      for (uint64_t key = 0; key < 50; ++key) cache.Get(key);
    }
    for (uint64_t key = 1'000'000; key < 1'000'500; ++key) cache.Get(key);  // asked for once each
    int kept = 0;
    for (uint64_t key = 0; key < 50; ++key) kept += cache.Has(key) ? 1 : 0;
    if (policy == EvictionPolicy::kLru) {
      EXPECT_EQ(kept, 0) << "LRU: the scan flushes the hot set";
    } else {
      EXPECT_EQ(kept, 50) << "TinyLFU: the scan's keys are not admitted";
      EXPECT_TRUE(cache.order().CheckInvariants());
    }
  }
}

TEST(EvictionOrderTinyLfu, AdmitsSomeFrequentLosersAtRandom) {
  // Candidates and victims all asked for 15 times (saturated counters, so the sketch never ages
  // here): every contest is a tie, which rejects the candidate, except for the random admission
  // of a frequent candidate, about one in 128.
  EvictionOrder order(EvictionPolicy::kTinyLfu, 1000);  // a window of 10
  order.Reserve(1000);                                  // an aging period of 10,000 increments
  std::vector<uint64_t> pool;
  for (uint64_t key = 0; key < 20; ++key) {
    pool.push_back(HashOf(key));
    for (int i = 0; i < 15; ++i) order.RecordMiss(HashOf(key));
  }
  for (uint32_t slot = 0; slot < 11; ++slot) order.Insert(slot, pool[slot]);
  ASSERT_EQ(order.probation_size(), 1u);
  int admitted = 0;
  for (size_t contest = 0; contest < 3000; ++contest) {
    const uint32_t main_victim = order.Back();  // probation's least recently used
    const uint32_t victim = order.Victim();
    if (victim == main_victim) ++admitted;
    order.Remove(victim);
    order.Insert(victim, pool[contest % pool.size()]);
  }
  EXPECT_GT(admitted, 5);
  EXPECT_LT(admitted, 60);
  EXPECT_TRUE(order.CheckInvariants());
}

TEST(EvictionOrderTinyLfu, VictimIsAlwaysALinkedSlotAndSegmentsKeepTheirShares) {
  std::mt19937_64 random(12345);
  for (const uint32_t max_entries : {1u, 2u, 7u, 64u, 300u}) {
    Cache cache(EvictionPolicy::kTinyLfu, max_entries);
    std::set<uint64_t> present;
    for (int step = 0; step < 20'000; ++step) {
      const uint64_t key = random() % (max_entries * 3 + 5);
      switch (random() % 8) {
        case 0:  // a delete
          if (cache.Has(key)) {
            cache.Erase(key);
            present.erase(key);
          }
          break;
        case 1: {  // several evictions in a row, as max_bytes may ask
          const size_t evict = std::min<size_t>(cache.size(), random() % 3);
          for (size_t i = 0; i < evict; ++i) cache.Evict();
          break;
        }
        default:
          cache.Get(key);
      }
      if (::testing::Test::HasFatalFailure()) return;
      const EvictionOrder& order = cache.order();
      ASSERT_TRUE(order.CheckInvariants()) << "step " << step;
      ASSERT_EQ(order.window_size() + order.probation_size() + order.protected_size(),
                cache.size());
      ASSERT_LE(cache.size(), max_entries);
      ASSERT_EQ(Order(order).size(), cache.size());
    }
    EXPECT_GT(cache.evictions(), 0u);
  }
}

TEST(EvictionOrderTinyLfu, GrowsTheWindowWhenRecencyPaysAndShrinksItWhenFrequencyDoes) {
  // A working set of 500 that drifts by 50 keys every 2000 lookups: a large window pays.
  Cache drifting(EvictionPolicy::kTinyLfu, 1000);
  std::mt19937_64 random(7);
  for (uint64_t base = 0; base < 5'000; base += 50) {
    for (int i = 0; i < 2'000; ++i) drifting.Get(base + random() % 500);
  }
  EXPECT_GT(drifting.order().window_max(), 100u);
  EXPECT_TRUE(drifting.order().CheckInvariants());
  // Then a fixed hot set of 200 among a stream of keys asked for once: the window shrinks back.
  uint64_t cold = 1'000'000;
  for (int i = 0; i < 400'000; ++i) drifting.Get(i % 2 == 0 ? random() % 200 : cold++);
  EXPECT_LT(drifting.order().window_max(), 100u);
  EXPECT_TRUE(drifting.order().CheckInvariants());
}

TEST(EvictionOrderTinyLfu, ClearForgetsTheEntriesButKeepsTheCounts) {
  Cache cache(EvictionPolicy::kTinyLfu, 100);
  for (int i = 0; i < 4; ++i) cache.Get(1);
  cache.order().Clear();
  EXPECT_EQ(cache.order().Front(), kNoSlot);
  EXPECT_EQ(cache.order().Victim(), kNoSlot);
  EXPECT_EQ(cache.order().sketch().Frequency(HashOf(1)), 4u);
}

}  // namespace
}  // namespace herdcache
