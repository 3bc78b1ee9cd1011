// A reference model of the Store for the randomized test: std::map entries with a use tick for
// LRU, a map of current flights with their tags, and the removal log the contract implies.
//
// Each method takes what the real store answered, checks it against what the contract says,
// and then updates the model. Where the contract leaves a choice (which free slot a new entry
// takes, which slot a new flight takes, the order of removals within InvalidateTag or Clear,
// which of several equally ended entries a limited Sweep takes) the model checks the store's
// choice is legal, adopts it, and from then on holds the store to it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store.h"
#include "store_test_util.h"

namespace herdcache::testing_util {

class ReferenceStore {
 public:
  explicit ReferenceStore(const StoreOptions& options) : options_(options) {}

  void Get(const std::u16string& key, double now, bool allow_stale, const Result& actual) {
    const auto entry = FindRetained(key, now);
    const bool fresh = entry != entries_.end() && now < entry->second.fresh_until;
    if (fresh || (entry != entries_.end() && allow_stale)) {
      ++stats_.hits;
      if (!fresh) ++stats_.stale_hits;
      entry->second.last_used = ++tick_;
      EXPECT_EQ(actual.outcome, fresh ? Outcome::kHit : Outcome::kStaleHit);
      EXPECT_EQ(actual.slot, entry->second.slot) << "a hit answers the slot the key was stored in";
      return;
    }
    ++stats_.misses;
    EXPECT_EQ(actual.outcome, Outcome::kMiss);
  }

  void Acquire(const std::u16string& key, double now, bool force_refresh, const Result& actual) {
    const auto entry = FindRetained(key, now);
    const auto flight = flights_.find(key);
    if (entry != entries_.end() && !force_refresh && now < entry->second.stale_until) {
      ++stats_.hits;
      entry->second.last_used = ++tick_;
      EXPECT_EQ(actual.slot, entry->second.slot);
      if (now < entry->second.fresh_until) {
        EXPECT_EQ(actual.outcome, Outcome::kHit);
        EXPECT_FALSE(actual.started);
        return;
      }
      ++stats_.stale_hits;
      EXPECT_EQ(actual.outcome, Outcome::kStaleHit);
      if (flight != flights_.end()) {
        EXPECT_FALSE(actual.started) << "a fetch is already in flight";
        return;
      }
      EXPECT_TRUE(actual.started);
      ++stats_.refreshes;
      StartFlight(key, actual.flight, /*refresh=*/true);
      return;
    }
    ++stats_.misses;
    if (flight != flights_.end()) {
      ++stats_.coalesced;
      EXPECT_EQ(actual.outcome, Outcome::kJoin);
      EXPECT_TRUE(SameToken(actual.flight, flight->second.token))
          << "a joiner gets the current flight's token";
      return;
    }
    ASSERT_EQ(actual.outcome, Outcome::kStart);
    EXPECT_EQ(actual.slot, entry == entries_.end() ? kNoSlot : entry->second.slot)
        << "kStart offers the retained entry";
    StartFlight(key, actual.flight, /*refresh=*/false);
  }

  // TagFlight with `replace` starts from no tags.
  void ClearFlightTags(FlightToken token) {
    if (const auto flight = FindFlight(token); flight != flights_.end())
      flight->second.tags.clear();
  }

  void TagFlight(FlightToken token, const std::u16string& tag) {
    if (const auto flight = FindFlight(token); flight != flights_.end()) {
      flight->second.tags.insert(tag);
    }
  }

  void Complete(FlightToken token, const EntrySpec& spec, double now, const Result& actual) {
    const auto flight = FindFlight(token);
    if (flight == flights_.end()) {
      EXPECT_EQ(actual.outcome, Outcome::kNotStored);
      EXPECT_EQ(actual.slot, kNoSlot);
      return;
    }
    const std::u16string key = flight->first;
    const std::set<std::u16string> tags = std::move(flight->second.tags);
    flights_.erase(flight);
    Write(key, spec, tags, now, actual);
  }

