// FlightRegistry on its own: records, generation tokens and flight tags, without entries. How the
// Store combines it with stored entries is in store_flight_test.cc.
#include "flight_registry.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::kTestSeed;
using testing_util::SameToken;

uint64_t Hash(std::u16string_view key) { return HashKey(kTestSeed, key); }

// A registry whose calls take only the key, hashed with the test seed.
class Registry {
 public:
  FlightToken Start(std::u16string_view key, bool refresh = false) {
    return registry_.Start(key, Hash(key), refresh);
  }
  uint32_t Find(std::u16string_view key) const { return registry_.Find(key, Hash(key)); }
  bool Detach(std::u16string_view key) { return registry_.Detach(key, Hash(key)); }
  FlightRegistry* operator->() { return &registry_; }
  const FlightRegistry& operator*() const { return registry_; }

 private:
  FlightRegistry registry_{kTestSeed};
};

std::set<std::u16string> TagSet(const std::vector<std::u16string>& tags) {
  return {tags.begin(), tags.end()};
}

TEST(FlightRegistry, StartRegistersACurrentRecordFoundByItsKey) {
  Registry registry;
  const FlightToken token = registry.Start(u"a");
  EXPECT_NE(token.slot, kNoSlot);
  EXPECT_TRUE(registry->IsCurrent(token));
  EXPECT_EQ(registry.Find(u"a"), token.slot);
  EXPECT_TRUE(SameToken(registry->TokenAt(token.slot), token));
  EXPECT_EQ(registry.Find(u"b"), kNoSlot);
  EXPECT_EQ(registry->size(), 1u);
  EXPECT_TRUE(registry->CheckInvariants());
}

TEST(FlightRegistry, EndReturnsWhatTheRecordHeldAndMakesTheTokenStale) {
  Registry registry;
  const FlightToken token = registry.Start(u"key", /*refresh=*/true);
  std::optional<EndedFlight> ended = registry->End(token);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->key, u"key");
  EXPECT_EQ(ended->hash, Hash(u"key"));
  EXPECT_TRUE(ended->refresh);
  EXPECT_TRUE(ended->tags.empty());
  EXPECT_FALSE(registry->IsCurrent(token));
  EXPECT_EQ(registry.Find(u"key"), kNoSlot);
  EXPECT_EQ(registry->size(), 0u);
  EXPECT_TRUE(registry->CheckInvariants());
}

TEST(FlightRegistry, EndOfAStaleTokenReturnsNothing) {
  Registry registry;
  const FlightToken token = registry.Start(u"a");
  ASSERT_TRUE(registry->End(token).has_value());
  EXPECT_FALSE(registry->End(token).has_value()) << "a token ends its record once";
  EXPECT_FALSE(registry->End(FlightToken{}).has_value()) << "the default token names nothing";
  EXPECT_FALSE(registry->End(FlightToken{42, 0}).has_value()) << "a slot never used";
}

TEST(FlightRegistry, TokenGoesStaleWhenDetached) {
  Registry registry;
  const FlightToken token = registry.Start(u"a");
  EXPECT_TRUE(registry.Detach(u"a"));
  EXPECT_FALSE(registry->IsCurrent(token));
  EXPECT_FALSE(registry->End(token).has_value()) << "a detached fetch's result has nowhere to go";
  EXPECT_FALSE(registry.Detach(u"a")) << "nothing left to detach";
  EXPECT_TRUE(registry->CheckInvariants());
}

TEST(FlightRegistry, AReusedSlotGetsANewGenerationSoOldTokensStayStale) {
  Registry registry;
  const FlightToken first = registry.Start(u"a");
  registry.Detach(u"a");
  const FlightToken second = registry.Start(u"a");
  EXPECT_EQ(second.slot, first.slot) << "the freed slot is reused";
  EXPECT_NE(second.generation, first.generation);
  EXPECT_FALSE(registry->IsCurrent(first));
  EXPECT_TRUE(registry->IsCurrent(second));
  EXPECT_FALSE(registry->End(first).has_value()) << "the old fetch cannot end the new one";
  EXPECT_TRUE(registry->IsCurrent(second));
}

TEST(FlightRegistry, RecordsOfDifferentKeysAreIndependent) {
  Registry registry;
  const FlightToken a = registry.Start(u"a");
  const FlightToken b = registry.Start(u"b");
  EXPECT_NE(a.slot, b.slot);
  registry.Detach(u"a");
  EXPECT_TRUE(registry->IsCurrent(b));
  EXPECT_EQ(registry.Find(u"b"), b.slot);
  EXPECT_EQ(registry->size(), 1u);
}

TEST(FlightRegistry, TagsTravelWithTheEndedRecord) {
  Registry registry;
  const FlightToken token = registry.Start(u"a");
  registry->Tag(token, OneTag{u"x"});
  registry->Tag(token, OneTag{u"y"});
  registry->Tag(token, OneTag{u"x"});
  std::optional<EndedFlight> ended = registry->End(token);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(TagSet(ended->tags), (std::set<std::u16string>{u"x", u"y"}));
  EXPECT_EQ(ended->tags.size(), 2u) << "a tag added twice is held once";
  EXPECT_EQ(registry->DetachTagged(u"x"), 0u) << "the ended record left its tags";
  EXPECT_TRUE(registry->CheckInvariants());
}

