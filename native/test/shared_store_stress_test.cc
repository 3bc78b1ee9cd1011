// SharedStore under many threads, each a member of its own making random calls on a few keys
// (shared_store_worker.h). Once they finish, their logs are checked against each other and the
// store: one runner per flight; one notice per flight joined, saying how its runner ended it;
// counters equal to the calls made; nothing left running; no bytes kept for an entry that is
// gone. `npm test -- --sanitize` also runs them under ThreadSanitizer (build-tsan), which reports
// any access to the store's state outside its lock.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <barrier>
#include <cstddef>
#include <latch>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "shared_store.h"
#include "shared_store_test_util.h"
#include "shared_store_worker.h"
#include "store_test_util.h"

namespace herdcache::stress {
namespace {

using testing_util::BytesOf;
using testing_util::OptionsWith;
using testing_util::TtlSpec;
using Workers = std::vector<std::unique_ptr<Worker>>;

constexpr int kThreads = 8;
constexpr int kSteps = 10000;  // per thread

Workers Join(SharedStore& store, TickClock& clock, const Mix& mix) {
  Workers workers;
  for (int i = 0; i < kThreads; ++i) {
    workers.push_back(std::make_unique<Worker>(store, clock, mix, /*seed=*/i + 1));
  }
  return workers;
}

// Runs every worker in a thread of its own, all let go at once.
void RunAll(Workers& workers) {
  std::latch start(static_cast<std::ptrdiff_t>(workers.size()));
  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back([&start, &worker] {
      start.arrive_and_wait();
      worker->Run(kSteps);
    });
  }
  for (std::thread& thread : threads) thread.join();
}

// What the workers did, summed, for the tests to check that the run exercised their target.
struct Summary {
  Tally tally;
  uint64_t joined = 0;             // flights joined in other members
  std::array<uint64_t, 3> told{};  // notices received, by NoticeKind
};

// Checks the workers' logs against each other and against the store.
Summary ExpectConsistent(SharedStore& store, const Workers& workers) {
  Summary summary;
  Tally& sum = summary.tally;
  std::map<uint64_t, const Ran*> ran;  // every flight, by id
  std::map<std::u16string, uint64_t> started_by_key;
  std::map<std::u16string, uint64_t> ended_by_key;
  for (size_t i = 0; i < workers.size(); ++i) {
    const Worker& worker = *workers[i];
    EXPECT_EQ(worker.problems(), std::vector<std::string>{}) << "worker " << i;
    const Tally& tally = worker.tally();
    sum.hits += tally.hits;
    sum.stale_hits += tally.stale_hits;
    sum.misses += tally.misses;
    sum.starts += tally.starts;
    sum.refreshes += tally.refreshes;
    sum.joins += tally.joins;
    sum.completes += tally.completes;
    sum.errors += tally.errors;
    sum.timeouts += tally.timeouts;
    sum.aborts += tally.aborts;
    for (const auto& [key, count] : worker.started()) started_by_key[key] += count;
    for (const auto& [flight, fetch] : worker.ran()) {
      EXPECT_TRUE(ran.emplace(flight, &fetch).second) << "flight " << flight << " ran twice";
      ++ended_by_key[fetch.key];
    }
    EXPECT_EQ(worker.wakes(), worker.batches()) << "worker " << i << " was woken once a batch";
  }
  EXPECT_EQ(started_by_key, ended_by_key) << "each fetch started ran, and ended, once";

  for (size_t i = 0; i < workers.size(); ++i) {
    const Worker& worker = *workers[i];
    summary.joined += worker.joined().size();
    for (const auto& [flight, key] : worker.joined()) {
      const auto fetch = ran.find(flight);
      if (fetch == ran.end()) {
        ADD_FAILURE() << "worker " << i << " joined flight " << flight << ", which no one ran";
        continue;
      }
      EXPECT_EQ(fetch->second->key, key) << "a flight joined for another key";
    }
    for (const Notice& notice : worker.received()) {
      ++summary.told[static_cast<size_t>(notice.kind)];
      const auto fetch = ran.find(notice.flight);
      if (fetch == ran.end()) {
        ADD_FAILURE() << "worker " << i << " was told of flight " << notice.flight
                      << ", which no one ran";
        continue;
      }
      EXPECT_EQ(notice, fetch->second->told) << "worker " << i << " was told otherwise";
    }
  }

  const StoreStats stats = store.stats();
  EXPECT_EQ(stats.fetches, sum.starts + sum.refreshes);
  EXPECT_EQ(stats.fetches, ran.size());
  EXPECT_EQ(stats.fetches, sum.completes + stats.fetch_errors + stats.timeouts + stats.aborts);
  EXPECT_EQ(stats.refreshes, sum.refreshes);
  EXPECT_EQ(stats.fetch_errors, sum.errors);
  EXPECT_EQ(stats.timeouts, sum.timeouts);
  EXPECT_EQ(stats.aborts, sum.aborts) << "Fail(kAbort) and the fetches of members that left";
  EXPECT_EQ(stats.coalesced, sum.joins);
  EXPECT_EQ(stats.hits, sum.hits);
  EXPECT_EQ(stats.stale_hits, sum.stale_hits);
  EXPECT_EQ(stats.misses, sum.misses + sum.starts + sum.joins);
  EXPECT_EQ(stats.in_flight, 0u);
  EXPECT_EQ(store.running(), 0u) << "no fetch is left with a runner";
  EXPECT_EQ(store.members(), workers.size());
  EXPECT_TRUE(store.CheckInvariants());
  return summary;
}

// Once the workers have left and their logs are gone, the values still alive are exactly the
// store's entries', and none after a Clear.
void ExpectOnlyStoredValuesAlive(SharedStore& store, Workers& workers) {
  std::vector<std::weak_ptr<const std::vector<uint8_t>>> values;
  for (auto& worker : workers) {
    values.insert(values.end(), worker->values().begin(), worker->values().end());
    worker->Leave();
  }
  EXPECT_EQ(store.members(), 0u);
  workers.clear();
  auto alive = [&] {
    return std::count_if(values.begin(), values.end(), [](const auto& v) { return !v.expired(); });
  };
  EXPECT_EQ(static_cast<size_t>(alive()), store.size());
  store.Clear(nullptr);
  EXPECT_EQ(alive(), 0);
  EXPECT_TRUE(store.CheckInvariants());
}

size_t Told(const Summary& summary, NoticeKind kind) {
  return summary.told[static_cast<size_t>(kind)];
}

TEST(SharedStoreStress, EveryJoinerIsToldOnceHowEachFlightItJoinedEnded) {
  SharedStore store(OptionsWith(4));  // fewer entries than keys: evictions too
  TickClock clock;
  Workers workers = Join(store, clock, Mix{});
  RunAll(workers);
  const Summary summary = ExpectConsistent(store, workers);
  EXPECT_GT(summary.joined, 0u);
  EXPECT_GT(Told(summary, NoticeKind::kValue), 0u);
  EXPECT_GT(Told(summary, NoticeKind::kError), 0u);
  EXPECT_GT(Told(summary, NoticeKind::kOrphaned), 0u);
  EXPECT_GT(summary.tally.refreshes, 0u);
  ExpectOnlyStoredValuesAlive(store, workers);
}

TEST(SharedStoreStress, ThreadsAskingForOneKeyShareEachFetch) {
  SharedStore store(OptionsWith(4));
  TickClock clock;
  // Nothing is stored, so every Acquire joins the fetch in flight or starts the next.
  const Mix one_key{.keys = 1,
                    .acquire = 60,
                    .finish = 30,
                    .get = 10,
                    .set = 0,
                    .remove = 0,
                    .invalidate_tag = 0,
                    .clear = 0,
                    .sweep = 0,
                    .leave = 0,
                    .read = 0,
                    .store_values = false};
  Workers workers = Join(store, clock, one_key);
  RunAll(workers);
  const Summary summary = ExpectConsistent(store, workers);
  EXPECT_GT(summary.joined, static_cast<uint64_t>(kThreads)) << "the fetches were shared";
  EXPECT_EQ(store.size(), 0u);
  ExpectOnlyStoredValuesAlive(store, workers);
}

TEST(SharedStoreStress, MembersThatLeaveOrphanTheirWaitersWhoFetchAnew) {
  SharedStore store(OptionsWith(4));
  TickClock clock;
  const Mix leaving{.keys = 2,
                    .acquire = 50,
                    .finish = 20,
                    .get = 5,
                    .set = 5,
                    .remove = 5,
                    .invalidate_tag = 0,
                    .clear = 0,
                    .sweep = 5,
                    .leave = 10,
                    .read = 0};
  Workers workers = Join(store, clock, leaving);
  RunAll(workers);
  const Summary summary = ExpectConsistent(store, workers);
  EXPECT_GT(Told(summary, NoticeKind::kOrphaned), 0u);
  ExpectOnlyStoredValuesAlive(store, workers);
}

TEST(SharedStoreStress, ThreadsOpeningOneNameShareOneStoreUntilTheLastLetsGo) {
  ASSERT_EQ(SharedStore::live_count(), 0u) << "a test before this one leaked a store";
  constexpr int kRounds = 100;
  // Written by the barrier's completion, which runs alone between two phases.
  std::vector<size_t> alive_after;
  int phase = 0;
  std::barrier barrier(kThreads, [&]() noexcept {
    if (phase++ % 2 == 1) {
      alive_after.push_back(SharedStore::live_count() + SharedRegistry::open_count());
    }
  });
  std::array<std::array<const SharedStore*, kThreads>, kRounds> opened{};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int round = 0; round < kRounds; ++round) {
        SharedRegistry::Mismatch mismatch;
        std::shared_ptr<SharedStore> store =
            SharedRegistry::Open("stress", 16, std::nullopt, OptionsWith(16), &mismatch);
        auto member = std::make_shared<SharedMember>(nullptr);
        store->Join(member);
        const Result got = store->Acquire(*member, u"k", round, false, nullptr).result;
        if (got.outcome == Outcome::kStart) {
          store->Complete(got.flight, TtlSpec(10), BytesOf("value"), round, nullptr);
        }
        opened[round][i] = store.get();
        barrier.arrive_and_wait();  // every thread holds its store
        store->Leave(*member, round);
        store.reset();
        barrier.arrive_and_wait();  // every thread has let go
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  for (int round = 0; round < kRounds; ++round) {
    EXPECT_TRUE(std::all_of(opened[round].begin(), opened[round].end(),
                            [&](const SharedStore* store) { return store == opened[round][0]; }))
        << "round " << round << ": one store for the name";
  }
  EXPECT_EQ(alive_after, std::vector<size_t>(kRounds, 0)) << "freed when the last let go";
}

}  // namespace
}  // namespace herdcache::stress
