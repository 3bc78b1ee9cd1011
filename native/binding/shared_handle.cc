#include "shared_handle.h"

#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "addon.h"
#include "errors.h"
#include "store_handle.h"

namespace herdcache {
namespace {

SharedHandle& HandleArg(const Napi::CallbackInfo& info) {
  SharedHandle* handle = static_cast<Addon*>(info.Data())->FindShared(info.Env(), info[0]);
  if (handle == nullptr || !handle->store) {
    ThrowArgumentTypeError(info.Env(), "store", "an open herdcache shared store handle", info[0]);
  }
  return *handle;
}

std::vector<SharedRemoval>* Removed(SharedHandle& handle) {
  return handle.report ? &handle.removed : nullptr;
}

FlightToken TokenArg(const Napi::CallbackInfo& info) {
  return FlightToken{static_cast<uint32_t>(info[1].As<Napi::Number>().Int64Value()),
                     static_cast<uint32_t>(info[2].As<Napi::Number>().Int64Value())};
}

// A value's bytes as a new Buffer (a copy: the store's bytes never reach JavaScript).
Napi::Value BytesValue(Napi::Env env, const Bytes& bytes) {
  if (!bytes) return env.Undefined();
  const napi_value buffer = Napi::Buffer<uint8_t>::Copy(env, bytes->data(), bytes->size());
  return {env, buffer};
}

// A fresh value's bytes, copied into the caller's `scratch` Buffer when they fit (the answer is
// then their length: JavaScript copies them out into a pooled Buffer, far cheaper than a new
// Buffer made here), else as a new Buffer.
Napi::Value HitValue(Napi::Env env, const Bytes& bytes, napi_value scratch) {
  void* data = nullptr;
  size_t capacity = 0;
  if (bytes && scratch != nullptr &&
      napi_get_buffer_info(env, scratch, &data, &capacity) == napi_ok &&
      bytes->size() <= capacity) {
    if (!bytes->empty()) std::memcpy(data, bytes->data(), bytes->size());
    return Napi::Number::New(env, static_cast<double>(bytes->size()));
  }
  return BytesValue(env, bytes);
}

// A Uint8Array argument's bytes, copied into an immutable Bytes.
Bytes BytesArg(const Napi::CallbackInfo& info, size_t index, const char* argument) {
  Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowArgumentTypeError(info.Env(), argument, "a Uint8Array", value);
  }
  auto array = value.As<Napi::Uint8Array>();
  return std::make_shared<const std::vector<uint8_t>>(array.Data(),
                                                      array.Data() + array.ByteLength());
}

EntrySpec SpecArg(const Napi::CallbackInfo& info, size_t index) {
  auto non_negative = [&](size_t at) {
    const double value = info[at].As<Napi::Number>().DoubleValue();
    return value >= 0 ? value : 0;
  };
  EntrySpec spec;
  spec.ttl_ms = non_negative(index);
  spec.stale_while_revalidate_ms = non_negative(index + 1);
  spec.stale_if_error_ms = non_negative(index + 2);
  const double bytes = non_negative(index + 3);
  spec.bytes = bytes < 18446744073709551615.0 ? static_cast<uint64_t>(bytes) : UINT64_MAX;
  return spec;
}

std::vector<std::u16string> TagsArg(const Napi::CallbackInfo& info, size_t index,
                                    SharedHandle& handle) {
  std::vector<std::u16string> tags;
  if (!info[index].IsArray()) return tags;
  auto array = info[index].As<Napi::Array>();
  tags.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    tags.emplace_back(handle.key_buffer.Read(info.Env(), array.Get(i), "tags[]"));
  }
  return tags;
}

