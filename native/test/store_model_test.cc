// A randomized model test: random operations on a small Store, each checked against the
// reference in store_reference_model.h after every step (counters, bytes, NextExpiry, tokens,
// invariants and the removal log). Seeds are fixed, so a failure replays exactly; the trace names
// the seed and the step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "store.h"
#include "store_reference_model.h"
#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::ReferenceStore;
using testing_util::TakeRemovals;

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

const std::u16string kTags[] = {u"red", u"blue", u"", std::u16string(1, u'\0')};

enum class Op {
  kGet,
  kAcquire,
  kTagFlight,
  kComplete,
  kFail,
  kSet,
  kDelete,
  kInvalidateTag,
  kClear,
  kPeek,
  kRemainingTtl,
  kSweep,
  kWalk,
  kAdvanceToBoundary,
  kAdvance,
};

// The operation mix, from a roll in [0, 100).
Op PickOp(uint64_t roll) {
  if (roll < 12) return Op::kGet;
  if (roll < 28) return Op::kAcquire;
  if (roll < 32) return Op::kTagFlight;
  if (roll < 46) return Op::kComplete;
  if (roll < 53) return Op::kFail;
  if (roll < 65) return Op::kSet;
  if (roll < 70) return Op::kDelete;
  if (roll < 73) return Op::kInvalidateTag;
  if (roll < 74) return Op::kClear;
  if (roll < 79) return Op::kPeek;
  if (roll < 81) return Op::kRemainingTtl;
  if (roll < 85) return Op::kSweep;
  if (roll < 86) return Op::kWalk;
  if (roll < 93) return Op::kAdvanceToBoundary;
  return Op::kAdvance;
}

// Durations the test draws from, with names so that tracing a step formats no doubles.
struct Choice {
  double ms;
  const char* name;
};
constexpr Choice kTtls[] = {{0, "0"},   {0.5, "0.5"}, {1, "1"},   {3, "3"},
                            {10, "10"}, {25, "25"},   {60, "60"}, {kNever, "inf"}};
constexpr Choice kStaleWindows[] = {{0, "0"},   {0, "0"},   {0, "0"},       {2, "2"},
                                    {10, "10"}, {10, "10"}, {kNever, "inf"}};
constexpr Choice kFallbackWindows[] = {{0, "0"},   {0, "0"},   {0, "0"},       {5, "5"},
                                       {30, "30"}, {30, "30"}, {kNever, "inf"}};
constexpr FailCause kFailCauses[] = {FailCause::kError, FailCause::kTimeout, FailCause::kAbort};

struct ModelParams {
  uint64_t seed;
  size_t key_count;
  uint32_t max_entries;
  uint64_t max_bytes;  // UINT64_MAX: unbounded
  bool record_removed_keys;
};

void PrintTo(const ModelParams& params, std::ostream* os) {
  *os << "{seed " << params.seed << ", " << params.key_count << " keys, max " << params.max_entries
      << ", max_bytes " << params.max_bytes << (params.record_removed_keys ? ", keys" : "") << "}";
}

// One step's random choices.
struct Step {
  Op op;
  const std::u16string* key;
  FlightToken token;
  EntrySpec spec;
  const Choice* ttl;
  const Choice* stale;
  const Choice* fallback;
  std::vector<std::u16string_view> tags;
  FailCause cause;
  bool force_refresh;
  bool replace_tags;
  bool allow_stale;
  size_t limit;

