// Store: an entry's phases (fresh, stale-while-revalidate, stale-if-error fallback) at their
// exact boundaries, the background refresh a stale hit starts, Fail causes and fallbacks, and
// force_refresh.
#include <gtest/gtest.h>

#include <string>

#include "store.h"
#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::CheckedStore;
using testing_util::Removals;
using testing_util::Removed;
using testing_util::SameToken;
using testing_util::StatsAre;

// Written at t0: fresh until t0 + 100, stale until t0 + 150, fallback until t0 + 300.
constexpr double kTtl = 100;
constexpr double kStale = 50;
constexpr double kFallback = 200;
constexpr EntrySpec kPhased{
    .ttl_ms = kTtl, .stale_while_revalidate_ms = kStale, .stale_if_error_ms = kFallback};

class StorePhases : public ::testing::Test {
 protected:
  // Stores `key` per `spec` at the current time; returns its slot.
  uint32_t Write(std::u16string_view key, const EntrySpec& spec = kPhased) {
    t0_ = store_.now();
    const Result stored = store_.Set(key, spec);
    EXPECT_EQ(stored.outcome, Outcome::kStored);
    return stored.slot;
  }
  void At(double since_write) { store_.AdvanceTo(t0_ + since_write); }

  CheckedStore store_{4};
  double t0_ = 0;
};

TEST_F(StorePhases, FreshEntryAnswersEveryLookupUntilItsTtlEnds) {
  const uint32_t slot = Write(u"a");
  At(kTtl - 0.5);
  EXPECT_EQ(store_.Get(u"a").outcome, Outcome::kHit);
  EXPECT_EQ(store_.Peek(u"a").slot, slot);
  const Result hit = store_.Acquire(u"a");
  EXPECT_EQ(hit.outcome, Outcome::kHit);
  EXPECT_EQ(hit.slot, slot);
  EXPECT_FALSE(hit.started);
  EXPECT_TRUE(StatsAre(store_.stats(), {.hits = 2, .size = 1}));
}

TEST_F(StorePhases, GetAndPeekMissAStaleEntryButKeepIt) {
  const uint32_t slot = Write(u"a");
  At(kTtl);
  EXPECT_EQ(store_.Get(u"a").outcome, Outcome::kMiss);
  const Result peek = store_.Peek(u"a");
  EXPECT_EQ(peek.outcome, Outcome::kMiss);
  EXPECT_EQ(peek.slot, kNoSlot);
  EXPECT_EQ(store_.pending_removals(), 0u);
  EXPECT_EQ(store_.size(), 1u);
  EXPECT_EQ(store_.Acquire(u"a").slot, slot) << "still there for stale-while-revalidate";
}

TEST_F(StorePhases, GetAndPeekMissAnEntryInItsFallbackPhaseButKeepIt) {
  Write(u"a");
  At(kTtl + kStale);
  EXPECT_EQ(store_.Get(u"a").outcome, Outcome::kMiss);
  EXPECT_EQ(store_.Peek(u"a").outcome, Outcome::kMiss);
  EXPECT_EQ(store_.pending_removals(), 0u);
  EXPECT_TRUE(StatsAre(store_.stats(), {.misses = 1, .size = 1}));
}

TEST_F(StorePhases, StaleHitAtTheTtlStartsOneBackgroundRefresh) {
  const uint32_t slot = Write(u"a");
  At(kTtl);
  const Result stale = store_.Acquire(u"a");
  EXPECT_EQ(stale.outcome, Outcome::kStaleHit);
  EXPECT_EQ(stale.slot, slot);
  EXPECT_TRUE(stale.started);
  EXPECT_TRUE(store_.IsCurrent(stale.flight));
  EXPECT_TRUE(StatsAre(
      store_.stats(),
      {.hits = 1, .stale_hits = 1, .fetches = 1, .refreshes = 1, .size = 1, .in_flight = 1}));

  // Later stale hits are served too, but start no second refresh.
  At(kTtl + kStale - 0.5);
  const Result again = store_.Acquire(u"a");
  EXPECT_EQ(again.outcome, Outcome::kStaleHit);
  EXPECT_EQ(again.slot, slot);
  EXPECT_FALSE(again.started);
  EXPECT_TRUE(store_.IsCurrent(stale.flight));
  EXPECT_TRUE(StatsAre(
      store_.stats(),
      {.hits = 2, .stale_hits = 2, .fetches = 1, .refreshes = 1, .size = 1, .in_flight = 1}));
}

