#include "store_wrap.h"

#include <chrono>
#include <cmath>
#include <string>

#include "errors.h"

namespace herdcache {
namespace {

// Milliseconds on the monotonic clock: immune to wall-clock steps.
double MonotonicNowMs() {
  using std::chrono::steady_clock;
  return std::chrono::duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
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
  if (info.Length() > 1 && info[1].IsNumber()) {
    const double max_bytes = info[1].As<Napi::Number>().DoubleValue();
    if (!(max_bytes >= 1) || max_bytes != std::floor(max_bytes)) {
      ThrowArgumentRangeError(info.Env(), "maxBytes", "a positive integer", info[1]);
    }
    if (max_bytes < 18446744073709551615.0) options.max_bytes = static_cast<uint64_t>(max_bytes);
  }
  options.record_removed_keys = info.Length() > 2 && info[2].ToBoolean().Value();
  return options;
}

Napi::Int32Array SharedInt32Array(Napi::Env env, size_t length, int32_t** data) {
  // An ArrayBuffer made here always has an off-heap backing store, so the pointer stays put
  // while the buffer lives.
  auto buffer = Napi::ArrayBuffer::New(env, length * sizeof(int32_t));
  *data = static_cast<int32_t*>(buffer.Data());
  return Napi::Int32Array::New(env, length, buffer, 0);
}

}  // namespace

Napi::Function StoreWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeStore",
                     {
                         InstanceMethod<&StoreWrap::Acquire>("acquire"),
                         InstanceMethod<&StoreWrap::Get>("get"),
                         InstanceMethod<&StoreWrap::Peek>("peek"),
                         InstanceMethod<&StoreWrap::Set>("set"),
                         InstanceMethod<&StoreWrap::Complete>("complete"),
                         InstanceMethod<&StoreWrap::TagFlight>("tagFlight"),
                         InstanceMethod<&StoreWrap::IsCurrent>("isCurrent"),
                         InstanceMethod<&StoreWrap::Fail>("fail"),
                         InstanceMethod<&StoreWrap::Delete>("delete"),
                         InstanceMethod<&StoreWrap::InvalidateTag>("invalidateTag"),
                         InstanceMethod<&StoreWrap::Clear>("clear"),
                         InstanceMethod<&StoreWrap::Sweep>("sweep"),
                         InstanceMethod<&StoreWrap::TakeRemovals>("takeRemovals"),
                         InstanceMethod<&StoreWrap::Size>("size"),
                         InstanceMethod<&StoreWrap::Stats>("stats"),
                     });
}

StoreWrap::StoreWrap(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<StoreWrap>(info), store_(OptionsArg(info)) {
  Napi::Env env = info.Env();
  auto io = SharedInt32Array(env, kIoFieldCount, &io_);
  auto spec_buffer = Napi::ArrayBuffer::New(env, kSpecFieldCount * sizeof(double));
  spec_ = static_cast<const double*>(spec_buffer.Data());
  auto spec = Napi::Float64Array::New(env, kSpecFieldCount, spec_buffer, 0);
  // Read-only properties tie the buffers' lives to this object.
  info.This().As<Napi::Object>().DefineProperties({
      Napi::PropertyDescriptor::Value("io", io, napi_default),
      Napi::PropertyDescriptor::Value("spec", spec, napi_default),
  });
}

std::u16string_view StoreWrap::KeyArg(const Napi::CallbackInfo& info) {
  return key_buffer_.Read(info.Env(), info[0], "key");
}

double StoreWrap::NowArg(const Napi::CallbackInfo& info, size_t index) {
  Napi::Value value = info[index];
  if (value.IsUndefined()) return MonotonicNowMs();
  const double now = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(now)) {
    ThrowArgumentTypeError(info.Env(), "clock()", "a finite number of milliseconds", value);
  }
  return now;
}

FlightToken StoreWrap::TokenArg(const Napi::CallbackInfo& info) {
  return FlightToken{static_cast<uint32_t>(info[0].As<Napi::Number>().Int32Value()),
                     static_cast<uint32_t>(info[1].As<Napi::Number>().Int32Value())};
}

