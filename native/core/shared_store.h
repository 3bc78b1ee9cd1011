// One store shared by every thread of the process that opens its name: a Store (entries and
// in-flight records) behind one mutex, with the values kept as encoded bytes and the fetches in
// flight known by the thread (member) that runs them and the members that wait for them.
//
// A member is one cache object in one thread. The member that starts a fetch runs it; a member
// of another thread that asks for the key while it runs joins it as a waiter and is told the
// outcome through its notice queue: the value's bytes, the error's bytes, or that the fetch was
// orphaned (its member closed, or every caller in its thread gave up) so a waiter should fetch
// anew. A member's `wake` callback runs (from whatever thread ends the fetch, with the store
// locked) when its queue stops being empty; the binding makes it a thread-safe function call.
//
// Values are immutable byte strings (Bytes), shared by reference: a read copies them out after
// the lock is released, so no decode ever runs under the lock.
//
// Plain C++: it knows nothing of JavaScript. Thread-safe: every public method may be called from
// any thread. Lock order: the store's mutex, then a member's queue mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store.h"

namespace herdcache {

using Bytes = std::shared_ptr<const std::vector<uint8_t>>;

// A flight as members name it: its token's slot and generation in one number.
inline uint64_t FlightIdOf(FlightToken token) noexcept {
  return (static_cast<uint64_t>(token.slot) << 32) | token.generation;
}

// How a fetch in another thread ended, as a waiter learns it. The numbers are part of the
// binding's protocol.
enum class NoticeKind : uint8_t {
  kValue = 0,     // `bytes` is the value (the fetched one, or the fallback of a failed fetch)
  kError = 1,     // `bytes` is the error, as the fetching thread encoded it
  kOrphaned = 2,  // the fetch will not end: its member closed or gave it up; fetch anew
};

struct Notice {
  uint64_t flight = 0;
  NoticeKind kind = NoticeKind::kValue;
  Bytes bytes;
};

// An entry a call removed, with its value's bytes (for onEvict).
struct SharedRemoval {
  std::u16string key;
  RemovalCause cause;
  Bytes value;
};

class SharedStore;

// One participant: a cache object in one thread. Created by SharedStore::Join.
class SharedMember {
 public:
  SharedMember() = default;
  // `wake` is called, with the store locked and from any thread, each time the queue goes from
  // empty to not empty. Set before the member joins a store.
  explicit SharedMember(std::function<void()> wake) : wake_(std::move(wake)) {}
  void Arm(std::function<void()> wake) { wake_ = std::move(wake); }
  SharedMember(const SharedMember&) = delete;
  SharedMember& operator=(const SharedMember&) = delete;

  // The notices queued since the last take, oldest first. Any thread.
  std::vector<Notice> TakeNotices();

 private:
  friend class SharedStore;
  void Push(Notice notice);

  std::mutex mutex_;
  std::vector<Notice> queue_;
  std::function<void()> wake_;
  bool joined_ = false;  // guarded by the store's mutex
};

struct SharedResult {
  Result result;
  Bytes value;           // kHit, kStaleHit, kStored-less reads: the entry's bytes; kStart: the
                         // retained entry's, if any
  bool foreign = false;  // kJoin: the fetch runs in another member
};

struct SharedFailResult {
  bool current = false;
  Bytes fallback;  // the newest good value's bytes, or null
};

class SharedStore {
 public:
  explicit SharedStore(const StoreOptions& options);
  ~SharedStore();
  SharedStore(const SharedStore&) = delete;
  SharedStore& operator=(const SharedStore&) = delete;

  // Registers `member`. Precondition: it is not joined to any store.
  void Join(const std::shared_ptr<SharedMember>& member);
  // Unregisters `member`: the fetches it runs end as abandoned (their waiters are told they are
  // orphaned) and it stops waiting for any. Idempotent. `now` times the abandoned fetches' end.
  void Leave(SharedMember& member, Now now);

  // Store::Acquire. A kStart or a refresh (kStaleHit with `started`) is run by `member`; a kJoin
  // of a fetch another member runs makes `member` one of its waiters (once per member).
  SharedResult Acquire(SharedMember& member, std::u16string_view key, Now now, bool force_refresh,
                       std::vector<SharedRemoval>* removed);
  SharedResult Get(std::u16string_view key, Now now, bool allow_stale,
                   std::vector<SharedRemoval>* removed);
  SharedResult Peek(std::u16string_view key, Now now, bool allow_stale,
                    std::vector<SharedRemoval>* removed);
  std::optional<double> RemainingTtl(std::u16string_view key, Now now,
                                     std::vector<SharedRemoval>* removed);
  // The entries of Store::Walk, with their keys and values.
  std::vector<std::pair<std::u16string, Bytes>> Walk(Now now, bool allow_stale);

