// Module entry: creates the environment's Addon, registers its cleanup hook, and exports the
// store functions, the protocol and the benchmarks' floor.
#include "addon.h"

#include <napi.h>

#include "floor.h"
#include "protocol.h"
#include "shared_handle.h"
#include "store_handle.h"

namespace herdcache {

void Addon::Close(StoreHandle* handle) {
  if (handle == last_found_) last_found_ = nullptr;
  if (live_.erase(handle) != 0) delete handle;
}

void Addon::Close(SharedHandle* handle) {
  if (shared_.erase(handle) != 0) delete handle;
}

void Addon::CloseAll() {
  last_found_ = nullptr;
  for (StoreHandle* handle : live_) delete handle;
  live_.clear();
  for (SharedHandle* handle : shared_) delete handle;
  shared_.clear();
}

}  // namespace herdcache

namespace {

// Node runs environment cleanup hooks in reverse order of registration. Node-API's own
// teardown of this load (which runs the Externals' finalizers, then deletes the instance data)
// is registered before Init runs, so this hook runs first: it frees the live stores, the
// finalizers that follow find them gone, and the Addon itself is deleted last.
void CloseLiveStores(void* addon) { static_cast<herdcache::Addon*>(addon)->CloseAll(); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* addon = new herdcache::Addon();
  env.SetInstanceData<herdcache::Addon>(addon);  // deleted by Node-API when the environment goes
  NAPI_THROW_IF_FAILED(env, napi_add_env_cleanup_hook(env, CloseLiveStores, addon), exports);
  herdcache::DefineStoreFunctions(env, exports, addon);
  herdcache::DefineSharedFunctions(env, exports, addon);
  herdcache::DefineFloor(env, exports, addon);
  exports.Set("protocol", herdcache::ProtocolObject(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(herdcache, Init)
