// Keyed hashing for cache keys.
//
// Keys usually come straight from requests, so the hash is keyed with a secret chosen at random
// once per process: nobody outside can pick keys that collide on purpose and turn lookups into
// linear probes. The function is SipHash-1-3 (Aumasson and Bernstein's keyed PRF with one
// compression and three finalization rounds), written from the published description.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace herdcache {

// A 128-bit hashing key. Two different seeds give unrelated hash functions.
struct HashSeed {
  uint64_t k0 = 0;
  uint64_t k1 = 0;

  // The process-wide seed, drawn from std::random_device on first use. Thread-safe.
  static HashSeed ForProcess() noexcept;
};

// SipHash-1-3 of `size` bytes at `data` under `seed`. Deterministic for a given seed.
uint64_t SipHash13(const HashSeed& seed, const void* data, size_t size) noexcept;

// Hashes a key as its UTF-16 code units (lone surrogates and NULs included).
inline uint64_t HashKey(const HashSeed& seed, std::u16string_view key) noexcept {
  return SipHash13(seed, key.data(), key.size() * sizeof(char16_t));
}

// Whether two keys are the same code units. One memcmp: char_traits<char16_t>::compare, behind
// ==, compares unit by unit for ordering, which was a fifth of a lookup's time in the core.
inline bool SameKey(std::u16string_view a, std::u16string_view b) noexcept {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(char16_t)) == 0;
}

}  // namespace herdcache
