// Module entry. Per-environment state lives in the Addon instance (instance data), never in
// statics, so the addon loads in any number of worker threads and is torn down with each.
#include <napi.h>

#include "store_wrap.h"

namespace herdcache {

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {InstanceValue("NativeStore", StoreWrap::Define(env), napi_enumerable)});
  }
};

}  // namespace herdcache

using HerdcacheAddon = herdcache::Addon;
NODE_API_NAMED_ADDON(herdcache, HerdcacheAddon)
