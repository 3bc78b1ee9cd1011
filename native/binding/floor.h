// The benchmarks' Node-API floor: the least a store function's call can cost.
//
// Every cache read crosses into the addon once and copies its key into a reused buffer before
// the core sees it. floor(key) does exactly that and nothing more, so the benchmark suite can
// measure, in the same loop as a JavaScript Map.get, what keeping the registry in C++ costs per
// call (bench/workloads/floor.mjs). Internal: lib/ declares it on the binding, the public API
// never exposes it.
#pragma once

#include <napi.h>

namespace herdcache {

class Addon;

// Adds floor(key) to `exports`; its key buffer is `addon`'s.
void DefineFloor(Napi::Env env, Napi::Object exports, Addon* addon);

}  // namespace herdcache
