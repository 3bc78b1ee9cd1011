// Module entry. The addon keeps no per-process JavaScript state: each store lives in an External
// owned by its CacheManager, so the addon loads in any number of worker threads and everything
// a worker made is finalized with it.
#include <napi.h>

#include "protocol.h"
#include "store_handle.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  herdcache::DefineStoreFunctions(env, exports);
  exports.Set("protocol", herdcache::ProtocolObject(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(herdcache, Init)
