// SharedStore in one thread with two members: how the members waiting for a fetch learn its
// outcome, what a detached fetch does, wakes, removals and their bytes; and SharedRegistry.
// The same protocol under many threads is in shared_store_stress_test.cc.
#include "shared_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared_store_test_util.h"
#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::BytesOf;
using testing_util::OptionsWith;
using testing_util::TtlSpec;

using Notices = std::vector<Notice>;

constexpr double kTtl = 100;
constexpr double kWindow = 200;
constexpr EntrySpec kWithFallback{.ttl_ms = kTtl, .stale_if_error_ms = kWindow};
constexpr EntrySpec kWithRefresh{.ttl_ms = kTtl, .stale_while_revalidate_ms = kWindow};

// A member whose wakes are counted.
struct CountedMember {
  CountedMember() : member(std::make_shared<SharedMember>([this] { ++wakes; })) {}
  CountedMember(const CountedMember&) = delete;
  CountedMember& operator=(const CountedMember&) = delete;

  // The notices queued, by flight (a Leave ends its member's fetches in no promised order).
  Notices Take() {
    Notices notices = member->TakeNotices();
    std::sort(notices.begin(), notices.end(),
              [](const Notice& x, const Notice& y) { return x.flight < y.flight; });
    return notices;
  }

  std::shared_ptr<SharedMember> member;
  int wakes = 0;
};

// A store of 8 entries with two members, `a_` (which runs the fetches) and `b_` (which joins
// them), a manual clock, and invariants checked at the end of each test.
class SharedStoreFlights : public ::testing::Test {
 protected:
  SharedStoreFlights() {
    store_.Join(a_.member);
    store_.Join(b_.member);
  }
  void TearDown() override { EXPECT_TRUE(store_.CheckInvariants()); }

  SharedResult Acquire(CountedMember& member, std::u16string_view key, bool force = false) {
    return store_.Acquire(*member.member, key, now_, force, nullptr);
  }
  Result Complete(FlightToken token, const Bytes& value, const EntrySpec& spec = TtlSpec(kTtl)) {
    return store_.Complete(token, spec, value, now_, nullptr);
  }
  SharedFailResult Fail(FlightToken token, std::u16string_view key, FailCause cause,
                        const Bytes& error = nullptr) {
    return store_.Fail(token, key, cause, error, now_, nullptr);
  }
  Result Set(std::u16string_view key, const Bytes& value, const EntrySpec& spec = TtlSpec(kTtl)) {
    return store_.Set(key, spec, value, {}, now_, nullptr);
  }
  Bytes Get(std::u16string_view key) { return store_.Get(key, now_, false, nullptr).value; }

  SharedStore store_{OptionsWith(8)};
  double now_ = 1'000'000;
  CountedMember a_;
  CountedMember b_;
};

TEST_F(SharedStoreFlights, JoinerGetsTheRunnersValueAndTheRunnerGetsNoNotice) {
  const SharedResult start = Acquire(a_, u"k");
  ASSERT_EQ(start.result.outcome, Outcome::kStart);
  EXPECT_EQ(start.value, nullptr) << "no entry is retained";
  EXPECT_EQ(store_.running(), 1u);

  const SharedResult join = Acquire(b_, u"k");
  EXPECT_EQ(join.result.outcome, Outcome::kJoin);
  EXPECT_TRUE(join.foreign) << "the fetch runs in a";
  EXPECT_EQ(FlightIdOf(join.result.flight), FlightIdOf(start.result.flight));
  const SharedResult own = Acquire(a_, u"k");
  EXPECT_EQ(own.result.outcome, Outcome::kJoin);
  EXPECT_FALSE(own.foreign) << "a runs the fetch it joins";

  const Bytes value = BytesOf("value");
  EXPECT_EQ(Complete(start.result.flight, value).outcome, Outcome::kStored);
  EXPECT_EQ(b_.Take(), (Notices{{FlightIdOf(start.result.flight), NoticeKind::kValue, value}}))
      << "the very bytes the runner stored";
  EXPECT_EQ(a_.Take(), Notices{}) << "the runner has its value already";
  EXPECT_EQ(a_.wakes, 0);
  EXPECT_EQ(Get(u"k"), value);
  EXPECT_EQ(store_.running(), 0u);
}

