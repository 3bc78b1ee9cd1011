// Store: Sweep (removing entries whose last phase has ended) and NextExpiry.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "store.h"
#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::CheckedStore;
using testing_util::Removals;
using testing_util::Removed;
using testing_util::Sorted;
using testing_util::StatsAre;

EntrySpec Ttl(double ttl_ms) { return EntrySpec{.ttl_ms = ttl_ms}; }

bool Retained(CheckedStore& store, std::u16string_view key) {
  return store.Acquire(key).slot != kNoSlot;
}

TEST(StoreSweep, RemovesExactlyTheEntriesWhoseRetentionHasEnded) {
  CheckedStore store(8);
  const double t0 = store.now();
  const uint32_t a = store.Set(u"a", Ttl(10)).slot;
  const uint32_t b = store.Set(u"b", Ttl(20)).slot;
  const uint32_t c = store.Set(u"c", EntrySpec{.ttl_ms = 5, .stale_if_error_ms = 15}).slot;
  store.Set(u"stale", EntrySpec{.ttl_ms = 5, .stale_while_revalidate_ms = 16});
  store.Set(u"fallback", EntrySpec{.ttl_ms = 5, .stale_if_error_ms = 16});
  store.Set(u"fresh", Ttl(21));
  store.Set(u"forever", Ttl(kNever));
  store.AdvanceTo(t0 + 20);

  EXPECT_EQ(store.Sweep(100), 3u);
  EXPECT_EQ(Sorted(store.TakeRemovals()),
            Sorted({Removed(a, RemovalCause::kExpired), Removed(b, RemovalCause::kExpired),
                    Removed(c, RemovalCause::kExpired)}));
  EXPECT_TRUE(StatsAre(store.stats(), {.expirations = 3, .size = 4}));
  EXPECT_EQ(store.Sweep(100), 0u) << "nothing else has ended";
  for (const char16_t* key : {u"stale", u"fallback", u"fresh", u"forever"}) {
    EXPECT_TRUE(Retained(store, key)) << Describe(key);
  }
}

TEST(StoreSweep, RespectsItsLimit) {
  CheckedStore store(8);
  std::set<uint32_t> slots;
  for (const char16_t* key : {u"a", u"b", u"c", u"d", u"e"}) {
    slots.insert(store.Set(key, Ttl(10)).slot);
  }
  store.Set(u"kept", Ttl(11));
  store.Advance(10);
  EXPECT_EQ(store.Sweep(0), 0u);
  EXPECT_EQ(store.pending_removals(), 0u);
  EXPECT_EQ(store.Sweep(2), 2u);
  EXPECT_EQ(store.pending_removals(), 2u);
  EXPECT_LE(store.NextExpiry(), store.now()) << "ended entries remain to be swept";
  EXPECT_EQ(store.Sweep(2), 2u);
  EXPECT_EQ(store.Sweep(2), 1u);
  EXPECT_EQ(store.Sweep(2), 0u);
  std::set<uint32_t> removed;
  for (const Removal& removal : store.TakeRemovals()) {
    EXPECT_EQ(removal.cause, RemovalCause::kExpired);
    removed.insert(removal.slot);
  }
  EXPECT_EQ(removed, slots) << "each ended entry exactly once";
  EXPECT_TRUE(StatsAre(store.stats(), {.expirations = 5, .size = 1}));
}

TEST(StoreSweep, OfAnEmptyStoreRemovesNothing) {
  CheckedStore store(4);
  EXPECT_EQ(store.Sweep(10), 0u);
  store.Set(u"a", Ttl(10));
  store.Delete(u"a");
  store.Advance(100);
  EXPECT_EQ(store.Sweep(10), 0u);
  EXPECT_TRUE(StatsAre(store.stats(), {}));
}

TEST(StoreSweep, NextExpiryIsWhenTheEarliestRetentionEnds) {
  CheckedStore store(8);
  const double t0 = store.now();
  EXPECT_EQ(store.NextExpiry(), kNever);
  store.Set(u"a", Ttl(30));
  EXPECT_EQ(store.NextExpiry(), t0 + 30);
  store.Set(u"b", EntrySpec{.ttl_ms = 5, .stale_while_revalidate_ms = 20});
  EXPECT_EQ(store.NextExpiry(), t0 + 25);
  store.Set(u"c", EntrySpec{.ttl_ms = 5, .stale_while_revalidate_ms = 1, .stale_if_error_ms = 7});
  EXPECT_EQ(store.NextExpiry(), t0 + 12);

  store.Delete(u"c");
  EXPECT_EQ(store.NextExpiry(), t0 + 25);
  store.Set(u"b", Ttl(100));  // the replacement ends later
  EXPECT_EQ(store.NextExpiry(), t0 + 30);
  store.AdvanceTo(t0 + 30);
  EXPECT_EQ(store.Sweep(1), 1u);
  EXPECT_EQ(store.NextExpiry(), t0 + 100);
  store.Clear();
  EXPECT_EQ(store.NextExpiry(), kNever);
}

TEST(StoreSweep, NextExpiryFollowsEvictionAndLookups) {
  CheckedStore store(2);
  const double t0 = store.now();
  store.Set(u"a", Ttl(10));
  store.Set(u"b", Ttl(20));
  store.Set(u"c", Ttl(30));  // evicts a
  EXPECT_EQ(store.NextExpiry(), t0 + 20);
  store.AdvanceTo(t0 + 20);
  store.Get(u"b");  // removes b
  EXPECT_EQ(store.NextExpiry(), t0 + 30);
}

TEST(StoreSweep, EntriesThatNeverEndAreNeverSwept) {
  CheckedStore store(8);
  store.Set(u"ttl", Ttl(kNever));
  store.Set(u"stale", EntrySpec{.ttl_ms = 1, .stale_while_revalidate_ms = kNever});
  store.Set(u"fallback", EntrySpec{.ttl_ms = 1, .stale_if_error_ms = kNever});
  const Result start = store.Acquire(u"fetched");
  store.Complete(start.flight, kNever);
  EXPECT_EQ(store.NextExpiry(), kNever);
  store.Advance(1e300);
  EXPECT_EQ(store.Sweep(100), 0u);
  EXPECT_EQ(store.size(), 4u);
  EXPECT_EQ(store.pending_removals(), 0u);
}

TEST(StoreSweep, SweptSlotsAreReused) {
  CheckedStore store(4);
  const uint32_t a = store.Set(u"a", Ttl(10)).slot;
  store.Advance(10);
  EXPECT_EQ(store.Sweep(1), 1u);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kExpired)});
  EXPECT_EQ(store.Set(u"b", Ttl(10)).slot, a);
  EXPECT_EQ(store.Peek(u"a").outcome, Outcome::kMiss);
  EXPECT_EQ(store.pending_removals(), 0u) << "a swept entry is not found again";
}

TEST(StoreSweep, RecordsKeysWhenAsked) {
  CheckedStore store(testing_util::OptionsWith(4, UINT64_MAX, /*record_removed_keys=*/true));
  const uint32_t a = store.Set(u"a", Ttl(10)).slot;
  store.Advance(10);
  store.Sweep(1);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kExpired, u"a")});
}

}  // namespace
}  // namespace herdcache
