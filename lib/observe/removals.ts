/**
 * Removal reports: `onEvict` and the `herdcache:evict` channel, told of every entry that leaves
 * the cache once the cache is consistent again. The store records removed keys only while
 * someone needs them, so without either a removal costs no key copy.
 */
import { describeThrown } from '../errors.js'
import type { Backend, Removed } from '../store/backend.js'
import type { EvictionReason } from '../types.js'
import { evictChannel } from './channel_objects.js'
import type { CacheRef, EvictMessage } from './channels.js'

type OnEvict = (key: string, value: unknown, reason: EvictionReason) => void

export class RemovalReports {
  // Whether the evict channel had subscribers when key recording was last decided.
  #observed = false

  /** `store` must record keys from the start exactly when `onEvict` is given. */
  constructor(
    private readonly cache: CacheRef,
    private readonly store: Backend,
    private readonly onEvict: OnEvict | undefined,
  ) {}

  /**
   * Has the store record removed keys exactly while onEvict or an evict subscriber needs them.
   * Called before every store call that can remove entries; one comparison unless the
   * channel's subscribers changed.
   */
  watch(): void {
    if (evictChannel.hasSubscribers === this.#observed) return
    this.#observed = evictChannel.hasSubscribers
    this.store.recordKeys(this.#observed || this.onEvict !== undefined)
  }

  /**
   * Reports what the store removed since the last report. onEvict may call back into the cache;
   * what it throws, whatever it is, becomes a warning, and the rest of the batch is reported.
   */
  report(): void {
    const batch = this.store.takeRemovals()
    // Apart, so that this check, made after every call, stays small enough to inline.
    if (batch.length !== 0) this.#report(batch)
  }

  #report(batch: readonly Removed[]): void {
    for (const { key, value, reason } of batch) {
      if (evictChannel.hasSubscribers) {
        const message: EvictMessage = { cache: this.cache, key, reason }
        evictChannel.publish(message)
      }
      if (this.onEvict === undefined) continue
      try {
        this.onEvict(key, value, reason)
      } catch (error) {
        process.emitWarning(
          `onEvict threw for key '${key}' (${reason}); the cache is unaffected: ` +
            describeThrown(error),
          { type: 'HerdcacheWarning', code: 'HERDCACHE_ON_EVICT_THREW' },
        )
      }
    }
  }
}
