// Store: recency and eviction, expiry, slot reuse, the removal log, keys, counters and Clear.
// In-flight records are in store_flight_test.cc; phases, bytes, tags and Sweep have their own
// files.
#include "store.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::CheckedStore;
using testing_util::OptionsWith;
using testing_util::Removals;
using testing_util::Removed;
using testing_util::Sorted;
using testing_util::StatsAre;

constexpr double kTtl = 60'000;

bool Stored(CheckedStore& store, std::u16string_view key) {
  return store.Peek(key).outcome == Outcome::kHit;
}

// ---- Recency and eviction ----

TEST(Store, EvictsLeastRecentlyUsedWhenFull) {
  CheckedStore store(3);
  const uint32_t a = store.Set(u"a", kTtl).slot;
  store.Set(u"b", kTtl);
  store.Set(u"c", kTtl);
  EXPECT_EQ(store.size(), 3u);

  const Result d = store.Set(u"d", kTtl);
  EXPECT_EQ(d.outcome, Outcome::kStored);
  EXPECT_EQ(d.slot, a) << "the evicted entry's slot is reused for the new one";
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kEvicted)})
      << "logged before the caller fills the reused slot";
  EXPECT_FALSE(Stored(store, u"a"));
  EXPECT_TRUE(Stored(store, u"b"));
  EXPECT_TRUE(Stored(store, u"c"));
  EXPECT_TRUE(Stored(store, u"d"));
  EXPECT_TRUE(StatsAre(store.stats(), {.evictions = 1, .size = 3}));
}

TEST(Store, EvictsInInsertionOrderWithoutReads) {
  CheckedStore store(3);
  std::vector<uint32_t> slots;
  for (const char16_t* key : {u"a", u"b", u"c", u"d", u"e"}) {
    slots.push_back(store.Set(key, kTtl).slot);
  }
  EXPECT_EQ(store.TakeRemovals(), (Removals{Removed(slots[0], RemovalCause::kEvicted),
                                            Removed(slots[1], RemovalCause::kEvicted)}));
  EXPECT_FALSE(Stored(store, u"a"));
  EXPECT_FALSE(Stored(store, u"b"));
  EXPECT_TRUE(Stored(store, u"c"));
  EXPECT_EQ(store.stats().evictions, 2u);
}

TEST(Store, GetHitMakesAnEntryMostRecentlyUsed) {
  CheckedStore store(3);
  store.Set(u"a", kTtl);
  store.Set(u"b", kTtl);
  store.Set(u"c", kTtl);
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kHit);
  store.Set(u"d", kTtl);
  EXPECT_TRUE(Stored(store, u"a"));
  EXPECT_FALSE(Stored(store, u"b"));
}

TEST(Store, AcquireHitMakesAnEntryMostRecentlyUsed) {
  CheckedStore store(3);
  store.Set(u"a", kTtl);
  store.Set(u"b", kTtl);
  store.Set(u"c", kTtl);
  EXPECT_EQ(store.Acquire(u"a").outcome, Outcome::kHit);
  store.Set(u"d", kTtl);
  EXPECT_TRUE(Stored(store, u"a"));
  EXPECT_FALSE(Stored(store, u"b"));
}

TEST(Store, PeekDoesNotRefreshRecency) {
  CheckedStore store(3);
  store.Set(u"a", kTtl);
  store.Set(u"b", kTtl);
  store.Set(u"c", kTtl);
  EXPECT_EQ(store.Peek(u"a").outcome, Outcome::kHit);
  store.Set(u"d", kTtl);
  EXPECT_EQ(store.Peek(u"a").outcome, Outcome::kMiss);
  EXPECT_TRUE(Stored(store, u"b"));
}

