import { Fetches, type CacheParts } from './fetch/fetches.js'
import { lifetimeOf } from './fetch/tier.js'
import { tierHost } from './fetch/tier_host.js'
import { type WrapRegistry, wrap } from './keys/wrap.js'
import { FetchEvents } from './observe/fetch_events.js'
import {
  familiesOf,
  familiesSymbol,
  formatPrometheus,
  type MetricFamily,
} from './observe/metrics.js'
import { RemovalReports } from './observe/removals.js'
import {
  type CallOptions,
  CallOptionsCache,
  readOptions,
  type Settings,
  setOptions,
  settingsFrom,
} from './options/options.js'
import { invalidArgTypeError } from './errors.js'
import { checkFetcher, checkKey, readClock, tagList } from './options/validate.js'
import { Reads } from './read/reads.js'
import { MISSED } from './store/backend.js'
import { ObjectStore } from './store/object_store.js'
import { SharedStore } from './store/shared_store.js'
import { sizeFor } from './store/sizes.js'
import { SWEEP_LIMIT, Sweeper } from './store/sweeper.js'
import type {
  CacheOptions,
  CacheStats,
  Fetcher,
  GetOrFetchOptions,
  ReadOptions,
  SetOptions,
  WrapOptions,
  Wrapped,
} from './types.js'

/**
 * A bounded LRU cache that answers every concurrent caller of a key with one Promise from one
 * upstream call, and keeps serving through slow or failing upstreams.
 *
 * Keys, recency order, expiry times, sizes, tags and in-flight records live in a C++ core. In
 * object mode (the default) values stay in JavaScript, held only by this object, so a cache that
 * becomes unreachable is collected with everything it holds, even when a value refers back to
 * the cache. In shared mode (`shared: name`) every thread's caches of that name share one store
 * whose values are encoded and kept outside the V8 heap; each read decodes a copy.
 *
 * @typeParam V - the type of the values stored; methods take any `T extends V`.
 */
export class CacheManager<V = unknown> {
  readonly #settings: Settings
  readonly #parts: CacheParts
  readonly #fetches: Fetches
  readonly #reads: Reads
  readonly #callOptions: CallOptionsCache
  // The functions wrapped under their names as default namespaces: see wrap().
  readonly #wrapped: WrapRegistry = new Map()

