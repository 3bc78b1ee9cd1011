#include "shared_store.h"

#include <algorithm>
#include <utility>

namespace herdcache {

std::atomic<size_t> SharedStore::live_{0};
std::mutex SharedRegistry::mutex_;
std::unordered_map<std::string, std::weak_ptr<SharedStore>> SharedRegistry::stores_;

std::vector<Notice> SharedMember::TakeNotices() {
  std::vector<Notice> taken;
  std::lock_guard lock(mutex_);
  taken.swap(queue_);
  return taken;
}

void SharedMember::Push(Notice notice) {
  bool was_empty = false;
  {
    std::lock_guard lock(mutex_);
    was_empty = queue_.empty();
    queue_.push_back(std::move(notice));
  }
  if (was_empty && wake_) wake_();
}

namespace {

StoreOptions Recording(StoreOptions options) {
  // Removals always carry their keys: any member may report them (onEvict).
  options.record_removed_keys = true;
  return options;
}

}  // namespace

SharedStore::SharedStore(const StoreOptions& options)
    : max_entries_(options.max_entries),
      max_bytes_(options.max_bytes),
      policy_(options.policy),
      store_(Recording(options)) {
  live_.fetch_add(1);
}

SharedStore::~SharedStore() { live_.fetch_sub(1); }

void SharedStore::Join(const std::shared_ptr<SharedMember>& member) {
  std::lock_guard lock(mutex_);
  member->joined_ = true;
  members_.push_back(member);
}

void SharedStore::Leave(SharedMember& member, Now now) {
  std::vector<SharedRemoval> ignored;
  std::lock_guard lock(mutex_);
  if (!member.joined_) return;
  member.joined_ = false;
  std::erase_if(members_, [&](const auto& held) { return held.get() == &member; });
  for (auto it = running_.begin(); it != running_.end();) {
    Running& running = it->second;
    std::erase(running.waiters, &member);
    if (running.runner != &member) {
      ++it;
      continue;
    }
    const FlightToken token{static_cast<uint32_t>(it->first >> 32),
                            static_cast<uint32_t>(it->first)};
    store_.Fail(token, running.key, FailCause::kAbort, now);
    for (SharedMember* waiter : running.waiters) {
      waiter->Push(Notice{it->first, NoticeKind::kOrphaned, nullptr});
    }
    it = running_.erase(it);
  }
  Collect(&ignored);
}

void SharedStore::Keep(uint32_t slot, const Bytes& value) {
  if (values_.size() <= slot) values_.resize(slot + 1);
  values_[slot] = value;
}

Bytes SharedStore::ValueOf(uint32_t slot) const {
  return slot < values_.size() ? values_[slot] : nullptr;
}

// Takes the call's removals: their values are let go of here, and described in `removed` when
// the caller wants them. Runs before a slot the call reused is filled.
void SharedStore::Collect(std::vector<SharedRemoval>* removed) {
  store_.TakeRemovals(removals_);
  for (Removal& removal : removals_) {
    Bytes value;
    if (removal.slot < values_.size()) value = std::move(values_[removal.slot]);
    if (removed != nullptr) {
      removed->push_back(SharedRemoval{std::move(removal.key), removal.cause, std::move(value)});
    }
  }
}

void SharedStore::Started(SharedMember& member, std::u16string_view key, FlightToken token) {
  Running& running = running_[FlightIdOf(token)];
  running.runner = &member;
  running.key.assign(key);
  running.waiters.clear();
}

void SharedStore::Notify(uint64_t flight, NoticeKind kind, const Bytes& bytes) {
  auto it = running_.find(flight);
  if (it == running_.end()) return;
  for (SharedMember* waiter : it->second.waiters) waiter->Push(Notice{flight, kind, bytes});
  running_.erase(it);
}

SharedResult SharedStore::Acquire(SharedMember& member, std::u16string_view key, Now now,
                                  bool force_refresh, std::vector<SharedRemoval>* removed) {
  std::lock_guard lock(mutex_);
  SharedResult answer{store_.Acquire(key, now, force_refresh), nullptr, false};
  Collect(removed);
  const Result& result = answer.result;
  // Acquire answers a hit, a stale hit, a join or a start.
  if (result.outcome == Outcome::kHit) {
    answer.value = ValueOf(result.slot);
  } else if (result.outcome == Outcome::kStaleHit) {
    answer.value = ValueOf(result.slot);
    if (result.started) Started(member, key, result.flight);
  } else if (result.outcome == Outcome::kStart) {
    if (result.slot != kNoSlot) answer.value = ValueOf(result.slot);
    Started(member, key, result.flight);
  } else {
    auto it = running_.find(FlightIdOf(result.flight));
    if (it != running_.end() && it->second.runner != &member) {
      answer.foreign = true;
      auto& waiters = it->second.waiters;
      if (std::find(waiters.begin(), waiters.end(), &member) == waiters.end()) {
        waiters.push_back(&member);
      }
    }
  }
  return answer;
}

// A read's answer, once `result` is in: the call's removals taken, and a hit's bytes.
SharedResult SharedStore::Answer(const Result& result, std::vector<SharedRemoval>* removed) {
  SharedResult answer{result, nullptr, false};
  Collect(removed);
  if (result.outcome == Outcome::kHit || result.outcome == Outcome::kStaleHit) {
    answer.value = ValueOf(result.slot);
  }
  return answer;
}

SharedResult SharedStore::Get(std::u16string_view key, Now now, bool allow_stale,
                              std::vector<SharedRemoval>* removed) {
  std::lock_guard lock(mutex_);
  return Answer(store_.Get(key, now, allow_stale), removed);
}

SharedResult SharedStore::Peek(std::u16string_view key, Now now, bool allow_stale,
                               std::vector<SharedRemoval>* removed) {
  std::lock_guard lock(mutex_);
  return Answer(store_.Peek(key, now, allow_stale), removed);
}

std::optional<double> SharedStore::RemainingTtl(std::u16string_view key, Now now,
                                                std::vector<SharedRemoval>* removed) {
  std::lock_guard lock(mutex_);
  std::optional<double> left = store_.RemainingTtl(key, now);
  Collect(removed);
  return left;
}

std::vector<std::pair<std::u16string, Bytes>> SharedStore::Walk(Now now, bool allow_stale) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::u16string, Bytes>> entries;
  for (uint32_t slot : store_.Walk(now, allow_stale)) {
    entries.emplace_back(store_.KeyOf(slot), ValueOf(slot));
  }
  return entries;
}

