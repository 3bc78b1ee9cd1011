// Store: tags on entries (Set) and on fetches in flight (TagFlight, inherited on Complete), and
// InvalidateTag, which removes tagged entries and detaches tagged fetches.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "store.h"
#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::CheckedStore;
using testing_util::Removals;
using testing_util::Removed;
using testing_util::Sorted;
using testing_util::StatsAre;

constexpr double kTtl = 60'000;
constexpr EntrySpec kSpec{.ttl_ms = kTtl};

bool Stored(CheckedStore& store, std::u16string_view key) {
  return store.Peek(key).outcome == Outcome::kHit;
}

TEST(StoreTags, InvalidateTagRemovesEveryEntrySetWithTheTag) {
  CheckedStore store(8);
  const uint32_t a = store.Set(u"a", kSpec, {u"red", u"blue"}).slot;
  const uint32_t b = store.Set(u"b", kSpec, {u"red"}).slot;
  store.Set(u"c", kSpec, {u"blue"});
  store.Set(u"d", kSpec);
  EXPECT_EQ(store.InvalidateTag(u"red"), 2u);
  EXPECT_EQ(Sorted(store.TakeRemovals()),
            Sorted({Removed(a, RemovalCause::kDeleted), Removed(b, RemovalCause::kDeleted)}));
  EXPECT_FALSE(Stored(store, u"a"));
  EXPECT_FALSE(Stored(store, u"b"));
  EXPECT_TRUE(Stored(store, u"c"));
  EXPECT_TRUE(Stored(store, u"d"));
  EXPECT_TRUE(StatsAre(store.stats(), {.size = 2})) << "no eviction or expiration is counted";

  EXPECT_EQ(store.InvalidateTag(u"red"), 0u) << "the tag is gone with its last entry";
  EXPECT_EQ(store.InvalidateTag(u"blue"), 1u);
  EXPECT_TRUE(Stored(store, u"d"));
}

TEST(StoreTags, InvalidateTagOfAnUnknownTagRemovesNothing) {
  CheckedStore store(4);
  store.Set(u"a", kSpec, {u"t"});
  EXPECT_EQ(store.InvalidateTag(u"other"), 0u);
  EXPECT_EQ(store.InvalidateTag(u""), 0u);
  EXPECT_EQ(store.pending_removals(), 0u);
  EXPECT_EQ(store.size(), 1u);
}

TEST(StoreTags, TagNamesAreComparedExactly) {
  CheckedStore store(4);
  store.Set(u"a", kSpec, {u""});
  store.Set(u"b", kSpec, {std::u16string(1, u'\0')});
  store.Set(u"c", kSpec, {u"t\xD800"});
  EXPECT_EQ(store.InvalidateTag(u"t"), 0u);
  EXPECT_EQ(store.InvalidateTag(std::u16string(1, u'\0')), 1u);
  EXPECT_TRUE(Stored(store, u"a"));
  EXPECT_EQ(store.InvalidateTag(u""), 1u);
  EXPECT_EQ(store.InvalidateTag(u"t\xD800"), 1u);
}

TEST(StoreTags, RepeatedTagInOneSetCountsOnce) {
  CheckedStore store(4);
  store.Set(u"a", kSpec, {u"t", u"t", u"t"});
  EXPECT_EQ(store.InvalidateTag(u"t"), 1u);
  EXPECT_EQ(store.pending_removals(), 1u);
}

TEST(StoreTags, ReplacingAnEntryReplacesItsTags) {
  CheckedStore store(4);
  store.Set(u"a", kSpec, {u"old"});
  const uint32_t a = store.Set(u"a", kSpec, {u"new"}).slot;
  store.TakeRemovals();
  EXPECT_EQ(store.InvalidateTag(u"old"), 0u);
  EXPECT_EQ(store.InvalidateTag(u"new"), 1u);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kDeleted)});
}

TEST(StoreTags, SetThatStoresNothingTagsNothing) {
  CheckedStore store(4);
  EXPECT_EQ(store.Set(u"a", EntrySpec{.ttl_ms = 0}, {u"t"}).outcome, Outcome::kNotStored);
  EXPECT_EQ(store.InvalidateTag(u"t"), 0u);
}

TEST(StoreTags, RemovedEntriesLeaveTheirTagsBehind) {
  CheckedStore store(4);
  store.Set(u"deleted", kSpec, {u"t"});
  store.Set(u"expired", EntrySpec{.ttl_ms = 10}, {u"t"});
  store.Delete(u"deleted");
  store.Advance(10);
  store.Get(u"expired");
  EXPECT_EQ(store.InvalidateTag(u"t"), 0u);
}

TEST(StoreTags, NewEntryInAnEvictedEntrysSlotDoesNotInheritItsTags) {
  CheckedStore store(1);
  const uint32_t a = store.Set(u"a", kSpec, {u"t"}).slot;
  const uint32_t b = store.Set(u"b", kSpec).slot;
  ASSERT_EQ(b, a) << "this test needs the slot reused";
  EXPECT_EQ(store.InvalidateTag(u"t"), 0u);
  EXPECT_TRUE(Stored(store, u"b"));
}

