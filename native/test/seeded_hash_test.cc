#include "seeded_hash.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>
#include <string>

namespace herdcache {
namespace {

constexpr HashSeed kSeedA{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
constexpr HashSeed kSeedB{0x0123456789abcdefULL, 0xfedcba9876543211ULL};

TEST(SeededHash, DifferentSeedsGiveDifferentHashesForTheSameKey) {
  const std::u16string key = u"user:42";
  EXPECT_NE(HashKey(kSeedA, key), HashKey(kSeedB, key));
  EXPECT_NE(HashKey(kSeedA, u""), HashKey(kSeedB, u""));
  EXPECT_NE(HashKey(HashSeed{}, key), HashKey(kSeedA, key));
}

TEST(SeededHash, SameSeedIsDeterministic) {
  const std::u16string key = u"user:42";
  const uint64_t first = HashKey(kSeedA, key);
  EXPECT_EQ(HashKey(kSeedA, key), first);
  const HashSeed copy = kSeedA;
  EXPECT_EQ(HashKey(copy, std::u16string(key)), first);
  EXPECT_EQ(SipHash13(kSeedA, key.data(), key.size() * sizeof(char16_t)), first);
}

TEST(SeededHash, ForProcessIsStableAcrossCalls) {
  const HashSeed first = HashSeed::ForProcess();
  for (int i = 0; i < 8; ++i) {
    const HashSeed again = HashSeed::ForProcess();
    EXPECT_EQ(again.k0, first.k0);
    EXPECT_EQ(again.k1, first.k1);
  }
  EXPECT_EQ(HashKey(HashSeed::ForProcess(), u"k"), HashKey(first, u"k"));
}

TEST(SeededHash, KeysDifferingOnlyInALoneSurrogateHashDifferently) {
  const std::u16string high = {u'a', u'\xD800', u'b'};
  const std::u16string other_high = {u'a', u'\xDBFF', u'b'};
  const std::u16string low = {u'a', u'\xDC00', u'b'};
  const std::u16string plain = u"a?b";
  const std::set<uint64_t> hashes = {HashKey(kSeedA, high), HashKey(kSeedA, other_high),
                                     HashKey(kSeedA, low), HashKey(kSeedA, plain)};
  EXPECT_EQ(hashes.size(), 4u);
}

TEST(SeededHash, KeysDifferingOnlyInANulHashDifferently) {
  const std::u16string with_nul(u"ab\0c", 4);
  const std::u16string without_nul = u"abc";
  const std::u16string trailing_nul(u"abc\0", 4);
  ASSERT_EQ(with_nul.size(), 4u);
  ASSERT_EQ(trailing_nul.size(), 4u);
  const std::set<uint64_t> hashes = {HashKey(kSeedA, with_nul), HashKey(kSeedA, without_nul),
                                     HashKey(kSeedA, trailing_nul)};
  EXPECT_EQ(hashes.size(), 3u);
}

TEST(SeededHash, KeysDifferingOnlyInLengthHashDifferently) {
  // Runs of NULs are the case where only the length can tell keys apart.
  std::set<uint64_t> hashes;
  for (size_t length = 0; length <= 40; ++length) {
    hashes.insert(HashKey(kSeedA, std::u16string(length, u'\0')));
  }
  EXPECT_EQ(hashes.size(), 41u);
}

TEST(SeededHash, SipHash13OfEmptyInputIsDeterministicAndSeeded) {
  const uint64_t empty = SipHash13(kSeedA, nullptr, 0);
  EXPECT_EQ(SipHash13(kSeedA, "", 0), empty);
  EXPECT_EQ(HashKey(kSeedA, u""), empty);
  EXPECT_NE(SipHash13(kSeedB, nullptr, 0), empty);
}

TEST(SeededHash, SipHash13OverLengthsZeroToSixtyFourDiffersByLength) {
  // Every tail length (size % 8) and several whole-word counts, over the same byte pattern.
  std::array<unsigned char, 64> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i);
  std::set<uint64_t> by_length;
  for (size_t length = 0; length <= bytes.size(); ++length) {
    const uint64_t hash = SipHash13(kSeedA, bytes.data(), length);
    EXPECT_EQ(SipHash13(kSeedA, bytes.data(), length), hash) << "length " << length;
    by_length.insert(hash);
  }
  EXPECT_EQ(by_length.size(), bytes.size() + 1);

  std::array<unsigned char, 64> zeros{};
  std::set<uint64_t> zeros_by_length;
  for (size_t length = 0; length <= zeros.size(); ++length) {
    zeros_by_length.insert(SipHash13(kSeedA, zeros.data(), length));
  }
  EXPECT_EQ(zeros_by_length.size(), zeros.size() + 1);
}

TEST(SeededHash, SipHash13MatchesPublishedVectors) {
  // From Rust's test_siphash_1_3 (rust-lang/rust, library/core/tests/hash/sip.rs): key bytes
  // 00..0f, input bytes 00..len-1, each vector read as a little-endian u64. The differences-only
  // tests above cannot catch a wrong round count or constant; these can.
  constexpr HashSeed kKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  struct Vector {
    size_t length;
    uint64_t hash;
  };
  constexpr Vector kVectors[] = {
      {0, 0xabac0158050fc4dcULL},  {1, 0xc9f49bf37d57ca93ULL},  {7, 0xd3927d989bb11140ULL},
      {8, 0x369095118d299a8eULL},  {15, 0xd320d86d2a519956ULL}, {16, 0xcc4fdd1a7d908b66ULL},
      {63, 0x9d199062b7bbb3a8ULL},
  };
  std::array<unsigned char, 64> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i);
  for (const Vector& vector : kVectors) {
    EXPECT_EQ(SipHash13(kKey, bytes.data(), vector.length), vector.hash)
        << "length " << vector.length;
  }
}

TEST(SeededHash, SipHash13ReadsOnlyTheGivenBytes) {
  // Bytes past `size` must not affect the hash (and under ASan must not be read).
  std::array<unsigned char, 16> a{};
  std::array<unsigned char, 16> b{};
  for (size_t i = 0; i < a.size(); ++i) a[i] = b[i] = static_cast<unsigned char>(i + 1);
  b[11] = 0xee;
  EXPECT_EQ(SipHash13(kSeedA, a.data(), 11), SipHash13(kSeedA, b.data(), 11));
  EXPECT_NE(SipHash13(kSeedA, a.data(), 12), SipHash13(kSeedA, b.data(), 12));
}

TEST(SeededHash, SingleBitFlipsChangeTheHash) {
  std::array<unsigned char, 24> bytes{};
  const uint64_t base = SipHash13(kSeedA, bytes.data(), bytes.size());
  std::set<uint64_t> hashes = {base};
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    bytes[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
    hashes.insert(SipHash13(kSeedA, bytes.data(), bytes.size()));
    bytes[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
  }
  EXPECT_EQ(hashes.size(), bytes.size() * 8 + 1);
}

}  // namespace
}  // namespace herdcache
