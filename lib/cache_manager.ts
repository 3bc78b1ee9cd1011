import { encodeParts } from './cache_key.js'
import {
  coalesceChannel,
  evictChannel,
  fetchEndChannel,
  fetchErrorChannel,
  fetchStartChannel,
  hitChannel,
  missChannel,
} from './channel_objects.js'
import type {
  EvictMessage,
  FetchEndMessage,
  FetchErrorMessage,
  FetchMessage,
} from './channels.js'
import { argumentTypeError, describeThrown } from './errors.js'
import { Flight, type FlightHost } from './flight.js'
import {
  familiesOf,
  FetchDurations,
  formatPrometheus,
  type MetricFamily,
  OUTCOME_SUCCESS,
  OUTCOMES,
} from './metrics.js'
import {
  CODE_JOIN,
  CODE_STALE,
  FailCause,
  IO_FIRST_SLOT,
  IO_FLIGHT_SLOT,
  IO_GENERATION,
  IO_REMOVALS,
  IO_STARTED,
  IO_VALUE_SLOT,
  binding,
  type StoreHandle,
  REMOVAL_REASONS,
  SPEC_BYTES,
  SPEC_NOW,
  SPEC_STALE_IF_ERROR,
  SPEC_STALE_WHILE_REVALIDATE,
  SPEC_TTL,
} from './native.js'
import {
  type CallOptions,
  getOrFetchOptions,
  type Settings,
  settingsFrom,
  setOptions,
  wrapOptions,
} from './options.js'
import { familiesSymbol } from './prometheus.js'
import { sizeFor } from './sizes.js'
import type {
  CacheOptions,
  CacheStats,
  EvictionReason,
  Fetcher,
  GetOrFetchOptions,
  SetOptions,
  WrapOptions,
  Wrapped,
} from './types.js'
import { checkFetcher, checkKey } from './validate.js'

// Expired entries are swept at most this long after they expire, by one unref'd timer.
const SWEEP_INTERVAL_MS = 1000
// The most entries one sweep removes before yielding to the event loop.
const SWEEP_LIMIT = 10_000

/**
 * A bounded LRU cache that answers every concurrent caller of a key with one Promise from one
 * upstream call, and keeps serving through slow or failing upstreams.
 *
 * Keys, recency order, expiry times, sizes, tags and in-flight records live in a C++ core;
 * values stay in JavaScript, held only by this object, so a cache that becomes unreachable is
 * collected with everything it holds, even when a value refers back to the cache.
 *
 * @typeParam V - the type of the values stored; methods take any `T extends V`.
 */
export class CacheManager<V = unknown> {
  readonly #store: StoreHandle
  readonly #io: Int32Array
  readonly #spec: Float64Array
  readonly #settings: Settings
  readonly #defaults: CallOptions
  readonly #clock: (() => number) | undefined
  readonly #sized: boolean
  readonly #host: FlightHost
  // Values and in-flight fetches by the slot numbers the core hands out.
  #values: unknown[] = []
  #flights: (Flight | undefined)[] = []
  // Removed entries waiting for onEvict: key, value, reason, key, value, reason, ...
  #evicted: unknown[] = []
  #sweepTimer: NodeJS.Timeout | undefined
  #sweepDueAt = Infinity
  readonly #durations: FetchDurations
  // Whether the core logs removed keys (needed by onEvict and by the evict channel), and whether
  // the evict channel had subscribers when that was last decided.
  #recordingKeys: boolean
  #evictObserved = false
  readonly #self = new WeakRef<CacheManager<V>>(this)