  // `key` is the fetch's key (the test passes the one it was issued for, if it was issued).
  void Fail(FlightToken token, const std::u16string& key, FailCause cause, double now,
            const FailResult& actual) {
    switch (cause) {
      case FailCause::kError:
        ++stats_.fetch_errors;
        break;
      case FailCause::kTimeout:
        ++stats_.timeouts;
        break;
      case FailCause::kAbort:
        ++stats_.aborts;
        break;
    }
    const auto flight = FindFlight(token);
    const bool current = flight != flights_.end();
    EXPECT_EQ(actual.current, current);
    uint32_t fallback = kNoSlot;
    if (cause != FailCause::kAbort) {
      if (current && flight->second.refresh) ++stats_.refresh_errors;
      // The newest good value: an entry in its stale-if-error phase, or for a fetch that is no
      // longer current (a newer write detached it), a fresh entry too.
      const auto entry = entries_.find(current ? flight->first : key);
      if (entry != entries_.end() &&
          (now < entry->second.fallback_until || (!current && now < entry->second.fresh_until))) {
        fallback = entry->second.slot;
      }
    }
    EXPECT_EQ(actual.fallback, fallback) << "fallback";
    if (current) flights_.erase(flight);
  }

  // The key `token` was issued for, or nullptr when it was never issued.
  const std::u16string* KeyOf(FlightToken token) const {
    const auto found = issued_.find({token.slot, token.generation});
    return found == issued_.end() ? nullptr : &found->second;
  }

  void Set(const std::u16string& key, const EntrySpec& spec,
           std::span<const std::u16string_view> tags, double now, const Result& actual) {
    flights_.erase(key);
    std::set<std::u16string> tag_set;
    for (const std::u16string_view tag : tags) tag_set.emplace(tag);
    Write(key, spec, tag_set, now, actual);
  }

  void Delete(const std::u16string& key, const Result& actual) {
    flights_.erase(key);
    const auto entry = entries_.find(key);
    if (entry == entries_.end()) {
      EXPECT_EQ(actual.outcome, Outcome::kMiss);
      EXPECT_EQ(actual.slot, kNoSlot);
      return;
    }
    EXPECT_EQ(actual.outcome, Outcome::kRemoved);
    EXPECT_EQ(actual.slot, entry->second.slot);
    Remove(entry, RemovalCause::kDeleted);
  }

  // Returns how many flights the tag detached.
  size_t InvalidateTag(const std::u16string& tag, size_t actual) {
    size_t removed = 0;
    for (auto it = entries_.begin(); it != entries_.end();) {
      const auto next = std::next(it);
      if (it->second.tags.count(tag) != 0) {
        Remove(it, RemovalCause::kDeleted);
        ++removed;
      }
      it = next;
    }
    log_ordered_ = false;
    EXPECT_EQ(actual, removed) << "entries removed by InvalidateTag";
    return std::erase_if(flights_,
                         [&](const auto& flight) { return flight.second.tags.count(tag) != 0; });
  }

  void Clear() {
    flights_.clear();
    while (!entries_.empty()) {
      if (options_.record_removed_keys) {
        Remove(entries_.begin(), RemovalCause::kCleared);
      } else {
        bytes_ -= entries_.begin()->second.bytes;
        entries_.erase(entries_.begin());
      }
    }
    log_ordered_ = false;
  }

  void Peek(const std::u16string& key, double now, bool allow_stale, const Result& actual) {
    const auto entry = FindRetained(key, now);
    const bool fresh = entry != entries_.end() && now < entry->second.fresh_until;
    if (fresh || (entry != entries_.end() && allow_stale)) {
      EXPECT_EQ(actual.outcome, fresh ? Outcome::kHit : Outcome::kStaleHit);
      EXPECT_EQ(actual.slot, entry->second.slot);
      return;
    }
    EXPECT_EQ(actual.outcome, Outcome::kMiss);
    EXPECT_EQ(actual.slot, kNoSlot);
  }

  void RemainingTtl(const std::u16string& key, double now, std::optional<double> actual) {
    const auto entry = FindRetained(key, now);
    if (entry == entries_.end()) {
      EXPECT_FALSE(actual.has_value()) << "no entry is retained";
      return;
    }
    ASSERT_TRUE(actual.has_value());
    const double until = entry->second.fresh_until;
    EXPECT_EQ(*actual, until == kNever ? kNever : until - now);
  }

  // The entries fresh (or, allowing stale, retained) at `now`, most recently used first.
  void Walk(double now, bool allow_stale, const std::vector<uint32_t>& actual) const {
    std::vector<std::pair<uint64_t, uint32_t>> listed;  // (last used, slot)
    for (const auto& [key, entry] : entries_) {
      if (now < (allow_stale ? entry.retain_until() : entry.fresh_until)) {
        listed.emplace_back(entry.last_used, entry.slot);
      }
    }
    std::sort(listed.rbegin(), listed.rend());
    std::vector<uint32_t> expected;
    for (const auto& [used, slot] : listed) expected.push_back(slot);
    EXPECT_EQ(actual, expected) << "Walk";
  }

