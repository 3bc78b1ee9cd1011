#include "store.h"

#include <cassert>
#include <utility>

namespace herdcache {
namespace {

Result Answer(Outcome outcome, uint32_t slot = kNoSlot) {
  Result result;
  result.outcome = outcome;
  result.slot = slot;
  return result;
}

}  // namespace

Store::Store(const StoreOptions& options) : options_(options), tags_(options.seed) {
  assert(options.max_entries > 0 && options.max_entries <= kMaxEntriesLimit);
}

uint32_t Store::FindEntry(std::u16string_view key, uint64_t hash) const noexcept {
  return entry_index_.Find(hash, [&](uint32_t slot) {
    const Entry& entry = entries_[slot];
    return entry.hash == hash && entry.key == key;
  });
}

uint32_t Store::FindFlight(std::u16string_view key, uint64_t hash) const noexcept {
  return flight_index_.Find(hash, [&](uint32_t slot) {
    const Flight& flight = flights_[slot];
    return flight.hash == hash && flight.key == key;
  });
}

uint32_t Store::FindRetained(std::u16string_view key, uint64_t hash, Now& now) {
  const uint32_t slot = FindEntry(key, hash);
  if (slot == kNoSlot || now.Before(entries_[slot].retain_until())) return slot;
  RemoveEntry(slot, RemovalCause::kExpired);
  return kNoSlot;
}

Result Store::Get(std::u16string_view key, Now now) {
  Result result;
  const uint32_t slot = FindRetained(key, HashKey(options_.seed, key), now);
  if (slot == kNoSlot || !now.Before(entries_[slot].fresh_until)) {
    ++stats_.misses;
    result.outcome = Outcome::kMiss;
    return result;
  }
  ++stats_.hits;
  recency_.MoveToFront(slot);
  result.outcome = Outcome::kHit;
  result.slot = slot;
  return result;
}

Result Store::Acquire(std::u16string_view key, Now now, bool force_refresh) {
  Result result;
  const uint64_t hash = HashKey(options_.seed, key);
  const uint32_t slot = FindRetained(key, hash, now);
  if (slot != kNoSlot && !force_refresh) {
    const Entry& entry = entries_[slot];
    const bool fresh = now.Before(entry.fresh_until);
    if (fresh || now.Before(entry.stale_until)) {
      ++stats_.hits;
      recency_.MoveToFront(slot);
      result.slot = slot;
      if (fresh) {
        result.outcome = Outcome::kHit;
        return result;
      }
      ++stats_.stale_hits;
      result.outcome = Outcome::kStaleHit;
      if (FindFlight(key, hash) == kNoSlot) {
        result.flight = StartFlight(key, hash, /*refresh=*/true);
        result.started = true;
      }
      return result;
    }
  }
  ++stats_.misses;
  if (const uint32_t joined = FindFlight(key, hash); joined != kNoSlot) {
    ++stats_.coalesced;
    result.outcome = Outcome::kJoin;
    result.flight = FlightToken{joined, flights_[joined].generation};
    return result;
  }
  result.outcome = Outcome::kStart;
  result.slot = slot;
  result.flight = StartFlight(key, hash, /*refresh=*/false);
  return result;
}

FlightToken Store::StartFlight(std::u16string_view key, uint64_t hash, bool refresh) {
  uint32_t slot;
  if (free_flights_.empty()) {
    slot = static_cast<uint32_t>(flights_.size());
    flights_.emplace_back();
  } else {
    slot = free_flights_.back();
    free_flights_.pop_back();
  }
  Flight& flight = flights_[slot];
  flight.key.assign(key);
  flight.hash = hash;
  flight.current = true;
  flight.refresh = refresh;
  flight_index_.Insert(hash, slot);
  ++stats_.fetches;
  if (refresh) ++stats_.refreshes;
  return FlightToken{slot, flight.generation};
}

bool Store::IsCurrent(FlightToken token) const noexcept {
  return token.slot < flights_.size() && flights_[token.slot].current &&
         flights_[token.slot].generation == token.generation;
}

void Store::TagFlight(FlightToken token, std::span<const std::u16string_view> tags) {
  if (IsCurrent(token)) tags_.Attach(FlightMember(token.slot), tags);
}

void Store::ReleaseFlight(uint32_t slot) {
  Flight& flight = flights_[slot];
  assert(flight.current);
  flight_index_.Erase(flight.hash, slot);
  flight.current = false;
  ++flight.generation;  // outstanding tokens for this slot stop being current
  std::u16string().swap(flight.key);
  free_flights_.push_back(slot);
}

void Store::DetachFlight(uint32_t slot) {
  ReleaseFlight(slot);
  tags_.DetachAll(FlightMember(slot));
}

Result Store::Complete(FlightToken token, const EntrySpec& spec, Now now) {
  if (!IsCurrent(token)) return Answer(Outcome::kNotStored);
  Flight& flight = flights_[token.slot];
  std::u16string key = std::move(flight.key);
  const uint64_t hash = flight.hash;
  // The fetch's tags stay on its member until the entry's slot is known, then move to it.
  const uint32_t parked = FlightMember(token.slot);
  ReleaseFlight(token.slot);
  Result result = Write(std::move(key), hash, spec, now);
  if (result.outcome == Outcome::kStored) {
    tags_.Transfer(parked, EntryMember(result.slot));
  } else {
    tags_.DetachAll(parked);
  }
  return result;
}

FailResult Store::Fail(FlightToken token, FailCause cause, Now now) {
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
  FailResult result;
  if (!IsCurrent(token)) return result;
  result.current = true;
  const Flight& flight = flights_[token.slot];
  if (flight.refresh && cause != FailCause::kAbort) ++stats_.refresh_errors;
  if (cause != FailCause::kAbort) {
    const uint32_t slot = FindEntry(flight.key, flight.hash);
    if (slot != kNoSlot && now.Before(entries_[slot].fallback_until)) result.fallback = slot;
  }
  DetachFlight(token.slot);
  return result;
}

Result Store::Set(std::u16string_view key, const EntrySpec& spec,
                  std::span<const std::u16string_view> tags, Now now) {
  const uint64_t hash = HashKey(options_.seed, key);
  if (const uint32_t flight = FindFlight(key, hash); flight != kNoSlot) DetachFlight(flight);
  Result result = Write(std::u16string(key), hash, spec, now);
  if (result.outcome == Outcome::kStored) {
    tags_.Attach(EntryMember(result.slot), tags);
  }
  return result;
}

Result Store::Write(std::u16string&& key, uint64_t hash, const EntrySpec& spec, Now& now) {
  if (const uint32_t old = FindEntry(key, hash); old != kNoSlot) {
    const bool expired = !now.Before(entries_[old].retain_until());
    RemoveEntry(old, expired ? RemovalCause::kExpired : RemovalCause::kReplaced);
  }
  if (spec.ttl_ms == 0 || spec.bytes > options_.max_bytes) {
    return Answer(Outcome::kNotStored);
  }
  MakeRoom(spec.bytes, now);
  const uint32_t slot = TakeEntrySlot();
  Entry& entry = entries_[slot];
  entry.key = std::move(key);
  entry.hash = hash;
  entry.fresh_until = now.Plus(spec.ttl_ms);
  entry.stale_until = entry.fresh_until + spec.stale_while_revalidate_ms;
  // Without a stale-if-error window there is no fallback phase at all, not even while fresh
  // (a failed forceRefresh then rejects rather than answering with the fresh value).
  entry.fallback_until =
      spec.stale_if_error_ms > 0 ? entry.fresh_until + spec.stale_if_error_ms : -kNever;
  entry.bytes = spec.bytes;
  bytes_ += spec.bytes;
  entry_index_.Insert(hash, slot);
  recency_.PushFront(slot);
  if (const double until = entry.retain_until(); until != kNever) expiry_.Set(slot, until);
  return Answer(Outcome::kStored, slot);
}

void Store::MakeRoom(uint64_t bytes, Now& now) {
  // The byte test subtracts because bytes_ <= max_bytes always holds, where a sum could wrap.
  while (entry_index_.size() >= options_.max_entries ||
         (entry_index_.size() > 0 && bytes > options_.max_bytes - bytes_)) {
    // The least recently used entry goes; one whose time has already run out is an expiration.
    const uint32_t victim = recency_.Back();
    RemoveEntry(victim, now.Before(entries_[victim].retain_until()) ? RemovalCause::kEvicted
                                                                    : RemovalCause::kExpired);
  }
}

uint32_t Store::TakeEntrySlot() {
  if (!free_entries_.empty()) {
    const uint32_t slot = free_entries_.back();
    free_entries_.pop_back();
    return slot;
  }
  const auto slot = static_cast<uint32_t>(entries_.size());
  entries_.emplace_back();
  recency_.Reserve(slot + 1);
  return slot;
}

void Store::RemoveEntry(uint32_t slot, RemovalCause cause) {
  Entry& entry = entries_[slot];
  entry_index_.Erase(entry.hash, slot);
  recency_.Remove(slot);
  expiry_.Remove(slot);
  tags_.DetachAll(EntryMember(slot));
  bytes_ -= entry.bytes;
  entry.bytes = 0;
  if (cause == RemovalCause::kEvicted) ++stats_.evictions;
  if (cause == RemovalCause::kExpired) ++stats_.expirations;
  Removal& removal = removals_.emplace_back(Removal{slot, cause, {}});
  if (options_.record_removed_keys) {
    removal.key = std::move(entry.key);
  }
  std::u16string().swap(entry.key);
  free_entries_.push_back(slot);
}

Result Store::Delete(std::u16string_view key) {
  const uint64_t hash = HashKey(options_.seed, key);
  if (const uint32_t flight = FindFlight(key, hash); flight != kNoSlot) DetachFlight(flight);
  const uint32_t slot = FindEntry(key, hash);
  if (slot == kNoSlot) return Answer(Outcome::kMiss);
  RemoveEntry(slot, RemovalCause::kDeleted);
  return Answer(Outcome::kRemoved, slot);
}

size_t Store::InvalidateTag(std::u16string_view tag) {
  // Copied: removing members changes the list.
  const std::vector<uint32_t> members = tags_.Members(tag);
  size_t removed = 0;
  for (const uint32_t member : members) {
    if (member % 2 == 1) {
      DetachFlight(member / 2);
    } else {
      RemoveEntry(member / 2, RemovalCause::kDeleted);
      ++removed;
    }
  }
  return removed;
}

void Store::Clear() {
  for (uint32_t slot = 0; slot < flights_.size(); ++slot) {
    if (flights_[slot].current) DetachFlight(slot);
  }
  if (options_.record_removed_keys) {
    for (uint32_t slot = recency_.Back(); slot != kNoSlot;) {
      const uint32_t before = recency_.Prev(slot);
      RemoveEntry(slot, RemovalCause::kCleared);
      slot = before;
    }
  }
  entry_index_.Reset();
  recency_.Clear();
  expiry_.Clear();
  tags_.Clear();
  bytes_ = 0;
  std::vector<Entry>().swap(entries_);
  std::vector<uint32_t>().swap(free_entries_);
}

Result Store::Peek(std::u16string_view key, Now now) {
  const uint32_t slot = FindRetained(key, HashKey(options_.seed, key), now);
  if (slot == kNoSlot || !now.Before(entries_[slot].fresh_until)) return Result{};
  return Answer(Outcome::kHit, slot);
}

size_t Store::Sweep(Now now, size_t limit) {
  size_t removed = 0;
  while (removed < limit && !expiry_.empty() && !now.Before(expiry_.TopTime())) {
    RemoveEntry(expiry_.TopSlot(), RemovalCause::kExpired);
    ++removed;
  }
  return removed;
}

StoreStats Store::stats() const noexcept {
  StoreStats stats = stats_;
  stats.size = entry_index_.size();
  stats.in_flight = flight_index_.size();
  stats.bytes = bytes_;
  return stats;
}

bool Store::CheckInvariants() const {
  // Every linked slot is indexed under its own key, and the list holds exactly size() slots.
  size_t linked = 0;
  size_t finite = 0;
  uint64_t bytes = 0;
  for (uint32_t slot = recency_.Front(); slot != kNoSlot; slot = recency_.Next(slot)) {
    if (++linked > entries_.size()) return false;
    const Entry& entry = entries_[slot];
    if (FindEntry(entry.key, entry.hash) != slot) return false;
    if (HashKey(options_.seed, entry.key) != entry.hash) return false;
    if (entry.retain_until() != kNever) ++finite;
    bytes += entry.bytes;
  }
  if (linked != entry_index_.size() || linked > options_.max_entries) return false;
  if (linked + free_entries_.size() != entries_.size()) return false;
  if (bytes != bytes_ || bytes_ > options_.max_bytes) return false;
  if (finite != expiry_.size() || !expiry_.CheckInvariants()) return false;
  if (!tags_.CheckInvariants()) return false;

  size_t current = 0;
  for (uint32_t slot = 0; slot < flights_.size(); ++slot) {
    const Flight& flight = flights_[slot];
    if (!flight.current) {
      if (tags_.TagCount(FlightMember(slot)) != 0) return false;
      continue;
    }
    ++current;
    if (FindFlight(flight.key, flight.hash) != slot) return false;
  }
  if (current != flight_index_.size()) return false;
  return current + free_flights_.size() == flights_.size();
}

}  // namespace herdcache
