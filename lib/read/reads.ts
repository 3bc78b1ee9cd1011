/**
 * The cache's reads that fetch nothing: `get` (a counted lookup), `peek` and `has` (uncounted),
 * the remaining TTL of an entry, and the entries in recency order. Stale values answer only when
 * asked for (`allowStale`). Expired entries a lookup finds are removed and reported, as anywhere.
 */
import type { CacheParts } from '../fetch/fetches.js'
import { hitChannel, missChannel } from '../observe/channel_objects.js'
import { MISSED } from '../store/backend.js'

export class Reads {
  constructor(private readonly parts: CacheParts) {}

  /** getOrFetch's lookup without the fetch: a value, or null; with a tier, read through it. */
  get(key: string, allowStale: boolean): Promise<unknown> {
    const { store, removals, cache } = this.parts
    const now = this.parts.now()
    removals.watch()
    const found = store.get(key, now, allowStale)
    if (found !== MISSED || store.lookup.kind === 'stale') {
      const stale = found === MISSED
      if (hitChannel.hasSubscribers) hitChannel.publish({ cache, key, stale })
      return Promise.resolve(stale ? store.lookup.value : found)
    }
    if (missChannel.hasSubscribers) missChannel.publish({ cache, key })
    removals.report()
    const tier = this.parts.tier
    if (tier === undefined) return Promise.resolve(null)
    return tier.read(key).then((answer) => (answer === undefined ? null : answer.value))
  }

  /** The value stored for `key` (fresh, or with `allowStale` retained), or MISSED. */
  peek(key: string, allowStale: boolean): unknown {
    const { store, removals } = this.parts
    const now = this.parts.now()
    removals.watch()
    const found = store.peek(key, now, allowStale)
    removals.report()
    return found
  }

  /** Milliseconds `key`'s entry stays fresh: see CacheManager.getRemainingTTL. */
  remainingTtl(key: string): number {
    const { store, removals } = this.parts
    const now = this.parts.now()
    removals.watch()
    const left = store.remainingTtl(key, now)
    removals.report()
    return left ?? 0
  }

  // Iteration walks a snapshot taken at the call: changes made while iterating do not show,
  // and cannot disturb it.

  keys(allowStale: boolean): IterableIterator<string> {
    return this.parts.store.keys(this.parts.now(), allowStale)[Symbol.iterator]()
  }

  values(allowStale: boolean): IterableIterator<unknown> {
    return this.parts.store.values(this.parts.now(), allowStale)[Symbol.iterator]()
  }

  entries(allowStale: boolean): IterableIterator<[string, unknown]> {
    return this.parts.store.entries(this.parts.now(), allowStale)[Symbol.iterator]()
  }
}