TEST_F(SharedStoreFlights, InvariantsHoldWhileFetchesRunAndNameTheirMembers) {
  const FlightToken flight = Acquire(a_, u"k").result.flight;
  EXPECT_TRUE(Acquire(b_, u"k").foreign);
  EXPECT_TRUE(store_.CheckInvariants()) << "a running fetch whose runner and waiter are members";
  Complete(flight, BytesOf("value"));
}

TEST_F(SharedStoreFlights, NextExpiryIsTheEarliestEntrysEnd) {
  EXPECT_EQ(store_.NextExpiry(), kNever) << "nothing stored";
  Set(u"k", BytesOf("value"), TtlSpec(kTtl));
  EXPECT_EQ(store_.NextExpiry(), now_ + kTtl);
  EXPECT_EQ(store_.Sweep(now_ + kTtl, 10, nullptr), 1u);
  EXPECT_EQ(store_.NextExpiry(), kNever);
}

TEST_F(SharedStoreFlights, JoinerIsNotifiedOnceThoughItJoinsTwice) {
  const FlightToken flight = Acquire(a_, u"k").result.flight;
  EXPECT_TRUE(Acquire(b_, u"k").foreign);
  EXPECT_TRUE(Acquire(b_, u"k").foreign);
  EXPECT_EQ(store_.stats().coalesced, 2u);

  const Bytes value = BytesOf("value");
  Complete(flight, value);
  EXPECT_EQ(b_.Take(), (Notices{{FlightIdOf(flight), NoticeKind::kValue, value}}));
  EXPECT_EQ(b_.wakes, 1);
}

TEST_F(SharedStoreFlights, JoinerGetsTheErrorOfAFailedFetch) {
  for (const FailCause cause : {FailCause::kError, FailCause::kTimeout}) {
    SCOPED_TRACE(NameOf(cause));
    const FlightToken flight = Acquire(a_, u"k").result.flight;
    Acquire(b_, u"k");
    const Bytes error = BytesOf("error");
    const SharedFailResult failed = Fail(flight, u"k", cause, error);
    EXPECT_TRUE(failed.current);
    EXPECT_EQ(failed.fallback, nullptr);
    EXPECT_EQ(b_.Take(), (Notices{{FlightIdOf(flight), NoticeKind::kError, error}}));
    EXPECT_EQ(Get(u"k"), nullptr) << "a failure is not cached";
  }
  EXPECT_EQ(store_.running(), 0u);
}

TEST_F(SharedStoreFlights, JoinerGetsTheStaleIfErrorFallbackOfAFailedFetch) {
  const Bytes old = BytesOf("old");
  Set(u"k", old, kWithFallback);
  now_ += kTtl;  // stale: no longer served, still a fallback

  const SharedResult start = Acquire(a_, u"k");
  ASSERT_EQ(start.result.outcome, Outcome::kStart);
  EXPECT_EQ(start.value, old) << "the retained entry's bytes";
  EXPECT_TRUE(Acquire(b_, u"k").foreign);
  const SharedFailResult failed =
      Fail(start.result.flight, u"k", FailCause::kError, BytesOf("error"));
  EXPECT_EQ(failed.fallback, old);
  EXPECT_EQ(b_.Take(), (Notices{{FlightIdOf(start.result.flight), NoticeKind::kValue, old}}))
      << "the fallback's bytes, not the error";
}

