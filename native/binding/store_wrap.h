// NativeStore: the JavaScript face of a core Store.
//
// It converts arguments, reads the clock and forwards to the core; it holds no cache logic and
// no JavaScript values. Values and in-flight Promises stay in arrays owned by the JavaScript
// CacheManager, indexed by the slot numbers this class returns, so they are collected with the
// cache and never pinned by a napi_ref.
//
// Every method returns one number. Where a call has more to say, it writes the extra fields into
// `io`, an Int32Array shared with JavaScript (see IoField); reading it costs no further call.
#pragma once

#include <napi.h>

#include <cstdint>

#include "key_buffer.h"
#include "store.h"

namespace herdcache {

// Positions in the shared `io` array.
enum IoField : int32_t {
  kIoFlightSlot = 0,  // acquire: the flight slot joined or started
  kIoGeneration = 1,  // acquire: a started flight's generation (with the slot, its token)
  kIoReleased = 2,    // any call but a hit: a value slot emptied, or -1
  kIoFieldCount = 3,
};

// Return codes below zero; zero and above is a value slot.
inline constexpr int32_t kCodeMiss = -1;
inline constexpr int32_t kCodeJoin = -2;
inline constexpr int32_t kCodeStart = -3;

class StoreWrap : public Napi::ObjectWrap<StoreWrap> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new NativeStore(maxEntries)
  explicit StoreWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value Acquire(const Napi::CallbackInfo& info);
  Napi::Value Get(const Napi::CallbackInfo& info);
  Napi::Value Peek(const Napi::CallbackInfo& info);
  Napi::Value Set(const Napi::CallbackInfo& info);
  Napi::Value Complete(const Napi::CallbackInfo& info);
  Napi::Value Fail(const Napi::CallbackInfo& info);
  Napi::Value Delete(const Napi::CallbackInfo& info);
  Napi::Value Clear(const Napi::CallbackInfo& info);
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);

  std::u16string_view KeyArg(const Napi::CallbackInfo& info);
  double TtlArg(const Napi::CallbackInfo& info, size_t index);
  FlightToken TokenArg(const Napi::CallbackInfo& info);
  // Returns `result` as a slot-or-code number and records what it released.
  Napi::Value Report(Napi::Env env, const Result& result);

  Store store_;
  KeyBuffer key_buffer_;
  int32_t* io_ = nullptr;  // backing store of the `io` property, which keeps it alive
};

}  // namespace herdcache
