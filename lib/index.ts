/**
 * herdcache: one upstream call per key under load. The project README states the contract;
 * docs/guides has guides and examples/ runnable programs.
 * @packageDocumentation
 */
export { CacheManager } from './cache_manager.js'
export { type CacheKeyOptions, cacheKey, cacheKeyWith, HASHED_KEY_PREFIX } from './cache_key.js'
export {
  type CacheRef,
  channels,
  type EvictMessage,
  type FetchEndMessage,
  type FetchErrorMessage,
  type FetchMessage,
  type HitMessage,
  type LookupMessage,
} from './channels.js'
export { TimeoutError, WatchError, type WatchOperation } from './errors.js'
export { DEFAULT_FETCH_DURATION_BUCKETS } from './metrics.js'
export {
  type CollectCacheMetricsOptions,
  collectCacheMetrics,
  type PrometheusRegistry,
} from './prometheus.js'
export type {
  FileWatcherEmitter,
  FileWatcherEvents,
  FileWatcherListener,
  WatchInvalidation,
} from './watch_events.js'
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
