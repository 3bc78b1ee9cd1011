// Slot numbers: how every part of the core names an entry or an in-flight record.
//
// The containers (LruList, ExpiryHeap, KeyIndex, TagIndex) hold slot numbers and nothing else;
// the slots' contents live with their owner. kNoSlot is the one number that is never a slot.
#pragma once

#include <cstdint>

namespace herdcache {

// "No slot": an empty answer, an unlinked neighbour, a free bucket.
inline constexpr uint32_t kNoSlot = UINT32_MAX;

}  // namespace herdcache