// The thread-safe function's call: on this member's thread, hands the queued notices to the
// sink as sink(flightSlot, generation, kind, bytes). Dropped when the sink was collected (then
// nothing waited), the handle closed, or the environment is going (env null).
void DeliverNotices(napi_env env, napi_value, void* data, void*) {
  auto* context = static_cast<WakeContext*>(data);
  if (env == nullptr) return;
  std::vector<Notice> notices = context->member->TakeNotices();
  napi_value sink = nullptr;
  if (context->sink == nullptr || napi_get_reference_value(env, context->sink, &sink) != napi_ok ||
      sink == nullptr) {
    return;
  }
  Napi::Env napi_env(env);
  // This is a plain Node-API callback: a C++ exception leaving it would abort the process. The
  // wrappers below throw when the thread is being terminated (JavaScript can no longer run, so
  // a Buffer cannot be made); the notices then go with the thread.
  try {
    for (const Notice& notice : notices) {
      napi_value args[4] = {
          Napi::Number::New(napi_env, static_cast<double>(notice.flight >> 32)),
          Napi::Number::New(napi_env, static_cast<double>(notice.flight & 0xffffffffU)),
          Napi::Number::New(napi_env, static_cast<int>(notice.kind)),
          BytesValue(napi_env, notice.bytes),
      };
      napi_value undefined = nullptr;
      napi_get_undefined(env, &undefined);
      napi_value ignored = nullptr;
      // The sink catches what it calls; a throw here would be a bug in lib/, reported as Node
      // reports any uncaught exception.
      if (napi_call_function(env, undefined, sink, 4, args, &ignored) != napi_ok) return;
    }
  } catch (const Napi::Error&) {
    return;
  }
}

void FinalizeWake(napi_env, void* data, void*) { delete static_cast<WakeContext*>(data); }

void CloseHook(void* handle) {
  auto* shared = static_cast<SharedHandle*>(handle);
  shared->hooked = false;
  shared->Close();
}

void FinalizeHandle(napi_env, void* handle, void* addon) {
  static_cast<Addon*>(addon)->Close(static_cast<SharedHandle*>(handle));
}

// openShared(name, maxSize?, maxBytes?, sink, codec, policy?): a handle, or [option, open, asked]
// when the open store has other sizes, another codec or another policy (then open and asked are
// the codecs' or the policies' names)
Napi::Value OpenShared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* addon = static_cast<Addon*>(info.Data());
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  std::optional<uint32_t> max_entries;
  std::optional<uint64_t> max_bytes;
  if (info[1].IsNumber()) {
    const double max = info[1].As<Napi::Number>().DoubleValue();
    max_entries =
        max > Store::kMaxEntriesLimit ? Store::kMaxEntriesLimit : static_cast<uint32_t>(max);
  }
  if (info[2].IsNumber()) {
    const double max = info[2].As<Napi::Number>().DoubleValue();
    max_bytes = max < 18446744073709551615.0 ? static_cast<uint64_t>(max) : UINT64_MAX;
  }
  if (!info[3].IsFunction()) ThrowArgumentTypeError(env, "sink", "a function", info[3]);
  const std::string codec = info[4].IsString() ? info[4].As<Napi::String>().Utf8Value() : "";
  const std::optional<EvictionPolicy> policy = PolicyArg(env, info[5]);
  SharedRegistry::Mismatch mismatch;
  std::shared_ptr<SharedStore> store =
      SharedRegistry::Open(name, max_entries, max_bytes, StoreOptions{}, &mismatch, codec, policy);
  if (!store) {
    auto out = Napi::Array::New(env, 3);
    out.Set(0u, Napi::String::New(env, mismatch.option));
    if (mismatch.option == "codec") {
      out.Set(1u, Napi::String::New(env, mismatch.open_codec));
      out.Set(2u, Napi::String::New(env, mismatch.asked_codec));
    } else if (mismatch.option == "policy") {
      out.Set(1u, Napi::String::New(env, mismatch.open_policy));
      out.Set(2u, Napi::String::New(env, mismatch.asked_policy));
    } else {
      out.Set(1u, Napi::Number::New(env, mismatch.open));
      out.Set(2u, Napi::Number::New(env, mismatch.asked));
    }
    return out;
  }
  auto* handle = new SharedHandle();
  addon->Adopt(handle);
  handle->env = env;
  napi_value external = nullptr;
  napi_status status = napi_create_external(env, handle, FinalizeHandle, addon, &external);
  if (status != napi_ok) {
    addon->Close(handle);
    NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  }
  NAPI_THROW_IF_FAILED(env, napi_type_tag_object(env, external, &kSharedHandleTag), Napi::Value());
  handle->member = std::make_shared<SharedMember>();
  auto* context = new WakeContext{handle->member, nullptr};
  status = napi_create_reference(env, info[3], 0, &context->sink);
  if (status != napi_ok) delete context;
  NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  napi_value resource_name = Napi::String::New(env, "herdcache.shared");
  status = napi_create_threadsafe_function(env, nullptr, nullptr, resource_name, 0, 1, context,
                                           FinalizeWake, context, DeliverNotices, &handle->wake);
  if (status != napi_ok) {
    napi_delete_reference(env, context->sink);
    delete context;
  }
  NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  handle->context = context;
  napi_unref_threadsafe_function(env, handle->wake);
  NAPI_THROW_IF_FAILED(env, napi_add_env_cleanup_hook(env, CloseHook, handle), Napi::Value());
  handle->hooked = true;
  napi_threadsafe_function wake = handle->wake;
  handle->member->Arm(
      [wake] { napi_call_threadsafe_function(wake, nullptr, napi_tsfn_nonblocking); });
  store->Join(handle->member);
  handle->store = store;  // from here the handle is open
  return Napi::Value(env, external);
}