TEST_F(StorePhases, StaleHitMakesTheEntryMostRecentlyUsed) {
  CheckedStore store(2);
  const uint32_t a = store.Set(u"a", kPhased).slot;
  const uint32_t b = store.Set(u"b", EntrySpec{.ttl_ms = 1000}).slot;
  store.Advance(kTtl);
  EXPECT_EQ(store.Acquire(u"a").outcome, Outcome::kStaleHit);
  store.Set(u"c", EntrySpec{.ttl_ms = 1000});
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(b, RemovalCause::kEvicted)});
  EXPECT_EQ(store.Acquire(u"a").slot, a);
}

TEST_F(StorePhases, StaleWindowEndsExactlyAtTtlPlusStaleWhileRevalidate) {
  const uint32_t slot = Write(u"a");
  At(kTtl + kStale);
  const Result start = store_.Acquire(u"a");
  EXPECT_EQ(start.outcome, Outcome::kStart);
  EXPECT_EQ(start.slot, slot) << "the retained entry is offered to the fetcher";
  EXPECT_FALSE(start.started);
  EXPECT_EQ(store_.pending_removals(), 0u);
  EXPECT_TRUE(StatsAre(store_.stats(), {.misses = 1, .fetches = 1, .size = 1, .in_flight = 1}))
      << "a fetch after the stale window is no refresh";
}

TEST_F(StorePhases, RetentionEndsAtTheLaterOfTheStaleAndFallbackWindows) {
  const EntrySpec long_stale{
      .ttl_ms = kTtl, .stale_while_revalidate_ms = 300, .stale_if_error_ms = 50};
  const uint32_t slot = Write(u"a", long_stale);
  EXPECT_EQ(store_.NextExpiry(), t0_ + kTtl + 300);
  At(kTtl + 300 - 0.5);
  EXPECT_EQ(store_.Acquire(u"a").outcome, Outcome::kStaleHit);
  At(kTtl + 300);
  const Result start = store_.Acquire(u"a");
  EXPECT_EQ(start.outcome, Outcome::kJoin) << "the refresh is still in flight";
  EXPECT_EQ(store_.TakeRemovals(), Removals{Removed(slot, RemovalCause::kExpired)});
  EXPECT_EQ(store_.stats().expirations, 1u);
}

TEST_F(StorePhases, KStartReportsNoSlotOnceRetentionHasEnded) {
  const uint32_t slot = Write(u"a");
  At(kTtl + kFallback);
  const Result start = store_.Acquire(u"a");
  EXPECT_EQ(start.outcome, Outcome::kStart);
  EXPECT_EQ(start.slot, kNoSlot);
  EXPECT_EQ(store_.TakeRemovals(), Removals{Removed(slot, RemovalCause::kExpired)});
  EXPECT_TRUE(
      StatsAre(store_.stats(), {.misses = 1, .fetches = 1, .expirations = 1, .in_flight = 1}));
}

TEST_F(StorePhases, CompletedRefreshReplacesTheStaleEntry) {
  const uint32_t slot = Write(u"a");
  At(kTtl + 10);
  const Result stale = store_.Acquire(u"a");
  ASSERT_TRUE(stale.started);
  const Result stored = store_.Complete(stale.flight, kPhased);
  EXPECT_EQ(stored.outcome, Outcome::kStored);
  EXPECT_EQ(store_.TakeRemovals(), Removals{Removed(slot, RemovalCause::kReplaced)});
  EXPECT_FALSE(store_.IsCurrent(stale.flight));
  const Result hit = store_.Acquire(u"a");
  EXPECT_EQ(hit.outcome, Outcome::kHit) << "fresh again, from the refresh's completion time";
  EXPECT_EQ(hit.slot, stored.slot);
}

