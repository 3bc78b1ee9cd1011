// NativeStore: the JavaScript face of a core Store.
//
// It converts arguments, reads the clock when JavaScript gives no time, and forwards to the
// core; it holds no cache logic and no JavaScript values. Values and in-flight fetches stay in
// arrays owned by the JavaScript CacheManager, indexed by the slot numbers this class returns,
// so they are collected with the cache and never pinned by a napi_ref.
//
// Every method returns one number (or boolean). Where a call has more to say, it writes into
// `io`, an Int32Array shared with JavaScript (IoField); entry specs come in through `spec`, a
// shared Float64Array (SpecField). Neither costs a further call. Removals are published after
// every call: their count and the first one in `io`, all of them through takeRemovals().
#pragma once

#include <napi.h>

#include <cstdint>
#include <vector>

#include "key_buffer.h"
#include "store.h"

namespace herdcache {

// Positions in the shared `io` Int32Array.
enum IoField : int32_t {
  kIoFlightSlot = 0,  // acquire: the flight joined or started (with kIoGeneration, its token)
  kIoGeneration = 1,
  kIoValueSlot = 2,   // acquire: the stale entry served, or a retained entry for the fetcher
  kIoRemovals = 3,    // after any call: how many entries it removed
  kIoFirstSlot = 4,   // ... the first removal's slot
  kIoFirstCause = 5,  // ... and its RemovalCause
  kIoStarted = 6,     // acquire, stale hit: 1 when a background refresh started
  kIoFieldCount = 7,
};

// Positions in the shared `spec` Float64Array, read by set() and complete().
enum SpecField : int32_t {
  kSpecTtl = 0,
  kSpecStaleWhileRevalidate = 1,
  kSpecStaleIfError = 2,
  kSpecBytes = 3,
  kSpecFieldCount = 4,
};

// Return codes below zero; zero and above is a value slot.
inline constexpr int32_t kCodeMiss = -1;
inline constexpr int32_t kCodeJoin = -2;
inline constexpr int32_t kCodeStart = -3;
inline constexpr int32_t kCodeStale = -4;
inline constexpr int32_t kCodeNotCurrent = -2;  // fail(): the fetch was no longer current

class StoreWrap : public Napi::ObjectWrap<StoreWrap> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new NativeStore(maxEntries, maxBytes, recordRemovedKeys)
  explicit StoreWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value Acquire(const Napi::CallbackInfo& info);
  Napi::Value Get(const Napi::CallbackInfo& info);
  Napi::Value Peek(const Napi::CallbackInfo& info);
  Napi::Value Set(const Napi::CallbackInfo& info);
  Napi::Value Complete(const Napi::CallbackInfo& info);
  Napi::Value TagFlight(const Napi::CallbackInfo& info);
  Napi::Value IsCurrent(const Napi::CallbackInfo& info);
  Napi::Value Fail(const Napi::CallbackInfo& info);
  Napi::Value Delete(const Napi::CallbackInfo& info);
  Napi::Value InvalidateTag(const Napi::CallbackInfo& info);
  Napi::Value Clear(const Napi::CallbackInfo& info);
  Napi::Value Sweep(const Napi::CallbackInfo& info);
  Napi::Value TakeRemovals(const Napi::CallbackInfo& info);
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);

  std::u16string_view KeyArg(const Napi::CallbackInfo& info);
  // Argument `index` as a time, or the monotonic clock when it is undefined.
  static double NowArg(const Napi::CallbackInfo& info, size_t index);
  static FlightToken TokenArg(const Napi::CallbackInfo& info);
  EntrySpec SpecArg() const;
  // Moves the call's removals out of the store and describes them in io.
  void PublishRemovals();
  Napi::Value SlotOrMiss(Napi::Env env, const Result& result);

  Store store_;
  KeyBuffer key_buffer_;
  std::vector<Removal> removals_;
  int32_t* io_ = nullptr;         // backing store of the `io` property, which keeps it alive
  const double* spec_ = nullptr;  // likewise for `spec`
};

}  // namespace herdcache
