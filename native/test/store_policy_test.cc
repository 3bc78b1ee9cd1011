// The Store under EvictionPolicy::kTinyLfu: the same bounds, removal log and invariants as under
// LRU (CheckedStore checks them after every call), with TinyLFU's choice of victims.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "store.h"
#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::CheckedStore;
using testing_util::OptionsWith;
using testing_util::Removals;

constexpr double kTtl = 60'000;

StoreOptions TinyLfu(uint32_t max_entries, uint64_t max_bytes = UINT64_MAX,
                     bool record_removed_keys = false) {
  StoreOptions options = OptionsWith(max_entries, max_bytes, record_removed_keys);
  options.policy = EvictionPolicy::kTinyLfu;
  return options;
}

std::u16string Key(int n) {
  const std::string digits = std::to_string(n);
  return u"k" + std::u16string(digits.begin(), digits.end());
}

EntrySpec Sized(uint64_t bytes) {
  EntrySpec spec = testing_util::TtlSpec(kTtl);
  spec.bytes = bytes;
  return spec;
}

TEST(StoreTinyLfu, ReportsItsPolicy) {
  EXPECT_EQ(Store(OptionsWith(4)).policy(), EvictionPolicy::kLru);
  EXPECT_EQ(Store(TinyLfu(4)).policy(), EvictionPolicy::kTinyLfu);
}

TEST(StoreTinyLfu, KeepsAtMostMaxEntriesAndCountsEvictions) {
  CheckedStore store(TinyLfu(10));
  for (int n = 0; n < 100; ++n) store.Set(Key(n), kTtl);
  EXPECT_EQ(store.size(), 10u);
  EXPECT_EQ(store.stats().evictions, 90u);
}

TEST(StoreTinyLfu, KeepsKeysAskedForOftenThroughAScanOfNewKeys) {
  CheckedStore store(TinyLfu(100));
  for (int round = 0; round < 5; ++round) {
    for (int n = 0; n < 20; ++n) {
      if (store.Get(Key(n)).outcome == Outcome::kMiss) store.Set(Key(n), kTtl);
    }
  }
  for (int n = 1000; n < 1500; ++n) {
    if (store.Get(Key(n)).outcome == Outcome::kMiss) store.Set(Key(n), kTtl);
  }
  for (int n = 0; n < 20; ++n) EXPECT_EQ(store.Peek(Key(n)).outcome, Outcome::kHit) << n;
}

TEST(StoreTinyLfu, CountsAcquireMissesTowardsAdmission) {
  // Key "hot" misses three times (getOrFetch calls whose fetches fail): it then wins a place in
  // the main space over a key written once.
  CheckedStore store(TinyLfu(3));  // a window of 1, a main space of 2
  store.Set(u"a", kTtl);
  store.Set(u"b", kTtl);
  store.Set(u"c", kTtl);  // a, b in probation; c in the window
  for (int i = 0; i < 3; ++i) {
    const Result started = store.Acquire(u"hot");
    ASSERT_EQ(started.outcome, Outcome::kStart);
    store.Fail(started.flight);
  }
  store.Set(u"hot", kTtl);  // c (never asked for) loses to a: c goes
  EXPECT_EQ(store.Peek(u"c").outcome, Outcome::kMiss);
  store.Set(u"d", kTtl);  // hot (asked for 3 times) beats a (never asked for): a goes
  EXPECT_EQ(store.Peek(u"hot").outcome, Outcome::kHit);
  EXPECT_EQ(store.Peek(u"a").outcome, Outcome::kMiss);
  EXPECT_EQ(store.Peek(u"b").outcome, Outcome::kHit);
}

TEST(StoreTinyLfu, EvictsSeveralVictimsToFitALargeValue) {
  CheckedStore store(TinyLfu(100, /*max_bytes=*/100));
  for (int n = 0; n < 10; ++n) store.Set(Key(n), Sized(10));
  EXPECT_EQ(store.bytes(), 100u);
  EXPECT_EQ(store.Set(u"big", Sized(55)).outcome, Outcome::kStored);
  EXPECT_EQ(store.bytes(), 95u);
  EXPECT_EQ(store.size(), 5u);
  EXPECT_EQ(store.stats().evictions, 6u);
}

TEST(StoreTinyLfu, WalksEveryEntryOnce) {
  CheckedStore store(TinyLfu(50));
  for (int n = 0; n < 80; ++n) store.Set(Key(n), kTtl);
  for (int n = 70; n < 80; ++n) store.Get(Key(n));
  std::set<std::u16string> walked;
  for (const uint32_t slot : store.Walk()) walked.insert(store.KeyOf(slot));
  EXPECT_EQ(walked.size(), 50u);
  EXPECT_EQ(store.Walk().size(), 50u);
}

TEST(StoreTinyLfu, ClearLogsEveryEntryAndTheStoreFillsAgain) {
  CheckedStore store(TinyLfu(8, UINT64_MAX, /*record_removed_keys=*/true));
  for (int n = 0; n < 8; ++n) store.Set(Key(n), kTtl);
  store.TakeRemovals();
  store.Clear();
  const Removals removals = store.TakeRemovals();
  EXPECT_EQ(removals.size(), 8u);
  for (const Removal& removal : removals) EXPECT_EQ(removal.cause, RemovalCause::kCleared);
  for (int n = 0; n < 20; ++n) store.Set(Key(n), kTtl);
  EXPECT_EQ(store.size(), 8u);
}

TEST(StoreTinyLfu, KeepsItsInvariantsThroughRandomCalls) {
  std::mt19937 random(2024);
  for (const uint32_t max_entries : {1u, 3u, 40u}) {
    CheckedStore store(TinyLfu(max_entries, /*max_bytes=*/max_entries * 8));
    for (int step = 0; step < 5'000; ++step) {
      const std::u16string key = Key(static_cast<int>(random() % (max_entries * 3 + 2)));
      switch (random() % 6) {
        case 0:
          store.Delete(key);
          break;
        case 1:
          store.Set(key, Sized(random() % 12));
          break;
        case 2: {
          const Result result = store.Acquire(key);
          if (result.outcome == Outcome::kStart) store.Complete(result.flight, Sized(random() % 5));
          break;
        }
        case 3:
          store.Advance(random() % 20'000);
          break;
        default:
          store.Get(key);
      }
      ASSERT_LE(store.size(), max_entries);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

}  // namespace
}  // namespace herdcache