void SharedStore::TagFlight(FlightToken token, std::span<const std::u16string_view> tags,
                            bool replace) {
  std::lock_guard lock(mutex_);
  store_.TagFlight(token, tags, replace);
}

bool SharedStore::IsCurrent(FlightToken token) {
  std::lock_guard lock(mutex_);
  return store_.IsCurrent(token);
}

Result SharedStore::Complete(FlightToken token, const EntrySpec& spec, const Bytes& value, Now now,
                             std::vector<SharedRemoval>* removed) {
  std::lock_guard lock(mutex_);
  const Result result = store_.Complete(token, spec, now);
  Collect(removed);
  if (result.outcome == Outcome::kStored) Keep(result.slot, value);
  Notify(FlightIdOf(token), NoticeKind::kValue, value);
  return result;
}

SharedFailResult SharedStore::Fail(FlightToken token, std::u16string_view key, FailCause cause,
                                   const Bytes& error, Now now,
                                   std::vector<SharedRemoval>* removed) {
  std::lock_guard lock(mutex_);
  const FailResult failed = store_.Fail(token, key, cause, now);
  Collect(removed);
  SharedFailResult answer{failed.current, nullptr};
  if (failed.fallback != kNoSlot) answer.fallback = ValueOf(failed.fallback);
  const uint64_t flight = FlightIdOf(token);
  if (cause == FailCause::kAbort) {
    Notify(flight, NoticeKind::kOrphaned, nullptr);
  } else if (answer.fallback) {
    Notify(flight, NoticeKind::kValue, answer.fallback);
  } else {
    Notify(flight, NoticeKind::kError, error);
  }
  return answer;
}

Result SharedStore::Set(std::u16string_view key, const EntrySpec& spec, const Bytes& value,
                        std::span<const std::u16string_view> tags, Now now,
                        std::vector<SharedRemoval>* removed) {
  std::lock_guard lock(mutex_);
  const Result result = store_.Set(key, spec, tags, now);
  Collect(removed);
  if (result.outcome == Outcome::kStored) Keep(result.slot, value);
  return result;
}

