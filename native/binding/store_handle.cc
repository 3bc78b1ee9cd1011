#include "store_handle.h"

#include <chrono>
#include <cmath>
#include <cstddef>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "addon.h"
#include "errors.h"

namespace herdcache {
namespace {

// The store argument (argument 0) of every store function.
StoreHandle& HandleArg(Napi::Env env, napi_value value) {
  StoreHandle* handle = StoreHandleOf(env, value);
  if (handle == nullptr) ThrowArgumentTypeError(env, "store", "a herdcache store handle", value);
  return *handle;
}

StoreHandle& HandleArg(const Napi::CallbackInfo& info) { return HandleArg(info.Env(), info[0]); }

Napi::String KeyString(Napi::Env env, std::u16string_view key) {
  return Napi::String::New(env, key.data(), key.size());
}

// The store argument of the lookups (acquire, get, peek), which run once per cache read, and of
// complete and fail, which run once per fetch: checked
// against the Addon's live handles rather than by type tag. The answer is the same (only our
// live handles are listed, and a pointer is compared before it is read), where
// napi_check_object_type_tag costs ~220 instructions, a fifth of a hit. `addon` is the
// function's data.
StoreHandle& LiveHandleArg(Napi::Env env, void* addon, napi_value value) {
  StoreHandle* handle = static_cast<Addon*>(addon)->Find(env, value);
  if (handle == nullptr) ThrowArgumentTypeError(env, "store", "a herdcache store handle", value);
  return *handle;
}

std::u16string_view KeyArg(const Napi::CallbackInfo& info, StoreHandle& handle) {
  return handle.key_buffer.Read(info.Env(), info[1], "key");
}

FlightToken TokenArg(const Napi::CallbackInfo& info) {
  return FlightToken{static_cast<uint32_t>(info[1].As<Napi::Number>().Int32Value()),
                     static_cast<uint32_t>(info[2].As<Napi::Number>().Int32Value())};
}

Napi::Value SlotOrMiss(Napi::Env env, StoreHandle& handle, const Result& result) {
  handle.PublishRemovals();
  const bool has_slot = result.outcome == Outcome::kHit || result.outcome == Outcome::kStored;
  return Napi::Number::New(env, has_slot ? static_cast<int32_t>(result.slot) : kCodeMiss);
}

StoreOptions OptionsArg(const Napi::CallbackInfo& info) {
  StoreOptions options;
  Napi::Value max_entries = info[0];
  if (!max_entries.IsNumber()) {
    ThrowArgumentTypeError(info.Env(), "maxSize", "a positive integer", max_entries);
  }
  const double max = max_entries.As<Napi::Number>().DoubleValue();
  if (!(max >= 1) || max != std::floor(max) || max > 9007199254740991.0) {
    ThrowArgumentRangeError(info.Env(), "maxSize", "a positive integer", max_entries);
  }
  // Beyond 2^31 - 1 entries memory runs out long before the bound matters.
  options.max_entries =
      max > Store::kMaxEntriesLimit ? Store::kMaxEntriesLimit : static_cast<uint32_t>(max);
  if (info[1].IsNumber()) {
    const double max_bytes = info[1].As<Napi::Number>().DoubleValue();
    if (!(max_bytes >= 1) || max_bytes != std::floor(max_bytes)) {
      ThrowArgumentRangeError(info.Env(), "maxBytes", "a positive integer", info[1]);
    }
    if (max_bytes < 18446744073709551615.0) options.max_bytes = static_cast<uint64_t>(max_bytes);
  }
  options.record_removed_keys = info[2].ToBoolean().Value();
  options.policy = PolicyArg(info.Env(), info[3]).value_or(EvictionPolicy::kLru);
  return options;
}

// The registers as one external ArrayBuffer, which holds one of their two owner shares.
Napi::ArrayBuffer RegisterBuffer(Napi::Env env, Registers* registers) {
  napi_value buffer = nullptr;
  const napi_status status = napi_create_external_arraybuffer(
      env, registers, Registers::kSharedBytes,
      [](napi_env, void*, void* hint) { Registers::Release(static_cast<Registers*>(hint)); },
      registers, &buffer);
  NAPI_THROW_IF_FAILED(env, status, Napi::ArrayBuffer());
  return Napi::ArrayBuffer(env, buffer);
}

// The External's finalizer: the Addon frees the handle unless its cleanup hook already did.
void FinalizeHandle(napi_env, void* handle, void* addon) {
  static_cast<Addon*>(addon)->Close(static_cast<StoreHandle*>(handle));
}

// createStore(maxEntries, maxBytes?, recordRemovedKeys?, policy?): { handle, io, spec }
Napi::Value CreateStore(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* addon = static_cast<Addon*>(info.Data());
  const StoreOptions options = OptionsArg(info);
  auto* registers = new Registers();
  Napi::ArrayBuffer buffer;
  try {
    buffer = RegisterBuffer(env, registers);
  } catch (...) {
    delete registers;  // no owner took it
    throw;
  }
  // From here the buffer holds one share of the registers and the handle takes the other.
  StoreHandle* handle = nullptr;
  try {
    handle = new StoreHandle(options, registers);
  } catch (...) {
    Registers::Release(registers);
    throw;
  }
  try {
    addon->Adopt(handle);
  } catch (...) {
    delete handle;
    throw;
  }
  napi_value external = nullptr;
  napi_status status = napi_create_external(env, handle, FinalizeHandle, addon, &external);
  if (status != napi_ok) {
    addon->Close(handle);
    NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  }
  // A failure here leaves the handle to its finalizer (or the cleanup hook).
  NAPI_THROW_IF_FAILED(env, napi_type_tag_object(env, external, &kStoreHandleTag), Napi::Value());
  Napi::Object out = Napi::Object::New(env);
  out.Set("handle", external);
  out.Set("spec", Napi::Float64Array::New(env, kSpecFieldCount, buffer, offsetof(Registers, spec)));
  out.Set("io", Napi::Int32Array::New(env, kIoFieldCount, buffer, offsetof(Registers, io)));
  return out;
}

// acquire(handle, key, now?, forceRefresh?): every getOrFetch makes this call, so it is written
// against Node-API directly. node-addon-api's wrapper and type checks cost ~15 ns here, a tenth
// of a hit. Without a clock option JavaScript passes no `now` at all, so a hit needs no typeof.
napi_value Acquire(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];  // napi_get_cb_info fills missing arguments with undefined
  void* addon = nullptr;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, &addon) != napi_ok) return nullptr;
  try {
    StoreHandle& handle = LiveHandleArg(Napi::Env(env), addon, argv[0]);
    const std::u16string_view key = handle.key_buffer.Read(Napi::Env(env), argv[1], "key");
    Now now = MonotonicNow();
    napi_valuetype now_type = napi_undefined;
    if (argc > 2) napi_typeof(env, argv[2], &now_type);
    if (now_type != napi_undefined) now = NowFromValue(Napi::Env(env), argv[2]);
    bool force = false;
    if (argc > 3) napi_get_value_bool(env, argv[3], &force);
    const Result result = handle.store.Acquire(key, now, force);
    int32_t code = static_cast<int32_t>(result.slot);
    if (result.outcome != Outcome::kHit) {
      handle.PublishRemovals();
      int32_t* io = handle.io;
      io[kIoFlightSlot] = static_cast<int32_t>(result.flight.slot);
      io[kIoGeneration] = static_cast<int32_t>(result.flight.generation);
      io[kIoValueSlot] = result.slot == kNoSlot ? -1 : static_cast<int32_t>(result.slot);
      if (result.outcome == Outcome::kStaleHit) {
        io[kIoStarted] = result.started ? 1 : 0;
        code = kCodeStale;
      } else {
        code = result.outcome == Outcome::kJoin ? kCodeJoin : kCodeStart;
      }
      // A fetch starts: its start time, by the same clock complete() and fail() will read.
      if (code == kCodeStart || result.started) handle.spec[kSpecNow] = now.get();
    }
    napi_value out = nullptr;
    napi_create_int32(env, code, &out);
    return out;
  } catch (const Napi::Error& error) {
    error.ThrowAsJavaScriptException();
  } catch (const std::exception& error) {
    napi_throw_error(env, nullptr, error.what());
  }
  return nullptr;
}

