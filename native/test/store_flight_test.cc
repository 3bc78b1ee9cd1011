// Store: in-flight records (Acquire, Complete, Fail, IsCurrent) and how Delete, Set and Clear
// detach them. Stale-while-revalidate refreshes and fallbacks are in store_phases_test.cc.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store.h"
#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::CheckedStore;
using testing_util::Removals;
using testing_util::Removed;
using testing_util::SameToken;
using testing_util::StatsAre;

constexpr double kTtl = 60'000;

TEST(StoreFlight, AcquireMissStartsAFetchAndLaterCallersJoinIt) {
  CheckedStore store(4);
  const Result start = store.Acquire(u"a");
  EXPECT_EQ(start.outcome, Outcome::kStart);
  EXPECT_NE(start.flight.slot, kNoSlot);
  EXPECT_EQ(start.slot, kNoSlot) << "no entry is retained for the fetcher";
  EXPECT_FALSE(start.started) << "`started` is about stale hits only";
  EXPECT_TRUE(store.IsCurrent(start.flight));

  for (int i = 0; i < 3; ++i) {
    const Result join = store.Acquire(u"a");
    EXPECT_EQ(join.outcome, Outcome::kJoin);
    EXPECT_TRUE(SameToken(join.flight, start.flight))
        << "joiners get the token of the flight holding the Promise";
    EXPECT_EQ(join.slot, kNoSlot);
  }
  EXPECT_TRUE(StatsAre(store.stats(), {.misses = 4, .fetches = 1, .coalesced = 3, .in_flight = 1}));
  EXPECT_EQ(store.size(), 0u) << "an in-flight fetch is not an entry";
}

TEST(StoreFlight, JoinsTheRightFetchWhateverKeyMissedLast) {
  CheckedStore store(8);
  const std::u16string long_key(300, u'k');  // longer than the remembered key
  const Result a = store.Acquire(u"a");
  const Result b = store.Acquire(u"b");
  const Result empty = store.Acquire(u"");
  const Result long_start = store.Acquire(long_key);
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(SameToken(store.Acquire(u"a").flight, a.flight));
    EXPECT_TRUE(SameToken(store.Acquire(u"a").flight, a.flight));
    EXPECT_TRUE(SameToken(store.Acquire(u"b").flight, b.flight));
    EXPECT_TRUE(SameToken(store.Acquire(u"").flight, empty.flight));
    EXPECT_TRUE(SameToken(store.Acquire(long_key).flight, long_start.flight));
    EXPECT_TRUE(SameToken(store.Acquire(long_key).flight, long_start.flight));
  }
  EXPECT_EQ(store.Acquire(u"c").outcome, Outcome::kStart);
  EXPECT_TRUE(
      StatsAre(store.stats(), {.misses = 17, .fetches = 5, .coalesced = 12, .in_flight = 5}));
}

TEST(StoreFlight, FindsTheEmptyKeyBeforeAnyKeyMissed) {
  CheckedStore store(4);
  store.Set(u"", kTtl);
  EXPECT_EQ(store.Acquire(u"").outcome, Outcome::kHit);
}

TEST(StoreFlight, GetNeitherJoinsNorStartsAFetch) {
  CheckedStore store(4);
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kMiss);
  EXPECT_EQ(store.in_flight(), 0u);
  store.Acquire(u"a");
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kMiss);
  EXPECT_EQ(store.Peek(u"a").outcome, Outcome::kMiss);
  EXPECT_TRUE(StatsAre(store.stats(), {.misses = 3, .fetches = 1, .in_flight = 1}));
}

TEST(StoreFlight, CompleteStoresTheValueAndEndsTheFlight) {
  CheckedStore store(4);
  const Result start = store.Acquire(u"a");
  const Result stored = store.Complete(start.flight, kTtl);
  EXPECT_EQ(stored.outcome, Outcome::kStored);
  EXPECT_NE(stored.slot, kNoSlot);
  EXPECT_EQ(store.pending_removals(), 0u);
  EXPECT_FALSE(store.IsCurrent(start.flight));
  EXPECT_EQ(store.in_flight(), 0u);

  const Result hit = store.Acquire(u"a");
  EXPECT_EQ(hit.outcome, Outcome::kHit);
  EXPECT_EQ(hit.slot, stored.slot);
  EXPECT_EQ(store.Get(u"a").slot, stored.slot);
  EXPECT_TRUE(StatsAre(store.stats(), {.hits = 2, .misses = 1, .fetches = 1, .size = 1}));
}