// close(handle): leaves the store; later calls with the handle throw
Napi::Value CloseShared(const Napi::CallbackInfo& info) {
  SharedHandle* handle = static_cast<Addon*>(info.Data())->FindShared(info.Env(), info[0]);
  if (handle != nullptr) handle->Close();
  return info.Env().Undefined();
}

// hold(handle, waiting): while waiting, the sink is held strongly and the thread kept alive
Napi::Value Hold(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  const bool hold = info[1].ToBoolean().Value();
  if (hold == handle.held) return info.Env().Undefined();
  handle.held = hold;
  uint32_t count = 0;
  if (hold) {
    napi_reference_ref(info.Env(), handle.context->sink, &count);
    napi_ref_threadsafe_function(info.Env(), handle.wake);
  } else {
    napi_reference_unref(info.Env(), handle.context->sink, &count);
    napi_unref_threadsafe_function(info.Env(), handle.wake);
  }
  return info.Env().Undefined();
}

// acquire(handle, key, now?, force?, scratch?): a fresh value's bytes (see HitValue), or
// [code, flightSlot, generation, started, foreign, now, bytes] with code 0 stale, 1 join, 2 start
Napi::Value Acquire(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SharedHandle& handle = HandleArg(info);
  const std::u16string_view key = handle.key_buffer.Read(env, info[1], "key");
  Now now = NowArg(info, 2);
  const SharedResult answer =
      handle.store->Acquire(*handle.member, key, now, info[3].ToBoolean().Value(), Removed(handle));
  const Result& result = answer.result;
  if (result.outcome == Outcome::kHit) return HitValue(env, answer.value, info[4]);
  const int code = result.outcome == Outcome::kStaleHit ? 0
                   : result.outcome == Outcome::kJoin   ? 1
                                                        : 2;
  const bool started = code == 2 || result.started;
  auto out = Napi::Array::New(env, 7);
  out.Set(0u, Napi::Number::New(env, code));
  out.Set(1u, Napi::Number::New(env, result.flight.slot));
  out.Set(2u, Napi::Number::New(env, result.flight.generation));
  out.Set(3u, Napi::Boolean::New(env, started));
  out.Set(4u, Napi::Boolean::New(env, answer.foreign));
  out.Set(5u, Napi::Number::New(env, started ? now.get() : NAN));
  out.Set(6u, BytesValue(env, answer.value));
  return out;
}

// A read's answer: a fresh value's bytes (see HitValue), [bytes] for a stale one, or null.
Napi::Value ReadAnswer(Napi::Env env, const SharedResult& answer, napi_value scratch) {
  if (answer.result.outcome == Outcome::kHit) return HitValue(env, answer.value, scratch);
  if (answer.result.outcome == Outcome::kStaleHit) {
    auto out = Napi::Array::New(env, 1);
    out.Set(0u, BytesValue(env, answer.value));
    return out;
  }
  return env.Null();
}

// get(handle, key, now?, allowStale?, scratch?) and peek(...): see ReadAnswer
Napi::Value Get(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  const std::u16string_view key = handle.key_buffer.Read(info.Env(), info[1], "key");
  return ReadAnswer(
      info.Env(),
      handle.store->Get(key, NowArg(info, 2), info[3].ToBoolean().Value(), Removed(handle)),
      info[4]);
}

Napi::Value Peek(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  const std::u16string_view key = handle.key_buffer.Read(info.Env(), info[1], "key");
  return ReadAnswer(
      info.Env(),
      handle.store->Peek(key, NowArg(info, 2), info[3].ToBoolean().Value(), Removed(handle)),
      info[4]);
}