// A lookup's answer: a fresh value slot, kCodeStale with the stale entry's slot in
// io[kIoValueSlot], or kCodeMiss.
Napi::Value SlotStaleOrMiss(Napi::Env env, StoreHandle& handle, const Result& result) {
  if (result.outcome != Outcome::kStaleHit) return SlotOrMiss(env, handle, result);
  handle.PublishRemovals();
  handle.io[kIoValueSlot] = static_cast<int32_t>(result.slot);
  return Napi::Number::New(env, kCodeStale);
}

// Argument `index` as the allowStale flag (absent: false).
bool AllowStaleArg(const Napi::CallbackInfo& info, size_t index) {
  return info.Length() > index && info[index].ToBoolean().Value();
}

// get(handle, key, now?, allowStale?)
Napi::Value Get(const Napi::CallbackInfo& info) {
  StoreHandle& handle = LiveHandleArg(info.Env(), info.Data(), info[0]);
  const std::u16string_view key = KeyArg(info, handle);
  const Result result = handle.store.Get(key, NowArg(info, 2), AllowStaleArg(info, 3));
  return SlotStaleOrMiss(info.Env(), handle, result);
}

// peek(handle, key, now?, allowStale?)
Napi::Value Peek(const Napi::CallbackInfo& info) {
  StoreHandle& handle = LiveHandleArg(info.Env(), info.Data(), info[0]);
  const std::u16string_view key = KeyArg(info, handle);
  const Result result = handle.store.Peek(key, NowArg(info, 2), AllowStaleArg(info, 3));
  return SlotStaleOrMiss(info.Env(), handle, result);
}

