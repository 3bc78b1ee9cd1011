// The protocol between the binding and lib/: where results and entry specs sit in the shared
// registers, what the return codes mean, and the order of the enums passed as numbers.
//
// Defined here once and exported by the addon as `protocol` (ProtocolObject); lib/native.ts
// compares it with the layout it was written against when it loads the addon, so a stale build
// fails at load with a clear error instead of misreading results.
#pragma once

#include <napi.h>

#include <cstdint>

namespace herdcache {

// Positions in the shared `io` Int32Array.
enum IoField : int32_t {
  kIoFlightSlot = 0,  // acquire: the flight joined or started (with kIoGeneration, its token)
  kIoGeneration = 1,
  kIoValueSlot = 2,  // acquire: the stale entry served, or a retained entry for the fetcher;
                     // get and peek: the stale entry that answered (kCodeStale)
  kIoRemovals = 3,   // after any call: how many entries it removed
  kIoFirstSlot = 4,  // ... and the first one's slot (one removal needs no takeRemovals call)
  kIoStarted = 5,    // acquire, stale hit: 1 when a background refresh started
  kIoFieldCount = 6,
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

// Return codes below zero; zero and above is a value slot. Each code has one meaning.
inline constexpr int32_t kCodeMiss = -1;        // nothing to answer with (or no fallback)
inline constexpr int32_t kCodeJoin = -2;        // acquire: joined the fetch in io[kIoFlightSlot]
inline constexpr int32_t kCodeStart = -3;       // acquire: started the fetch in io
inline constexpr int32_t kCodeStale = -4;       // acquire, get, peek: a stale entry answered (io)
inline constexpr int32_t kCodeNotCurrent = -5;  // fail(): no longer current, and no fallback

// The frozen `protocol` object: { io, spec, codes, removalReasons, failCauses }, the two lists
// in RemovalCause and FailCause order.
Napi::Object ProtocolObject(Napi::Env env);

}  // namespace herdcache
