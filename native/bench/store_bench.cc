// Google Benchmark for the C++ core alone (workload 6 of the benchmark suite): what a lookup, an
// insert that evicts, and an in-flight begin/complete cost at 1,000 and 1,000,000 entries,
// without Node-API or JavaScript. Built as herdcache_core_bench by a plain CMake build when
// Google Benchmark is installed; `npm run bench` builds and runs it.
//
// Every store is full when timing starts, so each insert evicts one entry. Keys look like the JS
// benchmarks' ("user:123456") and are written into a reused buffer per call, as the binding
// does; lookups visit entries in a random order, so a large store pays the cache misses a real
// one would.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string_view>
#include <vector>

#include "huge_pages.h"
#include "store.h"

namespace herdcache {
namespace {

constexpr double kNow = 1000;
// A finite TTL, as the JS benchmarks use, so inserts maintain the expiry heap; nothing expires
// because the clock stands still.
constexpr double kTtlMs = 60000;
constexpr size_t kLookupOrder = size_t{1} << 20;

// Writes "user:<id>" into a reused buffer, as the binding copies each JS key into its key buffer:
// the key a call passes is in cache, whatever the size of the store.
class KeyWriter {
 public:
  std::u16string_view operator()(uint64_t id) noexcept {
    char16_t digits[20];
    size_t count = 0;
    do {
      digits[count++] = static_cast<char16_t>(u'0' + id % 10);
      id /= 10;
    } while (id != 0);
    size_t size = kPrefix.size();
    while (count != 0) buffer_[size++] = digits[--count];
    return {buffer_, size};
  }

 private:
  static constexpr std::u16string_view kPrefix = u"user:";
  char16_t buffer_[32] = {u'u', u's', u'e', u'r', u':'};
};

StoreOptions OptionsFor(uint32_t entries, EvictionPolicy policy = EvictionPolicy::kLru) {
  StoreOptions options;
  options.max_entries = entries;
  options.policy = policy;
  return options;
}

EntrySpec SpecFor(double ttl_ms) {
  EntrySpec spec;
  spec.ttl_ms = ttl_ms;
  return spec;
}

// A full store holding the keys of ids 0..entries-1.
struct FullStore {
  explicit FullStore(uint32_t entries, EvictionPolicy policy = EvictionPolicy::kLru)
      : store(OptionsFor(entries, policy)) {
    for (uint32_t id = 0; id < entries; ++id) store.Set(key(id), SpecFor(kTtlMs), {}, kNow);
    store.TakeRemovals(removals);
  }