// remainingTtl(handle, key, now?): milliseconds the entry stays fresh (Infinity for never, 0 or
// less once stale), or undefined when none is retained
Napi::Value RemainingTtl(const Napi::CallbackInfo& info) {
  StoreHandle& handle = HandleArg(info);
  const std::u16string_view key = KeyArg(info, handle);
  const std::optional<double> left = handle.store.RemainingTtl(key, NowArg(info, 2));
  handle.PublishRemovals();
  return left ? Napi::Number::New(info.Env(), *left) : info.Env().Undefined();
}

// walk(handle, allowStale, keys, now?): the fresh (or retained) entries, most recently used
// first, as [slot, ...], or with `keys` as [slot, key, slot, key, ...]
Napi::Value Walk(const Napi::CallbackInfo& info) {
  StoreHandle& handle = HandleArg(info);
  Napi::Env env = info.Env();
  const bool keys = info[2].ToBoolean().Value();
  const std::vector<uint32_t> slots =
      handle.store.Walk(NowArg(info, 3), info[1].ToBoolean().Value());
  auto out = Napi::Array::New(env, slots.size() * (keys ? 2 : 1));
  uint32_t at = 0;
  for (const uint32_t slot : slots) {
    out.Set(at++, Napi::Number::New(env, slot));
    // As a napi_value, so the key comes back code unit for code unit (see TakeRemovals).
    if (keys) out.Set(at++, static_cast<napi_value>(KeyString(env, handle.store.KeyOf(slot))));
  }
  return out;
}

// set(handle, key, tags: string[] | undefined, now?), with the entry spec in `spec`
Napi::Value Set(const Napi::CallbackInfo& info) {
  StoreHandle& handle = HandleArg(info);
  // The key buffer is reused per read, so the key is copied before tags are read.
  const std::u16string key(KeyArg(info, handle));
  std::vector<std::u16string> tag_storage;
  std::vector<std::u16string_view> tags;
  if (info[2].IsArray()) {
    auto array = info[2].As<Napi::Array>();
    tag_storage.reserve(array.Length());
    for (uint32_t i = 0; i < array.Length(); ++i) {
      tag_storage.emplace_back(handle.key_buffer.Read(info.Env(), array.Get(i), "tags[]"));
    }
    tags.assign(tag_storage.begin(), tag_storage.end());
  }
  const Result result = handle.store.Set(key, handle.SpecFromShared(), tags, NowArg(info, 3));
  return SlotOrMiss(info.Env(), handle, result);
}

// complete(handle, flightSlot, generation, now?), with the entry spec in `spec`; writes the time
// it read to spec[kSpecNow]
Napi::Value Complete(const Napi::CallbackInfo& info) {
  StoreHandle& handle = LiveHandleArg(info.Env(), info.Data(), info[0]);
  Now now = NowArg(info, 3);
  handle.spec[kSpecNow] = now.get();  // the fetch's end, for its duration
  const Result result = handle.store.Complete(TokenArg(info), handle.SpecFromShared(), now);
  return SlotOrMiss(info.Env(), handle, result);
}