TEST_F(SharedStoreFlights, AbortedFetchOrphansItsJoinersAndTheNextAcquireStartsAnew) {
  const Bytes old = BytesOf("old");
  Set(u"k", old, kWithFallback);
  now_ += kTtl;  // a fallback exists, and still an abort orphans: no one is left to answer

  const FlightToken flight = Acquire(a_, u"k").result.flight;
  Acquire(b_, u"k");
  const SharedFailResult failed = Fail(flight, u"k", FailCause::kAbort, BytesOf("aborted"));
  EXPECT_TRUE(failed.current);
  EXPECT_EQ(b_.Take(), (Notices{{FlightIdOf(flight), NoticeKind::kOrphaned, nullptr}}));
  EXPECT_EQ(store_.running(), 0u);

  const SharedResult again = Acquire(b_, u"k");
  EXPECT_EQ(again.result.outcome, Outcome::kStart) << "the orphaned waiter fetches anew";
  EXPECT_NE(FlightIdOf(again.result.flight), FlightIdOf(flight));
  EXPECT_EQ(store_.stats().aborts, 1u);
  Fail(again.result.flight, u"k", FailCause::kAbort);
}

TEST_F(SharedStoreFlights, RunnerLeavingOrphansItsJoinersAndTheNextAcquireStartsAnew) {
  const FlightToken flight = Acquire(a_, u"k").result.flight;
  const FlightToken other = Acquire(a_, u"other").result.flight;
  Acquire(b_, u"k");
  Acquire(b_, u"other");

  store_.Leave(*a_.member, now_);
  EXPECT_EQ(b_.Take(), (Notices{{FlightIdOf(flight), NoticeKind::kOrphaned, nullptr},
                                {FlightIdOf(other), NoticeKind::kOrphaned, nullptr}}))
      << "every fetch a ran";
  EXPECT_EQ(b_.wakes, 1);
  EXPECT_EQ(store_.running(), 0u);
  EXPECT_EQ(store_.members(), 1u);
  EXPECT_EQ(store_.stats().aborts, 2u);
  EXPECT_FALSE(store_.IsCurrent(flight));

  const SharedResult again = Acquire(b_, u"k");
  EXPECT_EQ(again.result.outcome, Outcome::kStart);
  EXPECT_EQ(Complete(flight, BytesOf("late")).outcome, Outcome::kNotStored)
      << "the closed member's late result is dropped";
  EXPECT_EQ(b_.Take(), Notices{}) << "and tells no one";
  Complete(again.result.flight, BytesOf("value"));
  EXPECT_EQ(store_.running(), 0u);
}

TEST_F(SharedStoreFlights, MemberThatLeftIsNotNotified) {
  const FlightToken flight = Acquire(a_, u"k").result.flight;
  Acquire(b_, u"k");
  store_.Leave(*b_.member, now_);
  store_.Leave(*b_.member, now_);  // idempotent
  EXPECT_EQ(store_.members(), 1u);

  Complete(flight, BytesOf("value"));
  EXPECT_EQ(b_.Take(), Notices{});
  EXPECT_EQ(b_.wakes, 0);
}

TEST_F(SharedStoreFlights, DetachedFetchNotifiesItsJoinersButStoresNothing) {
  const Bytes set = BytesOf("set");
  const std::pair<const char*, std::function<void()>> detachers[] = {
      {"Delete", [&] { store_.Delete(u"k", nullptr); }},
      {"Set", [&] { Set(u"k", set); }},
      {"Clear", [&] { store_.Clear(nullptr); }},
      {"InvalidateTag", [&] { store_.InvalidateTag(u"tag", nullptr); }},
  };
  for (const auto& [name, detach] : detachers) {
    SCOPED_TRACE(name);
    store_.Delete(u"k", nullptr);
    const FlightToken flight = Acquire(a_, u"k").result.flight;
    const std::u16string_view tag = u"tag";
    store_.TagFlight(flight, {&tag, 1}, false);
    Acquire(b_, u"k");
    detach();
    EXPECT_FALSE(store_.IsCurrent(flight));
    EXPECT_EQ(store_.running(), 1u) << "the fetch still runs, and has a waiter";

    const Bytes value = BytesOf("fetched");
    EXPECT_EQ(Complete(flight, value).outcome, Outcome::kNotStored);
    EXPECT_EQ(b_.Take(), (Notices{{FlightIdOf(flight), NoticeKind::kValue, value}}))
        << "the waiter still gets the value it waited for";
    EXPECT_EQ(Get(u"k"), std::string_view(name) == "Set" ? set : nullptr)
        << "what the detaching call left";
    EXPECT_EQ(value.use_count(), 1) << "the store kept no reference";
    EXPECT_EQ(store_.running(), 0u);
  }
}

