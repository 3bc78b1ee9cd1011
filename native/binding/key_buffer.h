// Reads JavaScript string keys as UTF-16 into a reusable buffer.
//
// Keys are compared code unit for code unit, so they are read as UTF-16: a UTF-8 conversion
// would map every lone surrogate to U+FFFD and make distinct keys equal.
#pragma once

#include <napi.h>

#include <string_view>
#include <vector>

namespace herdcache {

class KeyBuffer {
 public:
  KeyBuffer() : units_(kInitialUnits) {}
  KeyBuffer(const KeyBuffer&) = delete;
  KeyBuffer& operator=(const KeyBuffer&) = delete;

  // The key's code units, valid until the next Read. Throws a TypeError naming `argument` when
  // `value` is not a string.
  std::u16string_view Read(Napi::Env env, napi_value value, const char* argument);

 private:
  // Most keys fit; a longer one grows the buffer once to its exact size. A buffer grown past
  // kKeepUnits by a huge key shrinks back on the next short key.
  static constexpr size_t kInitialUnits = 256;
  static constexpr size_t kKeepUnits = size_t{64} * 1024;
  std::vector<char16_t> units_;
};

}  // namespace herdcache
