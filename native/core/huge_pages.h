// An allocator for the few arrays a lookup reads at random (the key index, the entries' hot
// parts, the recency links): on Linux, an array of 2 MiB or more is placed on 2 MiB boundaries
// and offered to the kernel as transparent huge pages.
//
// At a million entries those arrays span about 100 MiB, so with 4 KiB pages nearly every lookup
// also misses the TLB, and the page walk costs as much as the cache miss it precedes. One 2 MiB
// page covers 512 small ones. Where the kernel declines (THP disabled, no contiguous memory) the
// memory is ordinary and only the hint is lost. Smaller arrays, and other systems, use plain
// operator new.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace herdcache {

template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;

  HugePageAllocator() noexcept = default;
  template <typename U>
  explicit HugePageAllocator(const HugePageAllocator<U>& /*other*/) noexcept {}

  T* allocate(size_t count) {
    const size_t bytes = count * sizeof(T);
    const std::align_val_t alignment{bytes >= kHugePage ? kHugePage : Alignment()};
    void* memory = ::operator new(bytes, alignment);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    // Only whole huge pages can be backed by one; the hint is advice, so its result is ignored.
    if (bytes >= kHugePage) madvise(memory, bytes - bytes % kHugePage, MADV_HUGEPAGE);
#endif
    return static_cast<T*>(memory);
  }

  void deallocate(T* memory, size_t count) noexcept {
    const size_t bytes = count * sizeof(T);
    ::operator delete (memory, std::align_val_t{bytes >= kHugePage ? kHugePage : Alignment()});
  }

  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) noexcept {
    return true;
  }

 private:
  static constexpr size_t kHugePage = size_t{2} << 20;
  static constexpr size_t Alignment() noexcept {
    return alignof(T) > __STDCPP_DEFAULT_NEW_ALIGNMENT__ ? alignof(T)
                                                         : __STDCPP_DEFAULT_NEW_ALIGNMENT__;
  }
};

// A vector whose large buffers may sit on huge pages.
template <typename T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace herdcache
