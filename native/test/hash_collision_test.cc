// Keys whose hashes collide, in the two tables that index keys by hash: the index keeps 32 bits
// of the hash per bucket and asks its owner to compare the full hash and then the key, so keys
// that share those 32 bits, or the whole hash, must still find their own slots. A 64-bit
// collision cannot be searched for in a test, so the hashes are given by hand here.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "entry_table.h"
#include "flight_registry.h"
#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::kTestSeed;
using testing_util::TtlSpec;

constexpr double kTtl = 60'000;
// Two hashes with the same low 32 bits (the index's bucket tag) and different high bits.
constexpr uint64_t kHash = 0x0000'0001'dead'beefULL;
constexpr uint64_t kSameTag = 0x0000'0002'dead'beefULL;

TEST(EntryTableCollisions, FindsEachKeyWhenHashesShareTheIndexTag) {
  EntryTable table(8, UINT64_MAX, kTestSeed);
  Now now(1'000'000);
  const uint32_t a = table.Write(u"a", kHash, TtlSpec(kTtl), now);
  const uint32_t b = table.Write(u"b", kSameTag, TtlSpec(kTtl), now);

  EXPECT_NE(a, b);
  EXPECT_EQ(table.Find(u"a", kHash), a);
  EXPECT_EQ(table.Find(u"b", kSameTag), b);
  EXPECT_EQ(table.Find(u"a", kSameTag), kNoSlot);
  EXPECT_EQ(table.Find(u"b", kHash), kNoSlot);
}

TEST(EntryTableCollisions, FindsEachKeyWhenWholeHashesCollide) {
  EntryTable table(8, UINT64_MAX, kTestSeed);
  Now now(1'000'000);
  const uint32_t a = table.Write(u"a", kHash, TtlSpec(kTtl), now);
  const uint32_t b = table.Write(u"b", kHash, TtlSpec(kTtl), now);

  EXPECT_NE(a, b);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.Find(u"a", kHash), a);
  EXPECT_EQ(table.Find(u"b", kHash), b);
  EXPECT_EQ(table.Find(u"c", kHash), kNoSlot);
}

TEST(EntryTableCollisions, CheckInvariantsRejectsAnEntryIndexedUnderAnotherKeysHash) {
  EntryTable table(8, UINT64_MAX, kTestSeed);
  Now now(1'000'000);
  table.Write(u"a", HashKey(kTestSeed, u"a"), TtlSpec(kTtl), now);
  EXPECT_TRUE(table.CheckInvariants());

  table.Write(u"b", kHash, TtlSpec(kTtl), now);
  EXPECT_FALSE(table.CheckInvariants());
}

TEST(FlightRegistryCollisions, FindsEachKeyWhenHashesShareTheIndexTag) {
  FlightRegistry registry(kTestSeed);
  const FlightToken a = registry.Start(u"a", kHash, false);
  const FlightToken b = registry.Start(u"b", kSameTag, false);

  EXPECT_EQ(registry.Find(u"a", kHash), a.slot);
  EXPECT_EQ(registry.Find(u"b", kSameTag), b.slot);
  EXPECT_EQ(registry.Find(u"a", kSameTag), kNoSlot);
  EXPECT_TRUE(registry.CheckInvariants());
}

TEST(FlightRegistryCollisions, FindsEachKeyWhenWholeHashesCollide) {
  FlightRegistry registry(kTestSeed);
  const FlightToken a = registry.Start(u"a", kHash, false);
  const FlightToken b = registry.Start(u"b", kHash, false);

  EXPECT_EQ(registry.Find(u"a", kHash), a.slot);
  EXPECT_EQ(registry.Find(u"b", kHash), b.slot);
  EXPECT_TRUE(registry.Detach(u"a", kHash));
  EXPECT_EQ(registry.Find(u"a", kHash), kNoSlot);
  EXPECT_EQ(registry.Find(u"b", kHash), b.slot);
  EXPECT_TRUE(registry.CheckInvariants());
}

}  // namespace
}  // namespace herdcache