  /**
   * @throws TypeError when `options` is not an object, names an unknown option, or an option has
   *   the wrong type; RangeError when a number is out of range (`maxSize` and `maxBytes` must be
   *   positive integers, times non-negative, `timeoutMs` positive).
   */
  constructor(options: CacheOptions<V> = {}) {
    this.#settings = settingsFrom(options)
    this.#defaults = this.#settings.defaults
    this.#clock = this.#settings.clock
    this.#sized = this.#settings.maxBytes !== undefined || this.#settings.sizeOf !== undefined
    this.#durations = new FetchDurations(this.#settings.fetchDurationBuckets)
    this.#recordingKeys = this.#settings.onEvict !== undefined
    const store = binding.createStore(
      this.#settings.maxSize,
      this.#settings.maxBytes,
      this.#settings.onEvict !== undefined,
    )
    this.#store = store.handle
    this.#io = store.io
    this.#spec = store.spec
    this.#host = {
      storeResult: (flight, value) => this.#storeResult(flight, value),
      recordFailure: (flight, cause, error) => this.#recordFailure(flight, cause, error),
    }
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
   *   without a `signal` receives the identical Promise object.
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
    const call = getOrFetchOptions(options, this.#defaults)
    const { signal } = call
    if (signal?.aborted) return Promise.reject(signal.reason as Error)
    this.#syncKeyRecording()
    // The binding reads its own clock when given no time, and only if an entry can expire.
    const code = call.forceRefresh
      ? binding.acquire(this.#store, key, this.#now(), true)
      : this.#clock === undefined
        ? binding.acquire(this.#store, key)
        : binding.acquire(this.#store, key, this.#now())
    if (code >= 0) {
      const value = this.#values[code] as T
      if (hitChannel.hasSubscribers) hitChannel.publish({ cache: this, key, stale: false })
      return Promise.resolve(value)
    }

    // Everything the core answered is read before any user code (a fetcher, a channel
    // subscriber) can call the cache again and overwrite it.
    const io = this.#io
    this.#release()
    let answer: Promise<unknown>
    if (code === CODE_JOIN) {
      answer = this.#flights[io[IO_FLIGHT_SLOT]!]!.waiter(signal)
      if (coalesceChannel.hasSubscribers) coalesceChannel.publish({ cache: this, key })
    } else if (code === CODE_STALE) {
      const stale = this.#values[io[IO_VALUE_SLOT]!] as T
      const refresh = io[IO_STARTED] === 1 ? this.#startFlight(key, call, true) : undefined
      answer = Promise.resolve(stale)
      if (hitChannel.hasSubscribers) hitChannel.publish({ cache: this, key, stale: true })
      if (refresh !== undefined) this.#run(refresh, fetcher, stale)
    } else {
      const retained = io[IO_VALUE_SLOT]!
      const stale = retained >= 0 ? (this.#values[retained] as T) : undefined
      const flight = this.#startFlight(key, call, false)
      answer = flight.waiter(signal)
      if (missChannel.hasSubscribers) missChannel.publish({ cache: this, key })
      this.#run(flight, fetcher, stale)
    }
    this.#notify()
    return answer as Promise<T>
  }

  // Calls the fetcher, telling fetch:start first.
  #run<T>(flight: Flight, fetcher: Fetcher<T>, stale: T | undefined): void {
    if (
      fetchStartChannel.hasSubscribers ||
      fetchEndChannel.hasSubscribers ||
      fetchErrorChannel.hasSubscribers
    ) {
      const event = this.#fetchMessage(flight)
      flight.event = event
      if (fetchStartChannel.hasSubscribers) fetchStartChannel.publish(event)
    }
    flight.run(fetcher, stale)
  }

  #fetchMessage(flight: Flight): FetchMessage {
    return { cache: this, key: flight.key, background: flight.background }
  }

  // Records how long the flight took, from the times the binding read at its start and end (by
  // the clock option, else the native monotonic clock: no extra clock read in JavaScript).
  #timeFlight(flight: Flight, outcome: number, endedAt: number): number {
    const ms = Math.max(0, endedAt - flight.startedAt)
    if (!Number.isNaN(ms)) this.#durations.record(outcome, ms / 1000)
    return ms
  }

  /**
   * `fn` memoized through this cache: each call answers as
   * `getOrFetch(key, () => fn.apply(this, args), options)`, so concurrent calls with equal
   * arguments share one call of `fn` (and, without a `signal`, one Promise), results are stored
   * by `options.ttlMs`, and failures are never stored.
   *
   * - The key is `options.key.apply(this, args)`, or `cacheKey(...args)`: equal arguments (by
   *   value, object key order aside) share an entry, and arguments `cacheKey` rejects throw.
   *   Keys carry no trace of `fn`, so wrapped functions sharing a cache need `key` functions
   *   that name them, or they would answer with each other's results.
   * - `fn` and `key` are called with the wrapper's `this` (as a method, `obj.m = cache.wrap(f)`
   *   calls `f` on `obj`); the default key ignores `this`. Bind an extracted method first:
   *   `cache.wrap(api.getUser.bind(api))`.
   * - `fn` receives its arguments only; use `getOrFetch` for the fetch's `AbortSignal`.
   *
   * @typeParam F - the type of `fn`; its results must be values of this cache (`V`).
   * @param options - `key`, and the getOrFetch options every call passes on; checked and copied
   *   now.
   * @returns a function with `fn`'s parameters, returning a Promise of `fn`'s awaited result.
   *   It throws synchronously, as `getOrFetch` does, when the key cannot be made (an argument
   *   `cacheKey` rejects, a `key` that throws or returns a non-string).
   * @throws TypeError / RangeError, now, for a non-function `fn`, an unknown option, or an option
   *   getOrFetch would reject.
   */
  wrap<F extends (this: never, ...args: never) => V | PromiseLike<V>>(
    fn: F,
    options?: WrapOptions<F>,
  ): Wrapped<F> {
    if (typeof fn !== 'function') throw argumentTypeError('fn', 'a function', fn)
    const { key, fetchOptions } = wrapOptions(options, this.#defaults)
    const call = fn as unknown as (this: unknown, ...args: unknown[]) => V | PromiseLike<V>
    const context = fn.name === '' ? 'the wrapped function' : fn.name
    const fetch = (name: string, self: unknown, args: unknown[]) =>
      this.getOrFetch(name, () => call.apply(self, args), fetchOptions)
    function wrapped(this: unknown, ...args: unknown[]): Promise<V> {
      const name =
        key === undefined ? encodeParts(args, context, 'arguments') : key.apply(this, args)
      if (typeof name !== 'string') throw argumentTypeError('options.key()', 'a string', name)
      return fetch(name, this, args)
    }
    return wrapped as unknown as Wrapped<F>
  }

  // Registers the fetch the core has just started (its token is in io).
  #startFlight(key: string, call: CallOptions, background: boolean): Flight {
    const slot = this.#io[IO_FLIGHT_SLOT]!
    const generation = this.#io[IO_GENERATION]!
    const flight = new Flight(this.#host, key, slot, generation, call, background)
    flight.startedAt = this.#spec[SPEC_NOW]!
    // Registered before the fetcher runs, so a fetcher that asks for its own key joins itself.
    this.#flights[slot] = flight
    if (call.tags !== undefined && call.tags.length > 0) {
      try {
        binding.tagFlight(this.#store, slot, generation, call.tags)
      } catch (error) {
        // The record must not outlive a fetch that never ran.
        this.#recordFailure(flight, FailCause.Error, error)
        throw error
      }
    }
    return flight
  }

  #storeResult(flight: Flight, value: unknown): void {
    this.#syncKeyRecording()
    let bytes = 0
    let now: number | undefined
    try {
      // A detached fetch, or one with ttlMs 0, stores nothing, so its value needs no size.
      if (
        this.#sized &&
        flight.options.ttlMs !== 0 &&
        binding.isCurrent(this.#store, flight.slot, flight.generation)
      ) {
        bytes = sizeFor(value, flight.key, this.#settings.sizeOf)
      }
      now = this.#now()
    } catch (error) {
      // The value cannot be sized or timed: the fetch still ends here, as a failure.
      this.#recordFailure(flight, FailCause.Error, error)
      throw error
    }
    // No user code runs from here to the core call, so nothing can overwrite the registers.
    this.#writeSpec(flight.options, bytes)
    const slot = binding.complete(this.#store, flight.slot, flight.generation, now)
    const endedAt = this.#spec[SPEC_NOW]!
    this.#release()
    if (slot >= 0) {
      this.#values[slot] = value
      this.#scheduleSweep(flight.options, now)
    }
    this.#forget(flight)
    const durationMs = this.#timeFlight(flight, OUTCOME_SUCCESS, endedAt)
    this.#notify()
    if (fetchEndChannel.hasSubscribers) {
      const event = (flight.event ?? this.#fetchMessage(flight)) as FetchEndMessage
      event.durationMs = durationMs
      event.stored = slot >= 0
      fetchEndChannel.publish(event)
    }
  }

  #recordFailure(
    flight: Flight,
    cause: FailCause,
    error: unknown,
  ): { value: unknown } | undefined {
    this.#syncKeyRecording()
    let now: number | undefined
    let clockFailed = false
    try {
      now = this.#now()
    } catch {
      // A broken clock must not keep the fetch in flight. The fetch's start is a reading of the
      // same clock, so stale-if-error is judged as of then, and the duration is unknown.
      now = flight.startedAt
      clockFailed = true
    }
    const code = binding.fail(this.#store, flight.slot, flight.generation, cause, now)
    const endedAt = clockFailed ? NaN : this.#spec[SPEC_NOW]!
    this.#release()
    const fallback = code >= 0 ? { value: this.#values[code] } : undefined
    this.#forget(flight)
    // FailCause Error, Timeout, Abort are outcomes 1, 2, 3.
    const durationMs = this.#timeFlight(flight, cause + 1, endedAt)
    this.#notify()
    if (fetchErrorChannel.hasSubscribers) {
      const event = (flight.event ?? this.#fetchMessage(flight)) as FetchErrorMessage
      event.durationMs = durationMs
      event.outcome = OUTCOMES[cause + 1] as FetchErrorMessage['outcome']
      event.error = error
      fetchErrorChannel.publish(event)
    }
    return fallback
  }

  #forget(flight: Flight): void {
    if (this.#flights[flight.slot] === flight) this.#flights[flight.slot] = undefined
  }

  #writeSpec(call: CallOptions, bytes: number): void {
    const spec = this.#spec
    spec[SPEC_TTL] = call.ttlMs
    spec[SPEC_STALE_WHILE_REVALIDATE] = call.staleWhileRevalidateMs
    spec[SPEC_STALE_IF_ERROR] = call.staleIfErrorMs
    spec[SPEC_BYTES] = bytes
  }

  /**
   * The fresh value stored for `key`, or `null` on a miss (so a stored `null` needs `has` to
   * tell apart). Counts a hit or a miss; a hit makes the entry most recently used. A stale value
   * is a miss here: only `getOrFetch` serves stale values.
   * @throws TypeError for a non-string key.
   */
  get<T extends V>(key: string): Promise<T | null> {
    checkKey(key)
    this.#syncKeyRecording()
    const slot = binding.get(this.#store, key, this.#now())
    if (slot >= 0) {
      const value = this.#values[slot] as T
      if (hitChannel.hasSubscribers) hitChannel.publish({ cache: this, key, stale: false })
      return Promise.resolve(value)
    }
    this.#release()
    if (missChannel.hasSubscribers) missChannel.publish({ cache: this, key })
    this.#notify()
    return Promise.resolve(null)
  }

  /**
   * Stores `value` for `key`, replacing any entry, as most recently used. A fetch of `key` in
   * flight is detached: its waiters still get its result, but that result is not stored.
   * With `ttlMs` 0, or a value larger than `maxBytes`, nothing is stored and any existing entry
   * is removed.
   * @param options - `ttlMs` as a number, or {@link SetOptions}.
   * @throws TypeError / RangeError for a bad key or option, or a value whose size cannot be
   *   told under `maxBytes`, synchronously, with the cache untouched.
   */
  set<T extends V>(key: string, value: T, options?: number | SetOptions): Promise<void> {
    checkKey(key)
    const call = setOptions(options, this.#defaults)
    const stored = call.ttlMs !== 0
    // User code (sizeOf, clock) runs first: it may call the cache, which writes the registers.
    const bytes =
      call.size ?? (this.#sized && stored ? sizeFor(value, key, this.#settings.sizeOf) : 0)
    const now = this.#now()
    this.#writeSpec(call, bytes)
    this.#syncKeyRecording()
    const slot = binding.set(this.#store, key, call.tags, now)
    this.#release()
    if (slot >= 0) {
      this.#values[slot] = value
      this.#scheduleSweep(call, now)
    }
    this.#notify()
    return Promise.resolve()
  }

  /**
   * Removes `key`'s entry and detaches any fetch of it in flight (its waiters still get its
   * result; it is not stored, and the next `getOrFetch` fetches anew).
   * @returns whether a stored entry was removed.
   */
  delete(key: string): Promise<boolean> {
    checkKey(key)
    this.#syncKeyRecording()
    const removed = binding.delete(this.#store, key)
    this.#release()
    this.#notify()
    return Promise.resolve(removed)
  }

  /**
   * Removes every entry tagged `tag` and detaches every fetch in flight tagged with it (its
   * waiters still get its result; it is not stored).
   * @returns how many entries were removed.
   * @throws TypeError for a non-string tag.
   */
  invalidateTag(tag: string): Promise<number> {
    if (typeof tag !== 'string') throw argumentTypeError('tag', 'a string', tag)
    this.#syncKeyRecording()
    const removed = binding.invalidateTag(this.#store, tag)
    this.#release()
    this.#notify()
    return Promise.resolve(removed)
  }

  /** Removes every entry and detaches every fetch in flight. Counters are kept. */
  clear(): Promise<void> {
    this.#syncKeyRecording()
    binding.clear(this.#store)
    this.#release()
    this.#values = []
    this.#flights = []
    this.#notify()
    return Promise.resolve()
  }

  /**
   * Whether a fresh entry is stored for `key`. Counts no lookup and leaves recency alone. An
   * expired entry found here is removed.
   */
  has(key: string): boolean {
    checkKey(key)
    this.#syncKeyRecording()
    const slot = binding.peek(this.#store, key, this.#now())
    this.#release()
    this.#notify()
    return slot >= 0
  }

  /**
   * The fresh value stored for `key`, or `undefined`. Counts no lookup and leaves recency alone.
   * An expired entry found here is removed.
   */
  peek<T extends V>(key: string): T | undefined {
    checkKey(key)
    this.#syncKeyRecording()
    const slot = binding.peek(this.#store, key, this.#now())
    const value = slot >= 0 ? (this.#values[slot] as T) : undefined
    this.#release()
    this.#notify()
    return value
  }

  /** The number of entries stored, stale ones included. In-flight fetches are not entries. */
  get size(): number {
    return binding.size(this.#store)
  }

  /** A snapshot of the counters. */
  stats(): CacheStats {
    return binding.stats(this.#store)
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
    return familiesOf({
      name: this.#settings.name,
      stats: this.stats(),
      maxSize: this.#settings.maxSize,
      maxBytes: this.#settings.maxBytes,
      durations: this.#durations,
    })
  }

  // Has the core log removed keys exactly while someone needs them: onEvict, or a subscriber
  // of the evict channel. Without either a removal costs no key copy. Called before every core
  // call that can remove entries; one comparison unless the channel's subscribers changed.
  #syncKeyRecording(): void {
    if (evictChannel.hasSubscribers === this.#evictObserved) return
    this.#evictObserved = evictChannel.hasSubscribers
    const record = this.#evictObserved || this.#settings.onEvict !== undefined
    if (record !== this.#recordingKeys) {
      binding.recordKeys(this.#store, record)
      this.#recordingKeys = record
    }
  }

  // Lets go of the values of the entries the core removed in the last call, and queues them
  // for onEvict and the evict channel when keys are recorded.
  #release(): void {
    const count = this.#io[IO_REMOVALS]!
    if (count === 0) return
    const report = this.#recordingKeys
    if (count === 1 && !report) {
      this.#values[this.#io[IO_FIRST_SLOT]!] = undefined
      return
    }
    const removals = binding.takeRemovals(this.#store)
    for (let i = 0; i < removals.length; i += 3) {
      const slot = removals[i] as number
      if (report) {
        const reason = REMOVAL_REASONS[removals[i + 1] as number]
        this.#evicted.push(removals[i + 2], this.#values[slot], reason)
      }
      this.#values[slot] = undefined
    }
  }

  // Reports queued removals to onEvict and the evict channel, once the cache is consistent again.
  #notify(): void {
    if (this.#evicted.length === 0) return
    const onEvict = this.#settings.onEvict
    const batch = this.#evicted
    this.#evicted = []
    for (let i = 0; i < batch.length; i += 3) {
      const key = batch[i] as string
      const reason = batch[i + 2] as EvictionReason
      if (evictChannel.hasSubscribers) {
        const message: EvictMessage = { cache: this, key, reason }
        evictChannel.publish(message)
      }
      if (onEvict === undefined) continue
      try {
        onEvict(key, batch[i + 1], reason)
      } catch (error) {
        process.emitWarning(
          `onEvict threw for key '${key}' (${reason}); the cache is unaffected: ` +
            describeThrown(error),
          { type: 'HerdcacheWarning', code: 'HERDCACHE_ON_EVICT_THREW' },
        )
      }
    }
  }

  // Keeps one unref'd timer armed while entries with a finite lifetime exist, so an expired
  // entry is reclaimed within about a second of its end even if nobody looks it up again.
  // `now` is the calling operation's clock reading: the clock is read once per operation, so a
  // clock that throws fails the operation before it changes anything.
  #scheduleSweep(call: CallOptions, now: number | undefined): void {
    const lifetime = call.ttlMs + Math.max(call.staleWhileRevalidateMs, call.staleIfErrorMs)
    if (lifetime === Infinity) return
    const at = now ?? performance.now()
    const latest = at + lifetime + SWEEP_INTERVAL_MS
    if (this.#sweepTimer !== undefined && this.#sweepDueAt <= latest) return
    // Rounded up to whole intervals, so entries written close together share one wake-up.
    this.#armSweep(Math.max(1, Math.ceil(lifetime / SWEEP_INTERVAL_MS)) * SWEEP_INTERVAL_MS, at)
  }

  #armSweep(delay: number, at: number): void {
    clearTimeout(this.#sweepTimer)
    const ms = Math.min(delay, 2 ** 31 - 1)
    this.#sweepDueAt = at + ms
    // The timer holds only a WeakRef, so a pending sweep never keeps the cache alive.
    this.#sweepTimer = setTimeout(CacheManager.#tick, ms, this.#self)
    this.#sweepTimer.unref()
  }

  static #tick(this: void, self: WeakRef<CacheManager<unknown>>): void {
    const cache = self.deref()
    if (cache !== undefined) cache.#sweep()
  }

  #sweep(): void {
    this.#sweepTimer = undefined
    this.#sweepDueAt = Infinity
    let now: number | undefined
    try {
      now = this.#now()
    } catch (error) {
      // Thrown from a timer it would crash the process; the next write re-arms the sweep.
      process.emitWarning(`the expiry sweep was skipped: ${describeThrown(error)}`, {
        type: 'HerdcacheWarning',
        code: 'HERDCACHE_CLOCK_FAILED',
      })
      return
    }
    this.#syncKeyRecording()
    const next = binding.sweep(this.#store, SWEEP_LIMIT, now)
    const more = this.#io[IO_REMOVALS]! >= SWEEP_LIMIT
    this.#release()
    this.#notify()
    if (!more && next === Infinity) return
    // onEvict may have written entries and armed a later sweep; the sooner one wins.
    const delay = more ? 0 : Math.max(next, SWEEP_INTERVAL_MS)
    const at = now ?? performance.now()
    if (this.#sweepTimer === undefined || this.#sweepDueAt > at + delay) {
      this.#armSweep(delay, at)
    }
  }

  // The time to give the core: the clock option's reading, or undefined for the core's own
  // monotonic clock.
  #now(): number | undefined {
    if (this.#clock === undefined) return undefined
    const now = this.#clock()
    if (typeof now !== 'number' || !Number.isFinite(now)) {
      throw argumentTypeError('clock()', 'a finite number of milliseconds', now)
    }
    return now
  }
}
