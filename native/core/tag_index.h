// Tags: named groups of members (entries and in-flight fetches) for bulk invalidation.
//
// A many-to-many relation with back-links on both sides, so attaching, detaching a member and
// listing a tag's members are each proportional to what they touch, never to the whole cache.
// A tag that loses its last member is forgotten, so tag memory is bounded by live members.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "seeded_hash.h"

namespace herdcache {

class TagIndex {
 public:
  explicit TagIndex(HashSeed seed) : ids_(16, SeededHasher{seed}) {}
  TagIndex(const TagIndex&) = delete;
  TagIndex& operator=(const TagIndex&) = delete;

  // Adds `member` to each of `tags` (a tag it already has, or one named twice, is added once).
  // O(tags.size() + the tags `member` already has) average: no scan per tag, so one call with k
  // tags costs O(k), not O(k^2).
  void Attach(uint32_t member, std::span<const std::u16string_view> tags);
  // Adds `member` to `tag` (no-op if it is already there). O(the tags `member` already has).
  void Attach(uint32_t member, std::u16string_view tag) {
    Attach(member, std::span<const std::u16string_view>(&tag, 1));
  }
  // Removes `member` from every tag it has. O(its tags).
  void DetachAll(uint32_t member);
  // The names of `member`'s tags, in no promised order (empty when it has none, without
  // allocating). O(its tags and their names' lengths).
  std::vector<std::u16string> TagsOf(uint32_t member) const;
  // The members of `tag` (empty when unknown). O(1); the reference is valid until the next
  // change to the index.
  const std::vector<uint32_t>& Members(std::u16string_view tag) const;
  // The number of tags `member` has.
  size_t TagCount(uint32_t member) const noexcept {
    return member < links_.size() ? links_[member].size() : 0;
  }
  size_t tag_count() const noexcept { return ids_.size(); }
  void Clear();

  // Both sides of every link agree and no tag is empty; for tests. O(links).
  bool CheckInvariants() const;

 private:
  struct SeededHasher {
    HashSeed seed;
    size_t operator()(const std::u16string& key) const noexcept { return HashKey(seed, key); }
  };
  struct MemberLink {
    uint32_t tag;
    uint32_t index;  // position of the member in tags_[tag].members
  };
  struct Tag {
    std::u16string name;
    std::vector<uint32_t> members;
    std::vector<uint32_t> back;  // back[i]: position of tag in links_[members[i]]
    uint64_t stamp = 0;          // == stamp_ while the member being attached already has it
  };

  // The id of the tag named `name`, created (empty) if it is unknown.
  uint32_t IdFor(std::u16string_view name);
  void Unlink(uint32_t member, size_t link_index);

  std::unordered_map<std::u16string, uint32_t, SeededHasher> ids_;
  std::vector<Tag> tags_;
  std::vector<uint32_t> free_tags_;
  std::vector<std::vector<MemberLink>> links_;
  uint64_t stamp_ = 0;  // one per Attach call: marks the tags its member has
};

}  // namespace herdcache
