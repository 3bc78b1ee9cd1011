#include "tag_index.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "store_test_util.h"

namespace herdcache {
namespace {

using testing_util::kTestSeed;
using Members = std::set<uint32_t>;

// A tag's members as a set: the index keeps them in no promised order.
Members MembersOf(const TagIndex& index, std::u16string_view tag) {
  const std::vector<uint32_t>& members = index.Members(tag);
  Members set(members.begin(), members.end());
  EXPECT_EQ(set.size(), members.size()) << "a member is listed twice under " << Describe(tag);
  return set;
}

TEST(TagIndex, KnowsNoTagsWhenNew) {
  TagIndex index(kTestSeed);
  EXPECT_EQ(index.tag_count(), 0u);
  EXPECT_TRUE(index.Members(u"a").empty());
  EXPECT_EQ(index.TagCount(0), 0u);
  EXPECT_EQ(index.TagCount(12345), 0u);
  EXPECT_TRUE(index.CheckInvariants());
}

TEST(TagIndex, AttachAddsAMemberToATagOnce) {
  TagIndex index(kTestSeed);
  index.Attach(3, u"red");
  index.Attach(3, u"red");
  EXPECT_EQ(MembersOf(index, u"red"), Members{3});
  EXPECT_EQ(index.TagCount(3), 1u);
  EXPECT_EQ(index.tag_count(), 1u);
  EXPECT_TRUE(index.CheckInvariants());
}

TEST(TagIndex, AttachesAListOnceEachWhateverItRepeatsOrTheMemberHas) {
  TagIndex index(kTestSeed);
  index.Attach(1, u"blue");
  index.Attach(7, u"red");
  const std::vector<std::u16string_view> tags{u"red", u"blue", u"red", u"green", u"blue"};
  index.Attach(7, tags);
  index.Attach(7, tags);
  EXPECT_EQ(MembersOf(index, u"red"), Members{7});
  EXPECT_EQ(MembersOf(index, u"blue"), (Members{1, 7}));
  EXPECT_EQ(MembersOf(index, u"green"), Members{7});
  EXPECT_EQ(index.TagCount(7), 3u);
  EXPECT_EQ(index.tag_count(), 3u);
  EXPECT_TRUE(index.CheckInvariants());
}

TEST(TagIndex, AttachesAfterATagIsFreedAndItsIdReused) {
  TagIndex index(kTestSeed);
  const std::vector<std::u16string_view> first{u"a", u"b"};
  index.Attach(0, first);
  index.DetachAll(0);  // frees both tags
  const std::vector<std::u16string_view> second{u"c", u"c", u"d"};
  index.Attach(0, second);  // reuses the freed ids
  EXPECT_EQ(MembersOf(index, u"c"), Members{0});
  EXPECT_EQ(MembersOf(index, u"d"), Members{0});
  EXPECT_EQ(index.TagCount(0), 2u);
  EXPECT_TRUE(index.CheckInvariants());
}

TEST(TagIndex, AttachesOneHundredThousandTagsToOneMember) {
  TagIndex index(kTestSeed);
  std::vector<std::u16string> names;
  for (int i = 0; i < 100'000; ++i) names.push_back(u"t" + std::u16string(1, char16_t(i)));
  const std::vector<std::u16string_view> tags(names.begin(), names.end());
  index.Attach(4, tags);
  index.Attach(4, tags);
  EXPECT_EQ(index.TagCount(4), 65'536u);  // char16_t wraps: 65,536 distinct names
  EXPECT_TRUE(index.CheckInvariants());
}

TEST(TagIndex, RelatesManyMembersToManyTags) {
  TagIndex index(kTestSeed);
  index.Attach(0, u"red");
  index.Attach(1, u"red");
  index.Attach(1, u"blue");
  index.Attach(2, u"blue");
  index.Attach(2, u"green");
  EXPECT_EQ(MembersOf(index, u"red"), (Members{0, 1}));
  EXPECT_EQ(MembersOf(index, u"blue"), (Members{1, 2}));
  EXPECT_EQ(MembersOf(index, u"green"), Members{2});
  EXPECT_EQ(index.TagCount(1), 2u);
  EXPECT_EQ(index.tag_count(), 3u);
  EXPECT_TRUE(index.CheckInvariants());
}

TEST(TagIndex, DetachAllRemovesAMemberFromEveryTagItHas) {
  TagIndex index(kTestSeed);
  for (uint32_t member = 0; member < 4; ++member) {
    index.Attach(member, u"all");
    index.Attach(member, member % 2 == 0 ? u"even" : u"odd");
  }
  index.DetachAll(2);
  EXPECT_EQ(MembersOf(index, u"all"), (Members{0, 1, 3}));
  EXPECT_EQ(MembersOf(index, u"even"), Members{0});
  EXPECT_EQ(MembersOf(index, u"odd"), (Members{1, 3}));
  EXPECT_EQ(index.TagCount(2), 0u);
  EXPECT_TRUE(index.CheckInvariants());
}

TEST(TagIndex, ForgetsATagWhenItsLastMemberIsDetached) {
  TagIndex index(kTestSeed);
  index.Attach(0, u"solo");
  index.Attach(1, u"shared");
  index.Attach(0, u"shared");
  index.DetachAll(0);
  EXPECT_EQ(index.tag_count(), 1u);
  EXPECT_TRUE(index.Members(u"solo").empty());
  EXPECT_EQ(MembersOf(index, u"shared"), Members{1});
  index.DetachAll(1);
  EXPECT_EQ(index.tag_count(), 0u);
  EXPECT_TRUE(index.CheckInvariants());

  // A forgotten tag's storage is reused for the next new tag without mixing up names.
  index.Attach(5, u"new");
  index.Attach(6, u"solo");
  EXPECT_EQ(MembersOf(index, u"new"), Members{5});
  EXPECT_EQ(MembersOf(index, u"solo"), Members{6});
  EXPECT_EQ(index.tag_count(), 2u);
  EXPECT_TRUE(index.CheckInvariants());
}

TEST(TagIndex, DetachAllOfAMemberWithoutTagsIsANoOp) {
  TagIndex index(kTestSeed);
  index.DetachAll(0);
  index.DetachAll(100'000);
  index.Attach(1, u"t");
  index.DetachAll(0);
  EXPECT_EQ(MembersOf(index, u"t"), Members{1});
  EXPECT_TRUE(index.CheckInvariants());
}

TEST(TagIndex, TagsOfNamesEveryTagOfAMember) {
  TagIndex index(kTestSeed);
  index.Attach(7, u"a");
  index.Attach(7, u"b");
  index.Attach(3, u"b");
  const std::vector<std::u16string> tags = index.TagsOf(7);
  EXPECT_EQ(std::set<std::u16string>(tags.begin(), tags.end()),
            (std::set<std::u16string>{u"a", u"b"}));
  EXPECT_EQ(index.TagsOf(3), std::vector<std::u16string>{u"b"});
  EXPECT_TRUE(index.TagsOf(4).empty());
  EXPECT_TRUE(index.TagsOf(100'000).empty()) << "a member never seen has no tags";
  index.DetachAll(7);
  EXPECT_TRUE(index.TagsOf(7).empty());
}

TEST(TagIndex, TagNamesDifferingInNulsSurrogatesOrLengthAreDistinct) {
  TagIndex index(kTestSeed);
  const std::vector<std::u16string> names = {
      u"",        std::u16string(1, u'\0'), std::u16string(2, u'\0'), u"a", u"a\xD800",
      u"a\xDC00", std::u16string(u"a\0", 2)};
  for (uint32_t i = 0; i < names.size(); ++i) index.Attach(i, names[i]);
  EXPECT_EQ(index.tag_count(), names.size());
  for (uint32_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(MembersOf(index, names[i]), Members{i}) << Describe(names[i]);
  }
  EXPECT_TRUE(index.CheckInvariants());
}

TEST(TagIndex, ClearForgetsEverything) {
  TagIndex index(kTestSeed);
  index.Attach(0, u"a");
  index.Attach(1, u"b");
  index.Clear();
  EXPECT_EQ(index.tag_count(), 0u);
  EXPECT_TRUE(index.Members(u"a").empty());
  EXPECT_EQ(index.TagCount(0), 0u);
  index.Attach(1, u"a");
  EXPECT_EQ(MembersOf(index, u"a"), Members{1});
  EXPECT_TRUE(index.CheckInvariants());
}

TEST(TagIndex, MatchesAMapModelUnderRandomOperations) {
  constexpr uint32_t kMembers = 24;
  const std::vector<std::u16string> names = {u"",  u"a",      u"b",       u"c",      u"d", u"e",
                                             u"f", u"user:1", u"user:10", u"\xD800", u"g", u"h"};
  for (const uint64_t seed : {11u, 12u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    TagIndex index(kTestSeed);
    std::map<std::u16string, Members> model;
    auto detach_all = [&model](uint32_t member) {
      for (auto it = model.begin(); it != model.end();) {
        it->second.erase(member);
        it = it->second.empty() ? model.erase(it) : std::next(it);
      }
    };
    auto tag_count = [&model](uint32_t member) {
      size_t count = 0;
      for (const auto& [name, members] : model) count += members.count(member);
      return count;
    };
    for (int step = 0; step < 2000; ++step) {
      const auto member = static_cast<uint32_t>(rng() % kMembers);
      const std::u16string& name = names[rng() % names.size()];
      const uint64_t roll = rng() % 10;
      if (roll < 6) {
        index.Attach(member, name);
        model[name].insert(member);
      } else if (roll < 8) {
        index.DetachAll(member);
        detach_all(member);
      } else {
        const std::vector<std::u16string> tags = index.TagsOf(member);
        std::set<std::u16string> expected;
        for (const auto& [tag, members] : model) {
          if (members.count(member) != 0) expected.insert(tag);
        }
        ASSERT_EQ(std::set<std::u16string>(tags.begin(), tags.end()), expected)
            << "step " << step << ", member " << member;
        ASSERT_EQ(tags.size(), expected.size()) << "a tag is named twice";
      }
      ASSERT_TRUE(index.CheckInvariants()) << "step " << step;
      ASSERT_EQ(index.tag_count(), model.size()) << "step " << step;
      for (const std::u16string& tag : names) {
        const auto it = model.find(tag);
        ASSERT_EQ(MembersOf(index, tag), it == model.end() ? Members{} : it->second)
            << "step " << step << ", tag " << Describe(tag);
      }
      for (uint32_t m = 0; m < kMembers; ++m) {
        ASSERT_EQ(index.TagCount(m), tag_count(m)) << "step " << step << ", member " << m;
      }
    }
  }
}

}  // namespace
}  // namespace herdcache
