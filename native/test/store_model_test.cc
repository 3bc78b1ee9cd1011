// A randomized model test: random operations on a small Store, each checked against a simple
// reference (std::map entries with a use tick for LRU, a map of current flights) after every
// step. Seeds are fixed, so a failure replays exactly; the trace names the seed and the step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store.h"
#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::SameToken;
using testing_util::StatsAre;
using testing_util::TokenOf;

constexpr int kStepsPerSeed = 20'000;

// Keys with shared prefixes, NULs, lone surrogates and the empty key, padded with plain keys.
std::vector<std::u16string> KeyPool(size_t count) {
  std::vector<std::u16string> keys = {
      u"",
      std::u16string(1, u'\0'),
      std::u16string(2, u'\0'),
      u"user:1",
      u"user:10",
      std::u16string(u"user:1\0", 7),
      u"\xD800",
      u"\xDC00",
      u"a\xD800",
      u"a\xDBFF",
      u"\xD83D\xDE00",
      u"\xDE00\xD83D",
  };
  for (int i = 0; keys.size() < count; ++i) {
    std::u16string key = u"key:";
    for (char digit : std::to_string(i)) key.push_back(static_cast<char16_t>(digit));
    keys.push_back(key);
  }
  keys.resize(count);
  return keys;
}

std::string Describe(const std::u16string& key) {
  std::string out = "\"";
  for (char16_t unit : key) {
    if (unit >= 0x20 && unit < 0x7f) {
      out.push_back(static_cast<char>(unit));
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(unit >> shift) & 0xf]);
    }
  }
  return out + "\"";
}

// The reference. Each method takes what the real store answered, checks it against what the
// contract says, and then updates the model. Where the contract leaves a choice (which free
// slot a new entry takes, which slot a new flight takes) the model adopts the store's choice
// after checking it is legal, and from then on holds the store to it.
class ReferenceStore {
 public:
  explicit ReferenceStore(uint32_t max_entries) : max_entries_(max_entries) {}

  void Get(const std::u16string& key, double now, const Result& actual) {
    EXPECT_EQ(actual.released, ExpireIfStale(key, now)) << "released";
    if (Lookup(key, actual)) return;
    EXPECT_EQ(actual.outcome, Outcome::kMiss);
  }

  void Acquire(const std::u16string& key, double now, const Result& actual) {
    EXPECT_EQ(actual.released, ExpireIfStale(key, now)) << "released";
    if (Lookup(key, actual)) return;
    if (const auto flight = flights_.find(key); flight != flights_.end()) {
      ++stats_.coalesced;
      EXPECT_EQ(actual.outcome, Outcome::kJoin);
      EXPECT_EQ(actual.slot, flight->second.slot) << "a joiner gets the current flight's slot";
      return;
    }
    ++stats_.fetches;
    ASSERT_EQ(actual.outcome, Outcome::kStart);
    const FlightToken token = TokenOf(actual);
    EXPECT_TRUE(issued_.insert({token.slot, token.generation}).second)
        << "token {" << token.slot << ", " << token.generation << "} was issued before";
    for (const auto& [other_key, other] : flights_) {
      EXPECT_NE(other.slot, token.slot) << "flight slot shared with " << Describe(other_key);
    }
    flights_[key] = token;
  }

  void Complete(FlightToken token, double ttl_ms, double now, const Result& actual) {
    const auto flight = FindFlight(token);
    if (flight == flights_.end()) {
      EXPECT_EQ(actual.outcome, Outcome::kNotStored);
      EXPECT_EQ(actual.slot, kNoSlot);
      EXPECT_EQ(actual.released, kNoSlot);
      return;
    }
    const std::u16string key = flight->first;
    flights_.erase(flight);
    Write(key, ttl_ms, now, actual);
  }

  void Fail(FlightToken token, bool actual) {
    ++stats_.fetch_errors;
    const auto flight = FindFlight(token);
    EXPECT_EQ(actual, flight != flights_.end());
    if (flight != flights_.end()) flights_.erase(flight);
  }

  void Set(const std::u16string& key, double ttl_ms, double now, const Result& actual) {
    flights_.erase(key);
    Write(key, ttl_ms, now, actual);
  }

