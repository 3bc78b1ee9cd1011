// The binding's side of one member of a shared store (native/core/shared_store.h): the store it
// opened, its member record, the thread-safe function that wakes this thread when a fetch it
// waits for ends in another thread, and the JavaScript sink that receives those notices.
//
// JavaScript holds a SharedHandle as a type-tagged External, like a StoreHandle. The handle is
// freed exactly once, by its External's finalizer or by the Addon's cleanup hook when the thread
// goes (whichever comes first; see addon.h). Closing it (close(), the finalizer, or the hook)
// leaves the store: the fetches this thread runs end as abandoned, so their waiters in other
// threads fetch anew, and the last member to leave frees the store.
//
// The sink is held by a weak reference while this member waits for nothing, so a cache object
// that JavaScript drops is collected; hold(true), called while it waits, makes the reference
// strong and keeps the event loop alive until the notices arrive.
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "key_buffer.h"
#include "shared_store.h"

namespace herdcache {

class Addon;

// What the thread-safe function's calls need, owned by the function (freed when it finalizes,
// which may come after the handle is gone).
struct WakeContext {
  std::shared_ptr<SharedMember> member;
  napi_ref sink = nullptr;  // weak unless held; deleted (and nulled) by SharedHandle::Close
};

struct SharedHandle {
  SharedHandle() = default;
  ~SharedHandle() { Close(); }
  SharedHandle(const SharedHandle&) = delete;
  SharedHandle& operator=(const SharedHandle&) = delete;

  // Leaves the store and releases the thread-safe function. Idempotent; on the handle's thread.
  //
  // Order matters at a thread's exit: Node closes a thread-safe function in an environment
  // cleanup hook of its own, after which it must not be called. Each handle registers its own
  // hook right after creating its function, and hooks run in reverse order of registration, so
  // the handle leaves the store (and no other thread can call the function any more) first.
  void Close();

  std::shared_ptr<SharedStore> store;
  std::shared_ptr<SharedMember> member;
  napi_threadsafe_function wake = nullptr;
  WakeContext* context = nullptr;  // the function's; valid until Close releases it
  napi_env env = nullptr;
  bool hooked = false;  // whether the cleanup hook is registered
  bool held = false;
  bool report = false;  // whether removals are kept for takeRemovals
  KeyBuffer key_buffer;
  std::vector<SharedRemoval> removed;
};

// The type tag of shared handle Externals.
inline constexpr napi_type_tag kSharedHandleTag = {0x6865726463616368ULL, 0x53686172656421ULL};

// Adds openShared and the shared store functions to `exports`; handles are owned by `addon`.
void DefineSharedFunctions(Napi::Env env, Napi::Object exports, Addon* addon);

}  // namespace herdcache