  // The slot of the key's entry, or kNoSlot.
  uint32_t SlotOf(const std::u16string& key) const {
    const auto entry = entries_.find(key);
    return entry == entries_.end() ? kNoSlot : entry->second.slot;
  }

  // `removed` is what the store logged for this Sweep alone.
  void Sweep(double now, size_t limit, size_t actual, const Removals& removed) {
    size_t ended = 0;
    for (const auto& [key, entry] : entries_) ended += now < entry.retain_until() ? 0 : 1;
    const size_t expected = std::min(limit, ended);
    EXPECT_EQ(actual, expected) << "Sweep's count";
    ASSERT_EQ(removed.size(), expected) << "Sweep's removals";
    for (const Removal& removal : removed) {
      EXPECT_EQ(removal.cause, RemovalCause::kExpired);
      const auto entry = std::find_if(entries_.begin(), entries_.end(), [&](const auto& it) {
        return it.second.slot == removal.slot;
      });
      ASSERT_NE(entry, entries_.end()) << "swept slot " << removal.slot << " holds no entry";
      EXPECT_FALSE(now < entry->second.retain_until()) << "swept " << Describe(entry->first);
      EXPECT_EQ(removal.key, options_.record_removed_keys ? entry->first : u"");
      bytes_ -= entry->second.bytes;
      ++stats_.expirations;
      entries_.erase(entry);
    }
  }

  // Counters, sizes, bytes, NextExpiry, invariants, whether each token the test holds is
  // current, and the removal log: taken and compared when `take`, else only its length.
  void ExpectMatches(Store& store, const std::vector<FlightToken>& tokens, bool take) {
    StoreStats expected = stats_;
    expected.size = entries_.size();
    expected.in_flight = flights_.size();
    expected.bytes = bytes_;
    EXPECT_TRUE(StatsAre(store.stats(), expected));
    EXPECT_EQ(store.size(), entries_.size());
    EXPECT_EQ(store.in_flight(), flights_.size());
    EXPECT_EQ(store.bytes(), bytes_);
    EXPECT_TRUE(store.CheckInvariants());
    EXPECT_EQ(store.NextExpiry(), NextExpiry());
    const std::vector<FlightToken> current = CurrentTokens();
    for (const FlightToken& token : tokens) {
      const bool is_current = std::any_of(current.begin(), current.end(), [&](FlightToken other) {
        return SameToken(other, token);
      });
      EXPECT_EQ(store.IsCurrent(token), is_current)
          << "IsCurrent({" << token.slot << ", " << token.generation << "})";
    }
    EXPECT_EQ(store.pending_removals(), log_.size());
    if (take) ExpectLog(TakeRemovals(store));
  }

  // Compares the store's removals since the last take with the model's, and starts afresh.
  void ExpectLog(const Removals& actual) {
    if (log_ordered_) {
      EXPECT_EQ(actual, log_) << "removal log";
    } else {
      EXPECT_EQ(Sorted(actual), Sorted(log_)) << "removal log (any order)";
    }
    for (const Removal& removal : log_) ++causes_seen_[static_cast<size_t>(removal.cause)];
    log_.clear();
    log_ordered_ = true;
  }

  // The current flights' tokens, in key order.
  std::vector<FlightToken> CurrentTokens() const {
    std::vector<FlightToken> tokens;
    for (const auto& [key, flight] : flights_) tokens.push_back(flight.token);
    return tokens;
  }

  // The earliest phase boundary of any entry after `now`, or `now` when there is none.
  double NextBoundary(double now) const {
    double next = kNever;
    for (const auto& [key, entry] : entries_) {
      for (const double time : {entry.fresh_until, entry.stale_until, entry.fallback_until}) {
        if (time > now && time < next) next = time;
      }
    }
    return next == kNever ? now : next;
  }

  // How many logged removals of each cause have been compared so far.
  uint64_t CausesSeen(RemovalCause cause) const { return causes_seen_[static_cast<size_t>(cause)]; }

 private:
  struct Entry {
    uint32_t slot = kNoSlot;
    double fresh_until = 0;
    double stale_until = 0;
    double fallback_until = 0;
    uint64_t bytes = 0;
    uint64_t last_used = 0;
    std::set<std::u16string> tags;
    double retain_until() const { return std::max(stale_until, fallback_until); }
  };
  struct Flight {
    FlightToken token;
    bool refresh = false;
    std::set<std::u16string> tags;
  };
  using EntryMap = std::map<std::u16string, Entry>;
  using FlightMap = std::map<std::u16string, Flight>;

