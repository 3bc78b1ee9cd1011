import type { Codec } from './codec/codec.js'
import type { CacheTier, TierStats } from './fetch/tier.js'

/**
 * Why an entry left the cache, as passed to `onEvict`:
 *
 * - `'evict'`: made room under `maxSize` or `maxBytes` (the least recently used first, or
 *   under `policy: 'tinylfu'` the entry TinyLFU chooses).
 * - `'expire'`: its time ran out (found by a lookup, reclaimed by the expiry sweep, or chosen
 *   for room).
 * - `'delete'`: removed by `delete` or `invalidateTag`.
 * - `'set'`: replaced by a new value for its key (`set`, or a fetch or refresh that stored).
 * - `'clear'`: removed by `clear`.
 */
export type EvictionReason = 'evict' | 'expire' | 'delete' | 'set' | 'clear'

/**
 * Which entry makes room when the cache is full (the `policy` option):
 *
 * - `'lru'` (the default): the least recently used entry.
 * - `'tinylfu'`: W-TinyLFU (Caffeine's design): new entries enter a small LRU window, and an
 *   entry leaving the window displaces an entry of the main space only if its key was asked
 *   for more often (by a compact frequency sketch that counts hits and misses and forgets
 *   slowly). A scan of keys asked for once cannot flush the keys asked for often.
 */
export type EvictionPolicy = 'lru' | 'tinylfu'

/** What a fetcher receives. */
export interface FetchContext<T = unknown> {
  /** The key being fetched. */
  readonly key: string
  /**
   * Aborted when the fetch times out or every caller waiting on it has left; pass it on to
   * `fetch()` or your client so the upstream call stops too.
   */
  readonly signal: AbortSignal
  /**
   * The value still held for the key, or `undefined`: the stale value a refresh or a fetch
   * within stale-if-error replaces, or the fresh one a `forceRefresh` passes over.
   */
  readonly staleValue: T | undefined
  /**
   * Whether this fetch is a background refresh: started by a stale hit within
   * `staleWhileRevalidateMs`, whose caller was answered with the stale value at once. No caller
   * waits for it, so it may run at a lower priority.
   */
  readonly background: boolean
  /**
   * How the result is stored, for the fetcher to decide from what it fetched (a `Cache-Control`
   * header, a rate-limit reset): initialised from the call that started the fetch, and read when
   * the fetcher's result arrives. See {@link FetcherOptions}.
   */
  readonly options: FetcherOptions
}

/**
 * `context.options`: how a fetch's result is stored, decided by its fetcher (lru-cache's
 * `fetchMethod` options, p-memoize's `shouldCache`). Each field starts as the call that started
 * the fetch gave it (or its default); set any of them before the fetcher's result is returned.
 *
 * ```ts
 * await cache.getOrFetch(url, async ({ options }) => {
 *   const response = await fetch(url)
 *   options.ttlMs = maxAgeMs(response.headers.get('cache-control'))
 *   if (!response.ok) options.store = false
 *   return response.json()
 * })
 * ```
 *
 * They are read once, when the result arrives, and checked as the call's options are: a bad
 * value (or a name that is not an option) fails the fetch with the same `TypeError` or
 * `RangeError` (every waiter rejects with it; nothing is stored). Callers who joined the fetch
 * get its one result, whatever was decided. Changes after the result arrived have no effect.
 */
export interface FetcherOptions {
  /** Milliseconds the value is fresh; `0` stores nothing, as `store: false` does. */
  ttlMs: number
  /** The stored entry's stale-while-revalidate window, in milliseconds. */
  staleWhileRevalidateMs: number
  /** The stored entry's stale-if-error window, in milliseconds. */
  staleIfErrorMs: number
  /**
   * The stored entry's tags, replacing the call's: a copy of them to start with (empty when
   * none), so `options.tags.push('user:42')` adds one. The call's tags still guard the fetch
   * while it runs (an `invalidateTag` of one of them detaches it); a tag added here only
   * applies to the entry it stores.
   */
  tags: string[]
  /** `false` to store nothing: the result answers this fetch's callers only. Default `true`. */
  store: boolean
}

