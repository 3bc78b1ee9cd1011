// The binding's side of one store: the core Store, a key buffer, the call's removals, and the
// memory shared with JavaScript.
//
// JavaScript holds a StoreHandle as an External and passes it as the first argument of every
// binding function. An External argument costs a type check and a field read, where an
// ObjectWrap method pays for napi_unwrap (a private-property lookup, measured at ~65 ns on
// Node 20, two thirds of the whole call). Whoever calls a function holds the External, so the
// handle cannot be finalized during a call.
//
// Every function returns one number (or boolean). Where a call has more to say, it writes into
// `io`, an Int32Array shared with JavaScript (IoField); entry specs come in through `spec`, a
// shared Float64Array (SpecField). Removals are published after every call: their count and the
// first one in `io`, all of them through takeRemovals().
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

// Positions in the shared `spec` Float64Array: the entry spec set() and complete() read, and the
// time the store's clock gave a fetch's start and end, which JavaScript reads back to time it.
enum SpecField : int32_t {
  kSpecTtl = 0,
  kSpecStaleWhileRevalidate = 1,
  kSpecStaleIfError = 2,
  kSpecBytes = 3,
  kSpecNow = 4,  // written by acquire (a fetch started), complete() and fail()
  kSpecFieldCount = 5,
};

// Return codes below zero; zero and above is a value slot.
inline constexpr int32_t kCodeMiss = -1;
inline constexpr int32_t kCodeJoin = -2;
inline constexpr int32_t kCodeStart = -3;
inline constexpr int32_t kCodeStale = -4;
inline constexpr int32_t kCodeNotCurrent = -2;  // fail(): the fetch was no longer current

struct StoreHandle {
  explicit StoreHandle(const StoreOptions& options) : store(options) {}

  // Moves the call's removals out of the store and describes them in io.
  void PublishRemovals();
  EntrySpec SpecFromShared() const;

  Store store;
  KeyBuffer key_buffer;
  std::vector<Removal> removals;
  int32_t* io = nullptr;
  double* spec = nullptr;
  // Strong references are safe here: an ArrayBuffer refers to no other JavaScript value, so
  // they pin nothing but the bytes this handle writes through `io` and `spec`.
  Napi::Reference<Napi::ArrayBuffer> io_buffer;
  Napi::Reference<Napi::ArrayBuffer> spec_buffer;
};

// Adds createStore and the store functions to `exports`.
void DefineStoreFunctions(Napi::Env env, Napi::Object exports);

}  // namespace herdcache
