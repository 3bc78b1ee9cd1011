/**
 * Loads the compiled addon and describes its surface. Internal: the public API is CacheManager.
 * See native/binding/store_wrap.h for the binding's side of each contract.
 */
import { join } from 'node:path'

/** The core store as the binding exposes it. `now` is omitted to use the monotonic clock. */
export interface NativeStore {
  /** Shared result fields, at the IO_* positions. */
  readonly io: Int32Array
  /** Shared entry spec for set() and complete(), at the SPEC_* positions. */
  readonly spec: Float64Array
  /** A value slot on a fresh hit, else CODE_STALE, CODE_JOIN or CODE_START. */
  acquire(key: string, now?: number, forceRefresh?: boolean): number
  /** A counted lookup: a value slot, or CODE_MISS. */
  get(key: string, now?: number): number
  /** An uncounted lookup that keeps recency: a value slot, or CODE_MISS. */
  peek(key: string, now?: number): number
  /** Stores the key per `spec`: the value slot to fill, or CODE_MISS when not stored. */
  set(key: string, tags: readonly string[] | undefined, now?: number): number
  /** Ends a fetch with a value per `spec`: the value slot to fill, or CODE_MISS. */
  complete(flightSlot: number, generation: number, now?: number): number
  tagFlight(flightSlot: number, generation: number, tags: readonly string[]): void
  /** Whether the fetch is still its key's current record (its result would be stored). */
  isCurrent(flightSlot: number, generation: number): boolean
  /** Ends a fetch without a value: a fallback value slot, CODE_MISS, or CODE_NOT_CURRENT. */
  fail(flightSlot: number, generation: number, cause: FailCause, now?: number): number
  /** Removes the key's entry and detaches its fetch; whether an entry was removed. */
  delete(key: string): boolean
  /** Removes the tag's entries and detaches its fetches; how many entries it removed. */
  invalidateTag(tag: string): number
  clear(): void
  /** Removes up to `limit` expired entries; milliseconds until the next expiry, or Infinity. */
  sweep(limit: number, now?: number): number
  /** The last call's removals: [slot, cause, key, ...]; keys are '' unless recorded. */
  takeRemovals(): (number | string)[]
  size(): number
  stats(): NativeStats
}

export interface NativeStats {
  hits: number
  misses: number
  staleHits: number
  fetches: number
  refreshes: number
  fetchErrors: number
  refreshErrors: number
  timeouts: number
  aborts: number
  coalesced: number
  evictions: number
  expirations: number
  size: number
  inFlight: number
  bytes: number
}

/** Return codes below zero; zero and above is a value slot. */
export const CODE_MISS = -1
export const CODE_JOIN = -2
export const CODE_START = -3
export const CODE_STALE = -4
export const CODE_NOT_CURRENT = -2

/** Positions in NativeStore.io. */
export const IO_FLIGHT_SLOT = 0
export const IO_GENERATION = 1
export const IO_VALUE_SLOT = 2
export const IO_REMOVALS = 3
export const IO_FIRST_SLOT = 4
export const IO_STARTED = 6

/** Positions in NativeStore.spec. */
export const SPEC_TTL = 0
export const SPEC_STALE_WHILE_REVALIDATE = 1
export const SPEC_STALE_IF_ERROR = 2
export const SPEC_BYTES = 3

/** How a fetch ended without a value (the core's FailCause). */
export const FailCause = { Error: 0, Timeout: 1, Abort: 2 } as const
export type FailCause = (typeof FailCause)[keyof typeof FailCause]

/** Why an entry was removed, by the core's RemovalCause number. */
export const REMOVAL_REASONS = ['evict', 'expire', 'delete', 'set', 'clear'] as const

interface Addon {
  NativeStore: new (maxEntries: number, maxBytes?: number, recordKeys?: boolean) => NativeStore
}

// dist/native.js -> build/Release/herdcache.node, built by `npm install` (cmake-js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const addon = require(join(__dirname, '..', 'build', 'Release', 'herdcache.node')) as Addon

export const { NativeStore } = addon