TEST(StoreFlight, CompletedValueExpiresAfterItsTtl) {
  CheckedStore store(4);
  const Result start = store.Acquire(u"a");
  store.Advance(500);  // the fetch took a while; the TTL counts from completion
  store.Complete(start.flight, 100);
  store.Advance(99);
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kHit);
  store.Advance(1);
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kMiss);
  EXPECT_EQ(store.stats().expirations, 1u);
}

TEST(StoreFlight, CompleteWithTtlZeroEndsTheFlightWithoutStoring) {
  CheckedStore store(4);
  const Result start = store.Acquire(u"a");
  const Result result = store.Complete(start.flight, 0);
  EXPECT_EQ(result.outcome, Outcome::kNotStored);
  EXPECT_EQ(result.slot, kNoSlot);
  EXPECT_EQ(store.pending_removals(), 0u);
  EXPECT_FALSE(store.IsCurrent(start.flight));
  EXPECT_TRUE(StatsAre(store.stats(), {.misses = 1, .fetches = 1}));
  EXPECT_EQ(store.Acquire(u"a").outcome, Outcome::kStart);
}

TEST(StoreFlight, CompleteTwiceStoresOnlyOnce) {
  CheckedStore store(4);
  const FlightToken token = store.Acquire(u"a").flight;
  const uint32_t slot = store.Complete(token, kTtl).slot;
  store.Set(u"b", kTtl);
  const Result again = store.Complete(token, kTtl);
  EXPECT_EQ(again.outcome, Outcome::kNotStored);
  EXPECT_EQ(again.slot, kNoSlot);
  EXPECT_EQ(store.Peek(u"a").slot, slot);
  EXPECT_EQ(store.size(), 2u);
}

TEST(StoreFlight, CompleteAfterDeleteIsNotStoredAndTheNextAcquireStartsAnew) {
  CheckedStore store(4);
  const FlightToken old_token = store.Acquire(u"a").flight;
  const Result deleted = store.Delete(u"a");
  EXPECT_EQ(deleted.outcome, Outcome::kMiss) << "nothing was stored to remove";
  EXPECT_FALSE(store.IsCurrent(old_token));
  EXPECT_EQ(store.in_flight(), 0u);

  const Result restart = store.Acquire(u"a");
  ASSERT_EQ(restart.outcome, Outcome::kStart);
  EXPECT_FALSE(SameToken(restart.flight, old_token));

  // The stale completion neither stores nor disturbs the new flight.
  EXPECT_EQ(store.Complete(old_token, kTtl).outcome, Outcome::kNotStored);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_TRUE(store.IsCurrent(restart.flight));
  EXPECT_EQ(store.Acquire(u"a").outcome, Outcome::kJoin);
  EXPECT_EQ(store.Complete(restart.flight, kTtl).outcome, Outcome::kStored);
  EXPECT_TRUE(StatsAre(store.stats(), {.misses = 3, .fetches = 2, .coalesced = 1, .size = 1}));
}

TEST(StoreFlight, CompleteAfterSetIsNotStoredAndTheSetValueStays) {
  CheckedStore store(4);
  const FlightToken old_token = store.Acquire(u"a").flight;
  const Result set = store.Set(u"a", 100);
  EXPECT_EQ(set.outcome, Outcome::kStored);
  EXPECT_FALSE(store.IsCurrent(old_token));
  EXPECT_EQ(store.in_flight(), 0u);

  const Result late = store.Complete(old_token, kTtl);
  EXPECT_EQ(late.outcome, Outcome::kNotStored);
  const Result peek = store.Peek(u"a");
  EXPECT_EQ(peek.outcome, Outcome::kHit);
  EXPECT_EQ(peek.slot, set.slot);

  // The late result did not extend the Set's TTL; once it runs out a new fetch starts.
  store.Advance(100);
  const Result restart = store.Acquire(u"a");
  EXPECT_EQ(restart.outcome, Outcome::kStart);
  EXPECT_EQ(restart.slot, kNoSlot);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(set.slot, RemovalCause::kExpired)});
  EXPECT_FALSE(SameToken(restart.flight, old_token));
}

