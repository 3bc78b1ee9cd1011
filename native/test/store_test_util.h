// Helpers shared by the Store tests: a fixed seed, printing, stats and removal-log matchers, and
// a Store with a manual clock that checks its invariants after every call.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "store.h"

namespace herdcache {

// One tag as the list the core's Tag and TagFlight take (valid for the full expression).
struct OneTag {
  std::u16string_view tag;
  operator std::span<const std::u16string_view>() const { return {&tag, 1}; }  // NOLINT
};

// gtest prints these by name through the overloads below, found by argument-dependent lookup.
inline const char* NameOf(Outcome outcome) {
  switch (outcome) {
    case Outcome::kHit:
      return "kHit";
    case Outcome::kStaleHit:
      return "kStaleHit";
    case Outcome::kMiss:
      return "kMiss";
    case Outcome::kJoin:
      return "kJoin";
    case Outcome::kStart:
      return "kStart";
    case Outcome::kStored:
      return "kStored";
    case Outcome::kNotStored:
      return "kNotStored";
    case Outcome::kRemoved:
      return "kRemoved";
  }
  return "Outcome(?)";
}

inline const char* NameOf(RemovalCause cause) {
  switch (cause) {
    case RemovalCause::kEvicted:
      return "kEvicted";
    case RemovalCause::kExpired:
      return "kExpired";
    case RemovalCause::kDeleted:
      return "kDeleted";
    case RemovalCause::kReplaced:
      return "kReplaced";
    case RemovalCause::kCleared:
      return "kCleared";
  }
  return "RemovalCause(?)";
}

inline const char* NameOf(FailCause cause) {
  switch (cause) {
    case FailCause::kError:
      return "kError";
    case FailCause::kTimeout:
      return "kTimeout";
    case FailCause::kAbort:
      return "kAbort";
  }
  return "FailCause(?)";
}

inline void PrintTo(Outcome outcome, std::ostream* os) { *os << NameOf(outcome); }
inline void PrintTo(RemovalCause cause, std::ostream* os) { *os << NameOf(cause); }
inline void PrintTo(FailCause cause, std::ostream* os) { *os << NameOf(cause); }

// A key as printable ASCII with \uXXXX escapes, quoted.
inline std::string Describe(std::u16string_view key) {
  std::string out = "\"";
  for (const char16_t unit : key) {
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

inline bool operator==(const Removal& a, const Removal& b) {
  return a.slot == b.slot && a.cause == b.cause && a.key == b.key;
}

inline void PrintTo(const Removal& removal, std::ostream* os) {
  *os << "{slot " << removal.slot << ", " << NameOf(removal.cause);
  if (!removal.key.empty()) *os << ", " << Describe(removal.key);
  *os << "}";
}

namespace testing_util {

// A fixed seed, so a failing run hashes (and probes) the same way again.
inline constexpr HashSeed kTestSeed{0x9e3779b97f4a7c15ULL, 0xc2b2ae3d27d4eb4fULL};

using Removals = std::vector<Removal>;

// An expected removal-log record (the key is empty unless the store records keys).
inline Removal Removed(uint32_t slot, RemovalCause cause, std::u16string key = {}) {
  return Removal{slot, cause, std::move(key)};
}

// The log in a canonical order, for calls whose removal order the contract leaves open.
inline Removals Sorted(Removals removals) {
  std::sort(removals.begin(), removals.end(), [](const Removal& a, const Removal& b) {
    return std::tie(a.slot, a.cause, a.key) < std::tie(b.slot, b.cause, b.key);
  });
  return removals;
}

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
  compare("stale_hits", actual.stale_hits, expected.stale_hits);
  compare("fetches", actual.fetches, expected.fetches);
  compare("refreshes", actual.refreshes, expected.refreshes);
  compare("fetch_errors", actual.fetch_errors, expected.fetch_errors);
  compare("refresh_errors", actual.refresh_errors, expected.refresh_errors);
  compare("timeouts", actual.timeouts, expected.timeouts);
  compare("aborts", actual.aborts, expected.aborts);
  compare("coalesced", actual.coalesced, expected.coalesced);
  compare("evictions", actual.evictions, expected.evictions);
  compare("expirations", actual.expirations, expected.expirations);
  compare("size", actual.size, expected.size);
  compare("in_flight", actual.in_flight, expected.in_flight);
  compare("bytes", actual.bytes, expected.bytes);
  return result;
}

// An entry spec with only a TTL, as most tests write entries.
inline EntrySpec TtlSpec(double ttl_ms) {
  EntrySpec spec;
  spec.ttl_ms = ttl_ms;
  return spec;
}

// The removals logged since the last take, oldest first, as a fresh vector.
inline Removals TakeRemovals(Store& store) {
  Removals taken;
  store.TakeRemovals(taken);
  return taken;
}

inline StoreOptions OptionsWith(uint32_t max_entries, uint64_t max_bytes = UINT64_MAX,
                                bool record_removed_keys = false) {
  StoreOptions options;
  options.max_entries = max_entries;
  options.max_bytes = max_bytes;
  options.record_removed_keys = record_removed_keys;
  options.seed = kTestSeed;
  return options;
}

// A Store driven by a manual clock (milliseconds) that checks CheckInvariants() after every
// call, so each test step is also an invariant check.
class CheckedStore {
 public:
  explicit CheckedStore(uint32_t max_entries) : store_(OptionsWith(max_entries)) {}
  explicit CheckedStore(const StoreOptions& options) : store_(options) {}

  Result Get(std::u16string_view key, bool allow_stale = false) {
    return Checked(store_.Get(key, now_, allow_stale));
  }
  Result Acquire(std::u16string_view key, bool force_refresh = false) {
    const Result result = Checked(store_.Acquire(key, now_, force_refresh));
    if (result.outcome == Outcome::kStart || result.started) {
      flight_keys_[{result.flight.slot, result.flight.generation}] = std::u16string(key);
    }
    return result;
  }
  void TagFlight(FlightToken token, std::u16string_view tag) {
    store_.TagFlight(token, std::span<const std::u16string_view>(&tag, 1));
    EXPECT_TRUE(store_.CheckInvariants()) << "after TagFlight";
  }
  // TagFlight with `replace`: the fetch's tags become exactly `tags`.
  void Retag(FlightToken token, std::span<const std::u16string_view> tags) {
    store_.TagFlight(token, tags, /*replace=*/true);
    EXPECT_TRUE(store_.CheckInvariants()) << "after TagFlight (replace)";
  }
  Result Complete(FlightToken token, double ttl_ms) {
    return Checked(store_.Complete(token, TtlSpec(ttl_ms), now_));
  }
  Result Complete(FlightToken token, const EntrySpec& spec) {
    return Checked(store_.Complete(token, spec, now_));
  }
  // A failed fetch (FailCause::kError): whether it was still current.
  bool Fail(FlightToken token) { return Fail(token, FailCause::kError).current; }
  // Fails `token` with the key Acquire started it for (a key no test uses for a token never
  // issued), as the binding passes the fetch's own key.
  FailResult Fail(FlightToken token, FailCause cause) {
    const auto found = flight_keys_.find({token.slot, token.generation});
    const std::u16string key = found == flight_keys_.end() ? u"\u0001unissued" : found->second;
    return Checked(store_.Fail(token, key, cause, now_));
  }
  Result Set(std::u16string_view key, double ttl_ms) {
    return Checked(store_.Set(key, TtlSpec(ttl_ms), {}, now_));
  }
  Result Set(std::u16string_view key, const EntrySpec& spec,
             std::initializer_list<std::u16string_view> tags = {}) {
    return Checked(store_.Set(key, spec, std::span(tags.begin(), tags.size()), now_));
  }
  Result Delete(std::u16string_view key) { return Checked(store_.Delete(key)); }
  size_t InvalidateTag(std::u16string_view tag) { return Checked(store_.InvalidateTag(tag)); }
  void Clear() {
    store_.Clear();
    EXPECT_TRUE(store_.CheckInvariants()) << "after Clear";
  }
  Result Peek(std::u16string_view key, bool allow_stale = false) {
    return Checked(store_.Peek(key, now_, allow_stale));
  }
  std::optional<double> RemainingTtl(std::u16string_view key) {
    return Checked(store_.RemainingTtl(key, now_));
  }
  std::vector<uint32_t> Walk(bool allow_stale = false) {
    return Checked(store_.Walk(now_, allow_stale));
  }
  std::u16string KeyOf(uint32_t slot) const { return std::u16string(store_.KeyOf(slot)); }
  size_t Sweep(size_t limit) { return Checked(store_.Sweep(now_, limit)); }
  double NextExpiry() const { return store_.NextExpiry(); }

  Removals TakeRemovals() { return testing_util::TakeRemovals(store_); }
  void RecordRemovedKeys(bool record) { store_.set_record_removed_keys(record); }
  size_t pending_removals() const { return store_.pending_removals(); }
  bool IsCurrent(FlightToken token) const { return store_.IsCurrent(token); }
  StoreStats stats() const { return store_.stats(); }
  size_t size() const { return store_.size(); }
  size_t in_flight() const { return store_.in_flight(); }
  uint64_t bytes() const { return store_.bytes(); }

  double now() const { return now_; }
  void Advance(double ms) { now_ += ms; }
  void AdvanceTo(double time) { now_ = time; }

 private:
  template <typename T>
  T Checked(T value) {
    EXPECT_TRUE(store_.CheckInvariants());
    return value;
  }

  Store store_;
  double now_ = 1'000'000;
  std::map<std::pair<uint32_t, uint32_t>, std::u16string> flight_keys_;  // token -> its key
};

}  // namespace testing_util
}  // namespace herdcache