// remainingTtl(handle, key, now?)
Napi::Value RemainingTtl(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  const std::u16string_view key = handle.key_buffer.Read(info.Env(), info[1], "key");
  const std::optional<double> left =
      handle.store->RemainingTtl(key, NowArg(info, 2), Removed(handle));
  return left ? Napi::Number::New(info.Env(), *left) : info.Env().Undefined();
}

// walk(handle, allowStale, now?): [key, bytes, key, bytes, ...], most recently used first
Napi::Value Walk(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  Napi::Env env = info.Env();
  const auto entries = handle.store->Walk(NowArg(info, 2), info[1].ToBoolean().Value());
  auto out = Napi::Array::New(env, entries.size() * 2);
  uint32_t at = 0;
  for (const auto& [key, bytes] : entries) {
    out.Set(at++, static_cast<napi_value>(Napi::String::New(env, key)));
    out.Set(at++, BytesValue(env, bytes));
  }
  return out;
}

// set(handle, key, bytes, ttl, swr, sie, size, tags?, now?): whether it was stored
Napi::Value Set(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  const std::u16string key(handle.key_buffer.Read(info.Env(), info[1], "key"));
  const Bytes bytes = BytesArg(info, 2, "bytes");
  const std::vector<std::u16string> tag_storage = TagsArg(info, 7, handle);
  const std::vector<std::u16string_view> tags(tag_storage.begin(), tag_storage.end());
  const Result result =
      handle.store->Set(key, SpecArg(info, 3), bytes, tags, NowArg(info, 8), Removed(handle));
  return Napi::Boolean::New(info.Env(), result.outcome == Outcome::kStored);
}

// complete(handle, flightSlot, generation, bytes, ttl, swr, sie, size, now?): [stored, now]
Napi::Value Complete(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  const Bytes bytes = BytesArg(info, 3, "bytes");
  Now now = NowArg(info, 8);
  const double at = now.get();
  const Result result =
      handle.store->Complete(TokenArg(info), SpecArg(info, 4), bytes, now, Removed(handle));
  auto out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::Boolean::New(info.Env(), result.outcome == Outcome::kStored));
  out.Set(1u, Napi::Number::New(info.Env(), at));
  return out;
}

// fail(handle, flightSlot, generation, cause, key, errorBytes?, now?): [fallbackBytes?, now]
Napi::Value Fail(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  const auto cause = static_cast<FailCause>(info[3].As<Napi::Number>().Int32Value());
  const std::u16string key(handle.key_buffer.Read(info.Env(), info[4], "key"));
  const Bytes error = info[5].IsUndefined() ? nullptr : BytesArg(info, 5, "error");
  Now now = NowArg(info, 6);
  const double at = now.get();
  const SharedFailResult result =
      handle.store->Fail(TokenArg(info), key, cause, error, now, Removed(handle));
  auto out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, BytesValue(info.Env(), result.fallback));
  out.Set(1u, Napi::Number::New(info.Env(), at));
  return out;
}

// tagFlight(handle, flightSlot, generation, tags, replace?)
Napi::Value TagFlight(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  const std::vector<std::u16string> tag_storage = TagsArg(info, 3, handle);
  const std::vector<std::u16string_view> tags(tag_storage.begin(), tag_storage.end());
  handle.store->TagFlight(TokenArg(info), tags, info[4].ToBoolean().Value());
  return info.Env().Undefined();
}

// isCurrent(handle, flightSlot, generation)
Napi::Value IsCurrent(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  return Napi::Boolean::New(info.Env(), handle.store->IsCurrent(TokenArg(info)));
}

// delete(handle, key): whether an entry was removed
Napi::Value Delete(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  const std::u16string_view key = handle.key_buffer.Read(info.Env(), info[1], "key");
  const Result result = handle.store->Delete(key, Removed(handle));
  return Napi::Boolean::New(info.Env(), result.outcome == Outcome::kRemoved);
}

// invalidateTag(handle, tag): how many entries were removed
Napi::Value InvalidateTag(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  const std::u16string_view tag = handle.key_buffer.Read(info.Env(), info[1], "tag");
  return Napi::Number::New(info.Env(),
                           static_cast<double>(handle.store->InvalidateTag(tag, Removed(handle))));
}

// clear(handle)
Napi::Value Clear(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  handle.store->Clear(Removed(handle));
  return info.Env().Undefined();
}