  void Delete(const std::u16string& key, const Result& actual) {
    flights_.erase(key);
    const auto entry = entries_.find(key);
    if (entry == entries_.end()) {
      EXPECT_EQ(actual.outcome, Outcome::kMiss);
      EXPECT_EQ(actual.released, kNoSlot);
      return;
    }
    EXPECT_EQ(actual.outcome, Outcome::kRemoved);
    EXPECT_EQ(actual.released, entry->second.slot);
    entries_.erase(entry);
  }

  void Clear() {
    entries_.clear();
    flights_.clear();
  }

  void Peek(const std::u16string& key, double now, const Result& actual) {
    EXPECT_EQ(actual.released, ExpireIfStale(key, now)) << "released";
    const auto entry = entries_.find(key);
    if (entry == entries_.end()) {
      EXPECT_EQ(actual.outcome, Outcome::kMiss);
      EXPECT_EQ(actual.slot, kNoSlot);
      return;
    }
    EXPECT_EQ(actual.outcome, Outcome::kHit);
    EXPECT_EQ(actual.slot, entry->second.slot);
  }

  // Counters, sizes, invariants, and whether each token the test holds is current.
  void ExpectMatches(const Store& store, const std::vector<FlightToken>& tokens) const {
    StoreStats expected = stats_;
    expected.size = entries_.size();
    expected.in_flight = flights_.size();
    EXPECT_TRUE(StatsAre(store.stats(), expected));
    EXPECT_EQ(store.size(), entries_.size());
    EXPECT_EQ(store.in_flight(), flights_.size());
    EXPECT_TRUE(store.CheckInvariants());
    for (const FlightToken& token : tokens) {
      EXPECT_EQ(store.IsCurrent(token), IsCurrent(token))
          << "IsCurrent({" << token.slot << ", " << token.generation << "})";
    }
  }

  // The current flights' tokens, in key order.
  std::vector<FlightToken> CurrentTokens() const {
    std::vector<FlightToken> tokens;
    for (const auto& [key, token] : flights_) tokens.push_back(token);
    return tokens;
  }

  // The earliest finite expiry at or after `now`, or `now` when there is none.
  double NextExpiry(double now) const {
    double next = INFINITY;
    for (const auto& [key, entry] : entries_) {
      if (entry.expires_at >= now && entry.expires_at < next) next = entry.expires_at;
    }
    return std::isinf(next) ? now : next;
  }

 private:
  struct Entry {
    uint32_t slot = kNoSlot;
    double expires_at = 0;
    uint64_t last_used = 0;
  };

  // Removes the key's entry when its time has run out; returns its slot or kNoSlot.
  uint32_t ExpireIfStale(const std::u16string& key, double now) {
    const auto entry = entries_.find(key);
    if (entry == entries_.end() || now < entry->second.expires_at) return kNoSlot;
    const uint32_t slot = entry->second.slot;
    entries_.erase(entry);
    ++stats_.expirations;
    return slot;
  }

  // A counted lookup: on a hit checks the slot, refreshes recency and returns true.
  bool Lookup(const std::u16string& key, const Result& actual) {
    const auto entry = entries_.find(key);
    if (entry == entries_.end()) {
      ++stats_.misses;
      return false;
    }
    ++stats_.hits;
    entry->second.last_used = ++tick_;
    EXPECT_EQ(actual.outcome, Outcome::kHit);
    EXPECT_EQ(actual.slot, entry->second.slot) << "a hit answers the slot the key was stored in";
    return true;
  }

