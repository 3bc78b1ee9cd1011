// Per-load state of the addon: one Addon for each environment (the main thread and every worker)
// that loads it, set as the environment's instance data. No JavaScript state lives in statics.
//
// The Addon owns the stores its environment created that JavaScript has not yet let go of. A
// store is freed exactly once: by its External's finalizer when JavaScript drops it, or by the
// Addon's cleanup hook when the environment is torn down (a worker's terminate() or exit) with
// the store still alive. The finalizer frees only a handle the Addon still lists, so whichever
// runs second finds nothing to free.
#pragma once

#include <napi.h>

#include <unordered_set>

#include "key_buffer.h"

namespace herdcache {

struct StoreHandle;
struct SharedHandle;

class Addon {
 public:
  Addon() = default;
  Addon(const Addon&) = delete;
  Addon& operator=(const Addon&) = delete;
  // Frees any handle left (none after the cleanup hook ran).
  ~Addon() { CloseAll(); }

  // Takes ownership of `handle` until Close or CloseAll.
  void Adopt(StoreHandle* handle) { live_.insert(handle); }
  // Frees `handle` if this Addon still owns it; a no-op for one CloseAll already freed.
  void Close(StoreHandle* handle);
  // Frees every handle still owned.
  void CloseAll();

  // The live handle `value` wraps, or nullptr when `value` is not an External or wraps anything
  // else (the pointer is compared, never read). Average O(1); the handle found last answers
  // with one comparison, since calls come in runs on one cache and hashing the pointer into
  // the set was a tenth of a joining caller's native time.
  StoreHandle* Find(napi_env env, napi_value value) const noexcept {
    void* data = nullptr;
    if (napi_get_value_external(env, value, &data) != napi_ok) return nullptr;
    auto* handle = static_cast<StoreHandle*>(data);
    if (handle == last_found_ && handle != nullptr) return handle;
    if (live_.count(handle) == 0) return nullptr;
    last_found_ = handle;
    return handle;
  }

  size_t live_count() const noexcept { return live_.size(); }

  // The key buffer of the benchmarks' floor(key) (floor.h), which has no store of its own.
  KeyBuffer& floor_keys() noexcept { return floor_keys_; }

  // The same for the handles of shared stores' members.
  void Adopt(SharedHandle* handle) { shared_.insert(handle); }
  void Close(SharedHandle* handle);
  SharedHandle* FindShared(napi_env env, napi_value value) const noexcept {
    void* data = nullptr;
    if (napi_get_value_external(env, value, &data) != napi_ok) return nullptr;
    auto* handle = static_cast<SharedHandle*>(data);
    return shared_.count(handle) != 0 ? handle : nullptr;
  }

 private:
  std::unordered_set<StoreHandle*> live_;
  // A member of live_, or nullptr: reset whenever the handle it names leaves live_.
  mutable StoreHandle* last_found_ = nullptr;
  std::unordered_set<SharedHandle*> shared_;
  KeyBuffer floor_keys_;
};

}  // namespace herdcache