// sweep(handle, limit, now?): [ms until the next expiry, how many were removed]
Napi::Value Sweep(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  const auto limit = static_cast<size_t>(info[1].As<Napi::Number>().Int64Value());
  Now now = NowArg(info, 2);
  const double at = now.get();
  const size_t count = handle.store->Sweep(at, limit, Removed(handle));
  const double next = handle.store->NextExpiry();
  auto out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::Number::New(info.Env(), next > at ? next - at : 0));
  out.Set(1u, Napi::Number::New(info.Env(), static_cast<double>(count)));
  return out;
}

// recordKeys(handle, record): whether removals are kept for takeRemovals
Napi::Value RecordKeys(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  handle.report = info[1].ToBoolean().Value();
  if (!handle.report) handle.removed.clear();
  return info.Env().Undefined();
}

// takeRemovals(handle, values): [key, cause, bytes?, ...], oldest first; bytes only with `values`
Napi::Value TakeRemovals(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  Napi::Env env = info.Env();
  const bool values = info[1].ToBoolean().Value();
  auto out = Napi::Array::New(env, handle.removed.size() * 3);
  uint32_t at = 0;
  for (const SharedRemoval& removal : handle.removed) {
    out.Set(at++, static_cast<napi_value>(Napi::String::New(env, removal.key)));
    out.Set(at++, Napi::Number::New(env, static_cast<int>(removal.cause)));
    out.Set(at++, values ? BytesValue(env, removal.value) : env.Undefined());
  }
  handle.removed.clear();
  return out;
}

// limits(handle): [maxSize, maxBytes] of the open store, maxBytes undefined when unbounded
Napi::Value Limits(const Napi::CallbackInfo& info) {
  SharedHandle& handle = HandleArg(info);
  Napi::Env env = info.Env();
  const uint64_t max_bytes = handle.store->max_bytes();
  auto out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, handle.store->max_entries()));
  out.Set(1u, max_bytes == UINT64_MAX ? env.Undefined()
                                      : Napi::Number::New(env, static_cast<double>(max_bytes)));
  return out;
}

Napi::Value Size(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(HandleArg(info).store->size()));
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  return StatsObject(info.Env(), HandleArg(info).store->stats());
}

// sharedCounts(): { stores, names }: shared stores alive in the process, and names open
Napi::Value SharedCounts(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("stores", Napi::Number::New(info.Env(), static_cast<double>(SharedStore::live_count())));
  out.Set("names",
          Napi::Number::New(info.Env(), static_cast<double>(SharedRegistry::open_count())));
  return out;
}

}  // namespace

void SharedHandle::Close() {
  if (hooked) {
    napi_remove_env_cleanup_hook(env, CloseHook, this);
    hooked = false;
  }
  if (store) store->Leave(*member, MonotonicNow());
  store.reset();
  if (context != nullptr) {
    if (context->sink != nullptr) napi_delete_reference(env, context->sink);
    context->sink = nullptr;
    context = nullptr;
  }
  if (wake != nullptr) {
    // No other thread can call it any more (the member left the store under its lock); abort
    // drops a call still queued. The function frees its context when it finalizes.
    napi_release_threadsafe_function(wake, napi_tsfn_abort);
    wake = nullptr;
  }
}

void DefineSharedFunctions(Napi::Env env, Napi::Object exports, Addon* addon) {
  Napi::Object shared = Napi::Object::New(env);
  auto define = [&](const char* name, Napi::Function::Callback callback) {
    shared.Set(name, Napi::Function::New(env, callback, name, addon));
  };
  define("open", OpenShared);
  define("close", CloseShared);
  define("hold", Hold);
  define("acquire", Acquire);
  define("get", Get);
  define("peek", Peek);
  define("remainingTtl", RemainingTtl);
  define("walk", Walk);
  define("set", Set);
  define("complete", Complete);
  define("fail", Fail);
  define("tagFlight", TagFlight);
  define("isCurrent", IsCurrent);
  define("delete", Delete);
  define("invalidateTag", InvalidateTag);
  define("clear", Clear);
  define("sweep", Sweep);
  define("recordKeys", RecordKeys);
  define("takeRemovals", TakeRemovals);
  define("limits", Limits);
  define("size", Size);
  define("stats", Stats);
  define("counts", SharedCounts);
  exports.Set("shared", shared);
}

}  // namespace herdcache
