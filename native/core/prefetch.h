// A hint that a cache line is about to be written, so a batch of list moves can overlap its
// cache misses. Changes nothing; a no-op where the compiler has no such builtin.
#pragma once

namespace herdcache {

inline void PrefetchForWrite([[maybe_unused]] const void* address) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(address, 1);
#endif
}

}  // namespace herdcache
