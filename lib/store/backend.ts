/**
 * The seam between `CacheManager` and a store. A backend keeps the entries, their recency, TTLs,
 * sizes and tags, and one in-flight record per key being fetched; the layers above decide when
 * to fetch, what waiters receive, and what is reported. Two backends: the object store (values
 * by identity, this thread) and the shared store (encoded values, every thread of the process).
 *
 * Every method that can remove entries queues them for `takeRemovals`; times are clock option
 * readings, or `undefined` for the store's own monotonic clock.
 */
import type { Flight } from '../fetch/flight.js'
import type { StoreTimes } from '../fetch/tier.js'
import type { CallOptions } from '../options/options.js'
import type { CacheStats, EvictionReason } from '../types.js'

/** How a fetch ended without a value (the core's FailCause order). */
export const FailCause = { Error: 0, Timeout: 1, Abort: 2 } as const
export type FailCause = (typeof FailCause)[keyof typeof FailCause]

/**
 * A fetch in flight that a caller can join: a Flight of this cache, or (shared store) a fetch
 * running in another thread.
 */
export interface Joinable {
  /**
   * Whether the next caller's `retry` would be kept: false for a Flight of this cache (never
   * given up elsewhere), and for a fetch elsewhere once its first caller here gave one. A caller
   * makes its `retry` only when it is wanted, so joining allocates nothing.
   */
  readonly wantsRetry: boolean
  /**
   * A Promise for one caller: with a signal, its own. `retry` is how that caller would fetch
   * anew: a fetch in another thread that is given up before it ends is fetched anew with the
   * first caller's `retry` (without its signal) while any caller here still waits.
   */
  waiter(signal: AbortSignal | undefined, retry?: () => Promise<unknown>): Promise<unknown>
}

/** What a lookup found when it did not hit a fresh entry ('miss': `get` only). */
type LookupKind = 'stale' | 'join' | 'start' | 'miss'

/**
 * The details of the last `acquire` (or `get`) that missed, valid until the store's next call
 * (one object, reused, so a lookup allocates nothing).
 */
export interface Lookup {
  kind: LookupKind
  /** 'stale': the value served. 'start': the retained value the fetcher may see, if any. */
  value: unknown
  /** 'stale': whether a background refresh started (then `started` describes it). */
  refresh: boolean
  /** 'join': the fetch in flight. */
  flight: Joinable | undefined
  /** 'start', or 'stale' with a refresh: the new fetch's record, for `track`. */
  started: FlightRecord
}

/** A fetch's in-flight record in the store: valid while it is its key's current record. */
interface FlightRecord {
  slot: number
  generation: number
  /** The store's clock at the fetch's start. */
  startedAt: number
}

/** A fetch's end in the store: whether its value was stored, and when it ended. */
export interface Ending {
  stored: boolean
  /** The store's clock at the end (NaN when unknown). */
  endedAt: number
}

/** A fetch that failed: a fallback value within staleIfErrorMs, if any, and when it ended. */
export interface Failure {
  fallback: { value: unknown } | undefined
  endedAt: number
}

/** An entry that left the store: its key ('' unless keys are recorded), value and reason. */
export interface Removed {
  key: string
  value: unknown
  reason: EvictionReason
}

/** Marks a lookup that did not hit; `acquire`'s details are then in `lookup`. */
export const MISSED: unique symbol = Symbol('herdcache.missed')

/** What CacheManager needs from a store. */
export interface Backend {
  /** The details of the last `acquire` that returned MISSED. */
  readonly lookup: Lookup
  /**
   * getOrFetch's lookup: the value of a fresh entry (made most recently used), or MISSED. A
   * miss joins the key's fetch in flight, or registers a new one (then `track` it).
   */
  acquire(key: string, now: number | undefined, forceRefresh: boolean): unknown
  /** Holds `flight` under the record it was made for, and tags it. */
  track(flight: Flight, tags: readonly string[] | undefined): void
  /**
   * Adds tags to `flight`'s record (with `replace`, gives it exactly these), if it is still
   * current: its entry will have them.
   */
  tagFlight(flight: Flight, tags: readonly string[], replace?: boolean): void
  /** Whether `flight` is still its key's current record (its result would be stored). */
  isCurrent(flight: Flight): boolean
  /** Ends `flight` with `value`, stored per `times` with `bytes` unless it was detached. */
  complete(
    flight: Flight,
    value: unknown,
    times: StoreTimes,
    bytes: number,
    now: number | undefined,
  ): Ending
  /** Ends `flight` without a value; `error` is what it failed with (for waiters elsewhere). */
  fail(flight: Flight, cause: FailCause, now: number | undefined, error?: unknown): Failure
  /**
   * A counted lookup: the fresh value, or MISSED. With `allowStale`, a stale entry still
   * retained answers too (counted as a stale hit, made most recently used): MISSED, with
   * `lookup.kind` 'stale' and its value in `lookup.value`; a miss leaves `lookup.kind` 'miss'.
   */
  get(key: string, now: number | undefined, allowStale: boolean): unknown
  /**
   * An uncounted lookup that keeps recency: the fresh value (with `allowStale`, also a stale one
   * still retained), or MISSED.
   */
  peek(key: string, now: number | undefined, allowStale: boolean): unknown
  /**
   * Milliseconds the key's entry stays fresh (Infinity for never, 0 or less once stale), or
   * undefined when none is retained. Uncounted; recency kept.
   */
  remainingTtl(key: string, now: number | undefined): number | undefined
  /**
   * The fresh entries (with `allowStale`, every retained one), most recently used first, as
   * they are now. Counts nothing, changes nothing.
   */
  entries(now: number | undefined, allowStale: boolean): [string, unknown][]
  /** The keys of `entries`, without their values. */
  keys(now: number | undefined, allowStale: boolean): string[]
  /** The values of `entries`, without their keys. */
  values(now: number | undefined, allowStale: boolean): unknown[]
  /** Stores `value` per `call` (its times, tags and `bytes`); whether it was stored. */
  set(
    key: string,
    value: unknown,
    call: CallOptions,
    bytes: number,
    now: number | undefined,
  ): boolean
  /** Removes `key`'s entry and detaches its fetch; whether an entry was removed. */
  delete(key: string): boolean
  /** Removes the tags' entries and detaches their fetches; how many entries it removed. */
  invalidateTags(tags: readonly string[]): number
  /** Removes every entry and detaches every fetch. */
  clear(): void
  /** Removes up to `limit` expired entries; ms until the next expiry, and whether more remain. */
  sweep(limit: number, now: number | undefined): { next: number; more: boolean }
  /** Whether removals carry their keys (for onEvict and the evict channel). */
  recordKeys(record: boolean): void
  /** The entries the calls since the last take removed, oldest first. */
  takeRemovals(): Removed[]
  readonly size: number
  stats(): CacheStats
  /** Lets go of what the store holds outside this object (a shared store's membership). */
  close?(): void
  /** A shared store's sizes, which may be another cache's options. */
  readonly limits?: { maxSize: number; maxBytes: number | undefined }
}
