// Helpers shared by the Store tests: a fixed seed, printing, a stats matcher, and a Store with a
// manual clock that checks its invariants after every call.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string_view>

#include "store.h"

namespace herdcache {

// gtest prints an Outcome by name through this overload, found by argument-dependent lookup.
inline void PrintTo(Outcome outcome, std::ostream* os) {
  switch (outcome) {
    case Outcome::kHit:
      *os << "kHit";
      return;
    case Outcome::kMiss:
      *os << "kMiss";
      return;
    case Outcome::kJoin:
      *os << "kJoin";
      return;
    case Outcome::kStart:
      *os << "kStart";
      return;
    case Outcome::kStored:
      *os << "kStored";
      return;
    case Outcome::kNotStored:
      *os << "kNotStored";
      return;
    case Outcome::kRemoved:
      *os << "kRemoved";
      return;
  }
  *os << "Outcome(" << static_cast<int>(outcome) << ")";
}

namespace testing_util {

// A fixed seed, so a failing run hashes (and probes) the same way again.
inline constexpr HashSeed kTestSeed{0x9e3779b97f4a7c15ULL, 0xc2b2ae3d27d4eb4fULL};

inline FlightToken TokenOf(const Result& result) { return {result.slot, result.generation}; }

inline bool SameToken(FlightToken a, FlightToken b) {
  return a.slot == b.slot && a.generation == b.generation;
}

// Compares every counter, naming each one that differs.
inline ::testing::AssertionResult StatsAre(const StoreStats& actual, const StoreStats& expected) {
  ::testing::AssertionResult result = ::testing::AssertionSuccess();
  bool ok = true;
  auto compare = [&](const char* name, uint64_t got, uint64_t want) {
    if (got == want) return;
    if (ok) result = ::testing::AssertionFailure();
    ok = false;
    result << name << " is " << got << ", expected " << want << "; ";
  };
  compare("hits", actual.hits, expected.hits);
  compare("misses", actual.misses, expected.misses);
  compare("fetches", actual.fetches, expected.fetches);
  compare("fetch_errors", actual.fetch_errors, expected.fetch_errors);
  compare("coalesced", actual.coalesced, expected.coalesced);
  compare("evictions", actual.evictions, expected.evictions);
  compare("expirations", actual.expirations, expected.expirations);
  compare("size", actual.size, expected.size);
  compare("in_flight", actual.in_flight, expected.in_flight);
  return result;
}

// A Store driven by a manual clock (milliseconds) that checks CheckInvariants() after every
// call, so each test step is also an invariant check.
class CheckedStore {
 public:
  explicit CheckedStore(uint32_t max_entries, HashSeed seed = kTestSeed)
      : store_(max_entries, seed) {}

  Result Get(std::u16string_view key) { return Checked(store_.Get(key, now_)); }
  Result Acquire(std::u16string_view key) { return Checked(store_.Acquire(key, now_)); }
  Result Complete(FlightToken token, double ttl_ms) {
    return Checked(store_.Complete(token, ttl_ms, now_));
  }
  bool Fail(FlightToken token) { return Checked(store_.Fail(token)); }
  Result Set(std::u16string_view key, double ttl_ms) {
    return Checked(store_.Set(key, ttl_ms, now_));
  }
  Result Delete(std::u16string_view key) { return Checked(store_.Delete(key)); }
  void Clear() {
    store_.Clear();
    EXPECT_TRUE(store_.CheckInvariants()) << "after Clear";
  }
  Result Peek(std::u16string_view key) { return Checked(store_.Peek(key, now_)); }

  bool IsCurrent(FlightToken token) const { return store_.IsCurrent(token); }
  StoreStats stats() const { return store_.stats(); }
  size_t size() const { return store_.size(); }
  size_t in_flight() const { return store_.in_flight(); }

  double now() const { return now_; }
  void Advance(double ms) { now_ += ms; }

 private:
  template <typename T>
  T Checked(T value) {
    EXPECT_TRUE(store_.CheckInvariants());
    return value;
  }

  Store store_;
  double now_ = 1'000'000;
};

}  // namespace testing_util
}  // namespace herdcache
