#include "frequency_sketch.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace herdcache {
namespace {

// Distinct, well spread hashes, as SipHash gives.
uint64_t HashOf(uint64_t n) { return (n + 1) * 0x9e3779b97f4a7c15ULL; }

TEST(FrequencySketch, CountsNothingWithoutCapacity) {
  FrequencySketch sketch;
  sketch.Increment(HashOf(1));
  EXPECT_EQ(sketch.Frequency(HashOf(1)), 0u);
  EXPECT_EQ(sketch.words(), 0u);
}

TEST(FrequencySketch, CountsEachIncrementOfAKey) {
  FrequencySketch sketch;
  sketch.EnsureCapacity(1000);
  EXPECT_EQ(sketch.Frequency(HashOf(7)), 0u);
  for (uint32_t n = 1; n <= 5; ++n) {
    sketch.Increment(HashOf(7));
    EXPECT_EQ(sketch.Frequency(HashOf(7)), n);
  }
}

TEST(FrequencySketch, SaturatesAtFifteen) {
  FrequencySketch sketch;
  sketch.EnsureCapacity(1000);
  for (int i = 0; i < 40; ++i) sketch.Increment(HashOf(3));
  EXPECT_EQ(sketch.Frequency(HashOf(3)), FrequencySketch::kMaxFrequency);
}

TEST(FrequencySketch, SizesToAPowerOfTwoWithinBounds) {
  FrequencySketch small;
  small.EnsureCapacity(1);
  EXPECT_EQ(small.words(), 64u);
  FrequencySketch sized;
  sized.EnsureCapacity(1000);
  EXPECT_EQ(sized.words(), 1024u);
  EXPECT_EQ(sized.sample_size(), 10'000u);
  sized.EnsureCapacity(10);  // never shrinks
  EXPECT_EQ(sized.words(), 1024u);
}

TEST(FrequencySketch, KeepsDifferentKeysMostlyApart) {
  FrequencySketch sketch;
  sketch.EnsureCapacity(4096);
  // 1000 keys counted once each and one counted ten times: with 4 rows of 16 counters per
  // block, a key rarely shares all four counters with others.
  for (uint64_t n = 0; n < 1000; ++n) sketch.Increment(HashOf(n));
  for (int i = 0; i < 10; ++i) sketch.Increment(HashOf(5000));
  EXPECT_EQ(sketch.Frequency(HashOf(5000)), 10u);
  int inflated = 0;
  for (uint64_t n = 0; n < 1000; ++n) {
    const uint32_t frequency = sketch.Frequency(HashOf(n));
    EXPECT_GE(frequency, 1u) << "a count-min sketch never underestimates";
    if (frequency > 1) ++inflated;
  }
  EXPECT_LT(inflated, 50);
  int unseen = 0;
  for (uint64_t n = 10'000; n < 11'000; ++n) unseen += sketch.Frequency(HashOf(n)) == 0 ? 1 : 0;
  EXPECT_GT(unseen, 950);
}

TEST(FrequencySketch, HalvesEveryCounterWhenThePeriodEnds) {
  FrequencySketch sketch;
  sketch.EnsureCapacity(64);  // a period of 640 increments
  for (int i = 0; i < 12; ++i) sketch.Increment(HashOf(1));
  for (int i = 0; i < 5; ++i) sketch.Increment(HashOf(2));
  ASSERT_EQ(sketch.Frequency(HashOf(1)), 12u);
  ASSERT_EQ(sketch.Frequency(HashOf(2)), 5u);
  // Fill the period with keys seen once each, until it ages (the count of additions drops).
  uint64_t last = sketch.additions();
  for (uint64_t n = 100; n < 100'000; ++n) {
    sketch.Increment(HashOf(n));
    if (sketch.additions() < last) break;
    last = sketch.additions();
  }
  ASSERT_EQ(last, sketch.sample_size() - 1) << "aged when the period was up";
  EXPECT_LT(sketch.additions(), sketch.sample_size() / 2 + 1);
  EXPECT_LE(sketch.Frequency(HashOf(1)), 12u / 2 + 2);  // + collisions with the filler keys
  EXPECT_GE(sketch.Frequency(HashOf(1)), 12u / 2);
  EXPECT_LE(sketch.Frequency(HashOf(2)), 5u / 2 + 2);
}

TEST(FrequencySketch, AgeHalvesExactly) {
  FrequencySketch sketch;
  sketch.EnsureCapacity(1024);
  for (int i = 0; i < 15; ++i) sketch.Increment(HashOf(9));
  for (int i = 0; i < 3; ++i) sketch.Increment(HashOf(10));
  sketch.Age();
  EXPECT_EQ(sketch.Frequency(HashOf(9)), 7u);
  EXPECT_EQ(sketch.Frequency(HashOf(10)), 1u);
  sketch.Age();
  EXPECT_EQ(sketch.Frequency(HashOf(9)), 3u);
  EXPECT_EQ(sketch.Frequency(HashOf(10)), 0u);
}

TEST(FrequencySketch, GrowingKeepsEveryKeysCounts) {
  FrequencySketch sketch;
  sketch.EnsureCapacity(64);
  for (uint64_t n = 0; n < 40; ++n) {
    for (uint64_t i = 0; i <= n % 5; ++i) sketch.Increment(HashOf(n));
  }
  sketch.EnsureCapacity(1000);
  ASSERT_EQ(sketch.words(), 1024u);
  for (uint64_t n = 0; n < 40; ++n) EXPECT_GE(sketch.Frequency(HashOf(n)), n % 5 + 1) << n;
  EXPECT_EQ(sketch.Frequency(HashOf(10'000)), 0u) << "an unseen key stays mostly unseen";
}

}  // namespace
}  // namespace herdcache
