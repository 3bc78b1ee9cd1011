// Store::Fail for a fetch that a Set, Delete, Clear or InvalidateTag detached while it ran: its
// waiters get the newest good value the store holds for the key (a fresh entry, else one within
// its stale-if-error window), never a value the detaching call removed.
#include <gtest/gtest.h>

#include "store.h"
#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::CheckedStore;
using testing_util::StatsAre;

constexpr double kTtl = 100;
constexpr double kFallback = 200;
constexpr EntrySpec kFreshOnly{.ttl_ms = kTtl};
constexpr EntrySpec kWithFallback{.ttl_ms = kTtl, .stale_if_error_ms = kFallback};

TEST(StoreDetachedFail, FetchDetachedBySetFallsBackToTheFreshValueSetMeanwhile) {
  for (const FailCause cause : {FailCause::kError, FailCause::kTimeout}) {
    SCOPED_TRACE(NameOf(cause));
    CheckedStore store(4);
    const FlightToken fetch = store.Acquire(u"a").flight;
    const uint32_t set = store.Set(u"a", kFreshOnly).slot;
    store.Advance(kTtl - 1);
    const FailResult failed = store.Fail(fetch, cause);
    EXPECT_FALSE(failed.current);
    EXPECT_EQ(failed.fallback, set) << "the value set meanwhile, though it has no window";
    EXPECT_EQ(store.Peek(u"a").slot, set) << "the entry is untouched";
  }
}

TEST(StoreDetachedFail, FetchDetachedBySetFallsBackToTheSetValueWithinItsStaleIfErrorWindow) {
  CheckedStore store(4);
  const FlightToken first = store.Acquire(u"a").flight;
  const FlightToken second = store.Acquire(u"b").flight;
  const uint32_t a = store.Set(u"a", kWithFallback).slot;
  store.Set(u"b", kFreshOnly);
  store.Advance(kTtl);  // both are past their TTL
  EXPECT_EQ(store.Fail(first, FailCause::kError).fallback, a);
  EXPECT_EQ(store.Fail(second, FailCause::kError).fallback, kNoSlot)
      << "a stale value without a stale-if-error window is no fallback";
}

TEST(StoreDetachedFail, FetchDetachedBySetGetsNoFallbackOnceTheWindowHasEnded) {
  CheckedStore store(4);
  const FlightToken fetch = store.Acquire(u"a").flight;
  store.Set(u"a", kWithFallback);
  store.Advance(kTtl + kFallback);
  EXPECT_EQ(store.Fail(fetch, FailCause::kTimeout).fallback, kNoSlot);
}

TEST(StoreDetachedFail, FetchDetachedByDeleteClearOrTagHasNoFallback) {
  CheckedStore store(4);
  store.Set(u"a", kWithFallback);
  store.Set(u"b", kWithFallback, {u"t"});
  store.Set(u"c", kWithFallback);
  store.Advance(kTtl);  // past the TTL, so each key misses and fetches
  const FlightToken deleted = store.Acquire(u"a").flight;
  const FlightToken tagged = store.Acquire(u"b").flight;
  store.TagFlight(tagged, u"t");
  store.Delete(u"a");
  store.InvalidateTag(u"t");
  EXPECT_EQ(store.Fail(deleted, FailCause::kError).fallback, kNoSlot);
  EXPECT_EQ(store.Fail(tagged, FailCause::kError).fallback, kNoSlot);
  const FlightToken cleared = store.Acquire(u"c").flight;
  store.Clear();
  EXPECT_EQ(store.Fail(cleared, FailCause::kError).fallback, kNoSlot);
}

TEST(StoreDetachedFail, AbandonedDetachedFetchHasNoFallback) {
  CheckedStore store(4);
  const FlightToken fetch = store.Acquire(u"a").flight;
  store.Set(u"a", kWithFallback);
  const FailResult failed = store.Fail(fetch, FailCause::kAbort);
  EXPECT_FALSE(failed.current);
  EXPECT_EQ(failed.fallback, kNoSlot) << "no one waits for an abandoned fetch";
}

TEST(StoreDetachedFail, FetchDetachedBySetThenRefetchedFallsBackToTheNewestValue) {
  CheckedStore store(4);
  const FlightToken old = store.Acquire(u"a").flight;
  store.Set(u"a", kFreshOnly);
  store.Advance(kTtl);
  const FlightToken next = store.Acquire(u"a").flight;  // the set value expired: a new fetch
  const uint32_t newest = store.Complete(next, kFreshOnly).slot;
  EXPECT_EQ(store.Fail(old, FailCause::kError).fallback, newest);
  EXPECT_TRUE(StatsAre(
      store.stats(), {.misses = 2, .fetches = 2, .fetch_errors = 1, .expirations = 1, .size = 1}));
}

TEST(StoreDetachedFail, FailedDetachedFetchRemovesNothing) {
  CheckedStore store(4);
  const FlightToken fetch = store.Acquire(u"a").flight;
  store.Set(u"a", kFreshOnly);
  store.Set(u"b", kFreshOnly);
  store.Advance(kTtl + 1);  // "a" has expired for good: Fail leaves it to lookups and the sweep
  EXPECT_EQ(store.Fail(fetch, FailCause::kError).fallback, kNoSlot);
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.pending_removals(), 0u);
}

}  // namespace
}  // namespace herdcache
