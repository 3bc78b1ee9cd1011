// Store: the byte bound (StoreOptions::max_bytes over EntrySpec::bytes): eviction order,
// entries too large to store, replacement accounting, and the exact bytes counter.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "store.h"
#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::CheckedStore;
using testing_util::OptionsWith;
using testing_util::Removals;
using testing_util::Removed;
using testing_util::StatsAre;

constexpr double kTtl = 60'000;

EntrySpec Sized(uint64_t bytes, double ttl_ms = kTtl) {
  return EntrySpec{.ttl_ms = ttl_ms, .bytes = bytes};
}

bool Stored(CheckedStore& store, std::u16string_view key) {
  return store.Peek(key).outcome == Outcome::kHit;
}

TEST(StoreBytes, EvictsLeastRecentlyUsedToStayWithinMaxBytes) {
  CheckedStore store(OptionsWith(10, /*max_bytes=*/10));
  const uint32_t a = store.Set(u"a", Sized(4)).slot;
  store.Set(u"b", Sized(4));
  EXPECT_EQ(store.bytes(), 8u);
  const Result c = store.Set(u"c", Sized(4));
  EXPECT_EQ(c.outcome, Outcome::kStored);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kEvicted)});
  EXPECT_FALSE(Stored(store, u"a"));
  EXPECT_TRUE(StatsAre(store.stats(), {.evictions = 1, .size = 2, .bytes = 8}));
}

TEST(StoreBytes, EvictsAsManyAsItTakesInRecencyOrder) {
  CheckedStore store(OptionsWith(10, /*max_bytes=*/10));
  const uint32_t a = store.Set(u"a", Sized(3)).slot;
  const uint32_t b = store.Set(u"b", Sized(3)).slot;
  const uint32_t c = store.Set(u"c", Sized(3)).slot;
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kHit);  // recency: a, c, b
  store.Set(u"d", Sized(7));
  EXPECT_EQ(store.TakeRemovals(),
            (Removals{Removed(b, RemovalCause::kEvicted), Removed(c, RemovalCause::kEvicted)}));
  EXPECT_TRUE(Stored(store, u"a"));
  EXPECT_EQ(store.Peek(u"a").slot, a);
  EXPECT_TRUE(StatsAre(store.stats(), {.hits = 1, .evictions = 2, .size = 2, .bytes = 10}));
}

TEST(StoreBytes, EntryOfExactlyMaxBytesFitsAlone) {
  CheckedStore store(OptionsWith(10, /*max_bytes=*/10));
  store.Set(u"a", Sized(1));
  store.Set(u"b", Sized(0));
  const Result whole = store.Set(u"c", Sized(10));
  EXPECT_EQ(whole.outcome, Outcome::kStored);
  EXPECT_EQ(store.TakeRemovals().size(), 1u) << "a zero-byte entry still fits beside it";
  EXPECT_TRUE(Stored(store, u"b"));
  EXPECT_TRUE(StatsAre(store.stats(), {.evictions = 1, .size = 2, .bytes = 10}));
}

TEST(StoreBytes, TooLargeEntryIsNotStoredAndEvictsNothing) {
  CheckedStore store(OptionsWith(10, /*max_bytes=*/10));
  store.Set(u"a", Sized(5));
  const Result big = store.Set(u"big", Sized(11));
  EXPECT_EQ(big.outcome, Outcome::kNotStored);
  EXPECT_EQ(big.slot, kNoSlot);
  EXPECT_EQ(store.pending_removals(), 0u);
  EXPECT_TRUE(Stored(store, u"a"));
  EXPECT_FALSE(Stored(store, u"big"));
  EXPECT_TRUE(StatsAre(store.stats(), {.size = 1, .bytes = 5}));
}

TEST(StoreBytes, TooLargeValueRemovesTheKeysExistingEntryAsReplaced) {
  CheckedStore store(OptionsWith(10, /*max_bytes=*/10));
  const uint32_t a = store.Set(u"a", Sized(5)).slot;
  store.Set(u"b", Sized(2));
  EXPECT_EQ(store.Set(u"a", Sized(11)).outcome, Outcome::kNotStored);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kReplaced)});
  EXPECT_FALSE(Stored(store, u"a"));
  EXPECT_TRUE(StatsAre(store.stats(), {.size = 1, .bytes = 2}));
}

TEST(StoreBytes, TooLargeFetchedValueIsNotStoredAndEndsTheFlight) {
  CheckedStore store(OptionsWith(10, /*max_bytes=*/10));
  const uint32_t a = store.Set(u"a", Sized(5)).slot;
  const Result start = store.Acquire(u"a", /*force_refresh=*/true);
  const Result result = store.Complete(start.flight, Sized(11));
  EXPECT_EQ(result.outcome, Outcome::kNotStored);
  EXPECT_FALSE(store.IsCurrent(start.flight));
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kReplaced)});
  EXPECT_TRUE(StatsAre(store.stats(), {.misses = 1, .fetches = 1}));
}