TEST(FlightRegistry, TagOfAStaleTokenIsIgnored) {
  Registry registry;
  const FlightToken stale = registry.Start(u"a");
  registry.Detach(u"a");
  const FlightToken current = registry.Start(u"a");
  registry->Tag(stale, OneTag{u"x"});
  EXPECT_EQ(registry->DetachTagged(u"x"), 0u) << "the tag did not reach the slot's new record";
  EXPECT_TRUE(registry->IsCurrent(current));
  EXPECT_TRUE(registry->CheckInvariants());
}

TEST(FlightRegistry, RetagReplacesARecordsTags) {
  Registry registry;
  const FlightToken token = registry.Start(u"a");
  registry->Tag(token, OneTag{u"x"});
  registry->Tag(token, OneTag{u"y"});
  const std::u16string_view tags[] = {u"y", u"z", u"z"};
  registry->Retag(token, tags);
  EXPECT_TRUE(registry->CheckInvariants());
  EXPECT_EQ(registry->DetachTagged(u"x"), 0u) << "a tag left out is dropped";
  std::optional<EndedFlight> ended = registry->End(token);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(TagSet(ended->tags), (std::set<std::u16string>{u"y", u"z"}));
  EXPECT_EQ(ended->tags.size(), 2u);
}

TEST(FlightRegistry, RetagWithNoTagsLeavesARecordUntagged) {
  Registry registry;
  const FlightToken token = registry.Start(u"a");
  registry->Tag(token, OneTag{u"x"});
  registry->Retag(token, {});
  EXPECT_EQ(registry->DetachTagged(u"x"), 0u);
  EXPECT_TRUE(registry->IsCurrent(token));
  EXPECT_TRUE(registry->End(token)->tags.empty());
}

TEST(FlightRegistry, RetagOfAStaleTokenIsIgnored) {
  Registry registry;
  const FlightToken stale = registry.Start(u"a");
  registry.Detach(u"a");
  const FlightToken current = registry.Start(u"a");
  registry->Tag(current, OneTag{u"x"});
  registry->Retag(stale, OneTag{u"y"});
  EXPECT_EQ(registry->DetachTagged(u"y"), 0u);
  EXPECT_EQ(registry->DetachTagged(u"x"), 1u) << "the current record kept its tags";
  EXPECT_TRUE(registry->CheckInvariants());
}

TEST(FlightRegistry, DetachTaggedEndsEveryTaggedRecordAndNoOther) {
  Registry registry;
  const FlightToken a = registry.Start(u"a");
  const FlightToken b = registry.Start(u"b");
  const FlightToken c = registry.Start(u"c");
  registry->Tag(a, OneTag{u"t"});
  registry->Tag(b, OneTag{u"t"});
  registry->Tag(b, OneTag{u"u"});
  registry->Tag(c, OneTag{u"u"});
  EXPECT_EQ(registry->DetachTagged(u"t"), 2u);
  EXPECT_FALSE(registry->IsCurrent(a));
  EXPECT_FALSE(registry->IsCurrent(b));
  EXPECT_TRUE(registry->IsCurrent(c));
  EXPECT_EQ(registry->DetachTagged(u"unknown"), 0u);
  std::optional<EndedFlight> ended = registry->End(c);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->tags, std::vector<std::u16string>{u"u"}) << "b's detach dropped its tags";
  EXPECT_TRUE(registry->CheckInvariants());
}

TEST(FlightRegistry, DetachAllKeepsGenerationsSoNoOldTokenComesBack) {
  Registry registry;
  std::vector<FlightToken> tokens;
  for (const std::u16string_view key : {u"a", u"b", u"c"}) tokens.push_back(registry.Start(key));
  registry->Tag(tokens[0], OneTag{u"t"});
  registry->DetachAll();
  EXPECT_EQ(registry->size(), 0u);
  for (const FlightToken& token : tokens) EXPECT_FALSE(registry->IsCurrent(token));
  for (const std::u16string_view key : {u"a", u"b", u"c"}) {
    const FlightToken again = registry.Start(key);
    for (const FlightToken& old : tokens) EXPECT_FALSE(SameToken(again, old));
  }
  EXPECT_EQ(registry->DetachTagged(u"t"), 0u) << "DetachAll dropped every tag";
  EXPECT_TRUE(registry->CheckInvariants());
}

TEST(FlightRegistry, KeysThatDifferOnlyInLoneSurrogatesOrNulsAreDistinct) {
  Registry registry;
  const std::u16string keys[] = {u"a\xD800", u"a\xDC00", std::u16string(u"a\0", 2), u"a"};
  for (const std::u16string& key : keys) registry.Start(key);
  EXPECT_EQ(registry->size(), 4u);
  for (const std::u16string& key : keys) EXPECT_NE(registry.Find(key), kNoSlot);
  EXPECT_TRUE(registry->CheckInvariants());
}

}  // namespace
}  // namespace herdcache