  void Write(const std::u16string& key, double ttl_ms, double now, const Result& actual) {
    const auto existing = entries_.find(key);
    if (ttl_ms == 0) {
      EXPECT_EQ(actual.outcome, Outcome::kNotStored);
      EXPECT_EQ(actual.released, existing == entries_.end() ? kNoSlot : existing->second.slot);
      if (existing != entries_.end()) entries_.erase(existing);
      return;
    }
    EXPECT_EQ(actual.outcome, Outcome::kStored);
    EXPECT_EQ(actual.released, kNoSlot);
    if (existing != entries_.end()) {
      EXPECT_EQ(actual.slot, existing->second.slot) << "replacing keeps the slot";
      existing->second.expires_at = now + ttl_ms;
      existing->second.last_used = ++tick_;
      return;
    }
    if (entries_.size() >= max_entries_) {
      auto victim = entries_.begin();
      for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->second.last_used < victim->second.last_used) victim = it;
      }
      ++stats_.evictions;
      EXPECT_EQ(actual.slot, victim->second.slot)
          << "the slot of the evicted " << Describe(victim->first) << " is reused";
      entries_.erase(victim);
    } else {
      EXPECT_LT(actual.slot, max_entries_);
      for (const auto& [other_key, other] : entries_) {
        EXPECT_NE(actual.slot, other.slot) << "slot already holds " << Describe(other_key);
      }
    }
    entries_[key] = Entry{actual.slot, now + ttl_ms, ++tick_};
  }

  bool IsCurrent(FlightToken token) const {
    return std::any_of(flights_.begin(), flights_.end(),
                       [&](const auto& flight) { return SameToken(flight.second, token); });
  }
  std::map<std::u16string, FlightToken>::iterator FindFlight(FlightToken token) {
    for (auto it = flights_.begin(); it != flights_.end(); ++it) {
      if (SameToken(it->second, token)) return it;
    }
    return flights_.end();
  }

  uint32_t max_entries_;
  std::map<std::u16string, Entry> entries_;
  std::map<std::u16string, FlightToken> flights_;
  std::set<std::pair<uint32_t, uint32_t>> issued_;
  StoreStats stats_;
  uint64_t tick_ = 0;
};

enum class Op {
  kGet,
  kAcquire,
  kComplete,
  kFail,
  kSet,
  kDelete,
  kClear,
  kPeek,
  kAdvanceToExpiry,
  kAdvance
};

// The operation mix, from a roll in [0, 100).
Op PickOp(uint64_t roll) {
  if (roll < 16) return Op::kGet;
  if (roll < 36) return Op::kAcquire;
  if (roll < 52) return Op::kComplete;
  if (roll < 58) return Op::kFail;
  if (roll < 70) return Op::kSet;
  if (roll < 77) return Op::kDelete;
  if (roll < 78) return Op::kClear;
  if (roll < 88) return Op::kPeek;
  if (roll < 92) return Op::kAdvanceToExpiry;
  return Op::kAdvance;
}

// The TTLs the test draws from, with their names so that tracing a step formats no doubles.
struct TtlChoice {
  double ms;
  const char* name;
};
constexpr TtlChoice kTtls[] = {{0, "0"},   {0.5, "0.5"}, {1, "1"},   {3, "3"},
                               {10, "10"}, {25, "25"},   {60, "60"}, {Store::kNeverExpires, "inf"}};

std::string Describe(Op op, const std::u16string& key, FlightToken token, const TtlChoice& ttl) {
  switch (op) {
    case Op::kGet:
      return "Get " + Describe(key);
    case Op::kAcquire:
      return "Acquire " + Describe(key);
    case Op::kComplete:
      return "Complete {" + std::to_string(token.slot) + ", " + std::to_string(token.generation) +
             "} ttl " + ttl.name;
    case Op::kFail:
      return "Fail {" + std::to_string(token.slot) + ", " + std::to_string(token.generation) + "}";
    case Op::kSet:
      return "Set " + Describe(key) + " ttl " + ttl.name;
    case Op::kDelete:
      return "Delete " + Describe(key);
    case Op::kClear:
      return "Clear";
    case Op::kPeek:
      return "Peek " + Describe(key);
    case Op::kAdvanceToExpiry:
      return "advance to the next expiry";
    case Op::kAdvance:
      return "advance";
  }
  return "?";
}

struct ModelParams {
  uint64_t seed;
  size_t key_count;
  uint32_t max_entries;
};

void PrintTo(const ModelParams& params, std::ostream* os) {
  *os << "{seed " << params.seed << ", " << params.key_count << " keys, max " << params.max_entries
      << "}";
}

class StoreModelTest : public ::testing::TestWithParam<ModelParams> {};

