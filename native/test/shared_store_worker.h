// One thread of the SharedStore stress tests (shared_store_stress_test.cc): a member of the
// store that makes random calls on a few keys, runs the fetches it starts (ending each later,
// as a value, an error, a timeout or an abort, or by leaving the store) and waits for the ones
// it joins on a condition variable that its wake callback signals. It logs what it did and what
// it was told, for the test to check against the other threads' logs and the store afterwards.
//
// It records problems instead of failing assertions: the log is read on the test's thread once
// every worker has finished, and gtest's own locking would add synchronization between the
// workers that could hide a race from ThreadSanitizer.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "shared_store.h"
#include "shared_store_test_util.h"
#include "store_test_util.h"

namespace herdcache::stress {

// The test's clock: each call reads the next tick. Relaxed, so the clock itself orders nothing
// between the threads.
class TickClock {
 public:
  double Next() { return static_cast<double>(ticks_.fetch_add(1, std::memory_order_relaxed)); }

 private:
  std::atomic<uint64_t> ticks_{1'000'000};
};

// How often a worker makes each call, in parts of the sum (one call per step).
struct Mix {
  int keys = 6;  // asks for k0 .. k(keys - 1), at most 8 keys, tagged t0 and t1 alternately
  int acquire = 40;
  int finish = 25;  // ends one of its fetches (a Get when it runs none)
  int get = 10;
  int set = 6;
  int remove = 4;  // Delete
  int invalidate_tag = 3;
  int clear = 1;
  int sweep = 5;
  int leave = 1;             // Leave, then Join again (the same member)
  int read = 5;              // Peek, RemainingTtl, Walk
  bool store_values = true;  // false: every value has TTL 0, so every Acquire misses
};

// The calls a worker made, by outcome: summed over the workers they must equal the store's
// counters.
struct Tally {
  uint64_t hits = 0;        // Acquire and Get answered by an entry
  uint64_t stale_hits = 0;  // of which by a stale one
  uint64_t misses = 0;      // Get kMiss
  uint64_t starts = 0;      // Acquire kStart
  uint64_t refreshes = 0;   // Acquire kStaleHit that started a refresh
  uint64_t joins = 0;       // Acquire kJoin, its own fetch or another member's
  uint64_t completes = 0;
  uint64_t errors = 0;
  uint64_t timeouts = 0;
  uint64_t aborts = 0;  // Fail with kAbort, and the fetches it ran when it left
};

// A fetch as its runner ended it: its key, and the notice its waiters must get.
struct Ran {
  std::u16string key;
  Notice told;
};

class Worker {
 public:
  // Joins `store` with a member of its own; `seed` makes its calls.
  Worker(SharedStore& store, TickClock& clock, const Mix& mix, uint32_t seed);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // The thread's body: `steps` random calls, then it ends the fetches it runs and waits for the
  // ones it joined.
  void Run(int steps);
  // Leaves the store (after Run, on the test's thread).
  void Leave();

  // After Run, read by the test's thread.
  const std::vector<std::string>& problems() const { return problems_; }
  const Tally& tally() const { return tally_; }
  // The fetches it ran, by flight id.
  const std::map<uint64_t, Ran>& ran() const { return ran_; }
  // The fetches it started, by key.
  const std::map<std::u16string, uint64_t>& started() const { return started_; }
  // The flights of other members it joined, by flight id, with the key it asked for.
  const std::map<uint64_t, std::u16string>& joined() const { return joined_; }
  const std::vector<Notice>& received() const { return received_; }
  // Wakes, and takes that found notices: equal once every queue is empty, as each notice that
  // finds its member's queue empty wakes it once.
  uint64_t wakes() const { return wakes_; }
  uint64_t batches() const { return batches_; }
  // Every value it wrote or fetched, to count those still alive.
  const std::vector<std::weak_ptr<const std::vector<uint8_t>>>& values() const { return values_; }

 private:
  enum class Wait : uint8_t {
    kWaiting,   // joined, no notice yet
    kNotified,  // its one notice came
    kDropped,   // the member left before the notice came: none may come now
  };
  struct Running {
    FlightToken token;
    std::u16string key;
  };

