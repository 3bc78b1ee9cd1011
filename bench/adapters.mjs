// Every cache the benchmarks drive, behind one shape: create({ maxSize, ttlMs }) returns an object
// whose getOrFetch(key, fetcher) answers a Promise (or, for the floors, a value) of the value
// stored for `key`, calling fetcher() on a miss. Each peer is driven through its own public API,
// the way its documentation shows; docs/BENCHMARKS.md explains each adaptation and the semantic
// differences found.
//
// `skip` names the workloads an adapter cannot run faithfully, with the reason printed as n/a.

import { createKeyv } from '@cacheable/memory'
import { createCache as createAsyncCacheDedupe } from 'async-cache-dedupe'
import { createCache as createCacheManager } from 'cache-manager'
import { LRUCache } from 'lru-cache'
import pMemoize from 'p-memoize'
import { coalesceAsync } from 'promise-coalesce'
import QuickLRU from 'quick-lru'
import { CacheManager } from '../dist/index.js'
import { ReferenceCacheManager } from './reference_cache.mjs'

const COALESCE_ONLY = 'coalescing only: stores nothing, so every call is a miss'
const NOT_A_COALESCER = 'a floor, not a cache: no coalescing or eviction'

/** @typedef {'hit' | 'hit-reused' | 'hit-batch' | 'storm' | 'miss-churn' | 'scale'} Workload */

export const adapters = [
  {
    name: 'herdcache',
    role: 'subject',
    skip: {},
    create({ maxSize, ttlMs }) {
      const cache = new CacheManager({ maxSize })
      return { getOrFetch: (key, fetcher) => cache.getOrFetch(key, fetcher, ttlMs) }
    },
  },
  {
    // fetch() with a fetchMethod that reads the caller's fetcher from `context`: the documented way
    // to give lru-cache a per-call loader.
    name: 'lru-cache',
    role: 'peer',
    skip: {},
    create({ maxSize, ttlMs }) {
      const cache = new LRUCache({
        max: maxSize,
        ttl: ttlMs,
        fetchMethod: (_key, _stale, { context }) => context(),
      })
      return { getOrFetch: (key, fetcher) => cache.fetch(key, { context: fetcher }) }
    },
  },
  {
    // The memoized function takes (key, fetcher) and is keyed on the key alone.
    name: 'p-memoize',
    role: 'peer',
    skip: {},
    create({ maxSize, ttlMs }) {
      const memoized = pMemoize((_key, fetcher) => fetcher(), {
        cache: new QuickLRU({ maxSize, maxAge: ttlMs }),
        cacheKey: ([key]) => key,
      })
      return { getOrFetch: memoized }
    },
  },
  {
    // One defined function over an { key, fetcher } argument, serialized to its key. The memory
    // storage is mnemonist's LRU of `size` entries; ttl is in whole seconds.
    name: 'async-cache-dedupe',
    role: 'peer',
    skip: {},
    create({ maxSize, ttlMs }) {
      const cache = createAsyncCacheDedupe({
        ttl: Math.max(1, Math.round(ttlMs / 1000)),
        storage: { type: 'memory', options: { size: maxSize } },
      })
      cache.define('load', { serialize: (args) => args.key }, (args) => args.fetcher())
      return { getOrFetch: (key, fetcher) => cache.load({ key, fetcher }) }
    },
  },
  {
    // cache-manager 7 stores through Keyv. The bounded in-memory store is @cacheable/memory (the
    // cacheable project's own LRU store for Keyv), built with its createKeyv(), which also turns
    // Keyv's JSON serialization off as cache-manager's default store does. useClone: false keeps
    // values by identity; its default (true) would hand every reader a clone.
    name: 'cache-manager',
    role: 'peer',
    skip: {},
    create({ maxSize, ttlMs }) {
      const cache = createCacheManager({
        stores: [createKeyv({ ttl: ttlMs, lruSize: maxSize, useClone: false })],
      })
      return { getOrFetch: (key, fetcher) => cache.wrap(key, fetcher, ttlMs) }
    },
  },
  {
    name: 'promise-coalesce',
    role: 'peer',
    skip: {
      hit: COALESCE_ONLY,
      'hit-reused': COALESCE_ONLY,
      'hit-batch': COALESCE_ONLY,
      'miss-churn': COALESCE_ONLY,
      scale: COALESCE_ONLY,
    },
    create() {
      // coalesceAsync keeps one module-wide Map; a per-instance prefix keeps instances apart.
      const prefix = `${instances++}:`
      return { getOrFetch: (key, fetcher) => coalesceAsync(prefix + key, fetcher) }
    },
  },
  {
    name: 'reference (TASK-034)',
    role: 'peer',
    skip: {},
    create({ maxSize, ttlMs }) {
      const cache = new ReferenceCacheManager({ maxSize })
      return { getOrFetch: (key, fetcher) => cache.getOrFetch(key, fetcher, ttlMs) }
    },
  },
  {
    // An unbounded Map: in hit and hit-batch, the lookup plus the await that every cache pays at
    // least; in scale, the memory and GC cost of the entries alone. No TTL, no coalescing.
    name: 'floor: Map',
    role: 'floor',
    skip: { storm: NOT_A_COALESCER, 'miss-churn': NOT_A_COALESCER },
    scaleNoChurn: 'unbounded: it never evicts, so churning would only grow it',
    create() {
      const map = new Map()
      return {
        getOrFetch(key, fetcher) {
          const value = map.get(key)
          if (value !== undefined) return value
          return Promise.resolve(fetcher()).then((fetched) => {
            map.set(key, fetched)
            return fetched
          })
        },
      }
    },
  },
  {
    // An await of an already resolved Promise, with no lookup at all.
    name: 'floor: await resolved',
    role: 'floor',
    skip: { storm: NOT_A_COALESCER, 'miss-churn': NOT_A_COALESCER, scale: NOT_A_COALESCER },
    create() {
      const resolved = Promise.resolve({ id: 0 })
      return { getOrFetch: () => resolved }
    },
  },
]

let instances = 0

export function adapterNamed(name) {
  const adapter = adapters.find((a) => a.name === name)
  if (adapter === undefined) throw new Error(`no adapter named ${name}`)
  return adapter
}

/** The adapters that run `workload`, in declaration order (herdcache first). */
export function adaptersFor(workload) {
  return adapters.filter((a) => a.skip[workload] === undefined)
}

/** The adapters that skip `workload`, with the reason. */
export function skippedFor(workload) {
  return adapters.filter((a) => a.skip[workload] !== undefined).map((a) => ({ name: a.name, reason: a.skip[workload] }))
}