Result SharedStore::Delete(std::u16string_view key, std::vector<SharedRemoval>* removed) {
  std::lock_guard lock(mutex_);
  const Result result = store_.Delete(key);
  Collect(removed);
  return result;
}

size_t SharedStore::InvalidateTag(std::u16string_view tag, std::vector<SharedRemoval>* removed) {
  std::lock_guard lock(mutex_);
  const size_t count = store_.InvalidateTag(tag);
  Collect(removed);
  return count;
}

void SharedStore::Clear(std::vector<SharedRemoval>* removed) {
  std::lock_guard lock(mutex_);
  store_.Clear();
  Collect(removed);
}

size_t SharedStore::Sweep(Now now, size_t limit, std::vector<SharedRemoval>* removed) {
  std::lock_guard lock(mutex_);
  const size_t count = store_.Sweep(now, limit);
  Collect(removed);
  return count;
}

double SharedStore::NextExpiry() {
  std::lock_guard lock(mutex_);
  return store_.NextExpiry();
}

StoreStats SharedStore::stats() {
  std::lock_guard lock(mutex_);
  return store_.stats();
}

size_t SharedStore::size() {
  std::lock_guard lock(mutex_);
  return store_.size();
}

size_t SharedStore::members() {
  std::lock_guard lock(mutex_);
  return members_.size();
}

size_t SharedStore::running() {
  std::lock_guard lock(mutex_);
  return running_.size();
}

bool SharedStore::CheckInvariants() {
  std::lock_guard lock(mutex_);
  if (!store_.CheckInvariants()) return false;
  // Every stored entry has its bytes; every other slot has none.
  size_t with_value = 0;
  for (const Bytes& value : values_) with_value += value ? 1 : 0;
  if (with_value != store_.size()) return false;
  // Every running fetch's runner and waiters are members.
  for (const auto& [flight, running] : running_) {
    auto joined = [&](SharedMember* member) {
      return std::any_of(members_.begin(), members_.end(),
                         [&](const auto& held) { return held.get() == member; });
    };
    if (!joined(running.runner)) return false;
    if (!std::all_of(running.waiters.begin(), running.waiters.end(), joined)) return false;
  }
  return true;
}

std::shared_ptr<SharedStore> SharedRegistry::Open(const std::string& name,
                                                  std::optional<uint32_t> max_entries,
                                                  std::optional<uint64_t> max_bytes,
                                                  const StoreOptions& defaults, Mismatch* mismatch,
                                                  const std::string& codec,
                                                  std::optional<EvictionPolicy> policy) {
  std::lock_guard lock(mutex_);
  std::erase_if(stores_, [](const auto& named) { return named.second.expired(); });
  if (auto it = stores_.find(name); it != stores_.end()) {
    std::shared_ptr<SharedStore> open = it->second.lock();
    if (open) {
      if (max_entries && *max_entries != open->max_entries()) {
        *mismatch = {"maxSize",
                     static_cast<double>(open->max_entries()),
                     static_cast<double>(*max_entries),
                     "",
                     "",
                     "",
                     ""};
        return nullptr;
      }
      if (max_bytes && *max_bytes != open->max_bytes()) {
        *mismatch = {"maxBytes",
                     static_cast<double>(open->max_bytes()),
                     static_cast<double>(*max_bytes),
                     "",
                     "",
                     "",
                     ""};
        return nullptr;
      }
      if (codec != open->codec()) {
        *mismatch = {"codec", 0, 0, open->codec(), codec, "", ""};
        return nullptr;
      }
      if (policy && *policy != open->policy()) {
        *mismatch = {"policy", 0, 0, "", "", PolicyName(open->policy()), PolicyName(*policy)};
        return nullptr;
      }
      return open;
    }
  }
  StoreOptions options = defaults;
  if (max_entries) options.max_entries = *max_entries;
  if (max_bytes) options.max_bytes = *max_bytes;
  if (policy) options.policy = *policy;
  auto store = std::make_shared<SharedStore>(options);
  store->codec_ = codec;
  stores_[name] = store;
  return store;
}

size_t SharedRegistry::open_count() {
  std::lock_guard lock(mutex_);
  std::erase_if(stores_, [](const auto& named) { return named.second.expired(); });
  return stores_.size();
}

}  // namespace herdcache
