/**
 * Events on `node:diagnostics_channel`, for APM and tracing tools. A message is built and
 * published only while its channel has a subscriber, so an unobserved cache pays one boolean read
 * per event.
 */
import type { EvictionReason } from '../types.js'

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
  /**
   * Every fetch, as a `TracingChannel` (`diagnostics_channel.tracingChannel(channels.fetch)`),
   * with one {@link FetchMessage} per fetch, completed as it goes:
   * - `start`: the fetcher is about to be called;
   * - `end`: the fetcher has returned (or thrown);
   * - `error`: the fetch failed, timed out or was abandoned ({@link FetchErrorMessage});
   * - `asyncStart`, then `asyncEnd`: the fetch has settled, with its value or after its error
   *   ({@link FetchEndMessage} on success). A fetcher that throws synchronously ends with
   *   `error` and `end` only, as `TracingChannel.traceSync` does.
   */
  fetch: 'herdcache:fetch',
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

/** How a fetch went wrong: the fetcher failed, the fetch timed out, or every waiter left. */
export type FetchOutcome = 'error' | 'timeout' | 'abort'

/**
 * The context of one fetch on the `herdcache:fetch` TracingChannel. The same object goes to
 * every event of the fetch and is completed as it goes, so a subscriber can keep per-fetch
 * state on it (a span, say), as with other `TracingChannel` contexts.
 */
export interface FetchMessage {
  /** The cache fetching. */
  readonly cache: CacheRef
  /** The key being fetched. */
  readonly key: string
  /** A refresh started by a stale hit, which no caller waits on. */
  readonly background: boolean
  /** Set when the fetch settles: milliseconds from the fetcher's call, by the cache's clock. */
  durationMs?: number
  /** Set on success: whether the value was stored (a detached fetch's is not). */
  stored?: boolean
  /** Set on success: the value, as `TracingChannel` contexts carry `result`. */
  result?: unknown
  /** Set on failure: what went wrong. */
  outcome?: FetchOutcome
  /** Set on failure: the fetcher's error, the `TimeoutError`, or the last waiter's reason. */
  error?: unknown
}

/** A fetch's message at `asyncStart` and `asyncEnd` after it produced a value. */
export interface FetchEndMessage extends FetchMessage {
  durationMs: number
  stored: boolean
  result: unknown
}

/** A fetch's message at `error` (and then `asyncStart`, `asyncEnd`, or `end`). */
export interface FetchErrorMessage extends FetchMessage {
  durationMs: number
  outcome: FetchOutcome
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
