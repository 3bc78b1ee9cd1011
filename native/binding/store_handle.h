// The binding's side of one store: the core Store, a key buffer, the call's removals, and the
// registers shared with JavaScript.
//
// JavaScript holds a StoreHandle as an External and passes it as the first argument of every
// binding function. An External argument costs a type check and a field read, where an
// ObjectWrap method pays for napi_unwrap (a private-property lookup, measured at ~65 ns on
// Node 20, two thirds of the whole call). Whoever calls a function holds the External, so the
// handle cannot be finalized during a call. The External is type-tagged (kStoreHandleTag), and
// every function checks its store argument before reading the pointer: by the tag, or, in the
// lookups that run once per cache read, by the Addon's list of live handles (the same answer,
// at a fraction of the cost). Any other value, another addon's External included, is a
// TypeError, never a pointer misread.
//
// Every function returns one number (or boolean). Where a call has more to say, it writes into
// `io`, an Int32Array shared with JavaScript (IoField in protocol.h); entry specs come in through
// `spec`, a shared Float64Array (SpecField).
// Removals are published after every call: their count and the first one's slot in `io`, all of
// them through takeRemovals().
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "key_buffer.h"
#include "protocol.h"
#include "store.h"

namespace herdcache {

class Addon;

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

// The type tag of store handle Externals (napi_type_tag_object).
inline constexpr napi_type_tag kStoreHandleTag = {0x6865726463616368ULL, 0x9b1f4c2e07d35a61ULL};

// The StoreHandle `value` wraps, or nullptr when `value` is not a store handle.
StoreHandle* StoreHandleOf(napi_env env, napi_value value) noexcept;

// Adds createStore and the store functions to `exports`; stores are owned by `addon`.
void DefineStoreFunctions(Napi::Env env, Napi::Object exports, Addon* addon);

}  // namespace herdcache
