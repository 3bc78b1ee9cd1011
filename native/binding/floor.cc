#include "floor.h"

#include <exception>

#include "addon.h"

namespace herdcache {
namespace {

// floor(key): written against Node-API directly, as acquire is, so that it costs what the hot
// path's entry and key copy cost and not node-addon-api's wrapper on top. Answers undefined.
napi_value Floor(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];  // napi_get_cb_info fills a missing argument with undefined
  void* addon = nullptr;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, &addon) != napi_ok) return nullptr;
  try {
    static_cast<Addon*>(addon)->floor_keys().Read(Napi::Env(env), argv[0], "key");
  } catch (const Napi::Error& error) {
    error.ThrowAsJavaScriptException();
  } catch (const std::exception& error) {
    napi_throw_error(env, nullptr, error.what());
  }
  return nullptr;
}

}  // namespace

void DefineFloor(Napi::Env env, Napi::Object exports, Addon* addon) {
  napi_value floor = nullptr;
  NAPI_THROW_IF_FAILED_VOID(
      env, napi_create_function(env, "floor", NAPI_AUTO_LENGTH, Floor, addon, &floor));
  exports.Set("floor", floor);
}

}  // namespace herdcache