TEST_P(StoreModelTest, AgreesWithAReferenceModelAfterEveryStep) {
  const ModelParams params = GetParam();
  const std::vector<std::u16string> keys = KeyPool(params.key_count);
  std::mt19937_64 rng(params.seed);
  auto pick = [&rng](uint64_t n) { return rng() % n; };

  Store store(params.max_entries, testing_util::kTestSeed);
  ReferenceStore model(params.max_entries);
  std::vector<FlightToken> held;  // recently issued tokens, current or stale
  double now = 1000;
  SCOPED_TRACE(::testing::Message() << "seed " << params.seed);
  // How often the paths worth reaching were reached, so a change to the mix cannot quietly
  // stop exercising them.
  int completes_stored = 0;
  int completes_stale = 0;
  int fails_stale = 0;
  int releases = 0;
  auto note = [&releases](const Result& result) {
    if (result.released != kNoSlot) ++releases;
    return result;
  };

  for (int step = 0; step < kStepsPerSeed; ++step) {
    // Half the picks come from a few hot keys, so entries live long enough to hit and expire.
    const size_t hot_keys = std::min<size_t>(keys.size(), params.max_entries + 2);
    const std::u16string& key = keys[pick(pick(2) == 0 ? hot_keys : keys.size())];
    const TtlChoice& ttl_choice = kTtls[pick(std::size(kTtls))];
    const double ttl = ttl_choice.ms;
    // Usually a current token (so fetches complete), otherwise a held, possibly stale one.
    FlightToken token{static_cast<uint32_t>(pick(4)), static_cast<uint32_t>(pick(3))};
    const std::vector<FlightToken> current = model.CurrentTokens();
    if (!current.empty() && pick(10) < 6) {
      token = current[pick(current.size())];
    } else if (!held.empty()) {
      token = held[pick(held.size())];
    }

    const Op op = PickOp(pick(100));
    if (op == Op::kAdvanceToExpiry) {
      now = model.NextExpiry(now);  // lands exactly on an expiry: that entry is expired now
    } else if (op == Op::kAdvance) {
      now += static_cast<double>(pick(8)) + (pick(4) == 0 ? 0.5 : 0);
    }
    SCOPED_TRACE("step " + std::to_string(step) + ": " + Describe(op, key, token, ttl_choice));
    switch (op) {
      case Op::kGet:
        model.Get(key, now, note(store.Get(key, now)));
        break;
      case Op::kAcquire: {
        const Result result = note(store.Acquire(key, now));
        model.Acquire(key, now, result);
        if (result.outcome == Outcome::kStart) {
          held.push_back(TokenOf(result));
          if (held.size() > 24) held.erase(held.begin());
        }
        break;
      }
      case Op::kComplete: {
        const bool was_current = store.IsCurrent(token);
        const Result result = store.Complete(token, ttl, now);
        model.Complete(token, ttl, now, result);
        if (result.outcome == Outcome::kStored) ++completes_stored;
        if (!was_current) ++completes_stale;
        break;
      }
      case Op::kFail: {
        const bool failed_current = store.Fail(token);
        model.Fail(token, failed_current);
        if (!failed_current) ++fails_stale;
        break;
      }
      case Op::kSet:
        model.Set(key, ttl, now, note(store.Set(key, ttl, now)));
        break;
      case Op::kDelete:
        model.Delete(key, note(store.Delete(key)));
        break;
      case Op::kClear:
        store.Clear();
        model.Clear();
        break;
      case Op::kPeek:
        model.Peek(key, now, note(store.Peek(key, now)));
        break;
      case Op::kAdvanceToExpiry:
      case Op::kAdvance:
        break;
    }
    model.ExpectMatches(store, held);
    if (HasFailure()) {
      // Stop at the first divergence: later steps would only repeat it.
      ADD_FAILURE() << "diverged at seed " << params.seed << ", step " << step << ", now " << now;
      return;
    }
  }

  const StoreStats stats = store.stats();
  EXPECT_GT(stats.hits, 0u);
  EXPECT_GT(stats.coalesced, 0u);
  EXPECT_GT(stats.fetch_errors, 0u);
  EXPECT_GT(stats.evictions, 0u);
  EXPECT_GT(stats.expirations, 0u);
  EXPECT_GT(completes_stored, 0);
  EXPECT_GT(completes_stale, 0);
  EXPECT_GT(fails_stale, 0);
  EXPECT_GT(releases, 0);
}

INSTANTIATE_TEST_SUITE_P(FixedSeeds, StoreModelTest,
                         ::testing::Values(ModelParams{1, 16, 1}, ModelParams{2, 16, 2},
                                           ModelParams{3, 24, 3}, ModelParams{4, 32, 4},
                                           ModelParams{5, 40, 5}, ModelParams{6, 48, 6},
                                           ModelParams{7, 56, 7}, ModelParams{8, 64, 8}),
                         [](const ::testing::TestParamInfo<ModelParams>& info) {
                           return "Seed" + std::to_string(info.param.seed);
                         });

}  // namespace
}  // namespace herdcache
