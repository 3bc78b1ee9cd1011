/**
 * Events on `node:diagnostics_channel`, for APM and tracing tools. A message is built and
 * published only while its channel has a subscriber, so an unobserved cache pays one boolean read
 * per event.
 */
import type { EvictionReason } from './types.js'

/**
 * The channel names herdcache publishes on; subscribe with
 * `diagnostics_channel.subscribe(channels.hit, onHit)`. Messages carry the `cache` (whose `name`
 * tells caches apart) and the `key`.
 *
 * Every counted lookup (`getOrFetch`, `get`) publishes exactly one of `hit`, `miss` and
 * `coalesce`, so `stats().misses` is the number of `miss` and `coalesce` messages.
 */
export const channels = {
  /** A lookup answered from the cache: {@link HitMessage}. */
  hit: 'herdcache:hit',
  /** A lookup that found nothing to answer with, and joined no fetch: {@link LookupMessage}. */
  miss: 'herdcache:miss',
  /** A `getOrFetch` miss that joined its key's fetch in flight: {@link LookupMessage}. */
  coalesce: 'herdcache:coalesce',
  /** A fetcher is about to be called: {@link FetchMessage}. */
  fetchStart: 'herdcache:fetch:start',
  /** A fetch produced a value: {@link FetchEndMessage}, the start message completed. */
  fetchEnd: 'herdcache:fetch:end',
  /** A fetch failed, timed out or was abandoned: {@link FetchErrorMessage}. */
  fetchError: 'herdcache:fetch:error',
  /** An entry left the cache, for any reason `onEvict` is told: {@link EvictMessage}. */
  evict: 'herdcache:evict',
} as const

/** The cache as messages show it: enough to tell caches apart without holding their API. */
export interface CacheRef {
  /** The cache's `name` option, or `undefined`. */
  readonly name: string | undefined
}

/** A `miss` or `coalesce` message. */
export interface LookupMessage {
  /** The cache looked in. */
  readonly cache: CacheRef
  /** The key looked up. */
  readonly key: string
}

/** A `hit` message. */
export interface HitMessage extends LookupMessage {
  /** Served stale while a refresh runs (`getOrFetch` within `staleWhileRevalidateMs`). */
  readonly stale: boolean
}

/**
 * A `fetch:start` message. The same object is completed and published again on `fetch:end` or
 * `fetch:error`, so a subscriber can keep per-fetch state on it (a span, say) as with
 * `TracingChannel` contexts.
 */
export interface FetchMessage {
  /** The cache fetching. */
  readonly cache: CacheRef
  /** The key being fetched. */
  readonly key: string
  /** A refresh started by a stale hit, which no caller waits on. */
  readonly background: boolean
}

/** A `fetch:end` message. */
export interface FetchEndMessage extends FetchMessage {
  /** Milliseconds from the fetcher's call to its value, by the cache's clock. */
  durationMs: number
  /** Whether the value was stored (a fetch detached by `delete`, `set`, ... is not). */
  stored: boolean
}

/** A `fetch:error` message. */
export interface FetchErrorMessage extends FetchMessage {
  /** Milliseconds from the fetcher's call to the failure, by the cache's clock. */
  durationMs: number
  /** What went wrong: the fetcher failed, the fetch timed out, or every waiter left. */
  outcome: 'error' | 'timeout' | 'abort'
  /** The fetcher's error, the `TimeoutError`, or the reason of the last waiter's signal. */
  error: unknown
}

/** An `evict` message. */
export interface EvictMessage {
  /** The cache the entry left. */
  readonly cache: CacheRef
  /** The entry's key. */
  readonly key: string
  /** Why it left, as `onEvict` is told. */
  readonly reason: EvictionReason
}
