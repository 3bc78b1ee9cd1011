#include "key_buffer.h"

#include <string>

#include "errors.h"

namespace herdcache {

std::u16string_view KeyBuffer::Read(Napi::Env env, napi_value value, const char* argument) {
  size_t length = 0;
  // One call usually suffices: a result shorter than the buffer cannot have been truncated.
  napi_status status =
      napi_get_value_string_utf16(env, value, units_.data(), units_.size(), &length);
  if (status == napi_string_expected) ThrowArgumentTypeError(env, argument, "a string", value);
  NAPI_THROW_IF_FAILED(env, status, std::u16string_view());
  if (length + 1 < units_.size()) {
    if (units_.size() > kKeepUnits && length < kInitialUnits) {
      units_.resize(kInitialUnits);
      units_.shrink_to_fit();
    }
    return {units_.data(), length};
  }
  status = napi_get_value_string_utf16(env, value, nullptr, 0, &length);
  NAPI_THROW_IF_FAILED(env, status, std::u16string_view());
  units_.resize(length + 1);
  status = napi_get_value_string_utf16(env, value, units_.data(), units_.size(), &length);
  NAPI_THROW_IF_FAILED(env, status, std::u16string_view());
  return {units_.data(), length};
}

}  // namespace herdcache
