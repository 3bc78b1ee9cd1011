// A moment in time, read from the clock at most once and only when an answer depends on it.
//
// Entries that never expire are answered without consulting the clock at all, which is most of
// the cost of a hit on a cache without TTLs.
#pragma once

#include <limits>

namespace herdcache {

inline constexpr double kNever = std::numeric_limits<double>::infinity();

class Now {
 public:
  // A known time (milliseconds). Implicit, so callers and tests may pass a plain number.
  Now(double value) noexcept : value_(value) {}  // NOLINT(google-explicit-constructor)
  // A clock to read on first use.
  explicit Now(double (*clock)()) noexcept : clock_(clock) {}

  double get() noexcept {
    if (clock_ != nullptr) {
      value_ = clock_();
      clock_ = nullptr;
    }
    return value_;
  }

  // Whether this moment comes before `until`, reading the clock only for a finite `until`.
  bool Before(double until) noexcept {
    if (until == kNever) return true;
    if (until == -kNever) return false;
    return get() < until;
  }

  // This moment plus `ms`, reading the clock only for a finite `ms`.
  double Plus(double ms) noexcept { return ms == kNever ? kNever : get() + ms; }

 private:
  double value_ = 0;
  double (*clock_)() = nullptr;
};

}  // namespace herdcache