TEST(Store, SetOfAStoredKeyReplacesItsEntryAsMostRecentlyUsed) {
  CheckedStore store(3);
  const uint32_t a = store.Set(u"a", kTtl).slot;
  const uint32_t b = store.Set(u"b", kTtl).slot;
  const uint32_t c = store.Set(u"c", kTtl).slot;
  store.TakeRemovals();
  const Result again = store.Set(u"a", kTtl);
  EXPECT_EQ(again.outcome, Outcome::kStored);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kReplaced)})
      << "the old entry is removed, not overwritten in place";
  EXPECT_NE(again.slot, b);
  EXPECT_NE(again.slot, c);
  EXPECT_EQ(store.Peek(u"a").slot, again.slot);
  EXPECT_EQ(store.size(), 3u);
  store.Set(u"d", kTtl);
  EXPECT_TRUE(Stored(store, u"a"));
  EXPECT_FALSE(Stored(store, u"b"));
  EXPECT_EQ(store.stats().evictions, 1u);
}

TEST(Store, CompletedFetchIsStoredAsMostRecentlyUsed) {
  CheckedStore store(2);
  store.Set(u"a", kTtl);
  store.Set(u"b", kTtl);
  const Result start = store.Acquire(u"c");
  store.Get(u"a");  // b is now least recently used
  const Result stored = store.Complete(start.flight, kTtl);
  EXPECT_EQ(stored.outcome, Outcome::kStored);
  EXPECT_FALSE(Stored(store, u"b"));
  EXPECT_TRUE(Stored(store, u"a"));
  EXPECT_TRUE(Stored(store, u"c"));
  store.Set(u"d", kTtl);
  EXPECT_FALSE(Stored(store, u"a"));
  EXPECT_TRUE(Stored(store, u"c"));
}

TEST(Store, MaxSizeOneKeepsOnlyTheLatestEntryInOneSlot) {
  CheckedStore store(1);
  const uint32_t slot = store.Set(u"a", kTtl).slot;
  for (const char16_t* key : {u"b", u"c", u"d"}) {
    const Result result = store.Set(key, kTtl);
    EXPECT_EQ(result.slot, slot);
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(store.TakeRemovals(), Removals{Removed(slot, RemovalCause::kEvicted)});
  }
  EXPECT_TRUE(Stored(store, u"d"));
  EXPECT_FALSE(Stored(store, u"c"));
  EXPECT_EQ(store.stats().evictions, 3u);
}

TEST(Store, SlotNumbersStayBelowMaxEntries) {
  CheckedStore store(5);
  std::set<uint32_t> slots;
  for (int i = 0; i < 200; ++i) {
    const std::u16string key = u"k" + std::u16string(1, static_cast<char16_t>(u'a' + i % 23));
    const Result result = i % 3 == 0 ? store.Delete(key) : store.Set(key, kTtl);
    if (result.outcome == Outcome::kStored) slots.insert(result.slot);
  }
  EXPECT_LE(slots.size(), 5u);
  for (uint32_t slot : slots) EXPECT_LT(slot, 5u);
}

TEST(Store, ReportsItsMaxEntries) {
  Store store(testing_util::OptionsWith(7));
  EXPECT_EQ(store.max_entries(), 7u);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_TRUE(store.CheckInvariants());
}

TEST(Store, ExpiredLeastRecentlyUsedVictimIsLoggedAndCountedAsExpired) {
  CheckedStore store(2);
  const uint32_t a = store.Set(u"a", 10).slot;
  const uint32_t b = store.Set(u"b", kTtl).slot;
  store.Advance(10);
  const Result c = store.Set(u"c", kTtl);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kExpired)});
  EXPECT_TRUE(Stored(store, u"b"));
  EXPECT_NE(c.slot, b);
  EXPECT_TRUE(StatsAre(store.stats(), {.expirations = 1, .size = 2}));
}

TEST(Store, EvictsByRecencyEvenWhenAnotherEntryHasExpired) {
  CheckedStore store(2);
  const uint32_t a = store.Set(u"a", kTtl).slot;
  store.Set(u"b", 10);
  store.Advance(10);
  store.Set(u"c", kTtl);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kEvicted)});
  EXPECT_TRUE(StatsAre(store.stats(), {.evictions = 1, .size = 2}));
}

