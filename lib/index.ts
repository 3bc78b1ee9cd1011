/**
 * herdcache: one upstream call per key under load. The project README states the contract;
 * docs/guides has guides and examples/ runnable programs.
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
