/**
 * herdcache: one upstream call per key under load. The project README states the contract;
 * docs/guides has guides and examples/ runnable programs.
 * @packageDocumentation
 */
export { CacheManager } from './cache_manager.js'
export {
  type CacheKeyOptions,
  cacheKey,
  cacheKeyWith,
  HASHED_KEY_PREFIX,
} from './keys/cache_key.js'
export {
  type CacheRef,
  channels,
  type EvictMessage,
  type FetchEndMessage,
  type FetchErrorMessage,
  type FetchMessage,
  type FetchOutcome,
  type HitMessage,
  type LookupMessage,
} from './observe/channels.js'
export {
  EncodeError,
  type RemoteError,
  RemoteFetchError,
  TimeoutError,
  WatchError,
  type WatchOperation,
} from './errors.js'
export type { Codec } from './codec/codec.js'
export { jsonCodec } from './codec/json_codec.js'
export { v8Codec } from './codec/v8_codec.js'
export type { CacheTier, TierStats } from './fetch/tier.js'
export { DEFAULT_FETCH_DURATION_BUCKETS } from './observe/metrics.js'
export {
  type CollectCacheMetricsOptions,
  collectCacheMetrics,
  type PrometheusRegistry,
} from './observe/prometheus.js'
export type {
  FileWatcherEmitter,
  FileWatcherEvents,
  FileWatcherListener,
  WatchInvalidation,
} from './watch/watch_events.js'
export {
  FileWatcher,
  type TagInvalidator,
  type WatchFilesOptions,
  type WatchTags,
  watchFiles,
} from './watch/watch_files.js'
export type {
  AnyFunction,
  CacheOptions,
  CacheStats,
  EntryTimes,
  EvictionPolicy,
  EvictionReason,
  FetchContext,
  FetcherOptions,
  Fetcher,
  GetOrFetchOptions,
  ReadOptions,
  SetOptions,
  WrapOptions,
  Wrapped,
} from './types.js'