TEST_F(SharedStoreFlights, DetachedFetchStillRunsWhileTheNextStartsAnew) {
  const FlightToken first = Acquire(a_, u"k").result.flight;
  Acquire(b_, u"k");
  store_.Delete(u"k", nullptr);
  const SharedResult second = Acquire(b_, u"k");
  EXPECT_EQ(second.result.outcome, Outcome::kStart);
  EXPECT_EQ(store_.running(), 2u);

  const Bytes value = BytesOf("second");
  Complete(second.result.flight, value);
  EXPECT_EQ(Get(u"k"), value);
  Fail(first, u"k", FailCause::kError, BytesOf("error"));
  EXPECT_EQ(b_.Take(), (Notices{{FlightIdOf(first), NoticeKind::kValue, value}}))
      << "a detached fetch that fails falls back to the value stored since";
}

TEST_F(SharedStoreFlights, RefreshIsRunByTheMemberWhoseHitStartedIt) {
  const Bytes old = BytesOf("old");
  Set(u"k", old, kWithRefresh);
  now_ += kTtl;

  const SharedResult refresh = Acquire(a_, u"k");
  EXPECT_EQ(refresh.result.outcome, Outcome::kStaleHit);
  EXPECT_TRUE(refresh.result.started);
  EXPECT_EQ(refresh.value, old);
  const SharedResult stale = Acquire(b_, u"k");
  EXPECT_EQ(stale.result.outcome, Outcome::kStaleHit) << "served stale, not made to wait";
  EXPECT_FALSE(stale.result.started);
  EXPECT_EQ(stale.value, old);

  const SharedResult forced = Acquire(b_, u"k", /*force=*/true);
  EXPECT_EQ(forced.result.outcome, Outcome::kJoin);
  EXPECT_TRUE(forced.foreign) << "a forced refresh waits for the refresh in flight";
  store_.Leave(*a_.member, now_);
  EXPECT_EQ(b_.Take(),
            (Notices{{FlightIdOf(refresh.result.flight), NoticeKind::kOrphaned, nullptr}}));
  EXPECT_EQ(store_.running(), 0u);
  EXPECT_EQ(store_.stats().aborts, 1u);
}

TEST_F(SharedStoreFlights, WakesAMemberOnlyWhenItsQueueStopsBeingEmpty) {
  const FlightToken first = Acquire(a_, u"1").result.flight;
  const FlightToken second = Acquire(a_, u"2").result.flight;
  const FlightToken third = Acquire(a_, u"3").result.flight;
  for (const char16_t* key : {u"1", u"2", u"3"}) Acquire(b_, key);

  Complete(first, BytesOf("1"));
  EXPECT_EQ(b_.wakes, 1);
  Fail(second, u"2", FailCause::kError, BytesOf("2"));
  EXPECT_EQ(b_.wakes, 1) << "the queue was not empty";
  EXPECT_EQ(b_.Take().size(), 2u);
  EXPECT_EQ(b_.wakes, 1) << "taking wakes no one";
  Fail(third, u"3", FailCause::kAbort);
  EXPECT_EQ(b_.wakes, 2) << "the queue was empty again";
  EXPECT_EQ(b_.Take().size(), 1u);
  EXPECT_EQ(b_.Take(), Notices{});
  EXPECT_EQ(a_.wakes, 0);
}

