#include "store_wrap.h"

#include <chrono>
#include <cmath>

#include "errors.h"

namespace herdcache {
namespace {

// Milliseconds on the monotonic clock: immune to wall-clock steps.
double NowMs() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

uint32_t MaxEntriesArg(const Napi::CallbackInfo& info) {
  Napi::Value value = info[0];
  if (!value.IsNumber()) ThrowArgumentTypeError(info.Env(), "maxSize", "a number", value);
  const double max = value.As<Napi::Number>().DoubleValue();
  if (!(max >= 1) || max != std::floor(max) || max > 9007199254740991.0) {
    ThrowArgumentRangeError(info.Env(), "maxSize", "a positive integer", value);
  }
  // Beyond 2^31 - 1 entries memory runs out long before the bound matters.
  return max > Store::kMaxEntriesLimit ? Store::kMaxEntriesLimit : static_cast<uint32_t>(max);
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
                         InstanceMethod<&StoreWrap::Fail>("fail"),
                         InstanceMethod<&StoreWrap::Delete>("delete"),
                         InstanceMethod<&StoreWrap::Clear>("clear"),
                         InstanceMethod<&StoreWrap::Size>("size"),
                         InstanceMethod<&StoreWrap::Stats>("stats"),
                     });
}

StoreWrap::StoreWrap(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<StoreWrap>(info), store_(MaxEntriesArg(info)) {
  Napi::Env env = info.Env();
  // An ArrayBuffer made here always has an off-heap backing store, so the pointer stays put
  // while the buffer lives; the read-only property ties its life to this object.
  auto buffer = Napi::ArrayBuffer::New(env, kIoFieldCount * sizeof(int32_t));
  io_ = static_cast<int32_t*>(buffer.Data());
  auto io = Napi::Int32Array::New(env, kIoFieldCount, buffer, 0);
  info.This().As<Napi::Object>().DefineProperty(
      Napi::PropertyDescriptor::Value("io", io, napi_default));
}

std::u16string_view StoreWrap::KeyArg(const Napi::CallbackInfo& info) {
  return key_buffer_.Read(info.Env(), info[0], "key");
}

double StoreWrap::TtlArg(const Napi::CallbackInfo& info, size_t index) {
  Napi::Value value = info[index];
  if (!value.IsNumber()) {
    ThrowArgumentTypeError(info.Env(), "ttlMs", "a non-negative number or Infinity", value);
  }
  const double ttl = value.As<Napi::Number>().DoubleValue();
  if (!(ttl >= 0)) {
    ThrowArgumentRangeError(info.Env(), "ttlMs", "a non-negative number or Infinity", value);
  }
  return ttl;
}

FlightToken StoreWrap::TokenArg(const Napi::CallbackInfo& info) {
  return FlightToken{static_cast<uint32_t>(info[0].As<Napi::Number>().Int32Value()),
                     static_cast<uint32_t>(info[1].As<Napi::Number>().Int32Value())};
}

Napi::Value StoreWrap::Report(Napi::Env env, const Result& result) {
  io_[kIoReleased] = result.released == kNoSlot ? -1 : static_cast<int32_t>(result.released);
  const bool has_slot = result.outcome == Outcome::kHit || result.outcome == Outcome::kStored;
  return Napi::Number::New(env, has_slot ? static_cast<int32_t>(result.slot) : kCodeMiss);
}

Napi::Value StoreWrap::Acquire(const Napi::CallbackInfo& info) {
  const Result result = store_.Acquire(KeyArg(info), NowMs());
  switch (result.outcome) {
    case Outcome::kHit:
      return Napi::Number::New(info.Env(), static_cast<int32_t>(result.slot));
    case Outcome::kJoin:
      io_[kIoFlightSlot] = static_cast<int32_t>(result.slot);
      io_[kIoReleased] = -1;
      return Napi::Number::New(info.Env(), kCodeJoin);
    default:  // kStart
      io_[kIoFlightSlot] = static_cast<int32_t>(result.slot);
      io_[kIoGeneration] = static_cast<int32_t>(result.generation);
      io_[kIoReleased] = result.released == kNoSlot ? -1 : static_cast<int32_t>(result.released);
      return Napi::Number::New(info.Env(), kCodeStart);
  }
}

Napi::Value StoreWrap::Get(const Napi::CallbackInfo& info) {
  return Report(info.Env(), store_.Get(KeyArg(info), NowMs()));
}

Napi::Value StoreWrap::Peek(const Napi::CallbackInfo& info) {
  return Report(info.Env(), store_.Peek(KeyArg(info), NowMs()));
}

Napi::Value StoreWrap::Set(const Napi::CallbackInfo& info) {
  const std::u16string_view key = KeyArg(info);
  return Report(info.Env(), store_.Set(key, TtlArg(info, 1), NowMs()));
}

// complete(flightSlot, generation, ttlMs)
Napi::Value StoreWrap::Complete(const Napi::CallbackInfo& info) {
  return Report(info.Env(), store_.Complete(TokenArg(info), TtlArg(info, 2), NowMs()));
}

// fail(flightSlot, generation): whether the fetch was still current
Napi::Value StoreWrap::Fail(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), store_.Fail(TokenArg(info)));
}

Napi::Value StoreWrap::Delete(const Napi::CallbackInfo& info) {
  const Result result = store_.Delete(KeyArg(info));
  Report(info.Env(), result);
  return Napi::Boolean::New(info.Env(), result.outcome == Outcome::kRemoved);
}

Napi::Value StoreWrap::Clear(const Napi::CallbackInfo& info) {
  store_.Clear();
  return info.Env().Undefined();
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
  put("fetches", stats.fetches);
  put("fetchErrors", stats.fetch_errors);
  put("coalesced", stats.coalesced);
  put("evictions", stats.evictions);
  put("expirations", stats.expirations);
  put("size", stats.size);
  put("inFlight", stats.in_flight);
  return out;
}

}  // namespace herdcache
