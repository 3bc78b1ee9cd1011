#include "seeded_hash.h"

#include <bit>
#include <cstring>
#include <random>

namespace herdcache {
namespace {

struct SipState {
  uint64_t v0, v1, v2, v3;

  void Round() noexcept {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }

  void Absorb(uint64_t m) noexcept {
    v3 ^= m;
    Round();
    v0 ^= m;
  }
};

// std::byteswap is C++23, and MSVC has no __builtin_bswap64; only a big-endian build calls this.
constexpr uint64_t ByteSwap64(uint64_t x) noexcept {
  x = ((x & 0x00FF00FF00FF00FFULL) << 8) | ((x >> 8) & 0x00FF00FF00FF00FFULL);
  x = ((x & 0x0000FFFF0000FFFFULL) << 16) | ((x >> 16) & 0x0000FFFF0000FFFFULL);
  return (x << 32) | (x >> 32);
}
static_assert(ByteSwap64(0x0102030405060708ULL) == 0x0807060504030201ULL);

uint64_t LoadLittleEndian64(const unsigned char* p) noexcept {
  uint64_t word;
  std::memcpy(&word, p, sizeof word);
  if constexpr (std::endian::native == std::endian::big) word = ByteSwap64(word);
  return word;
}

}  // namespace

HashSeed HashSeed::ForProcess() noexcept {
  static const HashSeed seed = [] {
    std::random_device device;
    auto draw = [&device] { return (uint64_t{device()} << 32) ^ device(); };
    return HashSeed{draw(), draw()};
  }();
  return seed;
}

uint64_t SipHash13(const HashSeed& seed, const void* data, size_t size) noexcept {
  // The four initialization constants spell "somepseudorandomlygeneratedbytes".
  SipState s{seed.k0 ^ 0x736f6d6570736575ULL, seed.k1 ^ 0x646f72616e646f6dULL,
             seed.k0 ^ 0x6c7967656e657261ULL, seed.k1 ^ 0x7465646279746573ULL};
  const auto* bytes = static_cast<const unsigned char*>(data);
  const size_t whole_words = size / 8;
  for (size_t i = 0; i < whole_words; ++i) s.Absorb(LoadLittleEndian64(bytes + 8 * i));

  // The last word holds the remaining bytes and the length modulo 256 in its top byte.
  uint64_t last = uint64_t{size & 0xff} << 56;
  const unsigned char* tail = bytes + 8 * whole_words;
  for (size_t i = 0; i < (size & 7); ++i) last |= uint64_t{tail[i]} << (8 * i);
  s.Absorb(last);

  s.v2 ^= 0xff;
  s.Round();
  s.Round();
  s.Round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace herdcache