TEST_F(StorePhases, RefreshCompletedAfterRetentionEndedLogsTheOldEntryAsExpired) {
  const uint32_t slot = Write(u"a");
  At(kTtl);
  const Result stale = store_.Acquire(u"a");
  At(kTtl + kFallback);
  EXPECT_EQ(store_.Complete(stale.flight, kPhased).outcome, Outcome::kStored);
  EXPECT_EQ(store_.TakeRemovals(), Removals{Removed(slot, RemovalCause::kExpired)});
  EXPECT_EQ(store_.stats().expirations, 1u);
}

TEST_F(StorePhases, FailedRefreshKeepsTheStaleEntryAndCountsARefreshError) {
  const uint32_t slot = Write(u"a");
  At(kTtl);
  const Result stale = store_.Acquire(u"a");
  const FailResult failed = store_.Fail(stale.flight, FailCause::kError);
  EXPECT_TRUE(failed.current);
  EXPECT_EQ(failed.fallback, slot);
  EXPECT_EQ(store_.pending_removals(), 0u);
  EXPECT_TRUE(StatsAre(store_.stats(), {.hits = 1,
                                        .stale_hits = 1,
                                        .fetches = 1,
                                        .refreshes = 1,
                                        .fetch_errors = 1,
                                        .refresh_errors = 1,
                                        .size = 1}));

  // Still stale: the next stale hit starts a new refresh.
  const Result retry = store_.Acquire(u"a");
  EXPECT_EQ(retry.outcome, Outcome::kStaleHit);
  EXPECT_EQ(retry.slot, slot);
  EXPECT_TRUE(retry.started);
  EXPECT_FALSE(SameToken(retry.flight, stale.flight));
  EXPECT_EQ(store_.stats().refreshes, 2u);
}

TEST_F(StorePhases, TimedOutRefreshCountsATimeoutAndARefreshError) {
  const uint32_t slot = Write(u"a");
  At(kTtl);
  const FailResult failed = store_.Fail(store_.Acquire(u"a").flight, FailCause::kTimeout);
  EXPECT_TRUE(failed.current);
  EXPECT_EQ(failed.fallback, slot);
  const StoreStats stats = store_.stats();
  EXPECT_EQ(stats.timeouts, 1u);
  EXPECT_EQ(stats.refresh_errors, 1u);
  EXPECT_EQ(stats.fetch_errors, 0u);
  EXPECT_EQ(store_.size(), 1u);
}

TEST_F(StorePhases, AbortedRefreshIsNoRefreshErrorAndHasNoFallback) {
  Write(u"a");
  At(kTtl);
  const FailResult failed = store_.Fail(store_.Acquire(u"a").flight, FailCause::kAbort);
  EXPECT_TRUE(failed.current);
  EXPECT_EQ(failed.fallback, kNoSlot);
  const StoreStats stats = store_.stats();
  EXPECT_EQ(stats.aborts, 1u);
  EXPECT_EQ(stats.refresh_errors, 0u);
  EXPECT_EQ(store_.size(), 1u);
}

TEST_F(StorePhases, FailedFetchFallsBackOnErrorAndTimeoutUntilTheWindowEnds) {
  for (const FailCause cause : {FailCause::kError, FailCause::kTimeout}) {
    SCOPED_TRACE(NameOf(cause));
    const std::u16string key = cause == FailCause::kError ? u"e" : u"t";
    const uint32_t slot = Write(key);
    At(kTtl + kStale);  // the first instant of the fallback-only phase
    FailResult failed = store_.Fail(store_.Acquire(key).flight, cause);
    EXPECT_TRUE(failed.current);
    EXPECT_EQ(failed.fallback, slot);

    At(kTtl + kFallback - 0.5);
    failed = store_.Fail(store_.Acquire(key).flight, cause);
    EXPECT_EQ(failed.fallback, slot);

    // A fetch started in the window that fails once it has ended gets no fallback.
    const FlightToken late = store_.Acquire(key).flight;
    At(kTtl + kFallback);
    failed = store_.Fail(late, cause);
    EXPECT_TRUE(failed.current);
    EXPECT_EQ(failed.fallback, kNoSlot);
  }
  EXPECT_TRUE(StatsAre(store_.stats(),
                       {.misses = 6, .fetches = 6, .fetch_errors = 3, .timeouts = 3, .size = 2}))
      << "Fail removes nothing, not even an entry whose time has run out";
}

