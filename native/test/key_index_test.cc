#include "key_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace herdcache {
namespace {

// Owns the keys the index refers to by slot, as the Store does, and checks the index against
// the set of slots it believes are indexed.
class KeyTable {
 public:
  uint32_t Insert(const std::string& key, uint64_t hash) {
    const auto slot = static_cast<uint32_t>(keys_.size());
    keys_.push_back(key);
    hashes_.push_back(hash);
    live_.push_back(true);
    index_.Insert(hash, slot);
    return slot;
  }

  void Erase(uint32_t slot) {
    ASSERT_TRUE(live_[slot]);
    index_.Erase(hashes_[slot], slot);
    live_[slot] = false;
  }

  uint32_t Find(const std::string& key, uint64_t hash) const {
    return index_.Find(hash, [&](uint32_t slot) {
      // The index must only offer slots it holds.
      if (slot >= live_.size() || !live_[slot]) {
        ADD_FAILURE() << "phantom slot " << slot;
        return false;
      }
      return keys_[slot] == key;
    });
  }

  // Every live slot is found under its key and hash; no erased key is found.
  void ExpectConsistent() const {
    size_t live = 0;
    for (uint32_t slot = 0; slot < keys_.size(); ++slot) {
      if (live_[slot]) {
        ++live;
        ASSERT_EQ(Find(keys_[slot], hashes_[slot]), slot) << "key " << keys_[slot];
      } else {
        ASSERT_EQ(Find(keys_[slot], hashes_[slot]), kNoSlot) << "erased key " << keys_[slot];
      }
    }
    ASSERT_EQ(index_.size(), live);
    // The table keeps a gap so every probe terminates, and stays a power of two.
    ASSERT_LE(index_.size() * 4, index_.bucket_count() * 3);
    ASSERT_EQ(index_.bucket_count() & (index_.bucket_count() - 1), 0u);
  }

  std::vector<uint32_t> LiveSlots() const {
    std::vector<uint32_t> slots;
    for (uint32_t slot = 0; slot < keys_.size(); ++slot) {
      if (live_[slot]) slots.push_back(slot);
    }
    return slots;
  }

  KeyIndex& index() { return index_; }

 private:
  KeyIndex index_;
  std::vector<std::string> keys_;
  std::vector<uint64_t> hashes_;
  std::vector<bool> live_;
};

TEST(KeyIndex, FindsNothingWhenEmpty) {
  KeyIndex index;
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.bucket_count(), 16u);
  EXPECT_EQ(index.Find(42, [](uint32_t) { return true; }), kNoSlot);
}

TEST(KeyIndex, FindsAnInsertedSlotAndForgetsItOnErase) {
  KeyTable table;
  const uint32_t a = table.Insert("a", 0x1111);
  const uint32_t b = table.Insert("b", 0x2222);
  EXPECT_EQ(table.Find("a", 0x1111), a);
  EXPECT_EQ(table.Find("b", 0x2222), b);
  EXPECT_EQ(table.Find("c", 0x3333), kNoSlot);
  EXPECT_EQ(table.Find("a", 0x2222), kNoSlot);  // right hash, wrong key
  table.Erase(a);
  EXPECT_EQ(table.Find("a", 0x1111), kNoSlot);
  EXPECT_EQ(table.Find("b", 0x2222), b);
  table.ExpectConsistent();
}

TEST(KeyIndex, AsksKeyEqualsOnlyForMatchingHashTags) {
  KeyIndex index;
  index.Insert(0x10, 0);
  index.Insert(0x20, 1);
  std::vector<uint32_t> asked;
  const uint32_t found = index.Find(0x20, [&](uint32_t slot) {
    asked.push_back(slot);
    return true;
  });
  EXPECT_EQ(found, 1u);
  EXPECT_EQ(asked, std::vector<uint32_t>{1});
}

TEST(KeyIndex, StoresSlotZeroAndTheLargestSlot) {
  KeyIndex index;
  const uint32_t largest = kNoSlot - 1;
  index.Insert(7, 0);
  index.Insert(7, largest);
  EXPECT_EQ(index.Find(7, [](uint32_t slot) { return slot == 0; }), 0u);
  EXPECT_EQ(index.Find(7, [&](uint32_t slot) { return slot == largest; }), largest);
  index.Erase(7, 0);
  EXPECT_EQ(index.Find(7, [](uint32_t slot) { return slot == 0; }), kNoSlot);
  EXPECT_EQ(index.Find(7, [&](uint32_t slot) { return slot == largest; }), largest);
  EXPECT_EQ(index.size(), 1u);
}

TEST(KeyIndex, KeepsKeysWithIdenticalHashesApart) {
  KeyTable table;
  constexpr uint64_t kSameHash = 0xdeadbeefcafef00dULL;
  std::vector<uint32_t> slots;
  for (int i = 0; i < 200; ++i) slots.push_back(table.Insert("k" + std::to_string(i), kSameHash));
  table.ExpectConsistent();
  for (int i = 0; i < 200; ++i) EXPECT_EQ(table.Find("k" + std::to_string(i), kSameHash), slots[i]);
  EXPECT_EQ(table.Find("k200", kSameHash), kNoSlot);
}