EntrySpec StoreWrap::SpecArg() const {
  // The TypeScript layer validated these; clamp anyway so a bad value cannot corrupt the core.
  auto non_negative = [](double value) { return value >= 0 ? value : 0; };
  EntrySpec spec;
  spec.ttl_ms = non_negative(spec_[kSpecTtl]);
  spec.stale_while_revalidate_ms = non_negative(spec_[kSpecStaleWhileRevalidate]);
  spec.stale_if_error_ms = non_negative(spec_[kSpecStaleIfError]);
  const double bytes = non_negative(spec_[kSpecBytes]);
  spec.bytes = bytes < 18446744073709551615.0 ? static_cast<uint64_t>(bytes) : UINT64_MAX;
  return spec;
}

void StoreWrap::PublishRemovals() {
  if (store_.pending_removals() == 0) {
    io_[kIoRemovals] = 0;
    return;
  }
  store_.TakeRemovals(removals_);
  io_[kIoRemovals] = static_cast<int32_t>(removals_.size());
  io_[kIoFirstSlot] = static_cast<int32_t>(removals_.front().slot);
  io_[kIoFirstCause] = static_cast<int32_t>(removals_.front().cause);
}

Napi::Value StoreWrap::SlotOrMiss(Napi::Env env, const Result& result) {
  PublishRemovals();
  const bool has_slot = result.outcome == Outcome::kHit || result.outcome == Outcome::kStored;
  return Napi::Number::New(env, has_slot ? static_cast<int32_t>(result.slot) : kCodeMiss);
}

// acquire(key, now?, forceRefresh?)
Napi::Value StoreWrap::Acquire(const Napi::CallbackInfo& info) {
  const std::u16string_view key = KeyArg(info);
  const bool force = info.Length() > 2 && info[2].ToBoolean().Value();
  const Result result = store_.Acquire(key, NowArg(info, 1), force);
  if (result.outcome == Outcome::kHit) {
    return Napi::Number::New(info.Env(), static_cast<int32_t>(result.slot));
  }
  PublishRemovals();
  io_[kIoFlightSlot] = static_cast<int32_t>(result.flight.slot);
  io_[kIoGeneration] = static_cast<int32_t>(result.flight.generation);
  io_[kIoValueSlot] = result.slot == kNoSlot ? -1 : static_cast<int32_t>(result.slot);
  switch (result.outcome) {
    case Outcome::kStaleHit:
      io_[kIoStarted] = result.started ? 1 : 0;
      return Napi::Number::New(info.Env(), kCodeStale);
    case Outcome::kJoin:
      return Napi::Number::New(info.Env(), kCodeJoin);
    default:  // kStart
      return Napi::Number::New(info.Env(), kCodeStart);
  }
}

// get(key, now?)
Napi::Value StoreWrap::Get(const Napi::CallbackInfo& info) {
  const std::u16string_view key = KeyArg(info);
  return SlotOrMiss(info.Env(), store_.Get(key, NowArg(info, 1)));
}

// peek(key, now?)
Napi::Value StoreWrap::Peek(const Napi::CallbackInfo& info) {
  const std::u16string_view key = KeyArg(info);
  return SlotOrMiss(info.Env(), store_.Peek(key, NowArg(info, 1)));
}

// set(key, tags: string[] | undefined, now?), with the entry spec in `spec`
Napi::Value StoreWrap::Set(const Napi::CallbackInfo& info) {
  // The key buffer is reused per call, so the key is copied before tags are read.
  const std::u16string key(KeyArg(info));
  std::vector<std::u16string> tag_storage;
  std::vector<std::u16string_view> tags;
  if (info[1].IsArray()) {
    auto array = info[1].As<Napi::Array>();
    tag_storage.reserve(array.Length());
    for (uint32_t i = 0; i < array.Length(); ++i) {
      tag_storage.emplace_back(key_buffer_.Read(info.Env(), array.Get(i), "tags[]"));
    }
    tags.assign(tag_storage.begin(), tag_storage.end());
  }
  return SlotOrMiss(info.Env(), store_.Set(key, SpecArg(), tags, NowArg(info, 2)));
}