TEST(Store, LargestMaxEntriesAllocatesOnlyWhatIsUsed) {
  CheckedStore store(Store::kMaxEntriesLimit);
  EXPECT_EQ(store.Set(u"a", kTtl).slot, 0u);
  EXPECT_EQ(store.Set(u"b", kTtl).slot, 1u);
  EXPECT_EQ(store.size(), 2u);
}

// ---- Expiry ----

TEST(Store, EntryIsFreshUntilItsTtlRunsOutAndExpiredExactlyThen) {
  CheckedStore store(4);
  const double t0 = store.now();
  const uint32_t slot = store.Set(u"a", 100).slot;
  store.Advance(99.5);
  const Result fresh = store.Get(u"a");
  EXPECT_EQ(fresh.outcome, Outcome::kHit);
  EXPECT_EQ(fresh.slot, slot);
  EXPECT_EQ(store.pending_removals(), 0u);

  store.Advance(t0 + 100 - store.now());
  ASSERT_EQ(store.now(), t0 + 100);
  const Result expired = store.Get(u"a");
  EXPECT_EQ(expired.outcome, Outcome::kMiss);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(slot, RemovalCause::kExpired)});
  EXPECT_TRUE(StatsAre(store.stats(), {.hits = 1, .misses = 1, .expirations = 1}));
}

TEST(Store, ReadsDoNotExtendTheTtl) {
  CheckedStore store(4);
  store.Set(u"a", 100);
  store.Advance(60);
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kHit);
  EXPECT_EQ(store.Acquire(u"a").outcome, Outcome::kHit);
  store.Advance(40);
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kMiss);
}

TEST(Store, SetRestartsTheTtl) {
  CheckedStore store(4);
  store.Set(u"a", 100);
  store.Advance(60);
  store.Set(u"a", 100);
  store.Advance(60);
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kHit);
  store.Advance(40);
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kMiss);
}

TEST(Store, InfiniteTtlNeverExpires) {
  CheckedStore store(4);
  const uint32_t slot = store.Set(u"a", kNever).slot;
  store.Advance(1e300);
  const Result hit = store.Get(u"a");
  EXPECT_EQ(hit.outcome, Outcome::kHit);
  EXPECT_EQ(hit.slot, slot);
  EXPECT_EQ(store.stats().expirations, 0u);
}

TEST(Store, FractionalTtlExpiresOnTime) {
  CheckedStore store(4);
  store.Set(u"a", 0.25);
  store.Advance(0.125);
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kHit);
  store.Advance(0.125);
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kMiss);
}

TEST(Store, TtlZeroStoresNothing) {
  CheckedStore store(4);
  const Result result = store.Set(u"a", 0);
  EXPECT_EQ(result.outcome, Outcome::kNotStored);
  EXPECT_EQ(result.slot, kNoSlot);
  EXPECT_EQ(store.pending_removals(), 0u);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kMiss);
}

TEST(Store, TtlZeroRemovesAnExistingEntryAsReplaced) {
  CheckedStore store(4);
  const uint32_t slot = store.Set(u"a", kTtl).slot;
  store.Set(u"b", kTtl);
  const Result result = store.Set(u"a", 0);
  EXPECT_EQ(result.outcome, Outcome::kNotStored);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(slot, RemovalCause::kReplaced)});
  EXPECT_FALSE(Stored(store, u"a"));
  EXPECT_TRUE(Stored(store, u"b"));
  EXPECT_TRUE(StatsAre(store.stats(), {.size = 1}));
}

TEST(Store, GetRemovesAnExpiredEntry) {
  CheckedStore store(4);
  const uint32_t slot = store.Set(u"a", 10).slot;
  store.Advance(10);
  const Result result = store.Get(u"a");
  EXPECT_EQ(result.outcome, Outcome::kMiss);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(slot, RemovalCause::kExpired)});
  EXPECT_EQ(store.size(), 0u);
  // Already gone: a second lookup removes nothing and counts no second expiration.
  store.Get(u"a");
  EXPECT_EQ(store.pending_removals(), 0u);
  EXPECT_TRUE(StatsAre(store.stats(), {.misses = 2, .expirations = 1}));
}

