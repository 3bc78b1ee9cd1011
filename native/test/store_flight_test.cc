// Store: in-flight records (Acquire, Complete, Fail, IsCurrent) and how Delete, Set and Clear
// detach them.
#include <gtest/gtest.h>

#include <vector>

#include "store.h"
#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::CheckedStore;
using testing_util::SameToken;
using testing_util::StatsAre;
using testing_util::TokenOf;

constexpr double kTtl = 60'000;

TEST(StoreFlight, AcquireMissStartsAFetchAndLaterCallersJoinIt) {
  CheckedStore store(4);
  const Result start = store.Acquire(u"a");
  EXPECT_EQ(start.outcome, Outcome::kStart);
  EXPECT_NE(start.slot, kNoSlot);
  EXPECT_EQ(start.released, kNoSlot);
  EXPECT_TRUE(store.IsCurrent(TokenOf(start)));

  for (int i = 0; i < 3; ++i) {
    const Result join = store.Acquire(u"a");
    EXPECT_EQ(join.outcome, Outcome::kJoin);
    EXPECT_EQ(join.slot, start.slot) << "joiners get the flight slot holding the Promise";
  }
  EXPECT_TRUE(StatsAre(store.stats(), {.misses = 4, .fetches = 1, .coalesced = 3, .in_flight = 1}));
  EXPECT_EQ(store.size(), 0u) << "an in-flight fetch is not an entry";
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
  const Result stored = store.Complete(TokenOf(start), kTtl);
  EXPECT_EQ(stored.outcome, Outcome::kStored);
  EXPECT_NE(stored.slot, kNoSlot);
  EXPECT_EQ(stored.released, kNoSlot);
  EXPECT_FALSE(store.IsCurrent(TokenOf(start)));
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
  store.Complete(TokenOf(start), 100);
  store.Advance(99);
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kHit);
  store.Advance(1);
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kMiss);
  EXPECT_EQ(store.stats().expirations, 1u);
}

TEST(StoreFlight, CompleteWithTtlZeroEndsTheFlightWithoutStoring) {
  CheckedStore store(4);
  const Result start = store.Acquire(u"a");
  const Result result = store.Complete(TokenOf(start), 0);
  EXPECT_EQ(result.outcome, Outcome::kNotStored);
  EXPECT_EQ(result.released, kNoSlot);
  EXPECT_FALSE(store.IsCurrent(TokenOf(start)));
  EXPECT_TRUE(StatsAre(store.stats(), {.misses = 1, .fetches = 1}));
  EXPECT_EQ(store.Acquire(u"a").outcome, Outcome::kStart);
}

TEST(StoreFlight, CompleteTwiceStoresOnlyOnce) {
  CheckedStore store(4);
  const FlightToken token = TokenOf(store.Acquire(u"a"));
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
  const FlightToken old_token = TokenOf(store.Acquire(u"a"));
  const Result deleted = store.Delete(u"a");
  EXPECT_EQ(deleted.outcome, Outcome::kMiss) << "nothing was stored to remove";
  EXPECT_FALSE(store.IsCurrent(old_token));
  EXPECT_EQ(store.in_flight(), 0u);

  const Result restart = store.Acquire(u"a");
  ASSERT_EQ(restart.outcome, Outcome::kStart);
  EXPECT_FALSE(SameToken(TokenOf(restart), old_token));

  // The stale completion neither stores nor disturbs the new flight.
  EXPECT_EQ(store.Complete(old_token, kTtl).outcome, Outcome::kNotStored);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_TRUE(store.IsCurrent(TokenOf(restart)));
  EXPECT_EQ(store.Acquire(u"a").outcome, Outcome::kJoin);
  EXPECT_EQ(store.Complete(TokenOf(restart), kTtl).outcome, Outcome::kStored);
  EXPECT_TRUE(StatsAre(store.stats(), {.misses = 3, .fetches = 2, .coalesced = 1, .size = 1}));
}