TEST(StoreFlight, SetWithTtlZeroDetachesTheFlight) {
  CheckedStore store(4);
  const FlightToken old_token = store.Acquire(u"a").flight;
  EXPECT_EQ(store.Set(u"a", 0).outcome, Outcome::kNotStored);
  EXPECT_FALSE(store.IsCurrent(old_token));
  const Result restart = store.Acquire(u"a");
  EXPECT_EQ(restart.outcome, Outcome::kStart);
  EXPECT_FALSE(SameToken(restart.flight, old_token));
  EXPECT_EQ(store.Complete(old_token, kTtl).outcome, Outcome::kNotStored);
  EXPECT_TRUE(store.IsCurrent(restart.flight));
}

TEST(StoreFlight, CompleteAfterClearIsNotStoredAndTheNextAcquireStartsAnew) {
  CheckedStore store(4);
  const FlightToken old_token = store.Acquire(u"a").flight;
  store.Clear();
  const Result restart = store.Acquire(u"a");
  ASSERT_EQ(restart.outcome, Outcome::kStart);
  EXPECT_FALSE(SameToken(restart.flight, old_token));
  EXPECT_EQ(store.Complete(old_token, kTtl).outcome, Outcome::kNotStored);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_TRUE(store.IsCurrent(restart.flight));
  EXPECT_TRUE(StatsAre(store.stats(), {.misses = 2, .fetches = 2, .in_flight = 1}));
}

TEST(StoreFlight, FailRemovesTheRecordCountsAnErrorAndCachesNothing) {
  CheckedStore store(4);
  const Result start = store.Acquire(u"a");
  store.Acquire(u"a");
  EXPECT_TRUE(store.Fail(start.flight));
  EXPECT_FALSE(store.IsCurrent(start.flight));
  EXPECT_EQ(store.size(), 0u);
  EXPECT_TRUE(
      StatsAre(store.stats(), {.misses = 2, .fetches = 1, .fetch_errors = 1, .coalesced = 1}));

  const Result restart = store.Acquire(u"a");
  EXPECT_EQ(restart.outcome, Outcome::kStart);
  EXPECT_FALSE(SameToken(restart.flight, start.flight));
  EXPECT_EQ(store.Complete(start.flight, kTtl).outcome, Outcome::kNotStored);
}

TEST(StoreFlight, StaleFailReturnsFalseButStillCounts) {
  CheckedStore store(4);
  const FlightToken token = store.Acquire(u"a").flight;
  store.Delete(u"a");
  EXPECT_FALSE(store.Fail(token));
  EXPECT_EQ(store.stats().fetch_errors, 1u);
  const FlightToken current = store.Acquire(u"a").flight;
  EXPECT_FALSE(store.Fail(token)) << "a stale token must not end the current flight";
  EXPECT_TRUE(store.IsCurrent(current));
  EXPECT_TRUE(store.Fail(current));
  EXPECT_FALSE(store.Fail(current));
  EXPECT_TRUE(StatsAre(store.stats(), {.misses = 2, .fetches = 2, .fetch_errors = 4}));
}

TEST(StoreFlight, FailOfANeverIssuedTokenReturnsFalse) {
  CheckedStore store(4);
  EXPECT_FALSE(store.IsCurrent(FlightToken{}));
  EXPECT_FALSE(store.Fail(FlightToken{}));
  EXPECT_FALSE(store.Fail(FlightToken{7, 3}));
  EXPECT_EQ(store.Complete(FlightToken{0, 0}, kTtl).outcome, Outcome::kNotStored);
  EXPECT_TRUE(StatsAre(store.stats(), {.fetch_errors = 2}));
}

TEST(StoreFlight, FlightsForDifferentKeysAreIndependent) {
  CheckedStore store(4);
  const Result a = store.Acquire(u"a");
  const Result b = store.Acquire(u"b");
  EXPECT_NE(a.flight.slot, b.flight.slot);
  EXPECT_EQ(store.in_flight(), 2u);
  store.Delete(u"a");
  EXPECT_FALSE(store.IsCurrent(a.flight));
  EXPECT_TRUE(store.IsCurrent(b.flight));
  EXPECT_TRUE(SameToken(store.Acquire(u"b").flight, b.flight));
  EXPECT_EQ(store.Complete(b.flight, kTtl).outcome, Outcome::kStored);
  EXPECT_EQ(store.Peek(u"b").outcome, Outcome::kHit);
}

