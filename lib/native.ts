/**
 * Loads the compiled addon and describes its surface. Internal: the public API is CacheManager.
 */
import { join } from 'node:path'

/** The core store as the binding exposes it; see native/binding/store_wrap.h. */
export interface NativeStore {
  /** Shared result fields; positions IO_*. */
  readonly io: Int32Array
  /** getOrFetch's lookup: a value slot on a hit, else CODE_JOIN or -3 (a fetch starts). */
  acquire(key: string): number
  /** A counted lookup: a value slot, or CODE_MISS. */
  get(key: string): number
  /** An uncounted lookup that keeps recency: a value slot, or CODE_MISS. */
  peek(key: string): number
  /** Stores the key: the value slot to fill, or CODE_MISS when ttlMs is 0. */
  set(key: string, ttlMs: number): number
  /** Ends a fetch with a value: the value slot to fill, or CODE_MISS when not stored. */
  complete(flightSlot: number, generation: number, ttlMs: number): number
  /** Ends a fetch that failed; whether it was still current. */
  fail(flightSlot: number, generation: number): boolean
  /** Removes the key's entry and detaches its fetch; whether an entry was removed. */
  delete(key: string): boolean
  clear(): void
  size(): number
  stats(): NativeStats
}

export interface NativeStats {
  hits: number
  misses: number
  fetches: number
  fetchErrors: number
  coalesced: number
  evictions: number
  expirations: number
  size: number
  inFlight: number
}

/** Return codes below zero; zero and above is a value slot. */
export const CODE_MISS = -1
export const CODE_JOIN = -2

/** Positions in NativeStore.io. */
export const IO_FLIGHT_SLOT = 0
export const IO_GENERATION = 1
export const IO_RELEASED = 2

interface Addon {
  NativeStore: new (maxEntries: number) => NativeStore
}

// dist/native.js -> build/Release/herdcache.node, built by `npm install` (cmake-js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const addon = require(join(__dirname, '..', 'build', 'Release', 'herdcache.node')) as Addon

export const { NativeStore } = addon
