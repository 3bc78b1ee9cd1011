#include "eviction_order.h"

#include <algorithm>
#include <cmath>

namespace herdcache {

const char* PolicyName(EvictionPolicy policy) noexcept {
  return policy == EvictionPolicy::kTinyLfu ? "tinylfu" : "lru";
}

std::optional<EvictionPolicy> PolicyNamed(std::string_view name) noexcept {
  if (name == "lru") return EvictionPolicy::kLru;
  if (name == "tinylfu") return EvictionPolicy::kTinyLfu;
  return std::nullopt;
}

namespace {

// The hill climber's constants (Caffeine's): a step of 6.25% of max_entries, restarted at that
// size when the hit rate moves by 5 points or more, else decaying by 2% a step.
constexpr double kStepFraction = 0.0625;
constexpr double kRestartThreshold = 0.05;
constexpr double kStepDecay = 0.98;

}  // namespace

EvictionOrder::EvictionOrder(EvictionPolicy policy, uint32_t max_entries)
    : policy_(policy), max_entries_(max_entries) {
  assert(max_entries > 0);
  // Caffeine's starting shares: a window of 1%, and 80% of the rest protected.
  ResizeWindow(max_entries / 100);
  sample_period_ = 10ULL * max_entries;
  step_ = -kStepFraction * max_entries;
  // Misses are counted before the first entry reserves anything.
  if (policy == EvictionPolicy::kTinyLfu) sketch_.EnsureCapacity(std::min(max_entries, 64u));
}

void EvictionOrder::ReserveTinyLfu(uint32_t slot_count) {
  if (slot_count <= hashes_.size()) return;
  segments_.Reserve(slot_count);
  hashes_.resize(slot_count);
  // The sketch grows with the table, so a large max_entries costs nothing until it is used.
  sketch_.EnsureCapacity(std::min(max_entries_, slot_count * 2));
}

void EvictionOrder::InsertTinyLfu(uint32_t slot, uint64_t hash) noexcept {
  hashes_[slot] = hash;
  segments_.PushFront(kWindow, slot);
  // The table has room (the caller made it), so the window's overflow moves to probation
  // without a contest: that is how the main space fills up.
  if (segments_.size(kWindow) > window_max_) {
    segments_.MoveTo(kProbation, segments_.Back(kWindow));
  }
}

void EvictionOrder::RecordMissTinyLfu(uint64_t hash) noexcept {
  sketch_.Increment(hash);
  Sample(/*hit=*/false);
}

void EvictionOrder::AccessTinyLfu(uint32_t slot, uint64_t hash) noexcept {
  sketch_.Increment(hash);
  Sample(/*hit=*/true);
  if (segments_.SegmentOf(slot) != kProbation) {
    segments_.MoveToFront(slot);
    return;
  }
  segments_.MoveTo(kProtected, slot);
  if (segments_.size(kProtected) > protected_max_) {
    segments_.MoveTo(kProbation, segments_.Back(kProtected));
  }
}

void EvictionOrder::Sample(bool hit) noexcept {
  ++(hit ? sample_hits_ : sample_misses_);
  if (sample_hits_ + sample_misses_ >= sample_period_) Climb();
}

void EvictionOrder::Climb() noexcept {
  const double hit_rate =
      static_cast<double>(sample_hits_) / static_cast<double>(sample_hits_ + sample_misses_);
  sample_hits_ = sample_misses_ = 0;
  const double change = hit_rate - previous_hit_rate_;
  previous_hit_rate_ = hit_rate;
  // The last step helped (or changed nothing): go on the same way; else turn back.
  const double amount = change >= 0 ? step_ : -step_;
  const double direction = amount >= 0 ? 1 : -1;
  step_ = std::abs(change) >= kRestartThreshold ? direction * kStepFraction * max_entries_
                                                : amount * kStepDecay;
  ResizeWindow(static_cast<int64_t>(window_max_) + std::llround(amount));
}

void EvictionOrder::ResizeWindow(int64_t window_max) noexcept {
  const int64_t largest = std::max<int64_t>(1, int64_t{max_entries_} - 1);
  window_max_ = static_cast<uint32_t>(std::clamp<int64_t>(window_max, 1, largest));
  const uint32_t main_max = max_entries_ - std::min(window_max_, max_entries_);
  protected_max_ = static_cast<uint32_t>(uint64_t{main_max} * 4 / 5);
  while (segments_.size(kWindow) > window_max_) {
    segments_.MoveTo(kProbation, segments_.Back(kWindow));
  }
  while (segments_.size(kProtected) > protected_max_) {
    segments_.MoveTo(kProbation, segments_.Back(kProtected));
  }
}

uint32_t EvictionOrder::MainVictim() const noexcept {
  const uint32_t victim = segments_.Back(kProbation);
  return victim != kNoSlot ? victim : segments_.Back(kProtected);
}

uint32_t EvictionOrder::VictimTinyLfu() noexcept {
  const uint32_t victim = MainVictim();
  // The insert to come pushes the window's least recently used entry out only when the window
  // is at its share; below it (after removals), the main space gives up its victim.
  if (segments_.size(kWindow) < window_max_ || victim == kNoSlot) {
    return victim != kNoSlot ? victim : segments_.Back(kWindow);
  }
  const uint32_t candidate = segments_.Back(kWindow);
  if (!Admit(candidate, victim)) return candidate;
  segments_.MoveTo(kProbation, candidate);
  return victim;
}

bool EvictionOrder::Admit(uint32_t candidate, uint32_t victim) noexcept {
  const uint32_t candidate_frequency = sketch_.Frequency(hashes_[candidate]);
  const uint32_t victim_frequency = sketch_.Frequency(hashes_[victim]);
  if (candidate_frequency > victim_frequency) return true;
  // Ties reject: a scan's keys all tie at low counts. A frequent loser gets a small chance, so
  // victims whose counters an attacker inflated do not hold the main space forever.
  return candidate_frequency >= kAdmitAnywayFrequency && (NextRandom() & 127) == 0;
}

uint64_t EvictionOrder::NextRandom() noexcept {
  // xorshift64*: deterministic, so a run can be repeated exactly.
  random_state_ ^= random_state_ >> 12;
  random_state_ ^= random_state_ << 25;
  random_state_ ^= random_state_ >> 27;
  return (random_state_ * 0x2545f4914f6cdd1dULL) >> 32;
}

uint32_t EvictionOrder::FrontTinyLfu() const noexcept {
  for (uint8_t segment = 0; segment < kSegmentCount; ++segment) {
    if (segments_.Front(segment) != kNoSlot) return segments_.Front(segment);
  }
  return kNoSlot;
}

uint32_t EvictionOrder::NextTinyLfu(uint32_t slot) const noexcept {
  if (const uint32_t next = segments_.Next(slot); next != kNoSlot) return next;
  for (uint8_t segment = segments_.SegmentOf(slot) + 1; segment < kSegmentCount; ++segment) {
    if (segments_.Front(segment) != kNoSlot) return segments_.Front(segment);
  }
  return kNoSlot;
}

uint32_t EvictionOrder::BackTinyLfu() const noexcept {
  for (uint8_t segment = kSegmentCount; segment-- > 0;) {
    if (segments_.Back(segment) != kNoSlot) return segments_.Back(segment);
  }
  return kNoSlot;
}

uint32_t EvictionOrder::PrevTinyLfu(uint32_t slot) const noexcept {
  if (const uint32_t prev = segments_.Prev(slot); prev != kNoSlot) return prev;
  for (uint8_t segment = segments_.SegmentOf(slot); segment-- > 0;) {
    if (segments_.Back(segment) != kNoSlot) return segments_.Back(segment);
  }
  return kNoSlot;
}

void EvictionOrder::Clear() noexcept {
  lru_.Clear();
  segments_.Clear();
  std::vector<uint64_t>().swap(hashes_);
}

bool EvictionOrder::CheckInvariants() const {
  if (policy_ == EvictionPolicy::kLru) return true;
  uint32_t total = 0;
  for (uint8_t segment = 0; segment < kSegmentCount; ++segment) {
    uint32_t counted = 0;
    for (uint32_t slot = segments_.Front(segment); slot != kNoSlot; slot = segments_.Next(slot)) {
      if (segments_.SegmentOf(slot) != segment || ++counted > hashes_.size()) return false;
    }
    if (counted != segments_.size(segment)) return false;
    total += counted;
  }
  // The window and protected stay within their shares (probation takes what is left).
  return total <= max_entries_ && window_size() <= window_max_ &&
         protected_size() <= protected_max_;
}

}  // namespace herdcache