// tagFlight(handle, flightSlot, generation, tags: string[], replace?): with `replace`, the
// fetch's tags become exactly `tags`
Napi::Value TagFlight(const Napi::CallbackInfo& info) {
  StoreHandle& handle = HandleArg(info);
  const FlightToken token = TokenArg(info);
  auto array = info[3].As<Napi::Array>();
  std::vector<std::u16string> tag_storage;
  tag_storage.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    tag_storage.emplace_back(handle.key_buffer.Read(info.Env(), array.Get(i), "tags[]"));
  }
  const std::vector<std::u16string_view> tags(tag_storage.begin(), tag_storage.end());
  handle.store.TagFlight(token, tags, info[4].ToBoolean().Value());
  return info.Env().Undefined();
}

// isCurrent(handle, flightSlot, generation): whether the fetch's result would still be stored
Napi::Value IsCurrent(const Napi::CallbackInfo& info) {
  StoreHandle& handle = HandleArg(info);
  return Napi::Boolean::New(info.Env(), handle.store.IsCurrent(TokenArg(info)));
}

// fail(handle, flightSlot, generation, cause, key, now?): a fallback value slot, else kCodeMiss
// for a fetch that was current, kCodeNotCurrent for one that was not
Napi::Value Fail(const Napi::CallbackInfo& info) {
  StoreHandle& handle = LiveHandleArg(info.Env(), info.Data(), info[0]);
  const auto cause = static_cast<FailCause>(info[3].As<Napi::Number>().Int32Value());
  const std::u16string_view key = handle.key_buffer.Read(info.Env(), info[4], "key");
  Now now = NowArg(info, 5);
  handle.spec[kSpecNow] = now.get();  // the fetch's end, for its duration
  const FailResult result = handle.store.Fail(TokenArg(info), key, cause, now);
  handle.PublishRemovals();
  int32_t code = result.current ? kCodeMiss : kCodeNotCurrent;
  if (result.fallback != kNoSlot) code = static_cast<int32_t>(result.fallback);
  return Napi::Number::New(info.Env(), code);
}

// delete(handle, key): whether a stored entry was removed
Napi::Value Delete(const Napi::CallbackInfo& info) {
  StoreHandle& handle = HandleArg(info);
  const Result result = handle.store.Delete(KeyArg(info, handle));
  handle.PublishRemovals();
  return Napi::Boolean::New(info.Env(), result.outcome == Outcome::kRemoved);
}

// invalidateTag(handle, tag): how many entries were removed
Napi::Value InvalidateTag(const Napi::CallbackInfo& info) {
  StoreHandle& handle = HandleArg(info);
  const size_t removed =
      handle.store.InvalidateTag(handle.key_buffer.Read(info.Env(), info[1], "tag"));
  handle.PublishRemovals();
  return Napi::Number::New(info.Env(), static_cast<double>(removed));
}

// clear(handle)
Napi::Value Clear(const Napi::CallbackInfo& info) {
  StoreHandle& handle = HandleArg(info);
  handle.store.Clear();
  handle.PublishRemovals();
  return info.Env().Undefined();
}

// sweep(handle, limit, now?): milliseconds until the next entry expires (Infinity when none will)
Napi::Value Sweep(const Napi::CallbackInfo& info) {
  StoreHandle& handle = HandleArg(info);
  const auto limit = static_cast<size_t>(info[1].As<Napi::Number>().Int64Value());
  Now now = NowArg(info, 2);
  const double at = now.get();
  handle.store.Sweep(at, limit);
  handle.PublishRemovals();
  const double next = handle.store.NextExpiry();
  return Napi::Number::New(info.Env(), next > at ? next - at : 0);
}

