#include "store.h"

#include <cassert>
#include <utility>

namespace herdcache {

Store::Store(uint32_t max_entries, HashSeed seed) : max_entries_(max_entries), seed_(seed) {
  assert(max_entries > 0 && max_entries <= kMaxEntriesLimit);
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

uint32_t Store::FindFresh(std::u16string_view key, uint64_t hash, double now, Result& result) {
  const uint32_t slot = FindEntry(key, hash);
  if (slot == kNoSlot || now < entries_[slot].expires_at) return slot;
  RemoveEntry(slot);
  ++stats_.expirations;
  result.released = slot;
  return kNoSlot;
}

Result Store::Get(std::u16string_view key, double now) {
  Result result;
  const uint32_t slot = FindFresh(key, HashKey(seed_, key), now, result);
  if (slot == kNoSlot) {
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

Result Store::Acquire(std::u16string_view key, double now) {
  Result result;
  const uint64_t hash = HashKey(seed_, key);
  const uint32_t slot = FindFresh(key, hash, now, result);
  if (slot != kNoSlot) {
    ++stats_.hits;
    recency_.MoveToFront(slot);
    result.outcome = Outcome::kHit;
    result.slot = slot;
    return result;
  }
  ++stats_.misses;
  if (const uint32_t joined = FindFlight(key, hash); joined != kNoSlot) {
    ++stats_.coalesced;
    result.outcome = Outcome::kJoin;
    result.slot = joined;
    return result;
  }

  uint32_t flight_slot;
  if (free_flights_.empty()) {
    flight_slot = static_cast<uint32_t>(flights_.size());
    flights_.emplace_back();
  } else {
    flight_slot = free_flights_.back();
    free_flights_.pop_back();
  }
  Flight& flight = flights_[flight_slot];
  flight.key.assign(key);
  flight.hash = hash;
  flight.current = true;
  flight_index_.Insert(hash, flight_slot);
  ++stats_.fetches;
  result.outcome = Outcome::kStart;
  result.slot = flight_slot;
  result.generation = flight.generation;
  return result;
}

bool Store::IsCurrent(FlightToken token) const noexcept {
  return token.slot < flights_.size() && flights_[token.slot].current &&
         flights_[token.slot].generation == token.generation;
}

void Store::DetachFlight(uint32_t slot) {
  Flight& flight = flights_[slot];
  assert(flight.current);
  flight_index_.Erase(flight.hash, slot);
  flight.current = false;
  ++flight.generation;  // outstanding tokens for this slot stop being current
  std::u16string().swap(flight.key);
  free_flights_.push_back(slot);
}

Result Store::Complete(FlightToken token, double ttl_ms, double now) {
  Result result;
  result.outcome = Outcome::kNotStored;
  if (!IsCurrent(token)) return result;
  Flight& flight = flights_[token.slot];
  std::u16string key = std::move(flight.key);
  const uint64_t hash = flight.hash;
  DetachFlight(token.slot);
  return Write(std::move(key), hash, ttl_ms, now);
}

bool Store::Fail(FlightToken token) {
  ++stats_.fetch_errors;
  if (!IsCurrent(token)) return false;
  DetachFlight(token.slot);
  return true;
}

Result Store::Set(std::u16string_view key, double ttl_ms, double now) {
  const uint64_t hash = HashKey(seed_, key);
  if (const uint32_t flight = FindFlight(key, hash); flight != kNoSlot) DetachFlight(flight);
  return Write(std::u16string(key), hash, ttl_ms, now);
}

Result Store::Write(std::u16string&& key, uint64_t hash, double ttl_ms, double now) {
  Result result;
  uint32_t slot = FindEntry(key, hash);
  if (ttl_ms == 0) {
    result.outcome = Outcome::kNotStored;
    if (slot != kNoSlot) {
      RemoveEntry(slot);
      result.released = slot;
    }
    return result;
  }
  if (slot == kNoSlot) {
    slot = TakeEntrySlot();
    Entry& entry = entries_[slot];
    entry.key = std::move(key);
    entry.hash = hash;
    entry_index_.Insert(hash, slot);
    recency_.PushFront(slot);
  } else {
    recency_.MoveToFront(slot);
  }
  entries_[slot].expires_at = ExpiryFor(now, ttl_ms);
  result.outcome = Outcome::kStored;
  result.slot = slot;
  return result;
}

uint32_t Store::TakeEntrySlot() {
  if (entry_index_.size() >= max_entries_) {
    // Full: the least recently used entry makes room, and its slot is reused at once.
    const uint32_t victim = recency_.Back();
    RemoveEntry(victim);
    ++stats_.evictions;
  }
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

void Store::RemoveEntry(uint32_t slot) {
  Entry& entry = entries_[slot];
  entry_index_.Erase(entry.hash, slot);
  recency_.Remove(slot);
  std::u16string().swap(entry.key);
  free_entries_.push_back(slot);
}

Result Store::Delete(std::u16string_view key) {
  Result result;
  const uint64_t hash = HashKey(seed_, key);
  if (const uint32_t flight = FindFlight(key, hash); flight != kNoSlot) DetachFlight(flight);
  const uint32_t slot = FindEntry(key, hash);
  if (slot == kNoSlot) {
    result.outcome = Outcome::kMiss;
    return result;
  }
  RemoveEntry(slot);
  result.outcome = Outcome::kRemoved;
  result.released = slot;
  return result;
}

void Store::Clear() {
  for (uint32_t slot = 0; slot < flights_.size(); ++slot) {
    if (flights_[slot].current) DetachFlight(slot);
  }
  entry_index_.Reset();
  recency_.Clear();
  std::vector<Entry>().swap(entries_);
  std::vector<uint32_t>().swap(free_entries_);
}

Result Store::Peek(std::u16string_view key, double now) {
  Result result;
  const uint32_t slot = FindFresh(key, HashKey(seed_, key), now, result);
  result.outcome = slot == kNoSlot ? Outcome::kMiss : Outcome::kHit;
  result.slot = slot;
  return result;
}

StoreStats Store::stats() const noexcept {
  StoreStats stats = stats_;
  stats.size = entry_index_.size();
  stats.in_flight = flight_index_.size();
  return stats;
}

bool Store::CheckInvariants() const {
  // Every linked slot is indexed under its own key, and the list holds exactly size() slots.
  size_t linked = 0;
  for (uint32_t slot = recency_.Front(); slot != kNoSlot; slot = recency_.Next(slot)) {
    if (++linked > entries_.size()) return false;
    const Entry& entry = entries_[slot];
    if (FindEntry(entry.key, entry.hash) != slot) return false;
    if (HashKey(seed_, entry.key) != entry.hash) return false;
  }
  if (linked != entry_index_.size() || linked > max_entries_) return false;
  if (linked + free_entries_.size() != entries_.size()) return false;

  size_t current = 0;
  for (uint32_t slot = 0; slot < flights_.size(); ++slot) {
    const Flight& flight = flights_[slot];
    if (!flight.current) continue;
    ++current;
    if (FindFlight(flight.key, flight.hash) != slot) return false;
  }
  if (current != flight_index_.size()) return false;
  return current + free_flights_.size() == flights_.size();
}

}  // namespace herdcache
