// One worker thread of the shared-mode benchmark (started by bench/shared_pool.mjs). It answers:
//
//   prepare { cache, name, keys, ttlMs }  settles its heap and creates the cache to measure:
//       'shared' (new CacheManager({ shared: name })), 'object' (a CacheManager of its own) or
//       'lru-cache' (an LRUCache of its own with fetchMethod), as bench/adapters.mjs drives them
//   burst { keys, prefix, upstreamMs, round }  at the main thread's signal, asks for every key
//       at once; the upstream is a timer that counts its calls per key in `calls` (shared
//       memory, so the main thread adds up all threads). Then it reports the burst's duration
//       and its heap's growth since prepare, after a full GC, with the cache still holding
//       every value; and lets go of the cache (close() in shared mode).
//   fill { stores, keys, ttlMs }  stores every shape's values under `${shape}:${i}` into the
//       shared stores named in `stores` (codec name to store name), then closes them: the
//       values a hit in another thread reads.

import { performance } from 'node:perf_hooks'
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import { getHeapStatistics } from 'node:v8'
import { workerData } from 'node:worker_threads'
import { LRUCache } from 'lru-cache'
import { CacheManager, jsonCodec, v8Codec } from '../dist/index.js'
import { awaitGo, serveMain } from './shared_pool.mjs'
import { bigObject, msgpackrCodec, SHAPES } from './shared_values.mjs'

const { calls, control } = workerData
const CODECS = { v8: v8Codec, json: jsonCodec, msgpackr: msgpackrCodec }

function settledHeap() {
  globalThis.gc()
  globalThis.gc()
  return getHeapStatistics().used_heap_size
}

let current

// Each cache driven as bench/adapters.mjs drives it (not imported: it loads every peer, eight
// times over here).
function create(cache, name, keys, ttlMs) {
  if (cache === 'shared') {
    const shared = new CacheManager({ shared: name, maxSize: keys * 2 })
    return {
      getOrFetch: (key, fetcher) => shared.getOrFetch(key, fetcher, ttlMs),
      bytes: () => shared.stats().bytes,
      close: () => shared.close(),
    }
  }
  if (cache === 'object') {
    const object = new CacheManager({ maxSize: keys * 2 })
    return { getOrFetch: (key, fetcher) => object.getOrFetch(key, fetcher, ttlMs), bytes: () => undefined, close() {} }
  }
  const lru = new LRUCache({ max: keys * 2, ttl: ttlMs, fetchMethod: (_key, _stale, { context }) => context() })
  return { getOrFetch: (key, fetcher) => lru.fetch(key, { context: fetcher }), bytes: () => undefined, close() {} }
}

function prepare({ cache, name, keys, ttlMs }) {
  const base = settledHeap()
  current = { cache: create(cache, name, keys, ttlMs), base }
}

async function burst({ keys, prefix, upstreamMs, round }) {
  const { cache, base } = current
  let pending = new Array(keys)
  awaitGo(control, round)
  const start = performance.now()
  for (let k = 0; k < keys; k++) {
    pending[k] = cache.getOrFetch(prefix + k, async () => {
      Atomics.add(calls, k, 1)
      await sleep(upstreamMs)
      return bigObject(k)
    })
  }
  await Promise.all(pending)
  const ms = performance.now() - start
  pending = undefined
  // A full GC inside the macrotask that resolved the fetches still finds their values alive
  // (plain Promises too, no cache involved): measure from the next turn.
  await nextTurn()
  const heapGrowth = settledHeap() - base
  const bytes = cache.bytes()
  current = undefined
  await cache.close()
  return { ms, heapGrowth, bytes }
}

async function fill({ stores, keys, ttlMs }) {
  for (const [codec, name] of Object.entries(stores)) {
    const cache = new CacheManager({ shared: name, codec: CODECS[codec] })
    for (const shape of SHAPES) {
      for (let i = 0; i < keys; i++) await cache.set(`${shape.id}:${i}`, shape.make(i), ttlMs)
    }
    await cache.close()
  }
}

serveMain({ prepare, burst, fill })
