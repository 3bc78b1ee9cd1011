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
// the `io` register (IoField in protocol.h); entry specs come in through the `spec` register
// (SpecField). See Registers for who owns them.
// Removals are published after every call: their count and the first one's slot in `io`, all of
// them through takeRemovals().
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "key_buffer.h"
#include "protocol.h"
#include "store.h"

namespace herdcache {

class Addon;

// The registers, allocated by the binding and shown to JavaScript as one external ArrayBuffer
// (a Float64Array over `spec`, an Int32Array over `io`).
//
// Why binding-owned memory rather than a JavaScript ArrayBuffer's: the binding writes through
// raw pointers, and a JavaScript ArrayBuffer can be detached (ArrayBuffer.prototype.transfer,
// postMessage), after which its memory may be freed under those pointers. Here the block has two
// owners, the StoreHandle and the ArrayBuffer's backing store, and is freed only when both are
// done: a detached view reads undefined in JavaScript but cannot make the binding write into
// freed memory. Node also marks externally backed ArrayBuffers untransferable, so the block
// never reaches another thread. The cost is none per call (the hit path touches no register)
// and one external ArrayBuffer per store.
struct Registers {
  double spec[kSpecFieldCount] = {};
  int32_t io[kIoFieldCount] = {};
  int owners = 2;  // the StoreHandle and the ArrayBuffer; both on the store's thread

  // The bytes shown to JavaScript: spec, then io (not `owners`).
  static constexpr size_t kSharedBytes =
      sizeof(double) * kSpecFieldCount + sizeof(int32_t) * kIoFieldCount;
  // Drops one owner's share; the last one frees the block.
  static void Release(Registers* registers) noexcept {
    if (--registers->owners == 0) delete registers;
  }
};

struct StoreHandle {
  // Takes one owner's share of `registers`.
  StoreHandle(const StoreOptions& options, Registers* registers)
      : store(options), io(registers->io), spec(registers->spec), registers_(registers) {}
  ~StoreHandle() { Registers::Release(registers_); }
  StoreHandle(const StoreHandle&) = delete;
  StoreHandle& operator=(const StoreHandle&) = delete;

  // Moves the call's removals out of the store and describes them in io.
  void PublishRemovals();
  EntrySpec SpecFromShared() const;

  Store store;
  KeyBuffer key_buffer;
  std::vector<Removal> removals;
  int32_t* const io;   // into *registers_
  double* const spec;  // into *registers_

 private:
  Registers* const registers_;
};

// The type tag of store handle Externals (napi_type_tag_object).
inline constexpr napi_type_tag kStoreHandleTag = {0x6865726463616368ULL, 0x9b1f4c2e07d35a61ULL};

// Milliseconds on the monotonic clock: immune to wall-clock steps.
double MonotonicNowMs();
// The monotonic clock, read on first use; on Linux with a coarse bound that lets a hit on an
// entry far from its expiry skip the reading (see Now).
Now MonotonicNow();
// A time passed from JavaScript (the clock option's reading); throws for one not finite.
Now NowFromValue(Napi::Env env, napi_value value);
// Argument `index` as a time, or the monotonic clock (read only if needed) when undefined.
Now NowArg(const Napi::CallbackInfo& info, size_t index);

// The `policy` option: nullopt when undefined, else the policy named ('lru' or 'tinylfu');
// throws a TypeError for a value not a string and a RangeError for another name, worded as
// lib/options does.
std::optional<EvictionPolicy> PolicyArg(Napi::Env env, Napi::Value value);

// The counters as JavaScript sees them: exactly the public CacheStats (both kinds of store).
Napi::Object StatsObject(Napi::Env env, const StoreStats& stats);

// The StoreHandle `value` wraps, or nullptr when `value` is not a store handle.
StoreHandle* StoreHandleOf(napi_env env, napi_value value) noexcept;

// Adds createStore and the store functions to `exports`; stores are owned by `addon`.
void DefineStoreFunctions(Napi::Env env, Napi::Object exports, Addon* addon);

}  // namespace herdcache