  // Built only when a step fails: formatting every step would dominate the test's time.
  std::string Describe() const {
    const std::string spec_name = std::string("ttl ") + ttl->name + " swr " + stale->name +
                                  " sie " + fallback->name + " bytes " + std::to_string(spec.bytes);
    const std::string token_name =
        "{" + std::to_string(token.slot) + ", " + std::to_string(token.generation) + "}";
    std::string tag_names;
    for (const std::u16string_view tag : tags) tag_names += " " + herdcache::Describe(tag);
    switch (op) {
      case Op::kGet:
        return "Get " + herdcache::Describe(*key) + (allow_stale ? " allow_stale" : "");
      case Op::kAcquire:
        return "Acquire " + herdcache::Describe(*key) + (force_refresh ? " force_refresh" : "");
      case Op::kTagFlight:
        return (replace_tags ? "TagFlight (replace) " : "TagFlight ") + token_name + tag_names;
      case Op::kComplete:
        return "Complete " + token_name + " " + spec_name;
      case Op::kFail:
        return "Fail " + token_name + " " + NameOf(cause);
      case Op::kSet:
        return "Set " + herdcache::Describe(*key) + " " + spec_name + " tags" + tag_names;
      case Op::kDelete:
        return "Delete " + herdcache::Describe(*key);
      case Op::kInvalidateTag:
        return "InvalidateTag" + tag_names;
      case Op::kClear:
        return "Clear";
      case Op::kPeek:
        return "Peek " + herdcache::Describe(*key) + (allow_stale ? " allow_stale" : "");
      case Op::kRemainingTtl:
        return "RemainingTtl " + herdcache::Describe(*key);
      case Op::kWalk:
        return std::string("Walk") + (allow_stale ? " allow_stale" : "");
      case Op::kSweep:
        return "Sweep limit " + std::to_string(limit);
      case Op::kAdvanceToBoundary:
        return "advance to the next phase boundary";
      case Op::kAdvance:
        return "advance";
    }
    return "?";
  }
};

class StoreModelTest : public ::testing::TestWithParam<ModelParams> {};

