// Store reads beyond a lookup: stale reads (Get and Peek with allow_stale), the remaining TTL of
// an entry, and walking the entries in recency order. None starts a fetch; only Get counts.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "store.h"
#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::CheckedStore;
using testing_util::Removals;
using testing_util::Removed;
using testing_util::StatsAre;

// Written at t0: fresh until t0 + 100, stale until t0 + 150, fallback until t0 + 300.
constexpr double kTtl = 100;
constexpr EntrySpec kPhased{
    .ttl_ms = kTtl, .stale_while_revalidate_ms = 50, .stale_if_error_ms = 200};
constexpr EntrySpec kFreshOnly{.ttl_ms = kTtl};

TEST(StoreReads, GetAllowingStaleAnswersARetainedStaleEntryAsAStaleHit) {
  CheckedStore store(4);
  const uint32_t slot = store.Set(u"a", kPhased).slot;
  store.Advance(kTtl);  // stale-while-revalidate phase
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kMiss) << "not without allow_stale";
  Result stale = store.Get(u"a", /*allow_stale=*/true);
  EXPECT_EQ(stale.outcome, Outcome::kStaleHit);
  EXPECT_EQ(stale.slot, slot);
  store.Advance(100);  // stale-if-error phase only
  stale = store.Get(u"a", /*allow_stale=*/true);
  EXPECT_EQ(stale.outcome, Outcome::kStaleHit);
  EXPECT_EQ(stale.slot, slot);
  EXPECT_TRUE(StatsAre(store.stats(), {.hits = 2, .misses = 1, .stale_hits = 2, .size = 1}));
  EXPECT_EQ(store.in_flight(), 0u) << "a stale read starts no fetch";
}

TEST(StoreReads, GetAllowingStaleAnswersAFreshEntryAsAHit) {
  CheckedStore store(4);
  const uint32_t slot = store.Set(u"a", kPhased).slot;
  const Result hit = store.Get(u"a", /*allow_stale=*/true);
  EXPECT_EQ(hit.outcome, Outcome::kHit);
  EXPECT_EQ(hit.slot, slot);
  EXPECT_TRUE(StatsAre(store.stats(), {.hits = 1, .size = 1}));
}

TEST(StoreReads, GetAllowingStaleMissesAnExpiredEntryAndRemovesIt) {
  CheckedStore store(4);
  const uint32_t slot = store.Set(u"a", kPhased).slot;
  store.Advance(300);  // every phase has ended
  EXPECT_EQ(store.Get(u"a", /*allow_stale=*/true).outcome, Outcome::kMiss);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(slot, RemovalCause::kExpired)});
  EXPECT_TRUE(StatsAre(store.stats(), {.misses = 1, .expirations = 1}));
}

TEST(StoreReads, GetAllowingStaleMakesTheStaleEntryMostRecentlyUsed) {
  CheckedStore store(2);
  store.Set(u"a", kPhased);
  store.Set(u"b", kPhased);
  store.Advance(kTtl);
  store.Get(u"a", /*allow_stale=*/true);
  store.Set(u"c", kPhased);
  EXPECT_EQ(store.Peek(u"b", true).outcome, Outcome::kMiss) << "b was least recently used";
  EXPECT_EQ(store.Peek(u"a", true).outcome, Outcome::kStaleHit);
}

TEST(StoreReads, PeekAllowingStaleAnswersWithoutCountingOrTouching) {
  CheckedStore store(2);
  const uint32_t a = store.Set(u"a", kPhased).slot;
  store.Set(u"b", kPhased);
  store.Advance(kTtl + 50);  // a stale-if-error phase: still retained
  const Result stale = store.Peek(u"a", /*allow_stale=*/true);
  EXPECT_EQ(stale.outcome, Outcome::kStaleHit);
  EXPECT_EQ(stale.slot, a);
  EXPECT_EQ(store.Peek(u"a").outcome, Outcome::kMiss);
  store.Set(u"c", kPhased);
  EXPECT_EQ(store.Peek(u"a", true).outcome, Outcome::kMiss) << "a stayed least recently used";
  EXPECT_EQ(store.stats().hits + store.stats().misses, 0u);
}