  Store store;
  KeyWriter key;
  std::vector<Removal> removals;
};

// One fixture per benchmark and size, built once: Google Benchmark calls each function several
// times while it picks an iteration count, and a 1,000,000-entry store takes a while to fill.
// `next_id` is the next id never inserted, so a Set or Acquire of it always misses.
struct Fixture {
  explicit Fixture(uint32_t entries, EvictionPolicy policy = EvictionPolicy::kLru)
      : full(entries, policy), next_id(entries) {}
  FullStore full;
  uint64_t next_id;
};

template <int kBenchmark>
Fixture& FixtureFor(uint32_t entries, EvictionPolicy policy = EvictionPolicy::kLru) {
  static std::map<uint32_t, std::unique_ptr<Fixture>> fixtures;
  auto& fixture = fixtures[entries];
  if (!fixture) fixture = std::make_unique<Fixture>(entries, policy);
  return *fixture;
}

// A fresh-entry Get of a random key: hash, probe, key compare, move to most recently used.
void Lookup(benchmark::State& state, FullStore& full) {
  const auto entries = static_cast<uint32_t>(state.range(0));
  std::vector<uint32_t> order(kLookupOrder);
  std::mt19937_64 random(42);
  std::uniform_int_distribution<uint32_t> pick(0, entries - 1);
  for (uint32_t& id : order) id = pick(random);
  size_t i = 0;
  for (auto _ : state) {
    const Result result = full.store.Get(full.key(order[i]), kNow);
    benchmark::DoNotOptimize(result);
    i = (i + 1) & (kLookupOrder - 1);
  }
  if (full.store.stats().misses != 0) state.SkipWithError("a lookup missed");
}

void BM_Lookup(benchmark::State& state) {
  Lookup(state, FixtureFor<0>(static_cast<uint32_t>(state.range(0))).full);
}

// The same under policy 'tinylfu': each hit also counts in the frequency sketch.
void BM_LookupTinyLfu(benchmark::State& state) {
  Lookup(state,
         FixtureFor<4>(static_cast<uint32_t>(state.range(0)), EvictionPolicy::kTinyLfu).full);
}

// A Set of a new key into a full store: the least recently used entry is evicted.
void BM_InsertWithEviction(benchmark::State& state) {
  Fixture& fixture = FixtureFor<1>(static_cast<uint32_t>(state.range(0)));
  FullStore& full = fixture.full;
  for (auto _ : state) {
    const Result result = full.store.Set(full.key(fixture.next_id++), SpecFor(kTtlMs), {}, kNow);
    benchmark::DoNotOptimize(result);
    full.store.TakeRemovals(full.removals);
  }
}

// A miss that starts an in-flight record (Acquire) and ends it with a value (Complete), at a
// full store. `ttl_ms` 0 is "coalesce only": the record is removed and nothing is stored, so
// this measures the in-flight registry alone; a positive TTL stores the value, evicting one entry.
void FlightBeginComplete(benchmark::State& state, Fixture& fixture, double ttl_ms) {
  FullStore& full = fixture.full;
  for (auto _ : state) {
    const Result started = full.store.Acquire(full.key(fixture.next_id++), kNow);
    const Result completed = full.store.Complete(started.flight, SpecFor(ttl_ms), kNow);
    benchmark::DoNotOptimize(completed);
    full.store.TakeRemovals(full.removals);
  }
  if (full.store.in_flight() != 0) state.SkipWithError("a flight was left in the registry");
}

void BM_FlightBeginComplete(benchmark::State& state) {
  FlightBeginComplete(state, FixtureFor<2>(static_cast<uint32_t>(state.range(0))), 0);
}

void BM_FlightBeginCompleteStored(benchmark::State& state) {
  FlightBeginComplete(state, FixtureFor<3>(static_cast<uint32_t>(state.range(0))), kTtlMs);
}

// The machine's floor for a lookup in a large store: one load whose address depends on the
// previous one, over a random cycle through a 128 MiB array on huge pages (what a store of
// 1,000,000 entries spans). A hit makes two such loads (the index's bucket, then the entry's
// line), so at 1,000,000 entries it cannot cost less than twice this.
void BM_DependentLoad(benchmark::State& state) {
  constexpr size_t kLine = 64 / sizeof(uint64_t);
  const size_t lines = (static_cast<size_t>(state.range(0)) << 20) / 64;
  HugePageVector<uint64_t> memory(lines * kLine);
  std::vector<uint32_t> cycle(lines);
  for (uint32_t i = 0; i < lines; ++i) cycle[i] = i;
  std::shuffle(cycle.begin(), cycle.end(), std::mt19937_64(42));
  for (size_t i = 0; i < lines; ++i) memory[cycle[i] * kLine] = cycle[(i + 1) % lines];
  uint64_t at = cycle[0];
  for (auto _ : state) {
    at = memory[at * kLine];
    benchmark::DoNotOptimize(at);
  }
}

BENCHMARK(BM_DependentLoad)->Arg(128);
BENCHMARK(BM_Lookup)->Arg(1000)->Arg(1000000);
BENCHMARK(BM_LookupTinyLfu)->Arg(1000)->Arg(1000000);
BENCHMARK(BM_InsertWithEviction)->Arg(1000)->Arg(1000000);
BENCHMARK(BM_FlightBeginComplete)->Arg(1000)->Arg(1000000);
BENCHMARK(BM_FlightBeginCompleteStored)->Arg(1000)->Arg(1000000);

}  // namespace
}  // namespace herdcache

BENCHMARK_MAIN();
