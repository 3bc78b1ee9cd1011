#include "now.h"

#include <gtest/gtest.h>

#include "store.h"
#include "store_test_util.h"

namespace herdcache {
namespace {

int clock_reads = 0;
double CountingClock() {
  ++clock_reads;
  return 1000;
}
double BoundOfCountingClock() { return 1500; }
constexpr Clock kCountingClock{&CountingClock};
constexpr Clock kBoundedCountingClock{&CountingClock, &BoundOfCountingClock};

class NowTest : public ::testing::Test {
 protected:
  void SetUp() override { clock_reads = 0; }
};

TEST_F(NowTest, ReadsTheClockAtMostOnce) {
  Now now(&kCountingClock);
  EXPECT_EQ(clock_reads, 0);
  EXPECT_EQ(now.get(), 1000);
  EXPECT_EQ(now.get(), 1000);
  EXPECT_TRUE(now.Before(2000));
  EXPECT_EQ(clock_reads, 1);
}

TEST_F(NowTest, AnswersFromTheBoundWhileItIsShortOfUntil) {
  Now now(&kBoundedCountingClock);
  EXPECT_TRUE(now.Before(1501));
  EXPECT_TRUE(now.Before(kNever));
  EXPECT_EQ(clock_reads, 0);
}

TEST_F(NowTest, ReadsTheClockWhenTheBoundCannotSettleTheAnswer) {
  Now now(&kBoundedCountingClock);
  EXPECT_TRUE(now.Before(1500));
  EXPECT_EQ(clock_reads, 1);
  EXPECT_FALSE(now.Before(1000));
  EXPECT_TRUE(now.Before(1001));
  EXPECT_EQ(now.get(), 1000);
  EXPECT_EQ(clock_reads, 1);
}

TEST_F(NowTest, AnswersInfiniteBoundsWithoutTheClock) {
  Now now(&kCountingClock);
  EXPECT_TRUE(now.Before(kNever));
  EXPECT_FALSE(now.Before(-kNever));
  EXPECT_EQ(now.Plus(kNever), kNever);
  EXPECT_EQ(clock_reads, 0);
}

TEST_F(NowTest, HitsOnEntriesThatNeverExpireReadNoClock) {
  Store store(testing_util::OptionsWith(4));
  store.Set(u"forever", testing_util::TtlSpec(kNever), {}, 0);
  EXPECT_EQ(store.Acquire(u"forever", Now(&kCountingClock)).outcome, Outcome::kHit);
  EXPECT_EQ(store.Get(u"forever", Now(&kCountingClock)).outcome, Outcome::kHit);
  EXPECT_EQ(store.Peek(u"forever", Now(&kCountingClock)).outcome, Outcome::kHit);
  EXPECT_EQ(clock_reads, 0);
}

TEST_F(NowTest, HitsOnEntriesThatExpireReadTheClockOnce) {
  Store store(testing_util::OptionsWith(4));
  store.Set(u"timed", testing_util::TtlSpec(5000), {}, 0);
  EXPECT_EQ(store.Acquire(u"timed", Now(&kCountingClock)).outcome, Outcome::kHit);
  EXPECT_EQ(clock_reads, 1);
}

}  // namespace
}  // namespace herdcache
