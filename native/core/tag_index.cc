#include "tag_index.h"

#include <cassert>

namespace herdcache {

uint32_t TagIndex::IdFor(std::u16string_view name) {
  auto [it, inserted] = ids_.try_emplace(std::u16string(name), 0);
  if (inserted) {
    if (free_tags_.empty()) {
      it->second = static_cast<uint32_t>(tags_.size());
      tags_.emplace_back();
    } else {
      it->second = free_tags_.back();
      free_tags_.pop_back();
    }
    tags_[it->second].name = it->first;
    tags_[it->second].stamp = 0;
  }
  return it->second;
}

void TagIndex::Attach(uint32_t member, std::span<const std::u16string_view> names) {
  if (names.empty()) return;
  if (member >= links_.size()) links_.resize(member + 1);
  // Marks the member's tags, so a tag it has (or one named twice) is recognised in O(1).
  const uint64_t stamp = ++stamp_;
  for (const MemberLink& link : links_[member]) tags_[link.tag].stamp = stamp;
  for (const std::u16string_view name : names) {
    const uint32_t id = IdFor(name);
    Tag& tag = tags_[id];
    if (tag.stamp == stamp) continue;
    tag.stamp = stamp;
    links_[member].push_back({id, static_cast<uint32_t>(tag.members.size())});
    tag.members.push_back(member);
    tag.back.push_back(static_cast<uint32_t>(links_[member].size() - 1));
  }
}

void TagIndex::Unlink(uint32_t member, size_t link_index) {
  std::vector<MemberLink>& links = links_[member];
  const MemberLink link = links[link_index];
  Tag& tag = tags_[link.tag];

  // Swap-remove the member from the tag, then fix the moved member's link to its new place.
  const uint32_t last = static_cast<uint32_t>(tag.members.size() - 1);
  if (link.index != last) {
    tag.members[link.index] = tag.members[last];
    tag.back[link.index] = tag.back[last];
    links_[tag.members[link.index]][tag.back[link.index]].index = link.index;
  }
  tag.members.pop_back();
  tag.back.pop_back();
  if (tag.members.empty()) {
    ids_.erase(tag.name);
    std::u16string().swap(tag.name);
    std::vector<uint32_t>().swap(tag.members);
    std::vector<uint32_t>().swap(tag.back);
    free_tags_.push_back(link.tag);
  }

  // Swap-remove the link from the member, then fix the moved link's back-pointer.
  const size_t last_link = links.size() - 1;
  if (link_index != last_link) {
    links[link_index] = links[last_link];
    tags_[links[link_index].tag].back[links[link_index].index] = static_cast<uint32_t>(link_index);
  }
  links.pop_back();
}

void TagIndex::DetachAll(uint32_t member) {
  if (member >= links_.size()) return;
  while (!links_[member].empty()) Unlink(member, links_[member].size() - 1);
  std::vector<MemberLink>().swap(links_[member]);
}

std::vector<std::u16string> TagIndex::TagsOf(uint32_t member) const {
  std::vector<std::u16string> names;
  if (member >= links_.size()) return names;
  names.reserve(links_[member].size());
  for (const MemberLink& link : links_[member]) names.push_back(tags_[link.tag].name);
  return names;
}

const std::vector<uint32_t>& TagIndex::Members(std::u16string_view name) const {
  static const std::vector<uint32_t> kNone;
  const auto it = ids_.find(std::u16string(name));
  return it == ids_.end() ? kNone : tags_[it->second].members;
}

void TagIndex::Clear() {
  ids_.clear();
  std::vector<Tag>().swap(tags_);
  std::vector<uint32_t>().swap(free_tags_);
  std::vector<std::vector<MemberLink>>().swap(links_);
}

bool TagIndex::CheckInvariants() const {
  size_t live = 0;
  for (uint32_t id = 0; id < tags_.size(); ++id) {
    const Tag& tag = tags_[id];
    if (tag.members.empty()) continue;
    ++live;
    const auto it = ids_.find(tag.name);
    if (it == ids_.end() || it->second != id) return false;
    if (tag.back.size() != tag.members.size()) return false;
    for (size_t i = 0; i < tag.members.size(); ++i) {
      const auto& links = links_[tag.members[i]];
      if (tag.back[i] >= links.size()) return false;
      const MemberLink& link = links[tag.back[i]];
      if (link.tag != id || link.index != i) return false;
    }
  }
  return live == ids_.size();
}

}  // namespace herdcache