TEST(Store, AcquireRemovesAnExpiredEntryAndStartsAFetch) {
  CheckedStore store(4);
  const uint32_t slot = store.Set(u"a", 10).slot;
  store.Advance(20);
  const Result result = store.Acquire(u"a");
  EXPECT_EQ(result.outcome, Outcome::kStart);
  EXPECT_EQ(result.slot, kNoSlot) << "nothing is retained for the fetcher";
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(slot, RemovalCause::kExpired)});
  EXPECT_TRUE(store.IsCurrent(result.flight));
  EXPECT_TRUE(
      StatsAre(store.stats(), {.misses = 1, .fetches = 1, .expirations = 1, .in_flight = 1}));
}

TEST(Store, PeekRemovesAnExpiredEntryWithoutCountingALookup) {
  CheckedStore store(4);
  const uint32_t slot = store.Set(u"a", 10).slot;
  store.Advance(10);
  const Result result = store.Peek(u"a");
  EXPECT_EQ(result.outcome, Outcome::kMiss);
  EXPECT_EQ(result.slot, kNoSlot);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(slot, RemovalCause::kExpired)});
  EXPECT_TRUE(StatsAre(store.stats(), {.expirations = 1}));
}

TEST(Store, ExpiredSlotIsReusedByTheNextEntry) {
  CheckedStore store(4);
  const uint32_t slot = store.Set(u"a", 10).slot;
  store.Advance(10);
  store.Get(u"a");
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(slot, RemovalCause::kExpired)});
  EXPECT_EQ(store.Set(u"b", kTtl).slot, slot);
}

// ---- Delete and slot reuse ----

TEST(Store, DeleteRemovesAnEntryAndLogsItsSlot) {
  CheckedStore store(4);
  const uint32_t slot = store.Set(u"a", kTtl).slot;
  const Result removed = store.Delete(u"a");
  EXPECT_EQ(removed.outcome, Outcome::kRemoved);
  EXPECT_EQ(removed.slot, slot);
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(slot, RemovalCause::kDeleted)});
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.Get(u"a").outcome, Outcome::kMiss);
}

TEST(Store, DeleteOfAnAbsentKeyIsAMiss) {
  CheckedStore store(4);
  store.Set(u"a", kTtl);
  const Result result = store.Delete(u"b");
  EXPECT_EQ(result.outcome, Outcome::kMiss);
  EXPECT_EQ(result.slot, kNoSlot);
  EXPECT_EQ(store.pending_removals(), 0u);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_TRUE(StatsAre(store.stats(), {.size = 1})) << "Delete is not a lookup";
}

TEST(Store, DeletedSlotIsReusedByTheNextEntry) {
  CheckedStore store(4);
  store.Set(u"a", kTtl);
  const uint32_t b = store.Set(u"b", kTtl).slot;
  store.Set(u"c", kTtl);
  EXPECT_EQ(store.Delete(u"b").slot, b);
  EXPECT_EQ(store.Set(u"d", kTtl).slot, b);
  EXPECT_EQ(store.stats().evictions, 0u);
}

TEST(Store, DeleteMakesRoomSoTheNextInsertEvictsNothing) {
  CheckedStore store(2);
  store.Set(u"a", kTtl);
  store.Set(u"b", kTtl);
  store.Delete(u"a");
  store.Set(u"c", kTtl);
  EXPECT_TRUE(Stored(store, u"b"));
  EXPECT_TRUE(Stored(store, u"c"));
  EXPECT_EQ(store.stats().evictions, 0u);
}

// ---- The removal log ----

TEST(Store, RemovalLogKeepsEveryRemovalOldestFirstUntilTaken) {
  CheckedStore store(2);
  const uint32_t a = store.Set(u"a", 10).slot;
  const uint32_t b = store.Set(u"b", kTtl).slot;
  store.Delete(u"b");
  store.Advance(10);
  store.Get(u"a");
  EXPECT_EQ(store.pending_removals(), 2u);
  EXPECT_EQ(store.TakeRemovals(),
            (Removals{Removed(b, RemovalCause::kDeleted), Removed(a, RemovalCause::kExpired)}));
  EXPECT_EQ(store.pending_removals(), 0u);
  EXPECT_TRUE(store.TakeRemovals().empty()) << "taking empties the log";
}

