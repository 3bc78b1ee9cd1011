#include "store.h"

#include <optional>
#include <string>
#include <utility>

namespace herdcache {
namespace {

Result Answer(Outcome outcome, uint32_t slot = kNoSlot) {
  Result result;
  result.outcome = outcome;
  result.slot = slot;
  return result;
}

}  // namespace

Store::Store(const StoreOptions& options)
    : seed_(options.seed),
      entries_(options.max_entries, options.max_bytes, options.seed, options.policy),
      flights_(options.seed) {
  entries_.set_record_removed_keys(options.record_removed_keys);
}

Result Store::Get(std::u16string_view key, Now now, bool allow_stale) {
  const uint64_t hash = HashKey(seed_, key);
  const uint32_t slot = entries_.FindRetained(key, hash, now);
  const bool fresh = slot != kNoSlot && entries_.IsFresh(slot, now);
  if (!fresh && (slot == kNoSlot || !allow_stale)) {
    ++stats_.misses;
    entries_.RecordMiss(hash);
    return Answer(Outcome::kMiss);
  }
  ++stats_.hits;
  if (!fresh) ++stats_.stale_hits;
  entries_.Touch(slot);
  return Answer(fresh ? Outcome::kHit : Outcome::kStaleHit, slot);
}

Result Store::Acquire(std::u16string_view key, Now now, bool force_refresh) {
  Result result;
  const uint64_t hash = AcquireHash(key);
  const uint32_t slot = entries_.FindRetained(key, hash, now);
  if (slot != kNoSlot && !force_refresh) {
    const bool fresh = entries_.IsFresh(slot, now);
    if (fresh || entries_.InStalePhase(slot, now)) {
      ++stats_.hits;
      entries_.Touch(slot);
      result.slot = slot;
      if (fresh) {
        result.outcome = Outcome::kHit;
        return result;
      }
      ++stats_.stale_hits;
      result.outcome = Outcome::kStaleHit;
      if (flights_.Find(key, hash) == kNoSlot) {
        result.flight = StartFlight(key, hash, /*refresh=*/true);
        result.started = true;
      }
      return result;
    }
  }
  ++stats_.misses;
  entries_.RecordMiss(hash);
  RememberMiss(key, hash);
  if (const uint32_t joined = flights_.Find(key, hash); joined != kNoSlot) {
    ++stats_.coalesced;
    result.outcome = Outcome::kJoin;
    result.flight = flights_.TokenAt(joined);
    return result;
  }
  result.outcome = Outcome::kStart;
  result.slot = slot;
  result.flight = StartFlight(key, hash, /*refresh=*/false);
  return result;
}

void Store::RememberMiss(std::u16string_view key, uint64_t hash) {
  if (key.size() > kMaxRememberedUnits || SameKey(key, missed_key_)) return;
  missed_key_.assign(key);
  missed_hash_ = hash;
}

FlightToken Store::StartFlight(std::u16string_view key, uint64_t hash, bool refresh) {
  ++stats_.fetches;
  if (refresh) ++stats_.refreshes;
  return flights_.Start(key, hash, refresh);
}

void Store::TagFlight(FlightToken token, std::span<const std::u16string_view> tags, bool replace) {
  if (replace) {
    flights_.Retag(token, tags);
  } else {
    flights_.Tag(token, tags);
  }
}

Result Store::Complete(FlightToken token, const EntrySpec& spec, Now now) {
  std::optional<EndedFlight> ended = flights_.End(token);
  if (!ended) return Answer(Outcome::kNotStored);
  const uint32_t slot = entries_.Write(std::move(ended->key), ended->hash, spec, now);
  if (slot == kNoSlot) return Answer(Outcome::kNotStored);
  if (!ended->tags.empty()) {
    const std::vector<std::u16string_view> tags(ended->tags.begin(), ended->tags.end());
    entries_.Tag(slot, tags);
  }
  return Answer(Outcome::kStored, slot);
}

FailResult Store::Fail(FlightToken token, std::u16string_view key, FailCause cause, Now now) {
  switch (cause) {
    case FailCause::kError:
      ++stats_.fetch_errors;
      break;
    case FailCause::kTimeout:
      ++stats_.timeouts;
      break;
    case FailCause::kAbort:
      ++stats_.aborts;
      break;
  }
  FailResult result;
  const std::optional<EndedFlight> ended = flights_.End(token);
  result.current = ended.has_value();
  if (cause == FailCause::kAbort) return result;
  if (ended && ended->refresh) ++stats_.refresh_errors;
  const uint32_t slot =
      ended ? entries_.Find(ended->key, ended->hash) : entries_.Find(key, HashKey(seed_, key));
  if (slot == kNoSlot) return result;
  if (entries_.InFallbackPhase(slot, now) || (!ended && entries_.IsFresh(slot, now))) {
    result.fallback = slot;
  }
  return result;
}

Result Store::Set(std::u16string_view key, const EntrySpec& spec,
                  std::span<const std::u16string_view> tags, Now now) {
  const uint64_t hash = HashKey(seed_, key);
  flights_.Detach(key, hash);
  const uint32_t slot = entries_.Write(std::u16string(key), hash, spec, now);
  if (slot == kNoSlot) return Answer(Outcome::kNotStored);
  entries_.Tag(slot, tags);
  return Answer(Outcome::kStored, slot);
}

Result Store::Delete(std::u16string_view key) {
  const uint64_t hash = HashKey(seed_, key);
  flights_.Detach(key, hash);
  const uint32_t slot = entries_.Find(key, hash);
  if (slot == kNoSlot) return Answer(Outcome::kMiss);
  entries_.Remove(slot, RemovalCause::kDeleted);
  return Answer(Outcome::kRemoved, slot);
}

size_t Store::InvalidateTag(std::u16string_view tag) {
  flights_.DetachTagged(tag);
  return entries_.RemoveTagged(tag);
}

void Store::Clear() {
  flights_.DetachAll();
  entries_.Clear();
}

Result Store::Peek(std::u16string_view key, Now now, bool allow_stale) {
  const uint32_t slot = entries_.FindRetained(key, HashKey(seed_, key), now);
  if (slot == kNoSlot) return Result{};
  if (entries_.IsFresh(slot, now)) return Answer(Outcome::kHit, slot);
  return allow_stale ? Answer(Outcome::kStaleHit, slot) : Result{};
}

std::optional<double> Store::RemainingTtl(std::u16string_view key, Now now) {
  const uint32_t slot = entries_.FindRetained(key, HashKey(seed_, key), now);
  if (slot == kNoSlot) return std::nullopt;
  return entries_.FreshFor(slot, now);
}

std::vector<uint32_t> Store::Walk(Now now, bool allow_stale) {
  std::vector<uint32_t> slots;
  entries_.Walk(now, allow_stale, slots);
  return slots;
}

size_t Store::Sweep(Now now, size_t limit) { return entries_.Sweep(now, limit); }

StoreStats Store::stats() const noexcept {
  StoreStats stats = stats_;
  stats.evictions = entries_.evictions();
  stats.expirations = entries_.expirations();
  stats.size = entries_.size();
  stats.in_flight = flights_.size();
  stats.bytes = entries_.bytes();
  return stats;
}

}  // namespace herdcache