  int Roll(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  std::vector<SharedRemoval>* Removals();
  void CheckRemovals();
  EntrySpec Spec();
  Bytes Value();

  void Step();
  void Acquire(int key);
  void Started(FlightToken token, int key);
  void Joined(FlightToken token, int key, bool foreign);
  void Finish(size_t index);
  void Get(int key);
  void Set(int key);
  void Read(int key);
  void LeaveAndJoin();
  void Drain();
  void WaitFor(uint64_t flight);
  void Problem(std::string what);

  SharedStore& store_;
  TickClock& clock_;
  const Mix mix_;
  std::mt19937 random_;
  std::shared_ptr<SharedMember> member_;

  std::mutex mutex_;  // wake's signal
  std::condition_variable woken_signal_;
  bool woken_ = false;
  uint64_t wakes_ = 0;
  bool gave_up_ = false;

  std::vector<Running> running_;
  std::map<uint64_t, Wait> waits_;
  std::vector<SharedRemoval> removed_;

  std::vector<std::string> problems_;
  Tally tally_;
  std::map<uint64_t, Ran> ran_;
  std::map<std::u16string, uint64_t> started_;
  std::map<uint64_t, std::u16string> joined_;
  std::vector<Notice> received_;
  uint64_t batches_ = 0;
  std::vector<std::weak_ptr<const std::vector<uint8_t>>> values_;
};

// ---- Implementation (header-only: CMake builds the *_test.cc files alone) ----

inline constexpr std::u16string_view kKeys[] = {u"k0", u"k1", u"k2", u"k3",
                                                u"k4", u"k5", u"k6", u"k7"};
inline constexpr std::u16string_view kTags[] = {u"t0", u"t1"};
// A fetch a worker runs is ended within a few of its steps, so flights overlap but stay short.
inline constexpr size_t kMaxRunning = 3;
// Only turns a lost notice into a failure instead of a hang; no outcome depends on it.
inline constexpr std::chrono::seconds kHangGuard{30};

inline Worker::Worker(SharedStore& store, TickClock& clock, const Mix& mix, uint32_t seed)
    : store_(store), clock_(clock), mix_(mix), random_(seed) {
  member_ = std::make_shared<SharedMember>([this] {
    std::lock_guard lock(mutex_);
    woken_ = true;
    ++wakes_;
    woken_signal_.notify_one();
  });
  store_.Join(member_);
}

inline void Worker::Run(int steps) {
  for (int step = 0; step < steps; ++step) Step();
  while (!running_.empty()) Finish(0);
  std::vector<uint64_t> waiting;
  for (const auto& [flight, wait] : waits_) {
    if (wait == Wait::kWaiting) waiting.push_back(flight);
  }
  for (const uint64_t flight : waiting) WaitFor(flight);
  Drain();
  CheckRemovals();
}

inline void Worker::Leave() { store_.Leave(*member_, clock_.Next()); }

inline void Worker::Problem(std::string what) {
  if (problems_.size() < 20) problems_.push_back(std::move(what));
}

// Half the calls ask for their removals, which are then checked.
inline std::vector<SharedRemoval>* Worker::Removals() {
  CheckRemovals();
  return Roll(2) == 0 ? &removed_ : nullptr;
}

inline void Worker::CheckRemovals() {
  for (const SharedRemoval& removal : removed_) {
    if (removal.key.empty() || !removal.value) Problem("a removal without its key or bytes");
  }
  removed_.clear();
}

inline EntrySpec Worker::Spec() {
  EntrySpec spec;
  const int ttl = Roll(20);
  spec.ttl_ms = !mix_.store_values || ttl == 0 ? 0 : ttl == 1 ? kNever : 20 + Roll(200);
  spec.stale_while_revalidate_ms = Roll(2) * 100;
  spec.stale_if_error_ms = Roll(2) * 300;
  spec.bytes = 1;
  return spec;
}

inline Bytes Worker::Value() {
  Bytes value = testing_util::BytesOf("value");
  values_.push_back(value);
  return value;
}

inline void Worker::Step() {
  Drain();
  const int key = Roll(mix_.keys);
  int roll = Roll(mix_.acquire + mix_.finish + mix_.get + mix_.set + mix_.remove +
                  mix_.invalidate_tag + mix_.clear + mix_.sweep + mix_.leave + mix_.read);
  // True for the call whose share of the sum `roll` falls in.
  auto take = [&](int share) {
    roll -= share;
    return roll < 0;
  };
  if (take(mix_.acquire)) {
    Acquire(key);
  } else if (take(mix_.finish)) {
    if (running_.empty()) {
      Get(key);
    } else {
      Finish(Roll(static_cast<int>(running_.size())));
    }
  } else if (take(mix_.get)) {
    Get(key);
  } else if (take(mix_.set)) {
    Set(key);
  } else if (take(mix_.remove)) {
    store_.Delete(kKeys[key], Removals());
  } else if (take(mix_.invalidate_tag)) {
    store_.InvalidateTag(kTags[Roll(2)], Removals());
  } else if (take(mix_.clear)) {
    store_.Clear(Removals());
  } else if (take(mix_.sweep)) {
    store_.Sweep(clock_.Next(), 4, Removals());
  } else if (take(mix_.leave)) {
    LeaveAndJoin();
  } else {
    Read(key);
  }
  if (running_.size() > kMaxRunning) Finish(0);
}

inline void Worker::Acquire(int key) {
  const bool force = Roll(20) == 0;
  const SharedResult got = store_.Acquire(*member_, kKeys[key], clock_.Next(), force, Removals());
  const Result& result = got.result;
  switch (result.outcome) {
    case Outcome::kHit:
    case Outcome::kStaleHit:
      ++tally_.hits;
      if (!got.value) Problem("an Acquire hit without bytes");
      if (result.outcome == Outcome::kHit) break;
      ++tally_.stale_hits;
      if (result.started) {
        ++tally_.refreshes;
        Started(result.flight, key);
      }
      break;
    case Outcome::kStart:
      ++tally_.starts;
      Started(result.flight, key);
      break;
    case Outcome::kJoin:
      ++tally_.joins;
      Joined(result.flight, key, got.foreign);
      break;
    default:
      Problem(std::string("Acquire answered ") + NameOf(result.outcome));
  }
}

inline void Worker::Started(FlightToken token, int key) {
  const uint64_t flight = FlightIdOf(token);
  const bool seen = ran_.contains(flight) || waits_.contains(flight) ||
                    std::any_of(running_.begin(), running_.end(), [&](const Running& running) {
                      return FlightIdOf(running.token) == flight;
                    });
  if (seen) Problem("a flight id handed out twice: " + std::to_string(flight));
  running_.push_back(Running{token, std::u16string(kKeys[key])});
  ++started_[running_.back().key];
  const std::u16string_view tag = kTags[key % 2];
  store_.TagFlight(token, {&tag, 1}, /*replace=*/Roll(4) == 0);
  // A fetch takes a while: let the other threads ask for the key meanwhile.
  std::this_thread::yield();
}

inline void Worker::Joined(FlightToken token, int key, bool foreign) {
  const uint64_t flight = FlightIdOf(token);
  const bool runs = std::any_of(running_.begin(), running_.end(), [&](const Running& running) {
    return FlightIdOf(running.token) == flight;
  });
  if (foreign == runs) {
    Problem(foreign ? "a join of its own fetch called foreign"
                    : "a join of another member's fetch not called foreign");
  }
  if (!foreign) return;
  const auto [wait, first] = waits_.try_emplace(flight, Wait::kWaiting);
  if (wait->second == Wait::kNotified) Problem("joined a flight it was told had ended");
  wait->second = Wait::kWaiting;
  if (first) joined_.emplace(flight, kKeys[key]);
  if (joined_[flight] != kKeys[key]) Problem("one flight joined for two keys");
  // A worker that runs no fetch can block: every fetch it may wait for runs in a worker that
  // does not, so every wait ends.
  if (running_.empty()) WaitFor(flight);
}

inline void Worker::Finish(size_t index) {
  const Running running = running_[index];
  running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(index));
  const uint64_t flight = FlightIdOf(running.token);
  const int roll = Roll(100);
  Notice told{flight, NoticeKind::kOrphaned, nullptr};
  if (roll < 60) {
    told = {flight, NoticeKind::kValue, Value()};
    store_.Complete(running.token, Spec(), told.bytes, clock_.Next(), Removals());
    ++tally_.completes;
  } else if (roll < 85) {
    const FailCause cause = roll < 75 ? FailCause::kError : FailCause::kTimeout;
    ++(cause == FailCause::kError ? tally_.errors : tally_.timeouts);
    const Bytes error = testing_util::BytesOf("error");
    const SharedFailResult failed =
        store_.Fail(running.token, running.key, cause, error, clock_.Next(), Removals());
    told = failed.fallback ? Notice{flight, NoticeKind::kValue, failed.fallback}
                           : Notice{flight, NoticeKind::kError, error};
  } else {
    ++tally_.aborts;
    store_.Fail(running.token, running.key, FailCause::kAbort, nullptr, clock_.Next(), Removals());
  }
  ran_.emplace(flight, Ran{running.key, std::move(told)});
}

inline void Worker::Get(int key) {
  const SharedResult got = store_.Get(kKeys[key], clock_.Next(), Roll(2) == 0, Removals());
  switch (got.result.outcome) {
    case Outcome::kStaleHit:
      ++tally_.stale_hits;
      [[fallthrough]];
    case Outcome::kHit:
      ++tally_.hits;
      if (!got.value) Problem("a Get hit without bytes");
      break;
    default:
      ++tally_.misses;
      if (got.value) Problem("a Get miss with bytes");
  }
}

inline void Worker::Set(int key) {
  const std::u16string_view tag = kTags[key % 2];
  store_.Set(kKeys[key], Spec(), Value(), {&tag, 1}, clock_.Next(), Removals());
}

inline void Worker::Read(int key) {
  const SharedResult peeked = store_.Peek(kKeys[key], clock_.Next(), Roll(2) == 0, Removals());
  const Outcome outcome = peeked.result.outcome;
  if ((outcome == Outcome::kHit || outcome == Outcome::kStaleHit) != (peeked.value != nullptr)) {
    Problem("a Peek's bytes disagree with its outcome");
  }
  store_.RemainingTtl(kKeys[key], clock_.Next(), Removals());
  for (const auto& [walked, value] : store_.Walk(clock_.Next(), Roll(2) == 0)) {
    if (walked.empty() || !value) Problem("a walked entry without its key or bytes");
  }
}

// The fetches it runs end as abandoned, and it stops waiting: everything queued for it before
// the Leave is in its queue once Leave returns, and nothing is queued after.
inline void Worker::LeaveAndJoin() {
  store_.Leave(*member_, clock_.Next());
  for (const Running& running : running_) {
    const uint64_t flight = FlightIdOf(running.token);
    ++tally_.aborts;
    ran_.emplace(flight, Ran{running.key, Notice{flight, NoticeKind::kOrphaned, nullptr}});
  }
  running_.clear();
  Drain();
  for (auto& [flight, wait] : waits_) {
    if (wait == Wait::kWaiting) wait = Wait::kDropped;
  }
  store_.Join(member_);
}

inline void Worker::Drain() {
  std::vector<Notice> notices = member_->TakeNotices();
  if (notices.empty()) return;
  ++batches_;
  for (Notice& notice : notices) {
    const auto wait = waits_.find(notice.flight);
    if (wait == waits_.end()) {
      Problem("a notice for a flight it never joined: " + std::to_string(notice.flight));
    } else if (wait->second != Wait::kWaiting) {
      Problem(wait->second == Wait::kNotified ? "a second notice for one flight"
                                              : "a notice after it left");
    } else {
      wait->second = Wait::kNotified;
    }
    received_.push_back(std::move(notice));
  }
}

inline void Worker::WaitFor(uint64_t flight) {
  for (;;) {
    Drain();
    if (waits_[flight] != Wait::kWaiting) return;
    std::unique_lock lock(mutex_);
    if (gave_up_ || !woken_signal_.wait_for(lock, kHangGuard, [&] { return woken_; })) {
      Problem("no notice for flight " + std::to_string(flight));
      waits_[flight] = Wait::kDropped;
      gave_up_ = true;  // one lost notice fails the test: no need to wait out the others
      return;
    }
    woken_ = false;
  }
}

}  // namespace herdcache::stress