// ---- Removals and the values' bytes ----

std::vector<std::pair<std::u16string, RemovalCause>> KeysAndCauses(
    const std::vector<SharedRemoval>& removed) {
  std::vector<std::pair<std::u16string, RemovalCause>> out;
  for (const SharedRemoval& removal : removed) out.emplace_back(removal.key, removal.cause);
  return out;
}

TEST(SharedStoreRemovals, ReportsEachRemovalWithItsKeyCauseAndBytes) {
  SharedStore store(OptionsWith(2));
  auto member = std::make_shared<SharedMember>(nullptr);
  store.Join(member);
  std::vector<SharedRemoval> removed;
  double now = 1'000;
  const std::vector<std::u16string_view> no_tags;
  const std::vector<std::u16string_view> tagged = {u"tag"};

  const Bytes a = BytesOf("a");
  const Bytes b = BytesOf("b");
  store.Set(u"a", TtlSpec(kTtl), a, no_tags, now, &removed);
  store.Set(u"b", TtlSpec(kTtl), b, tagged, now, &removed);
  EXPECT_TRUE(removed.empty());
  const FlightToken c = store.Acquire(*member, u"c", now, false, &removed).result.flight;
  store.Complete(c, TtlSpec(kTtl), BytesOf("c"), now, &removed);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].key, u"a");
  EXPECT_EQ(removed[0].cause, RemovalCause::kEvicted);
  EXPECT_EQ(removed[0].value, a) << "the evicted entry's bytes";

  removed.clear();
  const Bytes c2 = BytesOf("c2");
  store.Set(u"c", TtlSpec(kTtl), c2, no_tags, now, &removed);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].key, u"c");
  EXPECT_EQ(removed[0].cause, RemovalCause::kReplaced);
  EXPECT_EQ(*removed[0].value, std::vector<uint8_t>{'c'});

  removed.clear();
  EXPECT_EQ(store.InvalidateTag(u"tag", &removed), 1u);
  EXPECT_EQ(store.Delete(u"c", &removed).outcome, Outcome::kRemoved);
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(KeysAndCauses(removed),
            (std::vector<std::pair<std::u16string, RemovalCause>>{{u"b", RemovalCause::kDeleted},
                                                                  {u"c", RemovalCause::kDeleted}}));
  EXPECT_EQ(removed[0].value, b);
  EXPECT_EQ(removed[1].value, c2);

  removed.clear();
  store.Set(u"x", TtlSpec(kTtl), BytesOf("x"), no_tags, now, &removed);
  store.Set(u"y", TtlSpec(kTtl), BytesOf("y"), no_tags, now, &removed);
  now += kTtl;
  EXPECT_EQ(store.Get(u"x", now, false, &removed).value, nullptr);
  EXPECT_EQ(store.Sweep(now, 10, &removed), 1u);
  EXPECT_EQ(KeysAndCauses(removed),
            (std::vector<std::pair<std::u16string, RemovalCause>>{{u"x", RemovalCause::kExpired},
                                                                  {u"y", RemovalCause::kExpired}}))
      << "found expired by a lookup, then swept";
  EXPECT_EQ(*removed[1].value, std::vector<uint8_t>{'y'});

  removed.clear();
  const Bytes z = BytesOf("z");
  store.Set(u"z", TtlSpec(kTtl), z, no_tags, now, &removed);
  store.Clear(&removed);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].key, u"z");
  EXPECT_EQ(removed[0].cause, RemovalCause::kCleared);
  EXPECT_EQ(removed[0].value, z);
  EXPECT_TRUE(store.CheckInvariants());
}