TEST_F(StorePhases, AbortedFetchHasNoFallback) {
  Write(u"a");
  At(kTtl + kStale);
  const FailResult failed = store_.Fail(store_.Acquire(u"a").flight, FailCause::kAbort);
  EXPECT_TRUE(failed.current);
  EXPECT_EQ(failed.fallback, kNoSlot);
}

TEST_F(StorePhases, FetchThatAlreadyEndedDoesNotEndTheCurrentOne) {
  const uint32_t slot = Write(u"a");
  At(kTtl + kStale);
  const FlightToken first = store_.Acquire(u"a").flight;
  EXPECT_EQ(store_.Fail(first, FailCause::kError).fallback, slot);
  const FlightToken second = store_.Acquire(u"a").flight;
  for (const FailCause cause : {FailCause::kError, FailCause::kTimeout, FailCause::kAbort}) {
    EXPECT_FALSE(store_.Fail(first, cause).current) << NameOf(cause);
  }
  EXPECT_TRUE(store_.IsCurrent(second));
  EXPECT_EQ(store_.Fail(second, FailCause::kTimeout).fallback, slot);
}

TEST_F(StorePhases, FreshEntryIsTheFallbackForAFailedForcedRefresh) {
  const uint32_t slot = Write(u"a");
  const FlightToken forced = store_.Acquire(u"a", /*force_refresh=*/true).flight;
  const FailResult failed = store_.Fail(forced, FailCause::kError);
  EXPECT_TRUE(failed.current);
  EXPECT_EQ(failed.fallback, slot);
}

TEST_F(StorePhases, WithoutAStaleIfErrorWindowThereIsNoFallbackEvenWhileFresh) {
  const uint32_t slot = Write(u"a", EntrySpec{.ttl_ms = kTtl});
  At(kTtl - 0.5);
  const Result forced = store_.Acquire(u"a", /*force_refresh=*/true);
  const FailResult failed = store_.Fail(forced.flight, FailCause::kTimeout);
  EXPECT_TRUE(failed.current);
  EXPECT_EQ(failed.fallback, kNoSlot);
  EXPECT_EQ(store_.Get(u"a").slot, slot) << "the fresh entry itself is kept";
  At(kTtl);
  const Result after = store_.Acquire(u"a");
  EXPECT_EQ(after.outcome, Outcome::kStart);
  EXPECT_EQ(after.slot, kNoSlot) << "retained only as long as it was fresh";
  EXPECT_EQ(store_.TakeRemovals(), Removals{Removed(slot, RemovalCause::kExpired)});
}

TEST_F(StorePhases, StaleEntryWithoutAStaleIfErrorWindowIsNoFallback) {
  const uint32_t slot = Write(u"a", EntrySpec{.ttl_ms = kTtl, .stale_while_revalidate_ms = kStale});
  At(kTtl);
  const Result stale = store_.Acquire(u"a");
  ASSERT_EQ(stale.outcome, Outcome::kStaleHit);
  const FailResult failed = store_.Fail(stale.flight, FailCause::kError);
  EXPECT_TRUE(failed.current);
  EXPECT_EQ(failed.fallback, kNoSlot);
  EXPECT_EQ(store_.Acquire(u"a").slot, slot) << "the stale entry is still served";
}

