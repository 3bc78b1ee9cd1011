// Errors thrown by the binding, worded like the TypeScript layer's so a caller that reaches the
// addon directly gets the same message and `code`.
#pragma once

#include <napi.h>

#include <string>

namespace herdcache {

// Describes what a value is for an error message: `number 5`, `undefined`, `an instance of Map`.
std::string DescribeValue(Napi::Env env, napi_value value);

// Throws `TypeError: <argument> must be <expected>, received <value>` with code
// ERR_INVALID_ARG_TYPE.
[[noreturn]] void ThrowArgumentTypeError(Napi::Env env, const char* argument, const char* expected,
                                         napi_value received);

// Throws `RangeError: <argument> must be <expected>, received <value>` with code
// ERR_OUT_OF_RANGE.
[[noreturn]] void ThrowArgumentRangeError(Napi::Env env, const char* argument, const char* expected,
                                          napi_value received);

}  // namespace herdcache
