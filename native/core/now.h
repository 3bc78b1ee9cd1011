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
  // A clock to read on first use, and a cheaper bound of it: `at_most()` is never less than
  // what `clock()` would read at that moment. Before() answers from the bound alone while it is
  // still short of `until` (a hit on an entry far from its expiry), so the clock is read only
  // for answers the bound cannot settle.
  Now(double (*clock)(), double (*at_most)()) noexcept : clock_(clock), at_most_(at_most) {}

  double get() noexcept {
    if (clock_ != nullptr) {
      value_ = clock_();
      clock_ = nullptr;
    }
    return value_;
  }

  // Whether this moment comes before `until`, reading the clock only for a finite `until` that
  // the bound, if any, does not already show to be ahead.
  bool Before(double until) noexcept {
    if (until == kNever) return true;
    if (until == -kNever) return false;
    if (clock_ != nullptr && at_most_ != nullptr && at_most_() < until) return true;
    return get() < until;
  }

  // This moment plus `ms`, reading the clock only for a finite `ms`.
  double Plus(double ms) noexcept { return ms == kNever ? kNever : get() + ms; }

 private:
  double value_ = 0;
  double (*clock_)() = nullptr;
  double (*at_most_)() = nullptr;
};

}  // namespace herdcache
