import { unknownOptionError, argumentTypeError } from './errors.js'
import {
  CODE_JOIN,
  IO_FLIGHT_SLOT,
  IO_GENERATION,
  IO_RELEASED,
  NativeStore,
  type NativeStore as Store,
} from './native.js'
import type { CacheOptions, CacheStats, Fetcher } from './types.js'
import { checkFetcher, checkKey, checkPositiveInteger, checkTtl } from './validate.js'

const OPTION_NAMES = ['maxSize', 'defaultTtlMs'] as const
const DEFAULT_MAX_SIZE = 1000

/**
 * A bounded LRU cache that answers every concurrent caller of a key with one Promise from one
 * upstream call.
 *
 * Keys, recency order, expiry times and in-flight records live in a C++ core; values stay in
 * JavaScript, held only by this object, so a cache that becomes unreachable is collected with
 * everything it holds, even when a value refers back to the cache.
 *
 * @typeParam V - the type of the values stored; methods take any `T extends V`.
 */
export class CacheManager<V = unknown> {
  readonly #store: Store
  readonly #io: Int32Array
  // Values and in-flight Promises by the slot numbers the core hands out.
  #values: unknown[] = []
  #flights: (Promise<unknown> | undefined)[] = []
  readonly #defaultTtlMs: number

  /**
   * @throws TypeError when `options` is not an object or names an unknown option, or an option
   *   has the wrong type; RangeError when `maxSize` is not a positive integer or `defaultTtlMs`
   *   is negative or NaN.
   */
  constructor(options: CacheOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw argumentTypeError('options', 'an object', options)
    }
    for (const name of Object.keys(options)) {
      if (!(OPTION_NAMES as readonly string[]).includes(name)) {
        throw unknownOptionError(name, OPTION_NAMES)
      }
    }
    const maxSize =
      options.maxSize === undefined
        ? DEFAULT_MAX_SIZE
        : checkPositiveInteger('maxSize', options.maxSize)
    this.#defaultTtlMs =
      options.defaultTtlMs === undefined ? Infinity : checkTtl('defaultTtlMs', options.defaultTtlMs)
    this.#store = new NativeStore(maxSize)
    this.#io = this.#store.io
  }

  /**
   * Answers from the cache, or calls `fetcher` once for every concurrent caller of `key`.
   *
   * - A fresh entry answers at once; `fetcher` is not called.
   * - Otherwise, if a fetch of `key` is in flight, returns that fetch's Promise: every caller
   *   that misses while it is in flight receives the identical Promise object.
   * - Otherwise calls `fetcher` exactly once. When it resolves, the value is stored for `ttlMs`
   *   (unless `delete`, `clear` or `set` touched the key meanwhile) and handed to every waiter;
   *   the in-flight record is gone before any waiter runs. When it rejects or throws, every
   *   waiter rejects with the same error, nothing is stored, and the next call fetches anew.
   *
   * Not an `async` function, by design: an `async` wrapper would hand each caller a new Promise.
   *
   * @param ttlMs - milliseconds to keep the value: a non-negative number, `Infinity` for never,
   *   `0` to coalesce without storing. Defaults to the `defaultTtlMs` option.
   * @throws TypeError for a non-string key, a non-function fetcher or a non-number ttlMs;
   *   RangeError for a negative or NaN ttlMs. Thrown synchronously, with the cache untouched.
   */
  getOrFetch<T extends V>(key: string, fetcher: Fetcher<T>, ttlMs?: number): Promise<T> {
    checkKey(key)
    checkFetcher(fetcher)
    const ttl = ttlMs === undefined ? this.#defaultTtlMs : checkTtl('ttlMs', ttlMs)
    const code = this.#store.acquire(key)
    if (code >= 0) return Promise.resolve(this.#values[code] as T)
    if (code === CODE_JOIN) return this.#flights[this.#io[IO_FLIGHT_SLOT]!] as Promise<T>
    this.#dropReleased()
    return this.#fetch(fetcher, ttl)
  }

  // Runs a fetch the core has just registered (its token is in io).
  #fetch<T>(fetcher: Fetcher<T>, ttl: number): Promise<T> {
    const flightSlot = this.#io[IO_FLIGHT_SLOT]!
    const generation = this.#io[IO_GENERATION]!
    let resolve!: (value: T) => void
    let reject!: (error: unknown) => void
    const promise = new Promise<T>((res, rej) => {
      resolve = res
      reject = rej
    })
    // Registered before the fetcher runs, so a fetcher that asks for its own key joins itself.
    this.#flights[flightSlot] = promise

    const settled = () => {
      if (this.#flights[flightSlot] === promise) this.#flights[flightSlot] = undefined
    }
    const onValue = (value: T) => {
      try {
        const slot = this.#store.complete(flightSlot, generation, ttl)
        this.#dropReleased()
        if (slot >= 0) this.#values[slot] = value
        settled()
      } finally {
        resolve(value)
      }
    }
    const onError = (error: unknown) => {
      try {
        this.#store.fail(flightSlot, generation)
        settled()
      } finally {
        reject(error)
      }
    }

    let result: T | PromiseLike<T>
    try {
      result = fetcher()
    } catch (error) {
      onError(error)
      return promise
    }
    // Plain values and foreign thenables alike settle through one path.
    Promise.resolve(result).then(onValue, onError)
    return promise
  }

  /**
   * The stored value for `key`, or `null` on a miss (so a stored `null` needs `has` to tell
   * apart). Counts a hit or a miss; a hit makes the entry most recently used.
   * @throws TypeError for a non-string key.
   */
  get<T extends V>(key: string): Promise<T | null> {
    checkKey(key)
    const slot = this.#store.get(key)
    if (slot >= 0) return Promise.resolve(this.#values[slot] as T)
    this.#dropReleased()
    return Promise.resolve(null)
  }

  /**
   * Stores `value` for `key`, replacing any entry, as most recently used. A fetch of `key` in
   * flight is detached: its waiters still get its result, but that result is not stored.
   * With `ttlMs` 0 nothing is stored and any existing entry is removed.
   * @throws TypeError / RangeError for a bad key or ttlMs, synchronously.
   */
  set<T extends V>(key: string, value: T, ttlMs?: number): Promise<void> {
    checkKey(key)
    const ttl = ttlMs === undefined ? this.#defaultTtlMs : checkTtl('ttlMs', ttlMs)
    const slot = this.#store.set(key, ttl)
    this.#dropReleased()
    if (slot >= 0) this.#values[slot] = value
    return Promise.resolve()
  }

  /**
   * Removes `key`'s entry and detaches any fetch of it in flight (its waiters still get its
   * result; it is not stored, and the next `getOrFetch` fetches anew).
   * @returns whether a stored entry was removed.
   */
  delete(key: string): Promise<boolean> {
    checkKey(key)
    const removed = this.#store.delete(key)
    this.#dropReleased()
    return Promise.resolve(removed)
  }

  /** Removes every entry and detaches every fetch in flight. Counters are kept. */
  clear(): Promise<void> {
    this.#store.clear()
    this.#values = []
    this.#flights = []
    return Promise.resolve()
  }

  /**
   * Whether a fresh entry is stored for `key`. Counts no lookup and leaves recency alone. An
   * expired entry found here is removed.
   */
  has(key: string): boolean {
    checkKey(key)
    const slot = this.#store.peek(key)
    this.#dropReleased()
    return slot >= 0
  }

  /**
   * The fresh value stored for `key`, or `undefined`. Counts no lookup and leaves recency alone.
   * An expired entry found here is removed.
   */
  peek<T extends V>(key: string): T | undefined {
    checkKey(key)
    const slot = this.#store.peek(key)
    this.#dropReleased()
    return slot >= 0 ? (this.#values[slot] as T) : undefined
  }

  /** The number of entries stored, fresh or not yet found expired. In-flight fetches are not. */
  get size(): number {
    return this.#store.size()
  }

  /** A snapshot of the counters. */
  stats(): CacheStats {
    return this.#store.stats()
  }

  // Lets go of the value in a slot the core emptied during the last call.
  #dropReleased(): void {
    const released = this.#io[IO_RELEASED]!
    if (released >= 0) this.#values[released] = undefined
  }
}