TEST(StoreReads, RemainingTtlCountsDownToZeroAtTheTtlThenGoesNegativeWhileStale) {
  CheckedStore store(4);
  store.Set(u"a", kPhased);
  EXPECT_EQ(store.RemainingTtl(u"a"), std::optional<double>(kTtl));
  store.Advance(99.5);
  EXPECT_EQ(store.RemainingTtl(u"a"), std::optional<double>(0.5));
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kHit);
  store.Advance(0.5);
  EXPECT_EQ(store.RemainingTtl(u"a"), std::optional<double>(0)) << "fresh for [t, t + ttl)";
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kMiss);
  store.Advance(120);
  EXPECT_EQ(store.RemainingTtl(u"a"), std::optional<double>(-120)) << "stale, still retained";
  EXPECT_TRUE(StatsAre(store.stats(), {.hits = 1, .misses = 1, .size = 1}))
      << "RemainingTtl counts no lookup";
}

TEST(StoreReads, RemainingTtlIsInfiniteForAnEntryThatNeverExpires) {
  CheckedStore store(4);
  store.Set(u"a", EntrySpec{});
  EXPECT_EQ(store.RemainingTtl(u"a"), std::optional<double>(kNever));
}

TEST(StoreReads, RemainingTtlOfNoEntryIsNone) {
  CheckedStore store(4);
  EXPECT_EQ(store.RemainingTtl(u"a"), std::nullopt);
  store.Acquire(u"a");
  EXPECT_EQ(store.RemainingTtl(u"a"), std::nullopt) << "a fetch in flight is no entry";
}

TEST(StoreReads, RemainingTtlRemovesAnExpiredEntryItFinds) {
  CheckedStore store(4);
  const uint32_t slot = store.Set(u"a", kFreshOnly).slot;
  store.Advance(kTtl);
  EXPECT_EQ(store.RemainingTtl(u"a"), std::nullopt);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(slot, RemovalCause::kExpired)});
  EXPECT_EQ(store.size(), 0u);
}

TEST(StoreReads, WalkListsFreshEntriesMostRecentlyUsedFirst) {
  CheckedStore store(4);
  const uint32_t a = store.Set(u"a", kPhased).slot;
  const uint32_t b = store.Set(u"b", kPhased).slot;
  const uint32_t c = store.Set(u"c", kPhased).slot;
  store.Get(u"a");
  EXPECT_EQ(store.Walk(), (std::vector<uint32_t>{a, c, b}));
  EXPECT_EQ(store.KeyOf(a), u"a");
  EXPECT_EQ(store.KeyOf(b), u"b");
}

TEST(StoreReads, WalkSkipsStaleEntriesUnlessAllowedAndNeverListsExpiredOnes) {
  CheckedStore store(4);
  const uint32_t stale = store.Set(u"stale", kPhased).slot;
  const uint32_t expired = store.Set(u"expired", kFreshOnly).slot;
  store.Advance(kTtl);
  const uint32_t fresh = store.Set(u"fresh", kFreshOnly).slot;
  EXPECT_EQ(store.Walk(), (std::vector<uint32_t>{fresh}));
  EXPECT_EQ(store.Walk(/*allow_stale=*/true), (std::vector<uint32_t>{fresh, stale}));
  EXPECT_EQ(store.size(), 3u) << "the expired entry is left for lookups and the sweep";
  EXPECT_EQ(store.pending_removals(), 0u);
  EXPECT_NE(expired, kNoSlot);
}

TEST(StoreReads, WalkCountsNothingAndLeavesRecencyAlone) {
  CheckedStore store(2);
  const uint32_t a = store.Set(u"a", kFreshOnly).slot;
  const uint32_t b = store.Set(u"b", kFreshOnly).slot;
  EXPECT_EQ(store.Walk(), (std::vector<uint32_t>{b, a}));
  store.Set(u"c", kFreshOnly);
  EXPECT_EQ(store.Peek(u"a").outcome, Outcome::kMiss) << "a was still least recently used";
  EXPECT_TRUE(StatsAre(store.stats(), {.evictions = 1, .size = 2}));
}

TEST(StoreReads, WalkOfAnEmptyStoreIsEmpty) {
  CheckedStore store(4);
  EXPECT_TRUE(store.Walk().empty());
  EXPECT_TRUE(store.Walk(true).empty());
}

}  // namespace
}  // namespace herdcache
