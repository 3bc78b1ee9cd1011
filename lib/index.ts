/**
 * herdcache: one upstream call per key under load. See the README for the contract.
 * @packageDocumentation
 */
export { CacheManager } from './cache_manager.js'
export { type CacheKeyOptions, cacheKey, cacheKeyWith, HASHED_KEY_PREFIX } from './cache_key.js'
export { TimeoutError, WatchError, type WatchOperation } from './errors.js'
export type { FileWatcherEmitter, FileWatcherEvents, WatchInvalidation } from './watch_events.js'
export {
  FileWatcher,
  type TagInvalidator,
  type WatchFilesOptions,
  type WatchTags,
  watchFiles,
} from './watch_files.js'
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
