// The in-flight registry: one record per key being fetched, its generation token, and the
// fetch's tags. Plain C++; knows nothing of stored entries.
//
// A record lives in a slot number the registry chooses; the caller keeps the fetch (its
// Promise) under that number. A slot's generation grows each time a record in it ends, so a
// FlightToken {slot, generation} names one fetch for as long as it is its key's current record
// and never again: a completion that comes after a delete, clear or set of its key (which detach
// the record) finds its token stale, and its value is not stored (singleflight's
// `g.m[key] == c`). This part is kept apart from the entries because a shared store will need it
// to span threads.
//
// Not thread-safe: one registry belongs to one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "key_index.h"
#include "seeded_hash.h"
#include "slot.h"
#include "tag_index.h"

namespace herdcache {

// Identifies one in-flight fetch: its slot and the slot's generation when the fetch began.
// A token stays valid for exactly as long as its fetch is the key's current in-flight record.
struct FlightToken {
  uint32_t slot = kNoSlot;
  uint32_t generation = 0;
};

// What a record held when it ended (FlightRegistry::End).
struct EndedFlight {
  std::u16string key;
  uint64_t hash = 0;
  bool refresh = false;              // started in the background by a stale hit
  std::vector<std::u16string> tags;  // the fetch's tags, in no promised order
};

class FlightRegistry {
 public:
  // `seed` keys the tags' hash.
  explicit FlightRegistry(HashSeed seed) : tags_(seed) {}
  FlightRegistry(const FlightRegistry&) = delete;
  FlightRegistry& operator=(const FlightRegistry&) = delete;

  // The slot of `key`'s current record, or kNoSlot. `hash` is HashKey(seed, key). Average O(1).
  uint32_t Find(std::u16string_view key, uint64_t hash) const noexcept {
    return index_.Find(hash, [&](uint32_t slot) {
      const Flight& flight = flights_[slot];
      return flight.hash == hash && SameKey(flight.key, key);
    });
  }

  // The token of the current record in `slot`. Precondition: `slot` came from Find.
  FlightToken TokenAt(uint32_t slot) const noexcept {
    return FlightToken{slot, flights_[slot].generation};
  }

  // Registers a record for `key` and returns its token. Precondition: Find(key, hash) is
  // kNoSlot. Amortized O(1).
  FlightToken Start(std::u16string_view key, uint64_t hash, bool refresh);

  // Whether `token` is its key's current record. O(1).
  bool IsCurrent(FlightToken token) const noexcept {
    return token.slot < flights_.size() && flights_[token.slot].current &&
           flights_[token.slot].generation == token.generation;
  }

  // Adds `tags` to the fetch `token` (no-op when it is not current; a tag it has, or one named
  // twice, is added once). O(tags.size() + the tags it has) average.
  void Tag(FlightToken token, std::span<const std::u16string_view> tags);
  // Gives the fetch `token` exactly `tags`, dropping the ones it had (no-op when it is not
  // current). O(tags.size() + the tags it had) average.
  void Retag(FlightToken token, std::span<const std::u16string_view> tags);

  // Ends the fetch `token` if it is current: its record is removed (the token and every copy of
  // it go stale) and what it held is returned. nullopt when the token is not current.
  // O(1 + its tags).
  std::optional<EndedFlight> End(FlightToken token);

  // Ends `key`'s current record, if any, dropping its tags; whether there was one.
  bool Detach(std::u16string_view key, uint64_t hash);
  // Ends every record tagged `tag`; returns how many.
  size_t DetachTagged(std::u16string_view tag);
  // Ends every record. Generations are kept, so no token handed out becomes current again.
  void DetachAll();

  // How many records are current.
  size_t size() const noexcept { return index_.size(); }

  // Checks index, generations, free list and tags agree; for tests. O(slots).
  bool CheckInvariants() const;

 private:
  struct Flight {
    std::u16string key;
    uint64_t hash = 0;
    uint32_t generation = 0;
    bool current = false;
    bool refresh = false;
  };

  // Ends the current record in `slot`: out of the index, generation bumped, slot freed, key
  // moved out. Tags are the caller's to drop or take.
  std::u16string Release(uint32_t slot);

  KeyIndex index_;
  std::vector<Flight> flights_;
  std::vector<uint32_t> free_slots_;
  TagIndex tags_;
};

}  // namespace herdcache