TEST(StoreFlight, FlightsDoNotCountAgainstMaxSize) {
  CheckedStore store(1);
  std::vector<FlightToken> tokens;
  for (const char16_t* key : {u"a", u"b", u"c", u"d", u"e"}) {
    tokens.push_back(store.Acquire(key).flight);
  }
  EXPECT_EQ(store.in_flight(), 5u);
  EXPECT_EQ(store.size(), 0u);
  for (const FlightToken& token : tokens) {
    EXPECT_EQ(store.Complete(token, kTtl).outcome, Outcome::kStored);
  }
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.in_flight(), 0u);
  EXPECT_EQ(store.stats().evictions, 4u);
  EXPECT_EQ(store.Peek(u"e").outcome, Outcome::kHit);
}

TEST(StoreFlight, FlightSlotsAreReusedWithNewGenerations) {
  CheckedStore store(4);
  std::vector<FlightToken> issued;
  for (int round = 0; round < 10; ++round) {
    const FlightToken token = store.Acquire(u"a").flight;
    for (const FlightToken& old : issued) {
      EXPECT_FALSE(SameToken(token, old)) << "round " << round;
      EXPECT_FALSE(store.IsCurrent(old)) << "round " << round;
    }
    issued.push_back(token);
    if (round % 2 == 0) {
      store.Fail(token);
    } else {
      store.Delete(u"a");
    }
  }
  EXPECT_EQ(store.in_flight(), 0u);
}

TEST(StoreFlight, CompleteReplacesAnEntryStoredMeanwhileWithoutDetaching) {
  // A fetch started while an entry was retained (force_refresh) replaces it on completion.
  CheckedStore store(4);
  const uint32_t old_slot = store.Set(u"a", kTtl).slot;
  const Result start = store.Acquire(u"a", /*force_refresh=*/true);
  ASSERT_EQ(start.outcome, Outcome::kStart);
  EXPECT_EQ(start.slot, old_slot);
  const Result stored = store.Complete(start.flight, kTtl);
  EXPECT_EQ(stored.outcome, Outcome::kStored);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(old_slot, RemovalCause::kReplaced)});
  EXPECT_EQ(store.Peek(u"a").slot, stored.slot);
  EXPECT_EQ(store.size(), 1u);
}

TEST(StoreFlight, FailCountsEachCauseEvenForAStaleToken) {
  CheckedStore store(4);
  const FlightToken error = store.Acquire(u"a").flight;
  const FlightToken timeout = store.Acquire(u"b").flight;
  const FlightToken abort = store.Acquire(u"c").flight;
  EXPECT_TRUE(store.Fail(error, FailCause::kError).current);
  EXPECT_TRUE(store.Fail(timeout, FailCause::kTimeout).current);
  EXPECT_TRUE(store.Fail(abort, FailCause::kAbort).current);
  EXPECT_FALSE(store.Fail(error, FailCause::kTimeout).current);
  EXPECT_FALSE(store.Fail(timeout, FailCause::kAbort).current);
  EXPECT_FALSE(store.Fail(abort, FailCause::kError).current);
  EXPECT_TRUE(StatsAre(store.stats(),
                       {.misses = 3, .fetches = 3, .fetch_errors = 2, .timeouts = 2, .aborts = 2}));
  EXPECT_EQ(store.in_flight(), 0u);
  EXPECT_EQ(store.pending_removals(), 0u);
}

TEST(StoreFlight, FailOfAFirstFetchHasNoFallback) {
  CheckedStore store(4);
  for (const FailCause cause : {FailCause::kError, FailCause::kTimeout, FailCause::kAbort}) {
    const FailResult result = store.Fail(store.Acquire(u"a").flight, cause);
    EXPECT_TRUE(result.current);
    EXPECT_EQ(result.fallback, kNoSlot);
  }
}

}  // namespace
}  // namespace herdcache