// takeRemovals(handle): [slot, cause, key, slot, cause, key, ...] for the last call's removals
// (key is '' unless the store records keys), oldest first
Napi::Value TakeRemovals(const Napi::CallbackInfo& info) {
  StoreHandle& handle = HandleArg(info);
  Napi::Env env = info.Env();
  auto out = Napi::Array::New(env, handle.removals.size() * 3);
  uint32_t at = 0;
  // Each element is passed as a napi_value: the templated Set would convert a Napi::String
  // through std::string (UTF-8), turning lone surrogates into U+FFFD, and keys must come back
  // code unit for code unit.
  auto put = [&](napi_value value) { out.Set(at++, value); };
  for (const Removal& removal : handle.removals) {
    put(Napi::Number::New(env, removal.slot));
    put(Napi::Number::New(env, static_cast<int32_t>(removal.cause)));
    put(Napi::String::New(env, removal.key));
  }
  handle.removals.clear();
  return out;
}

// recordKeys(handle, record): whether later removals carry their keys (for onEvict and the
// eviction channel); off, a removal costs no key copy.
void RecordKeys(const Napi::CallbackInfo& info) {
  HandleArg(info).store.set_record_removed_keys(info[1].ToBoolean().Value());
}

// size(handle)
Napi::Value Size(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(HandleArg(info).store.size()));
}

// stats(handle)
Napi::Value Stats(const Napi::CallbackInfo& info) {
  return StatsObject(info.Env(), HandleArg(info).store.stats());
}

}  // namespace

#if defined(__linux__)
namespace {

double Milliseconds(const timespec& time) {
  return static_cast<double>(time.tv_sec) * 1e3 + static_cast<double>(time.tv_nsec) / 1e6;
}

// Never less than what MonotonicNowMs reads at the same moment, at a fraction of its cost (a
// fine reading was a tenth of a hit on an entry with a TTL). CLOCK_MONOTONIC_COARSE is
// CLOCK_MONOTONIC as of the last kernel tick: it lags by less than its resolution, a tick, and
// twice that is added.
double MonotonicAtMostMs() {
  static const double margin = [] {
    timespec resolution{};
    clock_getres(CLOCK_MONOTONIC_COARSE, &resolution);
    return 2 * Milliseconds(resolution);
  }();
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return Milliseconds(now) + margin;
}

}  // namespace

// Milliseconds on the monotonic clock: immune to wall-clock steps. CLOCK_MONOTONIC by name, the
// clock MonotonicAtMostMs bounds.
double MonotonicNowMs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return Milliseconds(now);
}

Now MonotonicNow() {
  static constexpr Clock kMonotonic{&MonotonicNowMs, &MonotonicAtMostMs};
  return Now(&kMonotonic);
}
#else
// Milliseconds on the monotonic clock: immune to wall-clock steps.
double MonotonicNowMs() {
  using std::chrono::steady_clock;
  return std::chrono::duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

Now MonotonicNow() {
  static constexpr Clock kMonotonic{&MonotonicNowMs};
  return Now(&kMonotonic);
}
#endif

// A time passed from JavaScript (the clock option's reading).
Now NowFromValue(Napi::Env env, napi_value value) {
  double now = NAN;
  napi_get_value_double(env, value, &now);
  if (!std::isfinite(now)) {
    ThrowArgumentTypeError(env, "clock()", "a finite number of milliseconds", value);
  }
  return Now(now);
}

// Argument `index` as a time, or the monotonic clock (read only if needed) when undefined.
Now NowArg(const Napi::CallbackInfo& info, size_t index) {
  Napi::Value value = info[index];
  if (value.IsUndefined()) return MonotonicNow();
  return NowFromValue(info.Env(), value);
}

std::optional<EvictionPolicy> PolicyArg(Napi::Env env, Napi::Value value) {
  constexpr const char* kExpected = "'lru' or 'tinylfu'";
  if (value.IsUndefined()) return std::nullopt;
  if (!value.IsString()) ThrowArgumentTypeError(env, "policy", kExpected, value);
  const std::optional<EvictionPolicy> policy = PolicyNamed(value.As<Napi::String>().Utf8Value());
  if (!policy) ThrowArgumentRangeError(env, "policy", kExpected, value);
  return policy;
}

Napi::Object StatsObject(Napi::Env env, const StoreStats& stats) {
  Napi::Object out = Napi::Object::New(env);
  auto put = [&](const char* name, uint64_t count) {
    out.Set(name, Napi::Number::New(env, static_cast<double>(count)));
  };
  put("hits", stats.hits);
  put("misses", stats.misses);
  put("staleHits", stats.stale_hits);
  put("fetches", stats.fetches);
  put("refreshes", stats.refreshes);
  put("fetchErrors", stats.fetch_errors);
  put("refreshErrors", stats.refresh_errors);
  put("timeouts", stats.timeouts);
  put("aborts", stats.aborts);
  put("coalesced", stats.coalesced);
  put("evictions", stats.evictions);
  put("expirations", stats.expirations);
  put("size", stats.size);
  put("inFlight", stats.in_flight);
  put("bytes", stats.bytes);
  return out;
}

StoreHandle* StoreHandleOf(napi_env env, napi_value value) noexcept {
  // Only our Externals carry the tag; anything else (another addon's External, a plain object
  // that inherits from a handle) is refused before its pointer is read.
  napi_valuetype type = napi_undefined;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external) return nullptr;
  bool tagged = false;
  if (napi_check_object_type_tag(env, value, &kStoreHandleTag, &tagged) != napi_ok || !tagged) {
    return nullptr;
  }
  void* data = nullptr;
  if (napi_get_value_external(env, value, &data) != napi_ok) return nullptr;
  return static_cast<StoreHandle*>(data);
}