TEST(Store, ReplacementThatEvictsLogsTheReplacedEntryFirst) {
  CheckedStore store(OptionsWith(3, /*max_bytes=*/10));
  const uint32_t a = store.Set(u"a", EntrySpec{.ttl_ms = kTtl, .bytes = 4}).slot;
  const uint32_t b = store.Set(u"b", EntrySpec{.ttl_ms = kTtl, .bytes = 4}).slot;
  store.Set(u"b", EntrySpec{.ttl_ms = kTtl, .bytes = 8});
  EXPECT_EQ(store.TakeRemovals(),
            (Removals{Removed(b, RemovalCause::kReplaced), Removed(a, RemovalCause::kEvicted)}));
}

TEST(Store, RecordsTheKeyOfEveryRemovalWhenAsked) {
  CheckedStore store(OptionsWith(2, UINT64_MAX, /*record_removed_keys=*/true));
  const uint32_t a = store.Set(u"a", kTtl).slot;
  const uint32_t b = store.Set(u"b", 10).slot;
  const uint32_t c = store.Set(u"c", kTtl).slot;  // evicts a
  store.Advance(10);
  store.Get(u"b");                                 // expires b
  const uint32_t c2 = store.Set(u"c", kTtl).slot;  // replaces c
  store.Delete(u"c");
  const std::u16string nul_key(u"n\0", 2);
  const uint32_t n = store.Set(nul_key, kTtl).slot;
  store.Set(nul_key, 0);
  EXPECT_EQ(store.TakeRemovals(), (Removals{Removed(a, RemovalCause::kEvicted, u"a"),
                                            Removed(b, RemovalCause::kExpired, u"b"),
                                            Removed(c, RemovalCause::kReplaced, u"c"),
                                            Removed(c2, RemovalCause::kDeleted, u"c"),
                                            Removed(n, RemovalCause::kReplaced, nul_key)}));
}

TEST(Store, LeavesKeysOutOfTheLogByDefault) {
  CheckedStore store(4);
  const uint32_t a = store.Set(u"a", kTtl).slot;
  store.Delete(u"a");
  const Removals removals = store.TakeRemovals();
  ASSERT_EQ(removals.size(), 1u);
  EXPECT_EQ(removals[0].slot, a);
  EXPECT_TRUE(removals[0].key.empty());
}

// ---- Keys ----

TEST(Store, KeysDifferingInNulsSurrogatesOrLengthAreDistinct) {
  CheckedStore store(64);
  const std::vector<std::u16string> keys = {
      u"",
      std::u16string(1, u'\0'),
      std::u16string(2, u'\0'),
      std::u16string(u"a\0b", 3),
      std::u16string(u"a\0", 2),
      u"a",
      u"ab",
      u"a\xD800",
      u"a\xDC00",
      u"a\xD800\xDC00",
      u"a\xDC00\xD800",
      u"\xD83D\xDE00",  // a valid pair
      u"\xD83D",
      u"\xDE00",
      u"\xFFFF",
      u"user:1",
      u"user:10",
      std::u16string(u"user:1\0", 7),
  };
  std::vector<uint32_t> slots;
  for (const std::u16string& key : keys) {
    const Result result = store.Set(key, kTtl);
    ASSERT_EQ(result.outcome, Outcome::kStored);
    slots.push_back(result.slot);
  }
  EXPECT_EQ(store.size(), keys.size());
  EXPECT_EQ(std::set<uint32_t>(slots.begin(), slots.end()).size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    const Result hit = store.Get(keys[i]);
    EXPECT_EQ(hit.outcome, Outcome::kHit) << "key #" << i;
    EXPECT_EQ(hit.slot, slots[i]) << "key #" << i;
  }
  for (size_t i = 0; i < keys.size(); i += 2) store.Delete(keys[i]);
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(store.Peek(keys[i]).outcome, i % 2 == 0 ? Outcome::kMiss : Outcome::kHit)
        << "key #" << i;
  }
}