// complete(flightSlot, generation, now?), with the entry spec in `spec`
Napi::Value StoreWrap::Complete(const Napi::CallbackInfo& info) {
  return SlotOrMiss(info.Env(), store_.Complete(TokenArg(info), SpecArg(), NowArg(info, 2)));
}

// tagFlight(flightSlot, generation, tags: string[])
Napi::Value StoreWrap::TagFlight(const Napi::CallbackInfo& info) {
  const FlightToken token = TokenArg(info);
  auto array = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); ++i) {
    store_.TagFlight(token, key_buffer_.Read(info.Env(), array.Get(i), "tags[]"));
  }
  return info.Env().Undefined();
}

// isCurrent(flightSlot, generation): whether the fetch's result would still be stored
Napi::Value StoreWrap::IsCurrent(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), store_.IsCurrent(TokenArg(info)));
}

// fail(flightSlot, generation, cause, now?): a fallback value slot, kCodeMiss when there is
// none, or kCodeNotCurrent when the fetch was no longer current
Napi::Value StoreWrap::Fail(const Napi::CallbackInfo& info) {
  const auto cause = static_cast<FailCause>(info[2].As<Napi::Number>().Int32Value());
  const FailResult result = store_.Fail(TokenArg(info), cause, NowArg(info, 3));
  PublishRemovals();
  int32_t code = kCodeNotCurrent;
  if (result.current) {
    code = result.fallback == kNoSlot ? kCodeMiss : static_cast<int32_t>(result.fallback);
  }
  return Napi::Number::New(info.Env(), code);
}

Napi::Value StoreWrap::Delete(const Napi::CallbackInfo& info) {
  const Result result = store_.Delete(KeyArg(info));
  PublishRemovals();
  return Napi::Boolean::New(info.Env(), result.outcome == Outcome::kRemoved);
}

Napi::Value StoreWrap::InvalidateTag(const Napi::CallbackInfo& info) {
  const size_t removed = store_.InvalidateTag(key_buffer_.Read(info.Env(), info[0], "tag"));
  PublishRemovals();
  return Napi::Number::New(info.Env(), static_cast<double>(removed));
}

Napi::Value StoreWrap::Clear(const Napi::CallbackInfo& info) {
  store_.Clear();
  PublishRemovals();
  return info.Env().Undefined();
}

// sweep(limit, now?): milliseconds until the next entry expires (Infinity when none will)
Napi::Value StoreWrap::Sweep(const Napi::CallbackInfo& info) {
  const auto limit = static_cast<size_t>(info[0].As<Napi::Number>().Int64Value());
  const double now = NowArg(info, 1);
  store_.Sweep(now, limit);
  PublishRemovals();
  const double next = store_.NextExpiry();
  return Napi::Number::New(info.Env(), next > now ? next - now : 0);
}

// takeRemovals(): [slot, cause, key, slot, cause, key, ...] for the last call's removals (key
// is '' unless the store records keys), oldest first
Napi::Value StoreWrap::TakeRemovals(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto out = Napi::Array::New(env, removals_.size() * 3);
  uint32_t at = 0;
  for (const Removal& removal : removals_) {
    out.Set(at++, Napi::Number::New(env, removal.slot));
    out.Set(at++, Napi::Number::New(env, static_cast<int32_t>(removal.cause)));
    out.Set(at++, Napi::String::New(env, removal.key));
  }
  removals_.clear();
  return out;
}

Napi::Value StoreWrap::Size(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(store_.size()));
}

Napi::Value StoreWrap::Stats(const Napi::CallbackInfo& info) {
  const StoreStats stats = store_.stats();
  Napi::Object out = Napi::Object::New(info.Env());
  auto put = [&](const char* name, uint64_t count) {
    out.Set(name, Napi::Number::New(info.Env(), static_cast<double>(count)));
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

}  // namespace herdcache