TEST(SharedStoreRemovals, LetsGoOfAValueWhenItsEntryIsRemoved) {
  SharedStore store(OptionsWith(2, /*max_bytes=*/100));
  auto member = std::make_shared<SharedMember>(nullptr);
  store.Join(member);
  double now = 1'000;
  const std::vector<std::u16string_view> tagged = {u"tag"};
  // Each write's bytes, held only by the store from here on.
  auto write = [&](std::u16string_view key, double ttl = kTtl, uint64_t bytes = 1) {
    Bytes value = BytesOf("value");
    std::weak_ptr<const std::vector<uint8_t>> held = value;
    EntrySpec spec = TtlSpec(ttl);
    spec.bytes = bytes;
    store.Set(key, spec, std::move(value), tagged, now, nullptr);
    return held;
  };
  // Each case writes `k`, then removes it with the call under test (no removals asked for).
  const std::vector<std::pair<const char*, std::function<void()>>> removals = {
      {"evicted",
       [&] {
         write(u"other1");
         write(u"other2");
       }},
      {"evicted by bytes", [&] { write(u"big", kTtl, 100); }},
      {"replaced", [&] { write(u"k"); }},
      {"replaced by a value too large", [&] { write(u"k", kTtl, 101); }},
      {"replaced by a value not stored", [&] { write(u"k", 0); }},
      {"deleted", [&] { store.Delete(u"k", nullptr); }},
      {"deleted by tag", [&] { store.InvalidateTag(u"tag", nullptr); }},
      {"expired, swept", [&] { store.Sweep(now + kTtl, 10, nullptr); }},
      {"expired, looked up", [&] { store.Peek(u"k", now + kTtl, true, nullptr); }},
      {"cleared", [&] { store.Clear(nullptr); }},
      {"replaced by a fetch",
       [&] {
         const FlightToken flight = store.Acquire(*member, u"k", now, true, nullptr).result.flight;
         store.Complete(flight, TtlSpec(kTtl), BytesOf("fetched"), now, nullptr);
       }},
  };
  for (const auto& [name, remove] : removals) {
    SCOPED_TRACE(name);
    store.Clear(nullptr);
    const std::weak_ptr<const std::vector<uint8_t>> value = write(u"k");
    ASSERT_FALSE(value.expired()) << "the store holds it";
    remove();
    EXPECT_TRUE(value.expired()) << "the store let go of it";
    EXPECT_TRUE(store.CheckInvariants());
  }
}

// ---- The registry ----

StoreOptions Defaults() { return OptionsWith(1000); }

TEST(SharedRegistry, OpensOneStorePerName) {
  SharedRegistry::Mismatch mismatch;
  const auto first = SharedRegistry::Open("registry-one", 10, 1000, Defaults(), &mismatch);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->max_entries(), 10u);
  EXPECT_EQ(first->max_bytes(), 1000u);
  EXPECT_EQ(SharedRegistry::Open("registry-one", 10, 1000, Defaults(), &mismatch), first);
  EXPECT_EQ(SharedRegistry::Open("registry-one", std::nullopt, std::nullopt, Defaults(), &mismatch),
            first)
      << "sizes not given take the open store's";
  const auto other =
      SharedRegistry::Open("registry-two", std::nullopt, std::nullopt, Defaults(), &mismatch);
  ASSERT_NE(other, nullptr);
  EXPECT_NE(other, first);
  EXPECT_EQ(other->max_entries(), Defaults().max_entries) << "a new store takes the defaults";
  EXPECT_EQ(SharedRegistry::open_count(), 2u);
}

TEST(SharedRegistry, RefusesSizesOtherThanTheOpenStores) {
  SharedRegistry::Mismatch mismatch;
  const auto open = SharedRegistry::Open("registry-sizes", 10, 1000, Defaults(), &mismatch);
  ASSERT_NE(open, nullptr);

  EXPECT_EQ(SharedRegistry::Open("registry-sizes", 11, 1000, Defaults(), &mismatch), nullptr);
  EXPECT_EQ(mismatch.option, "maxSize");
  EXPECT_EQ(mismatch.open, 10);
  EXPECT_EQ(mismatch.asked, 11);

  EXPECT_EQ(SharedRegistry::Open("registry-sizes", std::nullopt, 999, Defaults(), &mismatch),
            nullptr);
  EXPECT_EQ(mismatch.option, "maxBytes");
  EXPECT_EQ(mismatch.open, 1000);
  EXPECT_EQ(mismatch.asked, 999);
  EXPECT_EQ(open.use_count(), 1) << "a refusal holds no reference";
}

