#include "errors.h"

namespace herdcache {

std::string DescribeValue(Napi::Env env, napi_value value) {
  Napi::Value v(env, value);
  switch (v.Type()) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_number:
      return "number " + v.ToString().Utf8Value();
    case napi_string: {
      std::string text = v.As<Napi::String>().Utf8Value();
      if (text.size() > 40) text = text.substr(0, 37) + "...";
      return "string '" + text + "'";
    }
    case napi_boolean:
      return std::string("boolean ") + (v.As<Napi::Boolean>().Value() ? "true" : "false");
    case napi_function:
      return "a function";
    case napi_symbol:
      return "a symbol";
    case napi_external:
      return "an External";
    case napi_bigint:
      return "bigint " + v.ToString().Utf8Value() + "n";
    default:
      return "an object";
  }
}

namespace {

[[noreturn]] void ThrowWithCode(Napi::Error error, const char* code) {
  error.Set("code", code);
  throw error;
}

}  // namespace

void ThrowArgumentTypeError(Napi::Env env, const char* argument, const char* expected,
                            napi_value received) {
  ThrowWithCode(Napi::TypeError::New(env, std::string(argument) + " must be " + expected +
                                              ", received " + DescribeValue(env, received)),
                "ERR_INVALID_ARG_TYPE");
}

void ThrowArgumentRangeError(Napi::Env env, const char* argument, const char* expected,
                             napi_value received) {
  ThrowWithCode(Napi::RangeError::New(env, std::string(argument) + " must be " + expected +
                                               ", received " + DescribeValue(env, received)),
                "ERR_OUT_OF_RANGE");
}

}  // namespace herdcache
