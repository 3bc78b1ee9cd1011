/**
 * herdcache: one upstream call per key under load. See the README for the contract.
 * @packageDocumentation
 */
export { CacheManager } from './cache_manager.js'
export { type CacheKeyOptions, cacheKey, cacheKeyWith, HASHED_KEY_PREFIX } from './cache_key.js'
export { TimeoutError } from './errors.js'
export type {
  AnyFunction,
  CacheOptions,
  CacheStats,
  EntryTimes,
  EvictionReason,
  FetchContext,
  Fetcher,
  GetOrFetchOptions,
  SetOptions,
  WrapOptions,
  Wrapped,
} from './types.js'
