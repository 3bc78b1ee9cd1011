// One measurement of shared mode c) in a process of its own (started by
// workloads/shared_scale.mjs with --expose-gc, and a larger heap limit for the caches that keep
// their values on it): fill `entries` values of ~1 KB (bench/shared_values.mjs, bigObject) by
// misses, 1,000 concurrent at a time; then the V8 heap and RSS after a full GC, and the duration
// of a full GC (median of three); then churn: more misses of new keys, each evicting, with one
// event-loop turn between batches, for `budgetMs`, while sampling event-loop delay and recording
// every GC pause (PerformanceObserver 'gc'). Prints one JSON line.
//
//   empty       a shared-mode cache with nothing stored: the baseline (no churn)
//   shared      new CacheManager({ shared, maxBytes: bytes }) with the default v8Codec
//   object      herdcache object mode, maxSize entries (bench/adapters.mjs)
//   lru-cache   LRUCache with fetchMethod, max entries (bench/adapters.mjs)
//
// usage: node --expose-gc bench/shared_scale_child.mjs <cache> <entries> <bytes> <budgetMs> <ttlMs>

import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { CacheManager } from '../dist/index.js'
import { adapterNamed } from './adapters.mjs'
import { gc } from './harness.mjs'
import { bigObject } from './shared_values.mjs'

const BATCH = 1000
const GC_TIMINGS = 3

const [name, entriesArg, bytesArg, budgetArg, ttlArg] = process.argv.slice(2)
const entries = Number(entriesArg)
const bytes = Number(bytesArg)
const budgetMs = Number(budgetArg)
const ttlMs = Number(ttlArg)

// Whether shared mode can be bounded by maxBytes here: some builds ask for the size of an object
// under maxBytes (ERR_HERDCACHE_SIZE) although they refuse sizeOf in shared mode. Then the store
// is bounded by its entry count instead, which holds the same bytes of these equal-sized values.
async function maxBytesWorks() {
  const probe = new CacheManager({ shared: `herdcache-bench-probe-${process.pid}`, maxBytes: 1 << 20 })
  try {
    await probe.set('probe', bigObject(0))
    return true
  } catch (error) {
    if (error?.code !== 'ERR_HERDCACHE_SIZE') throw error
    return false
  } finally {
    await probe.close()
  }
}

const bound = name === 'empty' || name === 'shared' ? ((await maxBytesWorks()) ? 'maxBytes' : 'maxSize') : 'maxSize'

function create() {
  if (name === 'empty' || name === 'shared') {
    // Bounded by bytes, the entry bound beyond what the bytes allow; or by entries (above).
    const sizes = bound === 'maxBytes' ? { maxSize: entries * 2, maxBytes: bytes } : { maxSize: entries }
    const cache = new CacheManager({ shared: `herdcache-bench-scale-${process.pid}`, ...sizes })
    return {
      getOrFetch: (key, fetcher) => cache.getOrFetch(key, fetcher, ttlMs),
      stats: () => cache.stats(),
    }
  }
  const cache = adapterNamed(name === 'object' ? 'herdcache' : name).create({ maxSize: entries, ttlMs })
  return { getOrFetch: cache.getOrFetch, stats: () => undefined }
}

// Misses for keys [first, first + count), BATCH concurrent calls at a time. Between batches,
// `between` runs (to yield to the event loop) and may end the run by returning false.
async function misses(cache, first, count, between) {
  const out = new Array(BATCH).fill(undefined)
  let done = 0
  while (done < count) {
    const n = Math.min(BATCH, count - done)
    if (n < BATCH) out.length = n
    for (let j = 0; j < n; j++) {
      const id = first + done + j
      out[j] = cache.getOrFetch(`item:${id}`, () => Promise.resolve(bigObject(id)))
    }
    await Promise.all(out)
    done += n
    if (between !== undefined && !(await between())) break
  }
  out.fill(undefined)
  return done
}

async function settle() {
  // A full GC inside the macrotask that resolved the last batch still finds its values alive.
  await nextTurn()
  gc()
  gc()
  return process.memoryUsage()
}

function timeFullGc() {
  const ms = []
  for (let i = 0; i < GC_TIMINGS; i++) {
    const start = performance.now()
    gc()
    ms.push(performance.now() - start)
  }
  return ms.sort((a, b) => a - b)[GC_TIMINGS >> 1]
}

const base = await settle()
const cache = create()
const fillStart = performance.now()
if (name !== 'empty') await misses(cache, 0, entries)
const fillS = (performance.now() - fillStart) / 1000
const filled = await settle()
const stats = cache.stats()
const result = {
  cache: name,
  entries,
  bound,
  fillS,
  heapUsed: filled.heapUsed,
  heapGrowth: filled.heapUsed - base.heapUsed,
  rss: filled.rss,
  rssGrowth: filled.rss - base.rss,
  nativeBytes: stats?.bytes,
  stored: stats?.size,
  gcMs: timeFullGc(),
}

if (name !== 'empty') {
  const pauses = []
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push(entry.duration)
  })
  observer.observe({ entryTypes: ['gc'] })
  const delay = monitorEventLoopDelay({ resolution: 1 })
  const start = performance.now()
  delay.enable()
  const done = await misses(cache, entries, Number.MAX_SAFE_INTEGER, async () => {
    await nextTurn()
    return performance.now() - start < budgetMs
  })
  delay.disable()
  const elapsed = performance.now() - start
  // Entries of the last turns arrive on a later one.
  await nextTurn()
  observer.disconnect()
  Object.assign(result, {
    churned: done,
    churnNsPerMiss: (elapsed * 1e6) / done,
    delayP50Ms: delay.percentile(50) / 1e6,
    delayP99Ms: delay.percentile(99) / 1e6,
    delayMaxMs: delay.max / 1e6,
    gcPauses: pauses.length,
    gcPauseTotalMs: pauses.reduce((sum, ms) => sum + ms, 0),
    gcPauseMaxMs: Math.max(0, ...pauses),
  })
}

process.stdout.write(`${JSON.stringify(result)}\n`)