  // Logs and counts a removal, then forgets the entry.
  void Remove(EntryMap::iterator entry, RemovalCause cause) {
    if (cause == RemovalCause::kEvicted) ++stats_.evictions;
    if (cause == RemovalCause::kExpired) ++stats_.expirations;
    log_.push_back(Removed(entry->second.slot, cause,
                           options_.record_removed_keys ? entry->first : std::u16string()));
    bytes_ -= entry->second.bytes;
    entries_.erase(entry);
  }

  // The key's entry, after removing it if its retention has ended.
  EntryMap::iterator FindRetained(const std::u16string& key, double now) {
    const auto entry = entries_.find(key);
    if (entry == entries_.end() || now < entry->second.retain_until()) return entry;
    Remove(entry, RemovalCause::kExpired);
    return entries_.end();
  }

  void StartFlight(const std::u16string& key, FlightToken token, bool refresh) {
    ++stats_.fetches;
    EXPECT_TRUE(issued_.emplace(std::pair{token.slot, token.generation}, key).second)
        << "token {" << token.slot << ", " << token.generation << "} was issued before";
    for (const auto& [other_key, other] : flights_) {
      EXPECT_NE(other.token.slot, token.slot) << "flight slot shared with " << Describe(other_key);
    }
    flights_[key] = Flight{token, refresh, {}};
  }

  void Write(const std::u16string& key, const EntrySpec& spec, const std::set<std::u16string>& tags,
             double now, const Result& actual) {
    if (const auto old = entries_.find(key); old != entries_.end()) {
      Remove(old,
             now < old->second.retain_until() ? RemovalCause::kReplaced : RemovalCause::kExpired);
    }
    if (spec.ttl_ms == 0 || spec.bytes > options_.max_bytes) {
      EXPECT_EQ(actual.outcome, Outcome::kNotStored);
      EXPECT_EQ(actual.slot, kNoSlot);
      return;
    }
    while (entries_.size() >= options_.max_entries ||
           (!entries_.empty() && bytes_ + spec.bytes > options_.max_bytes)) {
      const auto victim = std::min_element(
          entries_.begin(), entries_.end(),
          [](const auto& a, const auto& b) { return a.second.last_used < b.second.last_used; });
      Remove(victim,
             now < victim->second.retain_until() ? RemovalCause::kEvicted : RemovalCause::kExpired);
    }
    ASSERT_EQ(actual.outcome, Outcome::kStored);
    EXPECT_LT(actual.slot, options_.max_entries);
    for (const auto& [other_key, other] : entries_) {
      EXPECT_NE(actual.slot, other.slot) << "slot already holds " << Describe(other_key);
    }
    Entry& entry = entries_[key];
    entry.slot = actual.slot;
    entry.fresh_until = now + spec.ttl_ms;
    entry.stale_until = entry.fresh_until + spec.stale_while_revalidate_ms;
    // No stale-if-error window means no fallback at all, not even while fresh.
    entry.fallback_until =
        spec.stale_if_error_ms > 0 ? entry.fresh_until + spec.stale_if_error_ms : -kNever;
    entry.bytes = spec.bytes;
    entry.last_used = ++tick_;
    entry.tags = tags;
    bytes_ += spec.bytes;
  }

  FlightMap::iterator FindFlight(FlightToken token) {
    return std::find_if(flights_.begin(), flights_.end(),
                        [&](const auto& flight) { return SameToken(flight.second.token, token); });
  }
  FlightMap::const_iterator FindFlight(FlightToken token) const {
    return std::find_if(flights_.begin(), flights_.end(),
                        [&](const auto& flight) { return SameToken(flight.second.token, token); });
  }

  double NextExpiry() const {
    double next = kNever;
    for (const auto& [key, entry] : entries_) next = std::min(next, entry.retain_until());
    return next;
  }

  StoreOptions options_;
  EntryMap entries_;
  FlightMap flights_;
  std::map<std::pair<uint32_t, uint32_t>, std::u16string> issued_;  // token -> its key
  StoreStats stats_;
  uint64_t bytes_ = 0;
  uint64_t tick_ = 0;
  Removals log_;
  bool log_ordered_ = true;
  uint64_t causes_seen_[5] = {};
};

}  // namespace herdcache::testing_util
