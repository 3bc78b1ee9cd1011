#include "protocol.h"

#include "store.h"

namespace herdcache {
namespace {

// The names lib/ reports removals under (its EvictionReason), by cause rather than by position,
// so reordering the enum cannot pair a cause with another's name.
const char* RemovalReasonName(RemovalCause cause) {
  switch (cause) {
    case RemovalCause::kEvicted:
      return "evict";
    case RemovalCause::kExpired:
      return "expire";
    case RemovalCause::kDeleted:
      return "delete";
    case RemovalCause::kReplaced:
      return "set";
    case RemovalCause::kCleared:
      return "clear";
  }
  return "";
}

const char* FailCauseName(FailCause cause) {
  switch (cause) {
    case FailCause::kError:
      return "error";
    case FailCause::kTimeout:
      return "timeout";
    case FailCause::kAbort:
      return "abort";
  }
  return "";
}

void Put(Napi::Object object, const char* name, int32_t value) {
  object.Set(name, Napi::Number::New(object.Env(), value));
}

Napi::Object Frozen(Napi::Object object) {
  NAPI_THROW_IF_FAILED(object.Env(), napi_object_freeze(object.Env(), object), object);
  return object;
}

}  // namespace

Napi::Object ProtocolObject(Napi::Env env) {
  Napi::Object io = Napi::Object::New(env);
  Put(io, "flightSlot", kIoFlightSlot);
  Put(io, "generation", kIoGeneration);
  Put(io, "valueSlot", kIoValueSlot);
  Put(io, "removals", kIoRemovals);
  Put(io, "firstSlot", kIoFirstSlot);
  Put(io, "started", kIoStarted);

  Napi::Object spec = Napi::Object::New(env);
  Put(spec, "ttl", kSpecTtl);
  Put(spec, "staleWhileRevalidate", kSpecStaleWhileRevalidate);
  Put(spec, "staleIfError", kSpecStaleIfError);
  Put(spec, "bytes", kSpecBytes);
  Put(spec, "now", kSpecNow);

  Napi::Object codes = Napi::Object::New(env);
  Put(codes, "miss", kCodeMiss);
  Put(codes, "join", kCodeJoin);
  Put(codes, "start", kCodeStart);
  Put(codes, "stale", kCodeStale);
  Put(codes, "notCurrent", kCodeNotCurrent);

  Napi::Array removal_reasons = Napi::Array::New(env, kRemovalCauseCount);
  for (int cause = 0; cause < kRemovalCauseCount; ++cause) {
    removal_reasons.Set(cause, RemovalReasonName(static_cast<RemovalCause>(cause)));
  }
  Napi::Array fail_causes = Napi::Array::New(env, kFailCauseCount);
  for (int cause = 0; cause < kFailCauseCount; ++cause) {
    fail_causes.Set(cause, FailCauseName(static_cast<FailCause>(cause)));
  }

  Napi::Object protocol = Napi::Object::New(env);
  protocol.Set("io", Frozen(io));
  protocol.Set("spec", Frozen(spec));
  protocol.Set("codes", Frozen(codes));
  protocol.Set("removalReasons", Frozen(removal_reasons));
  protocol.Set("failCauses", Frozen(fail_causes));
  return Frozen(protocol);
}

}  // namespace herdcache