TEST_F(StorePhases, ForceRefreshSkipsAFreshEntryAndStartsAFetch) {
  const uint32_t slot = Write(u"a");
  const Result forced = store_.Acquire(u"a", /*force_refresh=*/true);
  EXPECT_EQ(forced.outcome, Outcome::kStart);
  EXPECT_EQ(forced.slot, slot);
  EXPECT_FALSE(forced.started);
  EXPECT_TRUE(store_.IsCurrent(forced.flight));

  const Result joined = store_.Acquire(u"a", /*force_refresh=*/true);
  EXPECT_EQ(joined.outcome, Outcome::kJoin);
  EXPECT_TRUE(SameToken(joined.flight, forced.flight));
  EXPECT_EQ(store_.Acquire(u"a").outcome, Outcome::kHit) << "others still get the fresh value";
  EXPECT_EQ(store_.Get(u"a").slot, slot);
  EXPECT_TRUE(
      StatsAre(store_.stats(),
               {.hits = 2, .misses = 2, .fetches = 1, .coalesced = 1, .size = 1, .in_flight = 1}));
}

TEST_F(StorePhases, ForceRefreshSkipsAStaleEntryAndStartsNoRefresh) {
  const uint32_t slot = Write(u"a");
  At(kTtl);
  const Result forced = store_.Acquire(u"a", /*force_refresh=*/true);
  EXPECT_EQ(forced.outcome, Outcome::kStart);
  EXPECT_EQ(forced.slot, slot);

  // A stale hit while that fetch is in flight starts nothing more.
  const Result stale = store_.Acquire(u"a");
  EXPECT_EQ(stale.outcome, Outcome::kStaleHit);
  EXPECT_FALSE(stale.started);
  EXPECT_TRUE(
      StatsAre(store_.stats(),
               {.hits = 1, .misses = 1, .stale_hits = 1, .fetches = 1, .size = 1, .in_flight = 1}));
}

TEST_F(StorePhases, ForceRefreshJoinsARefreshInFlight) {
  Write(u"a");
  At(kTtl);
  const Result stale = store_.Acquire(u"a");
  const Result forced = store_.Acquire(u"a", /*force_refresh=*/true);
  EXPECT_EQ(forced.outcome, Outcome::kJoin);
  EXPECT_TRUE(SameToken(forced.flight, stale.flight));
  EXPECT_EQ(store_.stats().coalesced, 1u);
}

TEST_F(StorePhases, ForceRefreshOfAnAbsentKeyIsAPlainStart) {
  const Result forced = store_.Acquire(u"a", /*force_refresh=*/true);
  EXPECT_EQ(forced.outcome, Outcome::kStart);
  EXPECT_EQ(forced.slot, kNoSlot);
  EXPECT_TRUE(StatsAre(store_.stats(), {.misses = 1, .fetches = 1, .in_flight = 1}));
}

TEST_F(StorePhases, InfiniteStaleWhileRevalidateKeepsServingForever) {
  const uint32_t slot = Write(u"a", EntrySpec{.ttl_ms = kTtl, .stale_while_revalidate_ms = kNever});
  EXPECT_EQ(store_.NextExpiry(), kNever);
  At(1e300);
  const Result stale = store_.Acquire(u"a");
  EXPECT_EQ(stale.outcome, Outcome::kStaleHit);
  EXPECT_EQ(stale.slot, slot);
  EXPECT_EQ(store_.Get(u"a").outcome, Outcome::kMiss);
  EXPECT_EQ(store_.stats().expirations, 0u);
}

TEST_F(StorePhases, WritingOverAStaleEntryReplacesItAndOverAnEndedOneExpiresIt) {
  const uint32_t a = Write(u"a");
  At(kTtl);
  const uint32_t a2 = store_.Set(u"a", kPhased).slot;
  EXPECT_EQ(store_.TakeRemovals(), Removals{Removed(a, RemovalCause::kReplaced)});
  At(kTtl + kTtl + kFallback);  // the end of a2's retention
  store_.Set(u"a", kPhased);
  EXPECT_EQ(store_.TakeRemovals(), Removals{Removed(a2, RemovalCause::kExpired)});
  EXPECT_EQ(store_.stats().expirations, 1u);
}

}  // namespace
}  // namespace herdcache
