// A moment in time, read from the clock at most once and only when an answer depends on it.
//
// Entries that never expire are answered without consulting the clock at all, which is most of
// the cost of a hit on a cache without TTLs.
#pragma once

#include <limits>

namespace herdcache {

inline constexpr double kNever = std::numeric_limits<double>::infinity();

// A clock Now reads: `read` gives the time in milliseconds; `at_most`, when set, a cheaper bound
// that is never less than what `read` would give at that moment.
struct Clock {
  double (*read)() = nullptr;
  double (*at_most)() = nullptr;
};

class Now {
 public:
  // A known time (milliseconds). Implicit, so callers and tests may pass a plain number.
  Now(double value) noexcept : value_(value) {}  // NOLINT(google-explicit-constructor)
  // A clock to read on first use; it must outlive this Now (a constant, in practice). Held by
  // pointer so a Now stays two words and is passed in registers.
  explicit Now(const Clock* clock) noexcept : clock_(clock) {}

  double get() noexcept {
    if (clock_ != nullptr) {
      value_ = clock_->read();
      clock_ = nullptr;
    }
    return value_;
  }

  // Whether this moment comes before `until`, reading the clock only for a finite `until` that
  // the clock's bound, if it has one, does not already show to be ahead (a hit on an entry far
  // from its expiry).
  bool Before(double until) noexcept {
    if (until == kNever) return true;
    if (until == -kNever) return false;
    if (clock_ != nullptr && clock_->at_most != nullptr && clock_->at_most() < until) return true;
    return get() < until;
  }

  // This moment plus `ms`, reading the clock only for a finite `ms`.
  double Plus(double ms) noexcept { return ms == kNever ? kNever : get() + ms; }

 private:
  double value_ = 0;
  const Clock* clock_ = nullptr;
};

}  // namespace herdcache