// Hash families that stress probing: one identical hash, tags that share their low bits (same
// home bucket in small tables), hashes that differ only above the 32-bit tag, and homes at the
// last bucket so runs wrap around the end of the table.
uint64_t CollidingHash(int family, uint64_t i) {
  switch (family) {
    case 0:
      return 0x5555;
    case 1:
      return (i << 12) | 0x3;
    case 2:
      return (i << 40) | 0xabcd;
    case 3:
      return (i << 8) | 0xff;
    default:
      return i % 3 == 0 ? 0x5555 : (i << 4) | 0xf;
  }
}

TEST(KeyIndex, SurvivesHeavyChurnWithForcedCollisionsErasedInRandomOrders) {
  std::mt19937_64 rng(20240601);
  for (int family = 0; family < 5; ++family) {
    SCOPED_TRACE("hash family " + std::to_string(family));
    for (const int count : {24, 64, 120}) {
      SCOPED_TRACE("count " + std::to_string(count));
      KeyTable table;
      for (int i = 0; i < count; ++i) {
        table.Insert("key" + std::to_string(i), CollidingHash(family, i));
        if (i % 7 == 0) {
          ASSERT_NO_FATAL_FAILURE(table.ExpectConsistent());
        }
      }
      ASSERT_NO_FATAL_FAILURE(table.ExpectConsistent());

      // Erase half in random order, insert more, then erase everything in random order.
      std::vector<uint32_t> live = table.LiveSlots();
      std::shuffle(live.begin(), live.end(), rng);
      for (size_t i = 0; i < live.size() / 2; ++i) {
        table.Erase(live[i]);
        ASSERT_NO_FATAL_FAILURE(table.ExpectConsistent());
      }
      for (int i = count; i < count + count / 2; ++i) {
        table.Insert("key" + std::to_string(i), CollidingHash(family, i));
      }
      ASSERT_NO_FATAL_FAILURE(table.ExpectConsistent());
      live = table.LiveSlots();
      std::shuffle(live.begin(), live.end(), rng);
      for (uint32_t slot : live) {
        table.Erase(slot);
        ASSERT_NO_FATAL_FAILURE(table.ExpectConsistent());
      }
      EXPECT_EQ(table.index().size(), 0u);
    }
  }
}

TEST(KeyIndex, SurvivesRandomInterleavedInsertsAndErasesWithFewDistinctTags) {
  std::mt19937_64 rng(7);
  KeyTable table;
  int next_key = 0;
  for (int step = 0; step < 2000; ++step) {
    std::vector<uint32_t> live = table.LiveSlots();
    if (live.empty() || rng() % 100 < 55) {
      // Eight distinct tags, each in a few spots: long runs, many shared homes.
      const uint64_t hash = ((rng() % 4) << 32) | ((rng() % 8) * 0x10 + 0xe);
      table.Insert("n" + std::to_string(next_key++), hash);
    } else {
      table.Erase(live[rng() % live.size()]);
    }
    if (step % 41 == 0) {
      ASSERT_NO_FATAL_FAILURE(table.ExpectConsistent()) << "step " << step;
    }
  }
  ASSERT_NO_FATAL_FAILURE(table.ExpectConsistent());
}

TEST(KeyIndex, GrowsPastManySizesKeepingEverySlotFindable) {
  KeyTable table;
  std::mt19937_64 rng(99);
  size_t buckets = table.index().bucket_count();
  int growths = 0;
  for (int i = 0; i < 5000; ++i) {
    table.Insert("g" + std::to_string(i), rng());
    if (table.index().bucket_count() != buckets) {
      EXPECT_EQ(table.index().bucket_count(), buckets * 2);
      buckets = table.index().bucket_count();
      ++growths;
      ASSERT_NO_FATAL_FAILURE(table.ExpectConsistent()) << "after growing to " << buckets;
    }
  }
  EXPECT_GE(growths, 8);
  ASSERT_NO_FATAL_FAILURE(table.ExpectConsistent());
}

TEST(KeyIndex, GrowsOnlyWhenThreeQuartersFull) {
  KeyIndex index;
  for (uint32_t slot = 0; slot < 12; ++slot) index.Insert(slot, slot);
  EXPECT_EQ(index.bucket_count(), 16u);
  index.Insert(12, 12);
  EXPECT_EQ(index.bucket_count(), 32u);
  EXPECT_EQ(index.size(), 13u);
}

TEST(KeyIndex, ResetForgetsEverySlotAndShrinks) {
  KeyTable table;
  for (int i = 0; i < 100; ++i) table.Insert("r" + std::to_string(i), 0x1000 + i);
  ASSERT_GT(table.index().bucket_count(), 16u);
  table.index().Reset();
  EXPECT_EQ(table.index().size(), 0u);
  EXPECT_EQ(table.index().bucket_count(), 16u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(table.index().Find(0x1000 + i, [](uint32_t) { return true; }), kNoSlot);
  }
  table.index().Insert(0x1000, 5);
  EXPECT_EQ(table.index().Find(0x1000, [](uint32_t slot) { return slot == 5; }), 5u);
  EXPECT_EQ(table.index().size(), 1u);
}

}  // namespace
}  // namespace herdcache
