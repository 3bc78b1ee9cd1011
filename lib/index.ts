/**
 * herdcache: one upstream call per key under load. See the README for the contract.
 * @packageDocumentation
 */
export { CacheManager } from './cache_manager.js'
export type { CacheOptions, CacheStats, Fetcher } from './types.js'