TEST(Store, OneMebibyteKeyIsStoredAndComparedExactly) {
  CheckedStore store(4);
  std::u16string big(512 * 1024, u'x');  // 1 MiB of UTF-16
  big[1000] = u'\0';
  big[2000] = u'\xDBFF';
  std::u16string last_differs = big;
  last_differs.back() = u'y';
  const std::u16string prefix = big.substr(0, big.size() - 1);

  const uint32_t slot = store.Set(big, kTtl).slot;
  EXPECT_EQ(store.Get(last_differs).outcome, Outcome::kMiss);
  EXPECT_EQ(store.Get(prefix).outcome, Outcome::kMiss);
  const Result hit = store.Get(std::u16string(big));
  EXPECT_EQ(hit.outcome, Outcome::kHit);
  EXPECT_EQ(hit.slot, slot);

  const Result start = store.Acquire(last_differs);
  EXPECT_EQ(start.outcome, Outcome::kStart);
  EXPECT_EQ(store.Complete(start.flight, kTtl).outcome, Outcome::kStored);
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.Delete(big).slot, slot);
  EXPECT_EQ(store.Get(last_differs).outcome, Outcome::kHit);
}

// ---- Counters ----

TEST(Store, CountsEveryEventExactlyOnce) {
  CheckedStore store(2);
  store.Get(u"a");                       // miss
  const Result a = store.Acquire(u"a");  // miss, fetch
  store.Acquire(u"a");                   // miss, coalesced
  store.Get(u"a");                       // miss (Get never joins)
  store.Complete(a.flight, 100);         // stored
  store.Get(u"a");                       // hit
  store.Acquire(u"a");                   // hit
  store.Peek(u"a");                      // not a lookup
  store.Set(u"b", kTtl);                 //
  store.Set(u"c", kTtl);                 // evicts a
  const Result d = store.Acquire(u"d");  // miss, fetch
  store.Fail(d.flight);                  // fetch error
  store.Fail(d.flight);                  // stale, still a fetch error
  store.Advance(kTtl);
  store.Get(u"b");      // miss, expiration
  store.Peek(u"c");     // expiration, not a lookup
  store.Acquire(u"e");  // miss, fetch, in flight

  const StoreStats stats = store.stats();
  EXPECT_TRUE(StatsAre(stats, {.hits = 2,
                               .misses = 7,
                               .fetches = 3,
                               .fetch_errors = 2,
                               .coalesced = 1,
                               .evictions = 1,
                               .expirations = 2,
                               .size = 0,
                               .in_flight = 1}));
  EXPECT_EQ(stats.hits + stats.misses, 9u) << "every Get and Acquire is one lookup";
}

TEST(Store, PeekCountsNoLookup) {
  CheckedStore store(2);
  store.Peek(u"a");
  store.Set(u"a", kTtl);
  store.Peek(u"a");
  EXPECT_TRUE(StatsAre(store.stats(), {.size = 1}));
}

// ---- Clear ----

TEST(Store, ClearEmptiesTheStoreAndKeepsCounters) {
  CheckedStore store(3);
  store.Set(u"a", kTtl);
  store.Set(u"b", kTtl);
  store.Get(u"a");
  store.Get(u"z");
  const StoreStats before = store.stats();
  store.Clear();
  StoreStats expected = before;
  expected.size = 0;
  EXPECT_TRUE(StatsAre(store.stats(), expected));
  EXPECT_EQ(store.Peek(u"a").outcome, Outcome::kMiss);
  EXPECT_EQ(store.Peek(u"b").outcome, Outcome::kMiss);

  // The store is fully usable afterwards, up to its max size again.
  for (const char16_t* key : {u"c", u"d", u"e", u"f"}) {
    EXPECT_EQ(store.Set(key, kTtl).outcome, Outcome::kStored);
  }
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(store.stats().evictions, 1u);
  EXPECT_FALSE(Stored(store, u"c"));
}

