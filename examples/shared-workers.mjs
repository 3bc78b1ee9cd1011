// @ts-check
// Shared mode: a pool of four worker threads (plain node:worker_threads) shares one cache, so
// requests for the same keys make one upstream call per key for the whole process, whichever
// worker they land on, and the main thread reads the entries the workers fetched.
//
// The file is both programs: the main thread runs it as the pool, and each worker runs it again
// as a worker (`isMainThread` tells which).
//
// Run: node examples/shared-workers.mjs
// expect: 30 requests for 3 keys on 4 workers: 3 upstream calls (user:1 1, user:2 1, user:3 1)
// expect: the store counted 30 lookups and 3 fetcher calls, for every thread
// expect: the main thread sees the workers' entries: user:1, user:2, user:3
// expect: user:2 as the main thread reads it: { id: 2, name: 'user 2', since: 2024-01-02T00:00:00.000Z }
// expect: since is a Date: true; one object for two reads: false
import { once } from 'node:events'
import { setTimeout as delay } from 'node:timers/promises'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { CacheManager } from 'herdcache'

/** @typedef {{ id: number, name: string, since: Date }} Profile */
const KEYS = ['user:1', 'user:2', 'user:3']

if (isMainThread) {
  // #region main
  // The main thread opens the store first, with its sizes, and keeps it open: a shared store
  // lives while a cache of it is open, in any thread.
  /** @type {CacheManager<Profile>} */
  const cache = new CacheManager({ shared: 'profiles', maxSize: 10_000 })

  // The upstream's own count of calls per user id, as its access log would have it: a
  // SharedArrayBuffer, since the fetch of a key may run in any worker.
  const upstreamCalls = new Int32Array(new SharedArrayBuffer(4 * (KEYS.length + 1)))
  const pool = await startPool(4, { upstreamCalls })

  // Request i asks for key i % 3 on worker i % 4: every key reaches every worker.
  const requests = Array.from({ length: 30 }, (_, i) => pool.run(KEYS[i % KEYS.length]))
  await Promise.all(requests)
  // #endregion main

  const perKey = KEYS.map((key, i) => `${key} ${upstreamCalls[i + 1]}`).join(', ')
  const total = upstreamCalls.reduce((sum, calls) => sum + calls, 0)
  console.log(
    `${requests.length} requests for ${KEYS.length} keys on 4 workers: ${total} upstream calls (${perKey})`,
  )

  // #region read
  const { hits, misses, fetches } = cache.stats() // the whole store: every thread's calls
  console.log(
    `the store counted ${hits + misses} lookups and ${fetches} fetcher calls, for every thread`,
  )
  console.log(`the main thread sees the workers' entries: ${[...cache.keys()].sort().join(', ')}`)
  const profile = cache.peek('user:2') // decoded from the store: a copy
  console.log('user:2 as the main thread reads it:', profile)
  console.log(
    `since is a Date: ${profile?.since instanceof Date}; ` +
      `one object for two reads: ${profile === cache.peek('user:2')}`,
  )
  // #endregion read

  await pool.close()
  await cache.close() // the last cache of 'profiles' to leave: the store is freed
} else if (parentPort) {
  // #region worker
  // A worker opens the same store by name; leaving out maxSize takes the open store's.
  const cache = new CacheManager({ shared: 'profiles' })
  const upstreamCalls = workerData.upstreamCalls

  // A stand-in for a slow upstream: 100 ms per call, counted per user id.
  async function getProfile(id) {
    Atomics.add(upstreamCalls, id, 1)
    await delay(100)
    return { id, name: `user ${id}`, since: new Date(Date.UTC(2024, 0, id)) }
  }

  const port = parentPort // (not null in a worker) its channel to the main thread
  async function answer({ id, key }) {
    try {
      const profile = await cache.getOrFetch(
        key,
        () => getProfile(Number(key.slice('user:'.length))),
        60_000,
      )
      port.postMessage({ id, profile })
    } catch (error) {
      port.postMessage({ id, error: String(error) })
    }
  }
  async function leave() {
    await cache.close() // this worker's cache leaves the store
    port.close() // nothing else keeps this worker alive: it exits
  }
  port.on('message', (message) => {
    if (message === 'close') void leave()
    else void answer(message)
  })
  port.postMessage('ready')
  // #endregion worker
}

// #region pool
/**
 * Starts `size` workers running this file, once each has opened its cache. `run(key)` sends a
 * request to the next worker in turn; `close()` lets every worker leave the store and exit.
 */
async function startPool(size, data) {
  const workers = Array.from(
    { length: size },
    () => new Worker(new URL(import.meta.url), { workerData: data }),
  )
  await Promise.all(workers.map((worker) => once(worker, 'message')))
  const pending = new Map()
  for (const worker of workers) {
    worker.on('message', ({ id, profile, error }) => {
      const request = pending.get(id)
      pending.delete(id)
      if (error === undefined) request.resolve(profile)
      else request.reject(new Error(error))
    })
  }
  let next = 0
  return {
    run(key) {
      const id = next++
      workers[id % size].postMessage({ id, key })
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }))
    },
    async close() {
      await Promise.all(
        workers.map((worker) => {
          worker.postMessage('close')
          return once(worker, 'exit')
        }),
      )
    },
  }
}
// #endregion pool