  /**
   * @throws TypeError when `options` is not an object, names an unknown option, or an option has
   *   the wrong type (`codec` or `decodeEvicted` without `shared`, `sizeOf` with it);
   *   RangeError when a number is out of range (`maxSize` and `maxBytes` must be positive
   *   integers, times non-negative, `timeoutMs` positive), or, with code
   *   `ERR_HERDCACHE_SHARED_MISMATCH`, when the shared store is open with other sizes or
   *   another codec.
   */
  constructor(options: CacheOptions<V> = {}) {
    const settings = settingsFrom(options)
    this.#settings = settings
    this.#callOptions = new CallOptionsCache(settings.defaults)
    const store =
      settings.shared === undefined
        ? new ObjectStore(settings)
        : new SharedStore(settings.shared, settings.onEvict !== undefined)
    const removals = new RemovalReports(this, store, settings.onEvict)
    const clock = settings.clock
    this.#parts = {
      cache: this,
      store,
      removals,
      events: new FetchEvents(this, settings.fetchDurationBuckets),
      sweeper: new Sweeper(() => {
        const now = this.#parts.now()
        removals.watch()
        const swept = store.sweep(SWEEP_LIMIT, now)
        removals.report()
        return { ...swept, at: now ?? performance.now() }
      }),
      settings,
      tier: settings.tier,
      now: clock === undefined ? () => undefined : () => readClock(clock),
    }
    this.#fetches = new Fetches(this.#parts)
    this.#reads = new Reads(this.#parts)
    settings.tier?.attach(tierHost(this.#parts))
  }

  /** The `name` option: the `cache` label of the metrics, and the name channel messages show. */
  get name(): string | undefined {
    return this.#settings.name
  }

  /**
   * Answers from the cache, or calls `fetcher` once for every concurrent caller of `key`.
   *
   * - A fresh entry answers at once; `fetcher` is not called.
   * - A stale entry within its `staleWhileRevalidateMs` answers at once, and one background
   *   refresh starts unless a fetch of the key is already in flight.
   * - Otherwise, if a fetch of `key` is in flight, returns that fetch's Promise: every caller
   *   without a `signal` receives the identical Promise object. In shared mode a fetch in flight
   *   in any thread is joined, and the callers of one thread share one Promise.
   * - Otherwise calls `fetcher({ key, signal, staleValue })` exactly once. When it resolves, the
   *   value is stored (unless `delete`, `clear`, `set` or `invalidateTag` touched the key
   *   meanwhile) and handed to every waiter; the in-flight record is gone before any waiter
   *   runs. When it rejects, throws or times out, every waiter gets the same error (or the stale
   *   value, within `staleIfErrorMs`), nothing is stored, and the next call fetches anew.
   *
   * The call that starts a fetch decides how its result is stored (ttl, stale windows, tags)
   * and its timeout; callers who join it only wait.
   *
   * Not an `async` function, by design: an `async` wrapper would hand each caller a new Promise.
   *
   * @param key - the entry's key: any string, compared code unit for code unit.
   * @param fetcher - called as `fetcher({ key, signal, staleValue })` when the key must be
   *   fetched; answers with a value or a Promise of one.
   * @param options - `ttlMs` as a number, or {@link GetOrFetchOptions}. Defaults come from the
   *   constructor.
   * @throws TypeError / RangeError for a bad key, fetcher or option, synchronously, with the
   *   cache untouched. A caller whose signal is already aborted gets a rejected Promise.
   */
  getOrFetch<T extends V>(
    key: string,
    fetcher: Fetcher<T>,
    options?: number | GetOrFetchOptions,
  ): Promise<T> {
    checkKey(key)
    checkFetcher(fetcher)
    const call = this.#callOptions.of(options)
    if (call.signal?.aborted) return Promise.reject(call.signal.reason as Error)
    return this.#fetches.getOrFetch(key, fetcher, call) as Promise<T>
  }

  /**
   * `fn` memoized through this cache: each call answers as
   * `getOrFetch(key, () => fn.apply(this, args), options)`, so concurrent calls with equal
   * arguments share one call of `fn` (and, without a `signal`, one Promise), results are stored
   * by `options.ttlMs`, and failures are never stored.
   *
   * - The key is `cacheKey(namespace, ...args)` with trailing `undefined` arguments dropped (so
   *   `f()` and `f(undefined)` share an entry): equal arguments (by value, object key order
   *   aside) share an entry, and arguments `cacheKey` rejects throw. Or it is
   *   `options.key.apply(this, args)`, exactly.
   * - `namespace` defaults to `fn.name`, which is the same in every process of a fleet, so
   *   instances share entries through a tier. A function without a name needs
   *   `options.namespace`; a second, different function of a name this cache already wraps under
   *   it throws (`ERR_HERDCACHE_NAMESPACE_IN_USE`), so two wrapped functions can never answer
   *   with each other's results by accident. The same function wrapped twice shares its entries.
   * - The wrapper has `fn`'s `name` and `length`.
   * - `fn` and `key` are called with the wrapper's `this` (as a method, `obj.m = cache.wrap(f)`
   *   calls `f` on `obj`); the default key ignores `this`. Bind an extracted method first:
   *   `cache.wrap(api.getUser.bind(api))` (named `'bound getUser'`).
   * - `fn` receives its arguments only; use `getOrFetch` for the fetch's `AbortSignal` and
   *   `context.options`.
   *
   * @typeParam F - the type of `fn`; its results must be values of this cache (`V`).
   * @param options - `namespace` or `key`, and the getOrFetch options every call passes on;
   *   checked and copied now.
   * @returns a function with `fn`'s parameters, name and length, returning a Promise of `fn`'s
   *   awaited result. It throws synchronously, as `getOrFetch` does, when the key cannot be made
   *   (an argument `cacheKey` rejects, a `key` that throws or returns a non-string).
   * @throws TypeError / RangeError, now, for a non-function `fn`, an unknown option, an option
   *   getOrFetch would reject, `namespace` with `key`, a function without a name and no
   *   `namespace`, or a name another wrapped function has (`ERR_HERDCACHE_NAMESPACE_IN_USE`).
   */
  wrap<F extends (this: never, ...args: never) => V | PromiseLike<V>>(
    fn: F,
    options?: WrapOptions<F>,
  ): Wrapped<F> {
    return wrap(this, this.#wrapped, fn, options, this.#settings.defaults) as unknown as Wrapped<F>
  }

  /**
   * The fresh value stored for `key`, or `null` on a miss (so a stored `null` needs `has` to
   * tell apart). Counts a hit or a miss; a hit makes the entry most recently used. A stale value
   * is a miss here unless `options.allowStale` (then it answers, counted as a hit and a stale
   * hit); `get` never starts a fetch or a refresh. With a tier, an L1 miss reads the tier's
   * fresh value.
   * @throws TypeError for a non-string key or a bad option.
   */
  get<T extends V>(key: string, options?: ReadOptions): Promise<T | null> {
    checkKey(key)
    return this.#reads.get(key, readOptions(options)) as Promise<T | null>
  }

  /**
   * Stores `value` for `key`, replacing any entry, as most recently used. A fetch of `key` in
   * flight is detached: its waiters still get its result, but that result is not stored.
   * With `ttlMs` 0, or a value larger than `maxBytes`, nothing is stored and any existing entry
   * is removed.
   * With a tier, the value also goes to Redis and every other instance drops its copy; the
   * Promise resolves once that is done (or Redis has failed: the change then stays local), and
   * rejects with an `EncodeError` (`ERR_HERDCACHE_ENCODE`), the cache untouched, for a value
   * the tier's codec cannot store. In shared mode likewise for a value the codec cannot encode.
   * @param options - `ttlMs` as a number, or {@link SetOptions}.
   * @throws TypeError / RangeError for a bad key or option, or a value whose size cannot be
   *   told under `maxBytes`, synchronously, with the cache untouched.
   */
  set<T extends V>(key: string, value: T, options?: number | SetOptions): Promise<void> {
    checkKey(key)
    const call = setOptions(options, this.#settings.defaults)
    if (call.size !== undefined && this.#settings.shared !== undefined) {
      throw invalidArgTypeError(
        'size does not apply to shared mode: maxBytes counts the encoded bytes of each value',
      )
    }
    // User code (sizeOf, the clock) runs before the store is touched: it may call the cache.
    const bytes = call.size ?? this.#sizeOf(value, key, call)
    const { store, removals, sweeper, tier } = this.#parts
    let encoded: unknown
    try {
      encoded = call.ttlMs === 0 ? undefined : tier?.encode(key, value)
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(error)
    }
    const now = this.#parts.now()
    removals.watch()
    let stored: boolean
    try {
      stored = store.set(key, value, call, bytes, now)
    } catch (error) {
      // A value a shared store's codec cannot encode: the store is untouched.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(error)
    }
    if (stored) sweeper.written(lifetimeOf(call), now ?? performance.now())
    removals.report()
    return tier === undefined ? Promise.resolve() : tier.write(key, encoded, call)
  }

  /**
   * Removes `key`'s entry and detaches any fetch of it in flight (its waiters still get its
   * result; it is not stored, and the next `getOrFetch` fetches anew).
   * @returns whether a stored entry was removed.
   */
  delete(key: string): Promise<boolean> {
    checkKey(key)
    const removed = this.#change((store) => store.delete(key))
    const tier = this.#parts.tier
    return tier === undefined ? Promise.resolve(removed) : tier.delete([key]).then(() => removed)
  }

  /**
   * Removes every entry tagged with any of `tags` and detaches every fetch in flight tagged with
   * one of them (its waiters still get its result; it is not stored). With a tier, every
   * instance drops them too, in one round of Redis commands and one message.
   * @param tags - a tag, or an array of tags (`[]` removes nothing).
   * @returns how many entries were removed (an entry with several of the tags counts once).
   * @throws TypeError, synchronously, for `tags` that are not a string or an array of strings,
   *   naming the element (`tags[1] must be a string`).
   */
  invalidateTag(tags: string | readonly string[]): Promise<number> {
    const list = tagList(tags)
    const removed = this.#change((store) => store.invalidateTags(list))
    const tier = this.#parts.tier
    return tier === undefined || list.length === 0
      ? Promise.resolve(removed)
      : tier.invalidateTags(list).then(() => removed)
  }

  /** Removes every entry and detaches every fetch in flight. Counters are kept. */
  clear(): Promise<void> {
    this.#change((store) => store.clear())
    return this.#parts.tier?.clear() ?? Promise.resolve()
  }

  /**
   * Lets go of what the cache holds outside itself. Idempotent.
   *
   * - With a `tier`, it stops listening to the fleet and stops its timers (the Redis client
   *   stays the caller's to close); the cache goes on as a local one.
   * - In shared mode, it leaves the shared store: fetches this cache runs are handed to their
   *   waiters in other threads (one of them fetches anew), its own callers waiting for other
   *   threads' fetches reject, and later calls throw an Error with code `ERR_HERDCACHE_CLOSED`.
   *   The last cache to leave a store frees it. A thread that exits leaves for its caches.
   */
  close(): Promise<void> {
    this.#parts.store.close?.()
    return this.#parts.tier?.close() ?? Promise.resolve()
  }

  /**
   * Whether a fresh entry is stored for `key`. Counts no lookup and leaves recency alone. An
   * expired entry found here is removed.
   */
  has(key: string): boolean {
    checkKey(key)
    return this.#reads.peek(key, false) !== MISSED
  }

  /**
   * The fresh value stored for `key` (with `options.allowStale`, also a stale one still kept for
   * its stale windows), or `undefined`. Counts no lookup and leaves recency alone. An expired
   * entry found here is removed.
   * @throws TypeError for a non-string key or a bad option.
   */
  peek<T extends V>(key: string, options?: ReadOptions): T | undefined {
    checkKey(key)
    const found = this.#reads.peek(key, readOptions(options))
    return found === MISSED ? undefined : (found as T)
  }

  /**
   * How many milliseconds `key`'s entry stays fresh (lru-cache's `getRemainingTTL`):
   *
   * - positive: fresh for that long yet (`has(key)` is true exactly then);
   * - `Infinity`: it never expires;
   * - 0 or negative: not fresh; a negative number is a stale entry still kept for its stale
   *   windows, expired that many milliseconds ago;
   * - 0 also when nothing is stored for `key` (an in-flight fetch is no entry).
   *
   * Counts no lookup and leaves recency alone; an expired entry found here is removed, as by
   * `has`. With a tier, only this instance's L1 is asked.
   * @throws TypeError for a non-string key.
   */
  getRemainingTTL(key: string): number {
    checkKey(key)
    return this.#reads.remainingTtl(key)
  }

  /**
   * The keys of the fresh entries (with `options.allowStale`, of every entry still kept),
   * most recently used first, as lru-cache lists them (under `policy: 'tinylfu'`: TinyLFU's
   * window, then its protected entries, then those on probation, each most recently used
   * first). A snapshot taken now: changing the cache
   * while iterating is safe and does not change what is listed. Counts no lookup, leaves
   * recency alone, and removes nothing (expired entries are skipped). O(n) at the call; L1 only.
   * @throws TypeError for a bad option.
   */
  keys(options?: ReadOptions): IterableIterator<string> {
    return this.#reads.keys(readOptions(options))
  }

  /** The values of {@link keys}'s entries, in the same order; a snapshot taken now. */
  values<T extends V>(options?: ReadOptions): IterableIterator<T> {
    return this.#reads.values(readOptions(options)) as IterableIterator<T>
  }

  /** `[key, value]` pairs of {@link keys}'s entries, in the same order; a snapshot taken now. */
  entries<T extends V>(options?: ReadOptions): IterableIterator<[string, T]> {
    return this.#reads.entries(readOptions(options)) as IterableIterator<[string, T]>
  }

  /** The same as {@link entries}: `for (const [key, value] of cache)`. */
  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries()
  }

  /** The number of entries stored, stale ones included. In-flight fetches are not entries. */
  get size(): number {
    return this.#parts.store.size
  }

  /** A snapshot of the counters. */
  stats(): CacheStats {
    const stats = this.#parts.store.stats()
    const tier = this.#parts.tier
    if (tier !== undefined) stats.tier = tier.stats()
    return stats
  }

  /**
   * The counters, gauges and fetch-duration histogram in the Prometheus text exposition format
   * (version 0.0.4), for a `/metrics` endpoint. Names start `herdcache_`; with a `name` option
   * every sample has a `cache` label. See the README's metrics table; `collectCacheMetrics`
   * reports the same metrics through prom-client.
   */
  metrics(): string {
    return formatPrometheus(this[familiesSymbol]())
  }

  /** The metric families behind `metrics()`, for prom-client collectors. @internal */
  [familiesSymbol](): MetricFamily[] {
    // A shared store's sizes may be those another cache opened it with.
    const { maxSize, maxBytes } = this.#parts.store.limits ?? this.#settings
    return familiesOf({
      name: this.#settings.name,
      stats: this.stats(),
      maxSize,
      maxBytes,
      durations: this.#parts.events.durations,
    })
  }

  // A change that may remove entries, reported once the cache is consistent again.
  #change<R>(change: (store: CacheParts['store']) => R): R {
    const { store, removals } = this.#parts
    removals.watch()
    const result = change(store)
    removals.report()
    return result
  }

  // A value's size: only under maxBytes or sizeOf, and only if it is to be stored at all.
  #sizeOf(value: unknown, key: string, call: CallOptions): number {
    const { sized, sizeOf } = this.#settings
    return sized && call.ttlMs !== 0 ? sizeFor(value, key, sizeOf) : 0
  }
}