/** Computes a fresh value: a value, or a Promise (any thenable) of one. */
export type Fetcher<T> = (context: FetchContext<T>) => T | PromiseLike<T>

/** How long an entry lives and how it may be served after it expires. */
export interface EntryTimes {
  /**
   * Milliseconds the value is fresh: a non-negative number, `Infinity` for never, `0` to store
   * nothing (getOrFetch then only coalesces). Defaults to the constructor's `defaultTtlMs`.
   */
  ttlMs?: number
  /**
   * For this long after expiry, `getOrFetch` answers at once with the stale value and refreshes
   * it in the background (one refresh at a time). Default 0.
   */
  staleWhileRevalidateMs?: number
  /**
   * For this long after expiry, a failed or timed-out fetch of the key answers every waiter with
   * the stale value instead of the error. Default 0.
   */
  staleIfErrorMs?: number
}

/** Options of one `getOrFetch` call. The call that starts a fetch decides how it is stored. */
export interface GetOrFetchOptions extends EntryTimes {
  /**
   * Milliseconds the fetch may take before its waiters reject with a {@link TimeoutError} (or
   * get the stale value, per `staleIfErrorMs`) and its signal aborts. `Infinity` (default) for
   * never.
   */
  timeoutMs?: number
  /**
   * This caller's own cancellation: when it aborts, this caller's Promise rejects with its
   * reason. The fetch itself is aborted only when every waiter has left. A caller with a signal
   * gets a Promise of its own; callers without one share the fetch's Promise. It must be a
   * real `AbortSignal` (checked by brand). `AbortSignal.timeout(ms)` bounds this caller's wait
   * without cutting the fetch short for the others.
   */
  signal?: AbortSignal
  /** Tags for the stored entry, for `invalidateTag`. */
  tags?: readonly string[]
  /** Fetch even when a fresh value is stored (still joins a fetch in flight). */
  forceRefresh?: boolean
}

/**
 * Any function: the constraint `wrap` and its types start from (`never` parameters accept every
 * parameter list).
 */
export type AnyFunction = (this: never, ...args: never) => unknown

/**
 * What `cache.wrap(fn)` returns: a function with `fn`'s parameters (and `this` type, if `fn`
 * declares one) that answers with a Promise of `fn`'s awaited result.
 */
