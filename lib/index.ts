/**
 * herdcache: one upstream call per key under load. See the README for the contract.
 * @packageDocumentation
 */
export { CacheManager } from './cache_manager.js'
export { TimeoutError } from './errors.js'
export type {
  CacheOptions,
  CacheStats,
  EntryTimes,
  EvictionReason,
  FetchContext,
  Fetcher,
  GetOrFetchOptions,
  SetOptions,
} from './types.js'
