#include "entry_table.h"

#include <cassert>
#include <cstring>
#include <utility>

namespace herdcache {

EntryTable::EntryTable(uint32_t max_entries, uint64_t max_bytes, HashSeed seed,
                       EvictionPolicy policy)
    : max_entries_(max_entries),
      max_bytes_(max_bytes),
      seed_(seed),
      order_(policy, max_entries),
      tags_(seed) {
  assert(max_entries > 0 && max_entries <= kMaxEntriesLimit);
}

uint32_t EntryTable::Write(std::u16string&& key, uint64_t hash, const EntrySpec& spec, Now& now) {
  if (const uint32_t old = Find(key, hash); old != kNoSlot) {
    const bool expired = !now.Before(hot_[old].retain_until);
    Remove(old, expired ? RemovalCause::kExpired : RemovalCause::kReplaced);
  }
  if (spec.ttl_ms == 0 || spec.bytes > max_bytes_) return kNoSlot;
  MakeRoom(spec.bytes, now);
  const uint32_t slot = TakeSlot();
  HotEntry& hot = hot_[slot];
  Entry& entry = entries_[slot];
  hot.hash = hash;
  hot.key_size = static_cast<uint32_t>(key.size());
  if (key.size() <= kInlineKey) {
    std::memcpy(hot.key, key.data(), key.size() * sizeof(char16_t));
  } else {
    entry.long_key = std::move(key);
  }
  hot.fresh_until = now.Plus(spec.ttl_ms);
  entry.stale_until = hot.fresh_until + spec.stale_while_revalidate_ms;
  // Without a stale-if-error window there is no fallback phase at all, not even while fresh
  // (a failed forceRefresh then rejects rather than answering with the fresh value).
  entry.fallback_until =
      spec.stale_if_error_ms > 0 ? hot.fresh_until + spec.stale_if_error_ms : -kNever;
  hot.retain_until =
      entry.fallback_until > entry.stale_until ? entry.fallback_until : entry.stale_until;
  entry.bytes = spec.bytes;
  bytes_ += spec.bytes;
  index_.Insert(hash, slot);
  order_.Insert(slot, hash);
  if (hot.retain_until != kNever) expiry_.Set(slot, hot.retain_until);
  return slot;
}

void EntryTable::MakeRoom(uint64_t bytes, Now& now) {
  if (read_count_ != 0) ApplyReads();
  // The byte test subtracts because bytes_ <= max_bytes_ always holds, where a sum could wrap.
  while (index_.size() >= max_entries_ || (index_.size() > 0 && bytes > max_bytes_ - bytes_)) {
    // The policy's victim goes; one whose time has already run out is an expiration.
    const uint32_t victim = order_.Victim();
    Remove(victim,
           now.Before(hot_[victim].retain_until) ? RemovalCause::kEvicted : RemovalCause::kExpired);
  }
}

uint32_t EntryTable::TakeSlot() {
  if (!free_slots_.empty()) {
    const uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  const auto slot = static_cast<uint32_t>(entries_.size());
  hot_.emplace_back();
  entries_.emplace_back();
  order_.Reserve(slot + 1);
  return slot;
}

void EntryTable::ApplyReads() noexcept {
  const uint32_t count = std::exchange(read_count_, 0);
  // The moves themselves are cheap; waiting for each link's cache line is not. Ask for every
  // recorded slot's links, then for their neighbours', so the misses overlap.
  for (uint32_t i = 0; i < count; ++i) order_.Prefetch(reads_[i].slot, reads_[i].hash);
  for (uint32_t i = 0; i < count; ++i) order_.PrefetchNeighbours(reads_[i].slot);
  for (uint32_t i = 0; i < count; ++i) order_.Access(reads_[i].slot, reads_[i].hash);
}

void EntryTable::Remove(uint32_t slot, RemovalCause cause) {
  if (read_count_ != 0) ApplyReads();
  Entry& entry = entries_[slot];
  index_.Erase(hot_[slot].hash, slot);
  order_.Remove(slot);
  expiry_.Remove(slot);
  tags_.DetachAll(slot);
  bytes_ -= entry.bytes;
  entry.bytes = 0;
  if (cause == RemovalCause::kEvicted) ++evictions_;
  if (cause == RemovalCause::kExpired) ++expirations_;
  Removal& removal = removals_.emplace_back(Removal{slot, cause, {}});
  if (record_removed_keys_) {
    if (hot_[slot].key_size <= kInlineKey) {
      removal.key.assign(KeyOf(slot));
    } else {
      removal.key = std::move(entry.long_key);
    }
  }
  std::u16string().swap(entry.long_key);
  free_slots_.push_back(slot);
}

size_t EntryTable::RemoveTagged(std::u16string_view tag) {
  // Copied: removing members changes the list.
  const std::vector<uint32_t> members = tags_.Members(tag);
  for (const uint32_t slot : members) Remove(slot, RemovalCause::kDeleted);
  return members.size();
}

void EntryTable::Clear() {
  if (read_count_ != 0) ApplyReads();
  if (record_removed_keys_) {
    for (uint32_t slot = order_.Back(); slot != kNoSlot;) {
      const uint32_t before = order_.Prev(slot);
      Remove(slot, RemovalCause::kCleared);
      slot = before;
    }
  }
  index_.Reset();
  order_.Clear();
  expiry_.Clear();
  tags_.Clear();
  bytes_ = 0;
  HugePageVector<HotEntry>().swap(hot_);
  std::vector<Entry>().swap(entries_);
  std::vector<uint32_t>().swap(free_slots_);
}

size_t EntryTable::Sweep(Now now, size_t limit) {
  size_t removed = 0;
  while (removed < limit && !expiry_.empty() && !now.Before(expiry_.TopTime())) {
    Remove(expiry_.TopSlot(), RemovalCause::kExpired);
    ++removed;
  }
  return removed;
}

void EntryTable::Walk(Now& now, bool allow_stale, std::vector<uint32_t>& out) {
  if (read_count_ != 0) ApplyReads();
  out.reserve(out.size() + index_.size());
  for (uint32_t slot = order_.Front(); slot != kNoSlot; slot = order_.Next(slot)) {
    if (allow_stale ? IsRetained(slot, now) : IsFresh(slot, now)) out.push_back(slot);
  }
}

bool EntryTable::CheckInvariants() const {
  // Every linked slot is indexed under its own key, and the list holds exactly size() slots.
  size_t linked = 0;
  size_t finite = 0;
  uint64_t bytes = 0;
  for (uint32_t slot = order_.Front(); slot != kNoSlot; slot = order_.Next(slot)) {
    if (++linked > entries_.size()) return false;
    const HotEntry& hot = hot_[slot];
    const Entry& entry = entries_[slot];
    if (Find(KeyOf(slot), hot.hash) != slot) return false;
    if (HashKey(seed_, KeyOf(slot)) != hot.hash) return false;
    if ((hot.key_size > kInlineKey) != !entry.long_key.empty()) return false;
    const double retain =
        entry.fallback_until > entry.stale_until ? entry.fallback_until : entry.stale_until;
    if (hot.retain_until != retain) return false;
    if (retain != kNever) ++finite;
    bytes += entry.bytes;
  }
  if (linked != index_.size() || linked > max_entries_) return false;
  if (linked + free_slots_.size() != entries_.size() || hot_.size() != entries_.size()) {
    return false;
  }
  // A recorded read names a stored entry (a removal applies them first).
  for (uint32_t i = 0; i < read_count_; ++i) {
    if (!order_.Contains(reads_[i].slot) || reads_[i].hash != hot_[reads_[i].slot].hash) {
      return false;
    }
  }
  for (const uint32_t slot : free_slots_) {
    if (order_.Contains(slot) || tags_.TagCount(slot) != 0) return false;
  }
  if (bytes != bytes_ || bytes_ > max_bytes_) return false;
  if (finite != expiry_.size() || !expiry_.CheckInvariants()) return false;
  if (!order_.CheckInvariants()) return false;
  return tags_.CheckInvariants();
}

}  // namespace herdcache