TEST(StoreTags, InvalidateTagRemovesAnEntryWhoseTimeHasRunOutAsDeleted) {
  CheckedStore store(4);
  const uint32_t a = store.Set(u"a", EntrySpec{.ttl_ms = 10}, {u"t"}).slot;
  store.Advance(10);
  EXPECT_EQ(store.InvalidateTag(u"t"), 1u);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kDeleted)});
  EXPECT_EQ(store.stats().expirations, 0u);
}

TEST(StoreTags, ClearForgetsEveryTag) {
  CheckedStore store(4);
  store.Set(u"a", kSpec, {u"t"});
  store.Clear();
  store.Set(u"b", kSpec);
  EXPECT_EQ(store.InvalidateTag(u"t"), 0u);
  EXPECT_TRUE(Stored(store, u"b"));
}

// ---- Tags on fetches in flight ----

TEST(StoreFlightTags, CompletedFetchsEntryInheritsItsTags) {
  CheckedStore store(4);
  const Result start = store.Acquire(u"a");
  store.TagFlight(start.flight, u"red");
  store.TagFlight(start.flight, u"blue");
  const uint32_t a = store.Complete(start.flight, kSpec).slot;
  EXPECT_EQ(store.InvalidateTag(u"red"), 1u);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kDeleted)});
  EXPECT_EQ(store.InvalidateTag(u"blue"), 0u);
}

TEST(StoreFlightTags, InvalidateTagDetachesATaggedFetchSoItsResultIsNotStored) {
  CheckedStore store(4);
  const uint32_t b = store.Set(u"b", kSpec, {u"t"}).slot;
  const FlightToken a = store.Acquire(u"a").flight;
  const FlightToken c = store.Acquire(u"c").flight;
  store.TagFlight(a, u"t");
  EXPECT_EQ(store.InvalidateTag(u"t"), 1u) << "counts entries, not fetches";
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(b, RemovalCause::kDeleted)});
  EXPECT_FALSE(store.IsCurrent(a));
  EXPECT_TRUE(store.IsCurrent(c));
  EXPECT_EQ(store.in_flight(), 1u);
  EXPECT_EQ(store.Complete(a, kSpec).outcome, Outcome::kNotStored);
  EXPECT_EQ(store.Acquire(u"a").outcome, Outcome::kStart);
}

TEST(StoreFlightTags, TagFlightOfATokenNoLongerCurrentIsANoOp) {
  CheckedStore store(4);
  const FlightToken old = store.Acquire(u"a").flight;
  store.Fail(old);
  const FlightToken current = store.Acquire(u"a").flight;
  store.TagFlight(old, u"t");
  EXPECT_EQ(store.InvalidateTag(u"t"), 0u);
  EXPECT_TRUE(store.IsCurrent(current));
}

TEST(StoreFlightTags, EndedFetchesTagsAreNotInheritedByTheNextFetchInItsSlot) {
  CheckedStore store(4);
  // Failed, deleted and not-stored fetches all drop their tags.
  const FlightToken failed = store.Acquire(u"a").flight;
  store.TagFlight(failed, u"t");
  store.Fail(failed, FailCause::kError);
  const FlightToken deleted = store.Acquire(u"a").flight;
  store.TagFlight(deleted, u"t");
  store.Delete(u"a");
  const FlightToken unstored = store.Acquire(u"a").flight;
  store.TagFlight(unstored, u"t");
  store.Complete(unstored, EntrySpec{.ttl_ms = 0});

  const FlightToken next = store.Acquire(u"a").flight;
  EXPECT_EQ(next.slot, failed.slot) << "this test needs the flight slot reused";
  EXPECT_EQ(store.Complete(next, kSpec).outcome, Outcome::kStored);
  EXPECT_EQ(store.InvalidateTag(u"t"), 0u);
  EXPECT_TRUE(Stored(store, u"a"));
}

TEST(StoreFlightTags, RefreshTagsItsNewEntryButNotTheStaleOneItReplaces) {
  CheckedStore store(4);
  store.Set(u"a", EntrySpec{.ttl_ms = 10, .stale_while_revalidate_ms = 10}, {u"old"});
  store.Advance(10);
  const Result stale = store.Acquire(u"a");
  ASSERT_TRUE(stale.started);
  store.TagFlight(stale.flight, u"new");
  const uint32_t fresh = store.Complete(stale.flight, kSpec).slot;
  store.TakeRemovals();
  EXPECT_EQ(store.InvalidateTag(u"old"), 0u);
  EXPECT_EQ(store.InvalidateTag(u"new"), 1u);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(fresh, RemovalCause::kDeleted)});
}

TEST(StoreFlightTags, ReplacedFetchTagsAreTheOnesItsEntryInheritsAndInvalidatesBy) {
  CheckedStore store(4);
  const FlightToken fetch = store.Acquire(u"a").flight;
  store.TagFlight(fetch, u"call");
  const std::u16string_view decided[] = {u"decided"};
  store.Retag(fetch, decided);
  const uint32_t a = store.Complete(fetch, kSpec).slot;
  EXPECT_EQ(store.InvalidateTag(u"call"), 0u) << "the call's tag was replaced";
  EXPECT_EQ(store.InvalidateTag(u"decided"), 1u);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kDeleted)});
}

}  // namespace
}  // namespace herdcache
