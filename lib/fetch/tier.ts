/**
 * The seam between a cache and a second tier behind it (the Redis fleet tier of
 * `herdcache/redis`). The cache keeps its own entries (L1) and coalesces its own callers; on an
 * L1 miss its one fetch asks the tier, which answers from the shared store, or arranges that one
 * instance of the fleet calls the fetcher. Changes made through the cache go to the tier too,
 * and changes other instances make come back through the host's `drop*` methods.
 */
import type { Decision } from '../options/fetcher_options.js'
import type { CallOptions } from '../options/options.js'
import type { FetchContext, Fetcher } from '../types.js'

/** How long an entry is kept: what `set` and the fetch's call ask for, or what a tier decides. */
export interface StoreTimes {
  ttlMs: number
  staleWhileRevalidateMs: number
  staleIfErrorMs: number
}

/** The longest an entry with these times lives: its TTL and its longer stale window. */
export function lifetimeOf(times: StoreTimes): number {
  return times.ttlMs + Math.max(times.staleWhileRevalidateMs, times.staleIfErrorMs)
}

/** Stores nothing: a value handed to the waiters only. */
export const NOT_STORED: StoreTimes = Object.freeze({
  ttlMs: 0,
  staleWhileRevalidateMs: 0,
  staleIfErrorMs: 0,
})

/** A value a tier produced, and how long the cache may keep it. */
export interface TierAnswer {
  value: unknown
  /**
   * How long the cache may keep the value. Absent when this instance's fetcher produced it:
   * the fetcher's own decision (`context.options`) then applies.
   */
  times?: StoreTimes
  /** Tags the value has in the tier, beyond the ones the call gave. */
  tags?: readonly string[]
}

/** An L1 miss's fetch, as a tier sees it. */
export interface TierFetch {
  readonly key: string
  /** The options of the call that started the fetch. */
  readonly call: CallOptions
  /** A refresh started by a stale hit: no caller waits for it. */
  readonly background: boolean
  /** What the fetcher is to be called with. */
  readonly context: FetchContext<unknown>
  /**
   * How the fetcher decided its result is stored (its `context.options`), once it has
   * returned; the same answer on every call.
   * @throws TypeError / RangeError for a bad decision, as for the call's options.
   */
  decide(): Decision
}

/** What a tier may ask of the cache it serves: changes made elsewhere, applied here only. */
export interface TierHost {
  /** Removes these keys' entries and detaches their fetches, telling no one. */
  dropKeys(keys: readonly string[]): void
  /** Removes these tags' entries and detaches their fetches, telling no one. */
  dropTags(tags: readonly string[]): void
  /** Removes every entry and detaches every fetch, telling no one. */
  dropAll(): void
}

/** The counters of a tier, in `stats().tier`. */
export interface TierStats {
  /** L1 misses answered with a fresh value from the tier. */
  l2Hits: number
  /** L1 misses the tier could not answer (it then leased or waited). */
  l2Misses: number
  /** Leases this instance won: each is one fetcher call for the fleet. */
  leasesWon: number
  /** Fetches that waited for another instance's lease. */
  leasesWaited: number
  /** Leases won after waiting on another holder whose lease ran out. */
  takeovers: number
  /** Fetcher calls made without the tier (Redis unavailable, or the breaker open). */
  localFetches: number
  /** Deletes, sets, tag invalidations and clears this instance published. */
  invalidationsSent: number
  /** Invalidations from other instances applied here. */
  invalidationsReceived: number
  /** Redis commands that failed or timed out. */
  redisErrors: number
  /** Payloads in Redis that could not be decoded (treated as misses). */
  payloadErrors: number
  /** Whether the tier is asking Redis: `closed` (yes), `open` (no), `half-open` (probing). */
  breaker: 'closed' | 'open' | 'half-open'
}

/**
 * A second tier behind a cache, shared by a fleet of instances: made by `redisTier()` from
 * `herdcache/redis`, passed as `new CacheManager({ tier })`.
 */
export interface CacheTier {
  /**
   * Resolves once the tier listens to the fleet's invalidations (or has given up trying: the
   * cache then works without them). Invalidations published before it resolves may be missed.
   */
  ready(): Promise<void>
}

/** A second tier, as the cache sees it. Implementations carry `tierBrand`. */
export interface Tier extends CacheTier {
  readonly [tierBrand]: true
  /** Binds the tier to the cache it serves; a tier serves one cache. */
  attach(host: TierHost): void
  /**
   * The fetch of an L1 miss: a value from the tier, or `fetcher`'s (called with
   * `fetch.context`) when this instance is the one to call it, stored in the tier as the
   * fetcher decided. Rejects as the fetcher does (or with its bad decision), or with the error
   * another instance's fetch ended with.
   */
  fetch(fetch: TierFetch, fetcher: Fetcher<unknown>): Promise<TierAnswer>
  /** A fresh value for `key` from the tier, or undefined; never rejects. */
  read(key: string): Promise<TierAnswer | undefined>
  /** Encodes `value` for `write`; throws a clear error for a value the tier cannot hold. */
  encode(key: string, value: unknown): unknown
  /** Stores an encoded value for every instance; never rejects. */
  write(key: string, encoded: unknown, call: CallOptions): Promise<void>
  /** Removes `keys` for every instance; never rejects. */
  delete(keys: readonly string[]): Promise<void>
  /** Removes the tags' entries for every instance; never rejects. */
  invalidateTags(tags: readonly string[]): Promise<void>
  /** Removes every entry for every instance; never rejects. */
  clear(): Promise<void>
  stats(): TierStats
  /** Stops listening and timers; the cache goes on alone. The Redis client stays the caller's. */
  close(): Promise<void>
}

/** Marks tier objects, so the `tier` option can be checked. */
export const tierBrand: unique symbol = Symbol.for('herdcache.tier')

/** Whether `value` is a tier made by this library. */
export function isTier(value: unknown): value is Tier {
  return typeof value === 'object' && value !== null && tierBrand in value
}
