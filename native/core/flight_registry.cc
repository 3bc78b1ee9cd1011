#include "flight_registry.h"

#include <cassert>
#include <utility>

namespace herdcache {

FlightToken FlightRegistry::Start(std::u16string_view key, uint64_t hash, bool refresh) {
  assert(Find(key, hash) == kNoSlot);
  uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<uint32_t>(flights_.size());
    flights_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  Flight& flight = flights_[slot];
  flight.key.assign(key);
  flight.hash = hash;
  flight.current = true;
  flight.refresh = refresh;
  index_.Insert(hash, slot);
  return FlightToken{slot, flight.generation};
}

void FlightRegistry::Tag(FlightToken token, std::span<const std::u16string_view> tags) {
  if (IsCurrent(token)) tags_.Attach(token.slot, tags);
}

void FlightRegistry::Retag(FlightToken token, std::span<const std::u16string_view> tags) {
  if (!IsCurrent(token)) return;
  tags_.DetachAll(token.slot);
  tags_.Attach(token.slot, tags);
}

std::u16string FlightRegistry::Release(uint32_t slot) {
  Flight& flight = flights_[slot];
  assert(flight.current);
  index_.Erase(flight.hash, slot);
  flight.current = false;
  ++flight.generation;  // outstanding tokens for this slot stop being current
  std::u16string key = std::move(flight.key);
  std::u16string().swap(flight.key);
  free_slots_.push_back(slot);
  return key;
}

std::optional<EndedFlight> FlightRegistry::End(FlightToken token) {
  if (!IsCurrent(token)) return std::nullopt;
  const Flight& flight = flights_[token.slot];
  // Built in place and returned by NRVO: End runs once per fetch.
  std::optional<EndedFlight> ended(std::in_place);
  ended->hash = flight.hash;
  ended->refresh = flight.refresh;
  if (tags_.TagCount(token.slot) != 0) {
    ended->tags = tags_.TagsOf(token.slot);
    tags_.DetachAll(token.slot);
  }
  ended->key = Release(token.slot);
  return ended;
}

bool FlightRegistry::Detach(std::u16string_view key, uint64_t hash) {
  const uint32_t slot = Find(key, hash);
  if (slot == kNoSlot) return false;
  Release(slot);
  tags_.DetachAll(slot);
  return true;
}

size_t FlightRegistry::DetachTagged(std::u16string_view tag) {
  // Copied: detaching members changes the list.
  const std::vector<uint32_t> members = tags_.Members(tag);
  for (const uint32_t slot : members) {
    Release(slot);
    tags_.DetachAll(slot);
  }
  return members.size();
}

void FlightRegistry::DetachAll() {
  for (uint32_t slot = 0; slot < flights_.size(); ++slot) {
    if (flights_[slot].current) Release(slot);
  }
  tags_.Clear();
}

bool FlightRegistry::CheckInvariants() const {
  size_t current = 0;
  for (uint32_t slot = 0; slot < flights_.size(); ++slot) {
    const Flight& flight = flights_[slot];
    if (!flight.current) {
      if (tags_.TagCount(slot) != 0 || !flight.key.empty()) return false;
      continue;
    }
    ++current;
    if (Find(flight.key, flight.hash) != slot) return false;
  }
  if (current != index_.size()) return false;
  if (current + free_slots_.size() != flights_.size()) return false;
  return tags_.CheckInvariants();
}

}  // namespace herdcache