TEST(Store, ClearLogsNothingWhenKeysAreNotRecorded) {
  CheckedStore store(3);
  const uint32_t a = store.Set(u"a", kTtl).slot;
  store.Delete(u"a");
  store.Set(u"b", kTtl);
  store.Set(u"c", kTtl);
  store.Clear();
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(a, RemovalCause::kDeleted)})
      << "the caller drops every value itself; removals logged before Clear are kept";
}

TEST(Store, ClearLogsEveryEntryAsClearedWhenKeysAreRecorded) {
  CheckedStore store(OptionsWith(4, UINT64_MAX, /*record_removed_keys=*/true));
  const uint32_t a = store.Set(u"a", kTtl).slot;
  const uint32_t b = store.Set(u"b", 10).slot;
  const uint32_t c = store.Set(u"c", kTtl).slot;
  store.Advance(10);  // b's time has run out, but Clear is what removes it
  store.Acquire(u"d");
  store.Clear();
  EXPECT_EQ(Sorted(store.TakeRemovals()), Sorted({Removed(a, RemovalCause::kCleared, u"a"),
                                                  Removed(b, RemovalCause::kCleared, u"b"),
                                                  Removed(c, RemovalCause::kCleared, u"c")}));
  EXPECT_TRUE(StatsAre(store.stats(), {.misses = 1, .fetches = 1}))
      << "Clear counts no expirations or evictions";
  store.Clear();
  EXPECT_EQ(store.pending_removals(), 0u);
}

TEST(Store, RecordingKeysCanBeSwitchedOnAndOff) {
  CheckedStore store(2);
  const uint32_t a = store.Set(u"a", kTtl).slot;
  store.RecordRemovedKeys(true);
  const uint32_t b = store.Set(u"b", kTtl).slot;
  store.Delete(u"a");
  store.RecordRemovedKeys(false);
  store.Delete(u"b");
  EXPECT_EQ(store.TakeRemovals(), (Removals{Removed(a, RemovalCause::kDeleted, u"a"),
                                            Removed(b, RemovalCause::kDeleted)}))
      << "a removal carries its key exactly when recording was on as it was removed";
  store.RecordRemovedKeys(true);
  const uint32_t c = store.Set(u"c", kTtl).slot;
  store.Clear();
  EXPECT_EQ(store.TakeRemovals(), Removals{Removed(c, RemovalCause::kCleared, u"c")})
      << "Clear logs its entries once keys are recorded";
}

TEST(Store, ClearDetachesEveryFlight) {
  CheckedStore store(3);
  const FlightToken a = store.Acquire(u"a").flight;
  const FlightToken b = store.Acquire(u"b").flight;
  store.Clear();
  EXPECT_EQ(store.in_flight(), 0u);
  EXPECT_FALSE(store.IsCurrent(a));
  EXPECT_FALSE(store.IsCurrent(b));
  EXPECT_EQ(store.Complete(a, kTtl).outcome, Outcome::kNotStored);
  EXPECT_FALSE(store.Fail(b));
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.stats().fetches, 2u);
}

TEST(Store, ClearOfAnEmptyStoreIsHarmless) {
  CheckedStore store(3);
  store.Clear();
  store.Clear();
  EXPECT_TRUE(StatsAre(store.stats(), {}));
  EXPECT_EQ(store.Set(u"a", kTtl).outcome, Outcome::kStored);
}

TEST(Store, WorksWithTheProcessSeed) {
  StoreOptions options;  // the default seed: HashSeed::ForProcess()
  options.max_entries = 2;
  Store store(options);
  const Result stored = store.Set(u"a", testing_util::TtlSpec(kTtl), {}, 0);
  const Result hit = store.Get(u"a", 1);
  EXPECT_EQ(hit.outcome, Outcome::kHit);
  EXPECT_EQ(hit.slot, stored.slot);
  EXPECT_TRUE(store.CheckInvariants());
}

}  // namespace
}  // namespace herdcache