TEST_P(StoreModelTest, AgreesWithAReferenceModelAfterEveryStep) {
  const ModelParams params = GetParam();
  const std::vector<std::u16string> keys = KeyPool(params.key_count);
  std::mt19937_64 rng(params.seed);
  auto pick = [&rng](uint64_t n) { return rng() % n; };
  const bool bounded_bytes = params.max_bytes != UINT64_MAX;
  // Sizes around a small bound, including exactly the bound and one more than it.
  const std::vector<uint64_t> sizes =
      bounded_bytes ? std::vector<uint64_t>{0, 1, 3, 7, 12, params.max_bytes, params.max_bytes + 1}
                    : std::vector<uint64_t>{0, 1, 3, 7, 12};

  const StoreOptions options =
      testing_util::OptionsWith(params.max_entries, params.max_bytes, params.record_removed_keys);
  Store store(options);
  ReferenceStore model(options);
  std::vector<FlightToken> held;  // recently issued tokens, current or stale
  double now = 1000;
  SCOPED_TRACE(::testing::Message() << "seed " << params.seed);
  // How often the paths worth reaching were reached, so a change to the mix cannot quietly
  // stop exercising them.
  int completes_stored = 0;
  int completes_stale = 0;
  int fails_stale = 0;
  int fallbacks = 0;
  int detached_fallbacks = 0;
  int too_large = 0;
  size_t swept = 0;
  size_t walked = 0;
  size_t invalidated = 0;
  size_t flights_detached_by_tag = 0;

  for (int step = 0; step < kStepsPerSeed; ++step) {
    Step s{};
    // Half the picks come from a few hot keys, so entries live long enough to hit and expire.
    const size_t hot_keys = std::min<size_t>(keys.size(), params.max_entries + 2);
    s.key = &keys[pick(pick(2) == 0 ? hot_keys : keys.size())];
    const Choice& ttl = kTtls[pick(std::size(kTtls))];
    const Choice& stale = kStaleWindows[pick(std::size(kStaleWindows))];
    const Choice& fallback = kFallbackWindows[pick(std::size(kFallbackWindows))];
    s.spec = EntrySpec{.ttl_ms = ttl.ms,
                       .stale_while_revalidate_ms = stale.ms,
                       .stale_if_error_ms = fallback.ms,
                       .bytes = sizes[pick(sizes.size())]};
    s.ttl = &ttl;
    s.stale = &stale;
    s.fallback = &fallback;
    for (uint64_t n = pick(3); n > 0; --n) s.tags.push_back(kTags[pick(std::size(kTags))]);
    s.cause = kFailCauses[pick(std::size(kFailCauses))];
    s.force_refresh = pick(6) == 0;
    s.replace_tags = pick(4) == 0;
    s.allow_stale = pick(3) == 0;
    s.limit = pick(3) == 0 ? 1000 : pick(3);
    // Usually a current token (so fetches complete), otherwise a held, possibly stale one.
    s.token = FlightToken{static_cast<uint32_t>(pick(4)), static_cast<uint32_t>(pick(3))};
    const std::vector<FlightToken> current = model.CurrentTokens();
    if (!current.empty() && pick(10) < 6) {
      s.token = current[pick(current.size())];
    } else if (!held.empty()) {
      s.token = held[pick(held.size())];
    }
    const bool take_removals = pick(4) != 0;  // else let the log accumulate a step

    s.op = PickOp(pick(100));
    if (s.op == Op::kInvalidateTag && s.tags.empty()) s.tags.push_back(kTags[0]);
    if (s.op == Op::kAdvanceToBoundary) {
      now = model.NextBoundary(now);  // lands exactly on a phase boundary
    } else if (s.op == Op::kAdvance) {
      now += static_cast<double>(pick(8)) + (pick(4) == 0 ? 0.5 : 0);
    }
    SCOPED_TRACE(::testing::Message() << "step " << step);
    switch (s.op) {
      case Op::kGet:
        model.Get(*s.key, now, s.allow_stale, store.Get(*s.key, now, s.allow_stale));
        break;
      case Op::kAcquire: {
        const Result result = store.Acquire(*s.key, now, s.force_refresh);
        model.Acquire(*s.key, now, s.force_refresh, result);
        if (result.outcome == Outcome::kStart || result.started) {
          held.push_back(result.flight);
          if (held.size() > 24) held.erase(held.begin());
        }
        break;
      }
      case Op::kTagFlight:
        // One call with the whole list, as the binding makes it (duplicates included); some
        // replace the fetch's tags, as a fetcher's decided tags do.
        store.TagFlight(s.token, s.tags, s.replace_tags);
        if (s.replace_tags) model.ClearFlightTags(s.token);
        for (const std::u16string_view tag : s.tags) model.TagFlight(s.token, std::u16string(tag));
        break;
      case Op::kComplete: {
        const bool was_current = store.IsCurrent(s.token);
        const Result result = store.Complete(s.token, s.spec, now);
        model.Complete(s.token, s.spec, now, result);
        if (result.outcome == Outcome::kStored) ++completes_stored;
        if (!was_current) ++completes_stale;
        if (was_current && s.spec.bytes > params.max_bytes) ++too_large;
        break;
      }
      case Op::kFail: {
        const std::u16string* issued_for = model.KeyOf(s.token);
        const std::u16string& key = issued_for == nullptr ? *s.key : *issued_for;
        const FailResult result = store.Fail(s.token, key, s.cause, now);
        model.Fail(s.token, key, s.cause, now, result);
        if (!result.current) ++fails_stale;
        if (result.fallback != kNoSlot) ++(result.current ? fallbacks : detached_fallbacks);
        break;
      }
      case Op::kSet: {
        const Result result = store.Set(*s.key, s.spec, s.tags, now);
        model.Set(*s.key, s.spec, s.tags, now, result);
        if (s.spec.bytes > params.max_bytes) ++too_large;
        break;
      }
      case Op::kDelete:
        model.Delete(*s.key, store.Delete(*s.key));
        break;
      case Op::kInvalidateTag: {
        const std::u16string tag(s.tags[0]);
        const size_t removed = store.InvalidateTag(tag);
        flights_detached_by_tag += model.InvalidateTag(tag, removed);
        invalidated += removed;
        break;
      }
      case Op::kClear:
        store.Clear();
        model.Clear();
        break;
      case Op::kPeek:
        model.Peek(*s.key, now, s.allow_stale, store.Peek(*s.key, now, s.allow_stale));
        break;
      case Op::kRemainingTtl:
        model.RemainingTtl(*s.key, now, store.RemainingTtl(*s.key, now));
        break;
      case Op::kWalk: {
        const std::vector<uint32_t> slots = store.Walk(now, s.allow_stale);
        model.Walk(now, s.allow_stale, slots);
        for (const uint32_t slot : slots)
          EXPECT_EQ(model.SlotOf(std::u16string(store.KeyOf(slot))), slot);
        walked += slots.size();
        break;
      }
      case Op::kSweep: {
        model.ExpectLog(TakeRemovals(store));  // so the Sweep's own removals stand apart
        const size_t removed = store.Sweep(now, s.limit);
        model.Sweep(now, s.limit, removed, TakeRemovals(store));
        swept += removed;
        break;
      }
      case Op::kAdvanceToBoundary:
      case Op::kAdvance:
        break;
    }
    model.ExpectMatches(store, held, take_removals);
    if (HasFailure()) {
      // Stop at the first divergence: later steps would only repeat it.
      ADD_FAILURE() << "diverged at seed " << params.seed << ", step " << step << " ("
                    << s.Describe() << "), now " << now;
      return;
    }
  }
  model.ExpectMatches(store, held, /*take=*/true);

  const StoreStats stats = store.stats();
  EXPECT_GT(stats.hits, 0u);
  EXPECT_GT(stats.stale_hits, 0u);
  EXPECT_GT(stats.refreshes, 0u);
  EXPECT_GT(stats.refresh_errors, 0u);
  EXPECT_GT(stats.coalesced, 0u);
  EXPECT_GT(stats.fetch_errors, 0u);
  EXPECT_GT(stats.timeouts, 0u);
  EXPECT_GT(stats.aborts, 0u);
  EXPECT_GT(stats.evictions, 0u);
  EXPECT_GT(stats.expirations, 0u);
  EXPECT_GT(completes_stored, 0);
  EXPECT_GT(completes_stale, 0);
  EXPECT_GT(fails_stale, 0);
  EXPECT_GT(fallbacks, 0);
  EXPECT_GT(detached_fallbacks, 0);
  EXPECT_GT(swept, 0u);
  EXPECT_GT(walked, 0u);
  EXPECT_GT(invalidated, 0u);
  for (const RemovalCause cause : {RemovalCause::kEvicted, RemovalCause::kExpired,
                                   RemovalCause::kDeleted, RemovalCause::kReplaced}) {
    EXPECT_GT(model.CausesSeen(cause), 0u) << NameOf(cause);
  }
  if (params.record_removed_keys) {
    EXPECT_GT(model.CausesSeen(RemovalCause::kCleared), 0u);
  }
  if (bounded_bytes) {
    EXPECT_GT(too_large, 0);
  }
  EXPECT_GT(flights_detached_by_tag, 0u);
}

constexpr uint64_t kUnbounded = UINT64_MAX;

INSTANTIATE_TEST_SUITE_P(
    FixedSeeds, StoreModelTest,
    ::testing::Values(ModelParams{1, 16, 1, kUnbounded, false}, ModelParams{2, 16, 2, 8, true},
                      ModelParams{3, 24, 3, kUnbounded, true}, ModelParams{4, 32, 4, 20, false},
                      ModelParams{5, 40, 5, kUnbounded, false}, ModelParams{6, 48, 6, 30, true},
                      ModelParams{7, 56, 7, kUnbounded, true}, ModelParams{8, 64, 8, 25, false}),
    [](const ::testing::TestParamInfo<ModelParams>& info) {
      return "Seed" + std::to_string(info.param.seed);
    });

}  // namespace
}  // namespace herdcache