export type Wrapped<F extends AnyFunction> =
  unknown extends ThisParameterType<F>
    ? (...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>
    : (this: ThisParameterType<F>, ...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>

/**
 * Options of `cache.wrap(fn, options)`: how calls are keyed (`namespace` or `key`), and the
 * getOrFetch options every call of the wrapper passes on (`ttlMs`, `staleWhileRevalidateMs`,
 * `staleIfErrorMs`, `timeoutMs`, `signal`, `tags`, `forceRefresh`). They are checked and copied
 * when `wrap` is called, so changing the object later has no effect.
 */
export interface WrapOptions<F extends AnyFunction> extends GetOrFetchOptions {
  /**
   * What the default key starts with, so that functions sharing a cache keep their results
   * apart: each call's key is `cacheKey(namespace, ...args)`, trailing `undefined` arguments
   * dropped. Defaults to `fn.name`; required for a function without a name. A non-empty string.
   * Two wrappers given the same namespace share their entries.
   */
  namespace?: string
  /**
   * The whole cache key for a call, given the call's arguments and `this`, instead of
   * `cacheKey(namespace, ...args)`: to key on part of the arguments, or on `this`. Name the
   * function in what it returns (`cacheKey('user', id)`) when the cache holds other functions'
   * results. Not together with `namespace`.
   */
  key?: (this: ThisParameterType<F>, ...args: Parameters<F>) => string
}

/** Options of the reads that may answer with a stale value: `get`, `peek` and iteration. */
export interface ReadOptions {
  /**
   * Answer with a stale value too: one past its TTL but still kept for its
   * `staleWhileRevalidateMs` or `staleIfErrorMs` window (lru-cache's `allowStale`). No refresh
   * starts. Default `false`: fresh values only.
   */
  allowStale?: boolean
}

/** Options of one `set` call. */
export interface SetOptions extends EntryTimes {
  /** Tags for the entry, for `invalidateTag`. */
  tags?: readonly string[]
  /**
   * The entry's size in bytes under `maxBytes`, instead of `sizeOf(value, key)`: a number from
   * 0 to `Number.MAX_SAFE_INTEGER` (rounded up).
   */
  size?: number
}

/** Options for `new CacheManager(options)`. */
export interface CacheOptions<V = unknown> {
  /**
   * The most entries stored at once; inserting past it evicts the least recently used entry.
   * In-flight fetches are not entries and do not count. A positive integer; default 1000.
   */
  maxSize?: number
  /**
   * The most bytes stored at once, by `sizeOf` (in shared mode, by each value's encoded bytes);
   * inserting past it evicts least recently used entries until the new one fits. A value larger
   * than `maxBytes` is not stored (no error).
   */
  maxBytes?: number
  /**
   * Which entry makes room when the cache is full: `'lru'` (default) or `'tinylfu'`.
   *
   * `'tinylfu'` is W-TinyLFU, the policy of Java's Caffeine: new entries enter a small LRU
   * window (1% of `maxSize` at first, resized by a hill climber towards the best hit rate); an
   * entry pushed out of the window is admitted to the main space (an SLRU) only if its key was
   * asked for more often than the entry it would displace, by a frequency sketch of about 8
   * bytes per entry that counts hits and misses and halves its counts periodically. A miss is
   * an upstream call, so a better hit ratio is fewer calls: choose it when popularity is skewed
   * (a few keys asked for far more often than the rest) and when scans, crawlers or batch jobs
   * ask for many keys once, which under LRU flush the popular ones. Stay with LRU when recency
   * is everything: a working set that moves wholesale to new keys is admitted only as the old
   * keys' counts fade, so TinyLFU then misses more.
   *
   * Under `'tinylfu'` the entry evicted is not the least recently used one, and `keys()`,
   * `entries()` and the other iterations list the window, then the protected entries, then
   * those on probation (each most recently used first), not strict recency order. Everything
   * else (TTLs, sizes, tags, coalescing, counters) is the same. In shared mode the policy
   * belongs to the store: leave it out to take the open store's; a different one is refused.
   */
  policy?: EvictionPolicy
  /**
   * The size of a value in bytes, for `maxBytes` and the `bytes` counter. Without it, strings
   * count 2 bytes per UTF-16 code unit, and Buffers, typed arrays, DataViews and ArrayBuffers
   * their `byteLength`; any other value under `maxBytes` then needs `sizeOf` (or `set`'s `size`).
   * It must return a number from 0 to `Number.MAX_SAFE_INTEGER` (rounded up). Without
   * `maxBytes` sizes only feed the `bytes` counter and never evict.
   */
  sizeOf?: (value: V, key: string) => number
  /**
   * Called once for every entry that leaves the cache, after the cache is consistent again. An
   * exception it throws, whatever its value, is reported as a process warning and changes
   * nothing; the other removals of the batch are still reported. In shared mode it is called by
   * the cache whose call removed the entry, with `value` undefined unless `decodeEvicted`.
   */
  onEvict?: (key: string, value: V, reason: EvictionReason) => void
  /**
   * The time in milliseconds, for TTLs, stale windows and timeouts. Defaults to a native
   * monotonic clock; pass `() => Date.now()` to follow fake timers in tests. It is read once per
   * operation, before the operation changes anything: if it throws (or returns a non-finite
   * number), that call throws with the cache untouched, and a fetch ending then fails with its
   * error, storing nothing.
   */
  clock?: () => number
  /** The TTL for calls that give none (see {@link EntryTimes.ttlMs}). Default `Infinity`. */
  defaultTtlMs?: number
  /** Default for getOrFetch's and set's `staleWhileRevalidateMs`. Default 0. */
  staleWhileRevalidateMs?: number
  /** Default for getOrFetch's and set's `staleIfErrorMs`. Default 0. */
  staleIfErrorMs?: number
  /** Default for getOrFetch's `timeoutMs`. Default `Infinity`. */
  timeoutMs?: number
  /**
   * The cache's name: the `cache` label of its metrics, and `cache.name` in diagnostics_channel
   * messages. A non-empty string; caches reporting in one prom-client registry need distinct
   * names.
   */
  name?: string
  /**
   * Upper bounds in seconds of the `herdcache_fetch_duration_seconds` histogram's buckets,
   * increasing. Default: 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
   * 30, 60.
   */
  fetchDurationBuckets?: readonly number[]
  /**
   * A second tier behind this cache, shared by every instance of a fleet: `redisTier({ client })`
   * from `herdcache/redis`. An L1 miss then reads the tier, and one instance of the fleet calls
   * the fetcher for a key while the others wait for its result; `set`, `delete`,
   * `invalidateTag` and `clear` reach every instance. A tier serves one cache.
   */
  tier?: CacheTier
  /**
   * Shared mode: the name of a store that every cache created with this name, in any thread of
   * the process, opens. Its values are encoded by `codec` and kept outside the V8 heap; each
   * read decodes a copy. A fetch in flight in one thread is joined by callers in every thread:
   * one upstream call per key per process. `maxSize`, `maxBytes` and `policy`, when given, must
   * equal the open store's (leave them out to take its); `maxBytes` counts encoded bytes, so
   * `sizeOf` does not apply. `stats()`, `size` and the metrics describe the whole store.
   * `close()` leaves the store; the last cache to leave (or whose thread exits) frees it.
   */
  shared?: string
  /**
   * Shared mode: how values become bytes. Default `v8Codec` (keeps Date, Map, Set, BigInt,
   * typed arrays, `undefined` apart from `null`); `jsonCodec`, or any {@link Codec}.
   */
  codec?: Codec
  /**
   * Shared mode: whether `onEvict` receives the removed value, decoded (a decode per removal),
   * rather than `undefined`. Default false.
   */
  decodeEvicted?: boolean
}

/** A snapshot of the counters, from `cache.stats()`. Every counter is exact. */
export interface CacheStats {
  /** Lookups (`get`, `getOrFetch`) answered from the cache, fresh or stale. */
  hits: number
  /** Lookups that found nothing to answer with. `hits + misses` is the number of lookups. */
  misses: number
  /** The hits answered with a stale value while it is refreshed in the background. */
  staleHits: number
  /** Fetcher calls, refreshes included. */
  fetches: number
  /** The fetches started in the background by stale hits. */
  refreshes: number
  /** Fetches whose fetcher threw or whose Promise rejected. */
  fetchErrors: number
  /** Refreshes that failed or timed out (the stale value was kept). */
  refreshErrors: number
  /** Fetches that did not settle within `timeoutMs`. */
  timeouts: number
  /** Fetches aborted because every caller waiting on them left. */
  aborts: number
  /** `getOrFetch` misses that joined a fetch already in flight instead of calling the fetcher. */
  coalesced: number
  /** Entries removed to make room for new ones. */
  evictions: number
  /** Entries removed because their time ran out. */
  expirations: number
  /** Entries stored now (as `cache.size`). */
  size: number
  /** Fetches in flight now whose results will be stored (detached fetches are not counted). */
  inFlight: number
  /**
   * Bytes stored now, by `sizeOf` (0 when sizes are not tracked); in shared mode, the encoded
   * bytes of every value.
   */
  bytes: number
  /** The tier's counters, when the cache has a `tier`. */
  tier?: TierStats
}
