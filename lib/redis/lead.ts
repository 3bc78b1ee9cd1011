/**
 * The instance holding a key's lease: it calls the fetcher, renews the lease while the fetch
 * runs, writes the result as the fetcher decided (only while the lease is still its own), and
 * tells the fleet how it went.
 */
import {
  lifetimeOf,
  NOT_STORED,
  type StoreTimes,
  type TierAnswer,
  type TierFetch,
} from '../fetch/tier.js'
import type { Decision } from '../options/fetcher_options.js'
import type { Fetcher } from '../types.js'
import { failureOf } from './bus.js'
import { type Guarded, NotSent } from './guarded.js'
import type { KeyNames } from './keys.js'
import { RELEASE, RENEW, WRITE } from './scripts.js'
import { type Stale, writeArgs } from './times.js'

/** What a lease holder needs of its tier. */
export interface LeaseParts {
  guarded: Guarded
  leaseMs: number
  /** The value as Redis stores it; throws for one the codec cannot hold. */
  encode(key: string, value: unknown): Buffer
  /** Adds the key to the tags' sets for `lifetime` ms; whether every one was written. */
  tag(key: string, tags: readonly string[], lifetime: number): Promise<boolean>
}

function ignore(): void {}

export class Leases {
  readonly #renewals = new Set<NodeJS.Timeout>()

  constructor(private readonly parts: LeaseParts) {}

  /** Stops renewing every lease (the tier is closing: they run out). */
  stopAll(): void {
    for (const timer of this.#renewals) clearInterval(timer)
    this.#renewals.clear()
  }

  /**
   * Calls the fetcher under the lease `token` holds, writes its result as it decided, and tells
   * the fleet how it went. A failure within the stale value's stale-if-error window answers it.
   */
  async lead(
    fetch: TierFetch,
    names: KeyNames,
    token: string,
    fetcher: Fetcher<unknown>,
    stale: Stale | undefined,
  ): Promise<TierAnswer> {
    const { key, context } = fetch
    const renewal = setInterval(() => this.#renew(names, token, renewal), this.parts.leaseMs / 3)
    renewal.unref()
    this.#renewals.add(renewal)
    let value: unknown
    let decision: Decision
    let envelope: Buffer | undefined
    try {
      value = await fetcher(context)
      decision = fetch.decide()
      // A value the fetcher decided not to store need not be one the codec can hold.
      if (decision.times.ttlMs !== 0) envelope = this.parts.encode(key, value)
    } catch (error) {
      this.#stopRenewing(renewal)
      if (context.signal.aborted) {
        // Given up here (timed out, or every caller left): not the fleet's failure. The lease
        // ends and the waiters look again; one of them fetches for its own callers.
        this.release(key, names, token).catch(ignore)
      } else {
        this.#failed(key, names, token, error).catch(ignore)
      }
      if (stale !== undefined && performance.now() < stale.ifErrorUntil) {
        return { value: stale.value, times: NOT_STORED }
      }
      throw error
    }
    this.#stopRenewing(renewal)
    if (envelope === undefined) {
      // Not to be stored: nothing is written, and the waiters look again (one of them then
      // fetches, under the lease).
      this.release(key, names, token).catch(ignore)
      return { value }
    }
    const written = await this.#write(fetch, names, token, envelope, decision)
    // A lease lost to an invalidation: the value answers its waiters but is kept nowhere.
    return written ? { value } : { value, times: NOT_STORED }
  }

  /** Ends the lease `token` holds, then wakes the waiters: they look again. */
  async release(key: string, names: KeyNames, token: string): Promise<void> {
    await this.parts.guarded.script(RELEASE, [names.lease], [token])
    await this.parts.guarded.publish({ kind: 'done', keys: [key] })
  }

  // Whether the value was written (false: the lease was lost to an invalidation). A Redis
  // failure is not the caller's: the value still answers here.
  async #write(
    fetch: TierFetch,
    names: KeyNames,
    token: string,
    envelope: Buffer,
    decision: Decision,
  ): Promise<boolean> {
    const { key, call } = fetch
    const { guarded } = this.parts
    try {
      const times: StoreTimes = decision.times
      const tags = decision.tags ?? call.tags ?? []
      // Tags the fetcher chose, or a life longer than the call's: the tag sets must name the key
      // for as long as the value lives, before it is written.
      if (
        tags.length > 0 &&
        (decision.tags !== undefined || lifetimeOf(times) > lifetimeOf(call)) &&
        !(await this.parts.tag(key, tags, lifetimeOf(times)))
      ) {
        throw new Error('the tag sets could not be written')
      }
      const reply = await guarded.script(
        WRITE,
        [names.value, names.lease],
        [token, envelope, ...writeArgs(times, tags)],
      )
      // A forced refresh replaced a value other instances may hold: they drop it.
      await guarded.publish({ kind: call.forceRefresh ? 'drop' : 'done', keys: [key] })
      return reply === 1
    } catch (error) {
      // Unless nothing was sent, the lease is let go and the waiters woken behind what was, on
      // the same connection: they then look again rather than wait for the lease to run out.
      if (!(error instanceof NotSent)) {
        guarded.behind(RELEASE, [names.lease], [token], { kind: 'done', keys: [key] })
      }
      return true
    }
  }

  async #failed(key: string, names: KeyNames, token: string, error: unknown): Promise<void> {
    // The lease ends first, so that the next call, anywhere, fetches anew at once. The waiters
    // are told of the failure rather than woken: they reject instead of each calling a failing
    // upstream again.
    await this.parts.guarded.script(RELEASE, [names.lease], [token])
    await this.parts.guarded.publish({ kind: 'failed', keys: [key], error: failureOf(error) })
  }

  #renew(names: KeyNames, token: string, renewal: NodeJS.Timeout): void {
    this.parts.guarded.script(RENEW, [names.lease], [token, this.parts.leaseMs]).then((reply) => {
      if (reply !== 1) this.#stopRenewing(renewal)
    }, ignore)
  }

  #stopRenewing(renewal: NodeJS.Timeout): void {
    clearInterval(renewal)
    this.#renewals.delete(renewal)
  }
}
