// One instance of a fleet in the fleet benchmark: a process running one cache of
// bench/fleet_caches.mjs over the shared redis-server, measuring what workloads/fleet.mjs asks
// (over IPC, see demo/processes.mjs). The upstream is a timer here, counted per key: the parent
// adds up the four processes' counts.
//
// usage (forked by workloads/fleet.mjs): bench/fleet_child.mjs <cache name> <redis port> <ttl ms>

import { performance } from 'node:perf_hooks'
import { serveParent } from '../demo/processes.mjs'
import { cacheNamed, rawClient } from './fleet_caches.mjs'
import { randomIds } from './harness.mjs'

const [name, portArg, ttlArg] = process.argv.slice(2)
const redisPort = Number(portArg)
const MAX_SIZE = 100_000
const L2_BLOCK = 50
const cache = await cacheNamed(name).create({ redisPort, ttlMs: Number(ttlArg), maxSize: MAX_SIZE })
let raw

/** What every cache stores for `key`: a small record, the same for all. */
function valueOf(key) {
  return { key, name: `item ${key}`, price: 12.5, tags: ['fleet', 'bench'], stock: 7 }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const collect = () => globalThis.gc?.()

async function hitLoop(cache, ids, prefix, fetcher) {
  let sum = 0
  for (let i = 0; i < ids.length; i++) {
    const value = await cache.getOrFetch(prefix + ids[i], fetcher)
    sum += value.stock
  }
  return sum
}

// Sequential reads of keys [from, to) through the cache: each an L1 miss that Redis answers.
async function readLoop(cache, prefix, from, to, fetcher) {
  let sum = 0
  for (let i = from; i < to; i++) {
    const value = await cache.getOrFetch(prefix + i, fetcher)
    sum += value.stock
  }
  return sum
}

// Sequential plain GETs of keys [from, to), each holding a value's JSON.
async function rawLoop(client, prefix, from, to) {
  let sum = 0
  for (let i = from; i < to; i++) sum += JSON.parse(await client.get(prefix + i)).stock
  return sum
}

function counting(value) {
  const fetcher = () => {
    fetcher.calls++
    return Promise.resolve(value)
  }
  fetcher.calls = 0
  return fetcher
}

serveParent({
  // From `startAt` (epoch ms, the same for the four processes), `perKey` concurrent requests for
  // each of `keys` cold keys, whose upstream answers after `upstreamMs`.
  async burst({ prefix, keys, perKey, startAt, upstreamMs }) {
    const calls = new Array(keys).fill(0)
    const latencies = []
    const pending = []
    await sleep(Math.max(0, startAt - Date.now()))
    for (let k = 0; k < keys; k++) {
      const key = prefix + k
      const fetcher = () => {
        calls[k]++
        return new Promise((resolve) => setTimeout(resolve, upstreamMs, valueOf(key)))
      }
      for (let r = 0; r < perKey; r++) {
        const started = performance.now()
        pending.push(cache.getOrFetch(key, fetcher).then(() => latencies.push(performance.now() - started)))
      }
    }
    await Promise.all(pending)
    return { calls, latencies }
  },

  // `warm` keys stored, then `ops` sequential awaited hits on random ones of them.
  async hits({ prefix, warm, ops, seed }) {
    for (let id = 0; id < warm; id++) await cache.getOrFetch(prefix + id, () => Promise.resolve(valueOf(prefix + id)))
    const ids = randomIds(ops, warm, seed)
    const fetcher = counting(valueOf('miss'))
    collect()
    const started = performance.now()
    await hitLoop(cache, ids, prefix, fetcher)
    return { nsPerOp: ((performance.now() - started) * 1e6) / ops, misses: fetcher.calls }
  },

  // Stores keys [0, count) through the cache: in its L1 and in Redis.
  async write({ prefix, count }) {
    for (let i = 0; i < count; i++) await cache.getOrFetch(prefix + i, () => Promise.resolve(valueOf(prefix + i)))
    return {}
  },

  // Reads keys [0, count) that another process wrote (L2 hits), and as many plain GETs of the
  // value's JSON on a client of this process's own, in alternating blocks, so that both see the
  // same moments of a shared machine.
  async readL2({ prefix, count, rawPrefix }) {
    raw ??= await rawClient(redisPort)
    const write = raw.pipeline()
    for (let i = 0; i < count; i++) write.set(rawPrefix + i, JSON.stringify(valueOf(rawPrefix + i)), 'PX', 600_000)
    await write.exec()
    const fetcher = counting(valueOf('miss'))
    collect()
    let cacheMs = 0
    let rawMs = 0
    for (let from = 0; from < count; from += L2_BLOCK) {
      const to = Math.min(count, from + L2_BLOCK)
      let started = performance.now()
      await readLoop(cache, prefix, from, to, fetcher)
      cacheMs += performance.now() - started
      started = performance.now()
      await rawLoop(raw, rawPrefix, from, to)
      rawMs += performance.now() - started
    }
    return { usPerOp: (cacheMs * 1e3) / count, rawUsPerOp: (rawMs * 1e3) / count, misses: fetcher.calls }
  },

  async close() {
    await cache.close()
    await raw?.quit()
    return {}
  },
})
