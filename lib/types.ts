/** Options for `new CacheManager(options)`. */
export interface CacheOptions {
  /**
   * The most entries stored at once; inserting past it evicts the least recently used entry.
   * In-flight fetches are not entries and do not count. A positive integer; default 1000.
   */
  maxSize?: number
  /**
   * The TTL, in milliseconds, for calls that give none: a non-negative number, `Infinity` for
   * entries that never expire (the default), or `0` to coalesce concurrent fetches without
   * storing their results.
   */
  defaultTtlMs?: number
}

/** A snapshot of the counters, from `cache.stats()`. Every counter is exact. */
export interface CacheStats {
  /** Lookups (`get`, `getOrFetch`) answered by a fresh entry. */
  hits: number
  /** Lookups that found nothing fresh. `hits + misses` is the number of lookups. */
  misses: number
  /** Fetcher calls: each `getOrFetch` miss with no fetch of its key in flight. */
  fetches: number
  /** Fetches whose fetcher threw or whose Promise rejected. */
  fetchErrors: number
  /** `getOrFetch` misses that joined a fetch already in flight instead of calling the fetcher. */
  coalesced: number
  /** Entries removed to make room for new ones. */
  evictions: number
  /** Entries removed because their TTL ran out (found expired by a lookup, `has` or `peek`). */
  expirations: number
  /** Entries stored now (as `cache.size`). */
  size: number
  /** Fetches in flight now whose results will be stored (detached fetches are not counted). */
  inFlight: number
}

/** What a fetcher may return: a value, or a Promise (any thenable) of one. */
export type Fetcher<T> = () => T | PromiseLike<T>