TEST(StoreBytes, ReplacementCountsOnlyTheNewSize) {
  CheckedStore store(OptionsWith(10, /*max_bytes=*/10));
  const uint32_t a = store.Set(u"a", Sized(4)).slot;
  store.Set(u"b", Sized(5));
  // 4 + 5 + 5 would not fit, but the old 4 bytes go first: nothing is evicted.
  store.Set(u"a", Sized(5));
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kReplaced)});
  EXPECT_TRUE(StatsAre(store.stats(), {.size = 2, .bytes = 10}));
  store.Set(u"a", Sized(1));
  EXPECT_TRUE(StatsAre(store.stats(), {.size = 2, .bytes = 6}));
}

TEST(StoreBytes, EntryAndByteBoundsApplyTogether) {
  CheckedStore store(OptionsWith(2, /*max_bytes=*/100));
  const uint32_t a = store.Set(u"a", Sized(1)).slot;
  store.Set(u"b", Sized(1));
  store.Set(u"c", Sized(1));
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kEvicted)});
  EXPECT_TRUE(StatsAre(store.stats(), {.evictions = 1, .size = 2, .bytes = 2}));
}

TEST(StoreBytes, ZeroMaxBytesStoresOnlyZeroByteEntries) {
  CheckedStore store(OptionsWith(3, /*max_bytes=*/0));
  EXPECT_EQ(store.Set(u"a", Sized(0)).outcome, Outcome::kStored);
  EXPECT_EQ(store.Set(u"b", Sized(1)).outcome, Outcome::kNotStored);
  EXPECT_EQ(store.Set(u"c", Sized(0)).outcome, Outcome::kStored);
  EXPECT_TRUE(StatsAre(store.stats(), {.size = 2, .bytes = 0}));
}

TEST(StoreBytes, ExpiredVictimUnderTheByteBoundIsLoggedAsExpired) {
  CheckedStore store(OptionsWith(10, /*max_bytes=*/10));
  const uint32_t a = store.Set(u"a", Sized(6, 10)).slot;
  store.Set(u"b", Sized(2));
  store.Advance(10);
  store.Set(u"c", Sized(6));
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kExpired)});
  EXPECT_TRUE(StatsAre(store.stats(), {.expirations = 1, .size = 2, .bytes = 8}));
}

TEST(StoreBytes, BytesCounterIsExactThroughEveryKindOfRemoval) {
  CheckedStore store(OptionsWith(10, /*max_bytes=*/1000));
  const std::u16string_view tag = u"t";
  store.Set(u"deleted", Sized(1));
  store.Set(u"expired", Sized(20, 10));
  store.Set(u"swept", Sized(300, 5));
  store.Set(u"tagged", Sized(4), {tag});
  store.Set(u"cleared", Sized(50));
  EXPECT_EQ(store.bytes(), 1u + 20 + 300 + 4 + 50);

  store.Delete(u"deleted");
  EXPECT_EQ(store.bytes(), 374u);
  store.Advance(5);
  EXPECT_EQ(store.Sweep(10), 1u);
  EXPECT_EQ(store.bytes(), 74u);
  store.Advance(5);
  store.Get(u"expired");
  EXPECT_EQ(store.bytes(), 54u);
  EXPECT_EQ(store.InvalidateTag(tag), 1u);
  EXPECT_EQ(store.bytes(), 50u);
  EXPECT_EQ(store.stats().bytes, 50u);
  store.Clear();
  EXPECT_EQ(store.bytes(), 0u);
  EXPECT_EQ(store.stats().bytes, 0u);
  store.Set(u"after", Sized(7));
  EXPECT_EQ(store.bytes(), 7u);
}

TEST(StoreBytes, SumsNearTheUint64LimitDoNotWrapAround) {
  // The default bound is UINT64_MAX. Two entries of 2^63 bytes do not fit together; if the
  // sum wraps to 0, both are kept and the counter reads 0.
  CheckedStore store(OptionsWith(10));
  constexpr uint64_t kHalf = uint64_t{1} << 63;
  const uint32_t a = store.Set(u"a", Sized(kHalf)).slot;
  EXPECT_EQ(store.Set(u"b", Sized(kHalf)).outcome, Outcome::kStored);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kEvicted)});
  EXPECT_EQ(store.bytes(), kHalf);
  EXPECT_EQ(store.size(), 1u);
}

}  // namespace
}  // namespace herdcache