TEST(SharedRegistry, RefusesAnotherCodecThanTheOpenStores) {
  SharedRegistry::Mismatch mismatch;
  const auto open =
      SharedRegistry::Open("registry-codec", 10, std::nullopt, Defaults(), &mismatch, "v8");
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->codec(), "v8");
  EXPECT_EQ(SharedRegistry::Open("registry-codec", 10, std::nullopt, Defaults(), &mismatch, "v8"),
            open);

  EXPECT_EQ(SharedRegistry::Open("registry-codec", 10, std::nullopt, Defaults(), &mismatch, "json"),
            nullptr);
  EXPECT_EQ(mismatch.option, "codec");
  EXPECT_EQ(mismatch.open_codec, "v8");
  EXPECT_EQ(mismatch.asked_codec, "json");
}

TEST(SharedRegistry, RefusesAnotherPolicyThanTheOpenStores) {
  SharedRegistry::Mismatch mismatch;
  const auto open = SharedRegistry::Open("registry-policy", 10, std::nullopt, Defaults(), &mismatch,
                                         "v8", EvictionPolicy::kTinyLfu);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->policy(), EvictionPolicy::kTinyLfu);
  EXPECT_EQ(SharedRegistry::Open("registry-policy", 10, std::nullopt, Defaults(), &mismatch, "v8"),
            open)
      << "a policy not given takes the open store's";
  EXPECT_EQ(SharedRegistry::Open("registry-policy", 10, std::nullopt, Defaults(), &mismatch, "v8",
                                 EvictionPolicy::kLru),
            nullptr);
  EXPECT_EQ(mismatch.option, "policy");
  EXPECT_EQ(mismatch.open_policy, "tinylfu");
  EXPECT_EQ(mismatch.asked_policy, "lru");
  const auto lru =
      SharedRegistry::Open("registry-lru", 10, std::nullopt, Defaults(), &mismatch, "v8");
  ASSERT_NE(lru, nullptr);
  EXPECT_EQ(lru->policy(), EvictionPolicy::kLru) << "a new store takes the defaults' policy";
}

TEST(SharedRegistry, FreesAStoreWithItsLastHolder) {
  ASSERT_EQ(SharedStore::live_count(), 0u) << "a test before this one leaked a store";
  SharedRegistry::Mismatch mismatch;
  auto first = SharedRegistry::Open("registry-free", 10, std::nullopt, Defaults(), &mismatch);
  auto second = SharedRegistry::Open("registry-free", 10, std::nullopt, Defaults(), &mismatch);
  auto member = std::make_shared<SharedMember>(nullptr);
  first->Join(member);
  first->Set(u"k", TtlSpec(kTtl), BytesOf("value"), {}, 0, nullptr);
  EXPECT_EQ(SharedStore::live_count(), 1u);

  first.reset();
  EXPECT_EQ(SharedStore::live_count(), 1u) << "second still holds it";
  EXPECT_EQ(second->size(), 1u);
  second->Leave(*member, 0);
  second.reset();
  EXPECT_EQ(SharedStore::live_count(), 0u) << "freed with its last holder";
  EXPECT_EQ(SharedRegistry::open_count(), 0u);

  const auto reopened =
      SharedRegistry::Open("registry-free", 20, std::nullopt, Defaults(), &mismatch);
  ASSERT_NE(reopened, nullptr) << "a new store, with new sizes";
  EXPECT_EQ(reopened->max_entries(), 20u);
  EXPECT_EQ(reopened->size(), 0u);
}

}  // namespace
}  // namespace herdcache