TEST(StoreFlight, CompleteAfterSetIsNotStoredAndTheSetValueStays) {
  CheckedStore store(4);
  const FlightToken old_token = TokenOf(store.Acquire(u"a"));
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
  EXPECT_EQ(restart.released, set.slot);
  EXPECT_FALSE(SameToken(TokenOf(restart), old_token));
}

TEST(StoreFlight, SetWithTtlZeroDetachesTheFlight) {
  CheckedStore store(4);
  const FlightToken old_token = TokenOf(store.Acquire(u"a"));
  EXPECT_EQ(store.Set(u"a", 0).outcome, Outcome::kNotStored);
  EXPECT_FALSE(store.IsCurrent(old_token));
  const Result restart = store.Acquire(u"a");
  EXPECT_EQ(restart.outcome, Outcome::kStart);
  EXPECT_FALSE(SameToken(TokenOf(restart), old_token));
  EXPECT_EQ(store.Complete(old_token, kTtl).outcome, Outcome::kNotStored);
  EXPECT_TRUE(store.IsCurrent(TokenOf(restart)));
}

TEST(StoreFlight, CompleteAfterClearIsNotStoredAndTheNextAcquireStartsAnew) {
  CheckedStore store(4);
  const FlightToken old_token = TokenOf(store.Acquire(u"a"));
  store.Clear();
  const Result restart = store.Acquire(u"a");
  ASSERT_EQ(restart.outcome, Outcome::kStart);
  EXPECT_FALSE(SameToken(TokenOf(restart), old_token));
  EXPECT_EQ(store.Complete(old_token, kTtl).outcome, Outcome::kNotStored);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_TRUE(store.IsCurrent(TokenOf(restart)));
  EXPECT_TRUE(StatsAre(store.stats(), {.misses = 2, .fetches = 2, .in_flight = 1}));
}

TEST(StoreFlight, FailRemovesTheRecordCountsAnErrorAndCachesNothing) {
  CheckedStore store(4);
  const Result start = store.Acquire(u"a");
  store.Acquire(u"a");
  EXPECT_TRUE(store.Fail(TokenOf(start)));
  EXPECT_FALSE(store.IsCurrent(TokenOf(start)));
  EXPECT_EQ(store.size(), 0u);
  EXPECT_TRUE(
      StatsAre(store.stats(), {.misses = 2, .fetches = 1, .fetch_errors = 1, .coalesced = 1}));

  const Result restart = store.Acquire(u"a");
  EXPECT_EQ(restart.outcome, Outcome::kStart);
  EXPECT_FALSE(SameToken(TokenOf(restart), TokenOf(start)));
  EXPECT_EQ(store.Complete(TokenOf(start), kTtl).outcome, Outcome::kNotStored);
}

TEST(StoreFlight, StaleFailReturnsFalseButStillCounts) {
  CheckedStore store(4);
  const FlightToken token = TokenOf(store.Acquire(u"a"));
  store.Delete(u"a");
  EXPECT_FALSE(store.Fail(token));
  EXPECT_EQ(store.stats().fetch_errors, 1u);
  const FlightToken current = TokenOf(store.Acquire(u"a"));
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
  EXPECT_NE(a.slot, b.slot);
  EXPECT_EQ(store.in_flight(), 2u);
  store.Delete(u"a");
  EXPECT_FALSE(store.IsCurrent(TokenOf(a)));
  EXPECT_TRUE(store.IsCurrent(TokenOf(b)));
  EXPECT_EQ(store.Acquire(u"b").slot, b.slot);
  EXPECT_EQ(store.Complete(TokenOf(b), kTtl).outcome, Outcome::kStored);
  EXPECT_EQ(store.Peek(u"b").outcome, Outcome::kHit);
}

TEST(StoreFlight, FlightsDoNotCountAgainstMaxSize) {
  CheckedStore store(1);
  std::vector<FlightToken> tokens;
  for (const char16_t* key : {u"a", u"b", u"c", u"d", u"e"}) {
    tokens.push_back(TokenOf(store.Acquire(key)));
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
    const FlightToken token = TokenOf(store.Acquire(u"a"));
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

}  // namespace
}  // namespace herdcache