void StoreHandle::PublishRemovals() {
  if (store.pending_removals() == 0) {
    io[kIoRemovals] = 0;
    return;
  }
  store.TakeRemovals(removals);
  io[kIoRemovals] = static_cast<int32_t>(removals.size());
  io[kIoFirstSlot] = static_cast<int32_t>(removals.front().slot);
}

EntrySpec StoreHandle::SpecFromShared() const {
  // The TypeScript layer validated these; clamp anyway so a bad value cannot corrupt the core.
  auto non_negative = [](double value) { return value >= 0 ? value : 0; };
  EntrySpec entry;
  entry.ttl_ms = non_negative(spec[kSpecTtl]);
  entry.stale_while_revalidate_ms = non_negative(spec[kSpecStaleWhileRevalidate]);
  entry.stale_if_error_ms = non_negative(spec[kSpecStaleIfError]);
  const double bytes = non_negative(spec[kSpecBytes]);
  entry.bytes = bytes < 18446744073709551615.0 ? static_cast<uint64_t>(bytes) : UINT64_MAX;
  return entry;
}

void DefineStoreFunctions(Napi::Env env, Napi::Object exports, Addon* addon) {
  exports.Set("createStore", Napi::Function::New<CreateStore>(env, "createStore", addon));
  napi_value acquire = nullptr;
  NAPI_THROW_IF_FAILED_VOID(
      env, napi_create_function(env, "acquire", NAPI_AUTO_LENGTH, Acquire, addon, &acquire));
  exports.Set("acquire", acquire);
  exports.Set("get", Napi::Function::New<Get>(env, "get", addon));
  exports.Set("peek", Napi::Function::New<Peek>(env, "peek", addon));
  exports.Set("remainingTtl", Napi::Function::New<RemainingTtl>(env, "remainingTtl"));
  exports.Set("walk", Napi::Function::New<Walk>(env, "walk"));
  exports.Set("set", Napi::Function::New<Set>(env, "set"));
  exports.Set("complete", Napi::Function::New<Complete>(env, "complete", addon));
  exports.Set("tagFlight", Napi::Function::New<TagFlight>(env, "tagFlight"));
  exports.Set("isCurrent", Napi::Function::New<IsCurrent>(env, "isCurrent"));
  exports.Set("fail", Napi::Function::New<Fail>(env, "fail", addon));
  exports.Set("delete", Napi::Function::New<Delete>(env, "delete"));
  exports.Set("invalidateTag", Napi::Function::New<InvalidateTag>(env, "invalidateTag"));
  exports.Set("clear", Napi::Function::New<Clear>(env, "clear"));
  exports.Set("sweep", Napi::Function::New<Sweep>(env, "sweep"));
  exports.Set("takeRemovals", Napi::Function::New<TakeRemovals>(env, "takeRemovals"));
  exports.Set("recordKeys", Napi::Function::New<RecordKeys>(env, "recordKeys"));
  exports.Set("size", Napi::Function::New<Size>(env, "size"));
  exports.Set("stats", Napi::Function::New<Stats>(env, "stats"));
}

}  // namespace herdcache