  void TagFlight(FlightToken token, std::span<const std::u16string_view> tags, bool replace);
  bool IsCurrent(FlightToken token);

  // Store::Complete with `value` kept when stored; every waiter of the fetch gets `value`.
  Result Complete(FlightToken token, const EntrySpec& spec, const Bytes& value, Now now,
                  std::vector<SharedRemoval>* removed);
  // Store::Fail. Waiters get the fallback's bytes when there is one, else `error`; a fetch
  // abandoned (kAbort) orphans its waiters, who fetch anew.
  SharedFailResult Fail(FlightToken token, std::u16string_view key, FailCause cause,
                        const Bytes& error, Now now, std::vector<SharedRemoval>* removed);

  Result Set(std::u16string_view key, const EntrySpec& spec, const Bytes& value,
             std::span<const std::u16string_view> tags, Now now,
             std::vector<SharedRemoval>* removed);
  Result Delete(std::u16string_view key, std::vector<SharedRemoval>* removed);
  size_t InvalidateTag(std::u16string_view tag, std::vector<SharedRemoval>* removed);
  void Clear(std::vector<SharedRemoval>* removed);
  size_t Sweep(Now now, size_t limit, std::vector<SharedRemoval>* removed);
  double NextExpiry();

  StoreStats stats();
  size_t size();
  uint32_t max_entries() const noexcept { return max_entries_; }
  uint64_t max_bytes() const noexcept { return max_bytes_; }
  EvictionPolicy policy() const noexcept { return policy_; }
  // The name of the codec its values are encoded with (set once, by the registry).
  const std::string& codec() const noexcept { return codec_; }
  // Members joined now; fetches with a known runner now (for tests).
  size_t members();
  size_t running();
  bool CheckInvariants();

  // SharedStore objects alive in the process (for leak tests).
  static size_t live_count() noexcept { return live_.load(); }

 private:
  struct Running {
    SharedMember* runner = nullptr;
    std::u16string key;
    std::vector<SharedMember*> waiters;
  };

  Bytes ValueOf(uint32_t slot) const;
  void Keep(uint32_t slot, const Bytes& value);  // the bytes of the entry now in `slot`
  SharedResult Answer(const Result& result, std::vector<SharedRemoval>* removed);
  void Collect(std::vector<SharedRemoval>* removed);
  void Started(SharedMember& member, std::u16string_view key, FlightToken token);
  void Notify(uint64_t flight, NoticeKind kind, const Bytes& bytes);

  friend class SharedRegistry;
  const uint32_t max_entries_;
  const uint64_t max_bytes_;
  const EvictionPolicy policy_;
  std::string codec_;
  std::mutex mutex_;
  Store store_;
  std::vector<Bytes> values_;  // by entry slot
  std::vector<Removal> removals_;
  std::unordered_map<uint64_t, Running> running_;  // by flight id
  std::vector<std::shared_ptr<SharedMember>> members_;

  static std::atomic<size_t> live_;
};

// The process's shared stores by name. A store lives while a member holds it (the binding keeps
// a shared_ptr per member) and is freed with the last; the map forgets it at the next Open.
class SharedRegistry {
 public:
  // How Open answers when the name is open with other sizes, another codec or another policy.
  struct Mismatch {
    std::string option;        // "maxSize", "maxBytes", "codec" or "policy"
    double open = 0;           // the open store's size
    double asked = 0;          // the request's size
    std::string open_codec;    // "codec": the open store's codec name
    std::string asked_codec;   // "codec": the request's
    std::string open_policy;   // "policy": the open store's policy name (PolicyName)
    std::string asked_policy;  // "policy": the request's
  };

  // The store named `name`: the open one, or a new one with `options` whose values `codec`
  // encodes. `max_entries`, `max_bytes` and `policy` given, and `codec`, must equal the open
  // store's; else null and `mismatch` says which. A new store takes `policy` when given, else
  // the defaults'.
  static std::shared_ptr<SharedStore> Open(const std::string& name,
                                           std::optional<uint32_t> max_entries,
                                           std::optional<uint64_t> max_bytes,
                                           const StoreOptions& defaults, Mismatch* mismatch,
                                           const std::string& codec = {},
                                           std::optional<EvictionPolicy> policy = std::nullopt);
  // Names whose store is alive now (forgetting the others).
  static size_t open_count();

 private:
  static std::mutex mutex_;
  static std::unordered_map<std::string, std::weak_ptr<SharedStore>> stores_;
};

}  // namespace herdcache
