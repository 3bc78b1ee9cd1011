/**
 * The fleet tier: Redis as every instance's L2, the lease that lets one instance of the fleet
 * call the fetcher for a key, and the bus that carries invalidations and completions. See
 * docs/guides/fleet.md for what it guarantees with Redis healthy and how it degrades without.
 *
 * This module is the tier as the cache sees it: lookups (acquire, wait, take over), writes and
 * invalidations, and what the bus brings. The lease holder's part is lead.ts; every Redis command
 * goes through guarded.ts (a timeout and the breaker), so a command that fails is never the
 * caller's failure: the cache goes on as a local one until Redis answers again.
 */
import { randomUUID } from 'node:crypto'
import { RemoteFetchError, tierInUseError } from '../errors.js'
import {
  lifetimeOf,
  NOT_STORED,
  type Tier,
  type TierAnswer,
  type TierFetch,
  type TierHost,
  type TierStats,
  tierBrand,
} from '../fetch/tier.js'
import type { CallOptions } from '../options/options.js'
import type { FetchContext, Fetcher } from '../types.js'
import { parseMessage } from './bus.js'
import type { Codec } from '../codec/codec.js'
import { decodeEnvelope, encodeEnvelope } from './envelope.js'
import { type Found, readFound, timesLeft } from './found.js'
import { Guarded, NotSent } from './guarded.js'
import { channelName, keyNames, prefixPattern, tagName } from './keys.js'
import { Leases } from './lead.js'
import type { LinkedClient, Reply, Subscription } from './link.js'
import { ACQUIRE, Acquired, DROP, DROP_IF, RELEASE, TAG, WRITE } from './scripts.js'
import { ms, type Stale, staleOf, writeArgs } from './times.js'
import { Waits } from './waits.js'

/** The settled options of a tier. */
export interface TierSettings {
  prefix: string
  leaseMs: number
  commandTimeoutMs: number
  failureThreshold: number
  retryAfterMs: number
  codec: Codec
}

// How many keys of a clear or tag invalidation are deleted at once.
const DELETE_BATCH = 100

function ignore(): void {}

export class RedisTier implements Tier {
  readonly [tierBrand] = true as const
  readonly #settings: TierSettings
  readonly #client: LinkedClient
  readonly #guarded: Guarded
  readonly #leases: Leases
  readonly #waits = new Waits()
  readonly #id = randomUUID()
  #tokens = 0
  #host: TierHost | undefined
  #subscription: Promise<Subscription | undefined> | undefined
  #live = false
  #lost = false
  #closed = false
  readonly #stats: Omit<TierStats, 'breaker'> = {
    l2Hits: 0,
    l2Misses: 0,
    leasesWon: 0,
    leasesWaited: 0,
    takeovers: 0,
    localFetches: 0,
    invalidationsSent: 0,
    invalidationsReceived: 0,
    redisErrors: 0,
    payloadErrors: 0,
  }

  constructor(client: LinkedClient, settings: TierSettings) {
    this.#client = client
    this.#settings = settings
    // An open breaker sends every waiting fetch back to look again, and so to go on alone.
    this.#guarded = new Guarded(client.link, this.#id, settings, this.#stats, () =>
      this.#waits.wakeAll(),
    )
    this.#leases = new Leases({
      guarded: this.#guarded,
      leaseMs: settings.leaseMs,
      encode: (key, value) => this.encode(key, value),
      tag: (key, tags, lifetime) => this.#tag(key, tags, lifetime),
    })
  }

  /**
   * Resolves once the tier listens to the fleet's invalidations (or has given up trying: the
   * cache then works without them). Messages sent before it resolves may be missed.
   */
  ready(): Promise<void> {
    return (this.#subscription ?? Promise.resolve(undefined)).then(ignore)
  }

  attach(host: TierHost): void {
    if (this.#host !== undefined) throw tierInUseError()
    this.#host = host
    this.#subscription = this.#client
      .subscribe(channelName(this.#settings.prefix), {
        message: (text) => this.#receive(text),
        state: (live) => this.#onState(live),
      })
      .catch(() => {
        this.#stats.redisErrors += 1
        return undefined
      })
  }

  async fetch(fetch: TierFetch, fetcher: Fetcher<unknown>): Promise<TierAnswer> {
    const { key, call, context, background } = fetch
    // Coalescing only: the fleet shares no lease for it, so whatever the fetcher then decides,
    // its result is kept in this instance's L1 alone.
    if (call.ttlMs === 0) return this.#alone(fetcher, context)
    const names = keyNames(this.#settings.prefix, key)
    if (call.tags !== undefined && call.tags.length > 0) {
      // Before the lease: an invalidateTag that does not see the key then began before this
      // fetch did, and one that does see it ends the lease, so the result is not written.
      if (!(await this.#tag(key, call.tags, lifetimeOf(call)))) {
        return this.#alone(fetcher, context)
      }
    }
    // A forced refresh passes over a fresh value, but not over one written while it waited.
    let mode = call.forceRefresh ? 'force' : 'lease'
    let waited = false
    let stale: Stale | undefined
    for (;;) {
      const token = `${this.#id}:${++this.#tokens}`
      let found: Found
      try {
        found = readFound(
          await this.#guarded.script(
            ACQUIRE,
            [names.value, names.lease],
            [token, this.#settings.leaseMs, mode],
          ),
        )
      } catch (error) {
        // A command that was sent may still run once Redis answers (it timed out, or its reply
        // was lost): its lease must not keep the fleet waiting. Sent after it on the same
        // connection, so it runs right after it.
        if (!(error instanceof NotSent)) {
          this.#guarded.behind(RELEASE, [names.lease], [token])
        }
        return this.#alone(fetcher, context)
      }
      const value = found.envelope === null ? MISSING : this.#decode(key, found.envelope)
      if (value === MISSING && found.envelope !== null) {
        // A payload this cache cannot read is a miss: removed (unless rewritten meanwhile),
        // then looked up again; if Redis fails the removal, it fails that look too.
        await this.#guarded.script(DROP_IF, [names.value], [found.envelope]).catch(ignore)
        continue
      }
      if (!waited) this.#stats[found.state === Acquired.Fresh ? 'l2Hits' : 'l2Misses'] += 1
      if (found.state === Acquired.Fresh) {
        return { value, times: timesLeft(found), tags: found.tags }
      }
      if (value !== MISSING) {
        stale = staleOf(value, found)
        // A forced refresh is not answered with the value it passes over, unless it fails.
        if (mode === 'force') stale.revalidateUntil = -Infinity
      }
      if (found.state === Acquired.Won) {
        this.#stats.leasesWon += 1
        if (waited) this.#stats.takeovers += 1
        if (stale !== undefined && !background && performance.now() < stale.revalidateUntil) {
          // Served stale now; this instance refreshes it for the whole fleet.
          this.#leases.lead(fetch, names, token, fetcher, undefined).catch(ignore)
          return { value: stale.value, times: NOT_STORED }
        }
        return this.#leases.lead(fetch, names, token, fetcher, stale)
      }
      if (stale !== undefined && performance.now() < stale.revalidateUntil) {
        return { value: stale.value, times: NOT_STORED } // another instance refreshes it
      }
      if (!waited) this.#stats.leasesWaited += 1
      waited = true
      mode = 'lease'
      const wakeup = await this.#waits.wait(key, found.leaseLeft, context.signal)
      if (wakeup.kind === 'aborted') throw context.signal.reason
      if (wakeup.kind === 'failed') {
        if (stale !== undefined && performance.now() < stale.ifErrorUntil) {
          return { value: stale.value, times: NOT_STORED }
        }
        throw new RemoteFetchError(key, wakeup.error)
      }
    }
  }

  async read(key: string): Promise<TierAnswer | undefined> {
    const names = keyNames(this.#settings.prefix, key)
    try {
      const found = readFound(
        await this.#guarded.script(ACQUIRE, [names.value, names.lease], ['', 0, 'read']),
      )
      if (found.state !== Acquired.Fresh || found.envelope === null) return undefined
      const value = this.#decode(key, found.envelope)
      return value === MISSING ? undefined : { value, times: timesLeft(found), tags: found.tags }
    } catch {
      return undefined
    }
  }

  encode(key: string, value: unknown): Buffer {
    return encodeEnvelope(this.#settings.codec, value, key)
  }

  async write(key: string, encoded: unknown, call: CallOptions): Promise<void> {
    const names = keyNames(this.#settings.prefix, key)
    try {
      if (call.tags !== undefined && call.tags.length > 0 && call.ttlMs !== 0) {
        await this.#tag(key, call.tags, lifetimeOf(call))
      }
      if (call.ttlMs === 0) {
        await this.#guarded.script(DROP, [names.value, names.lease], [])
      } else {
        await this.#guarded.script(
          WRITE,
          [names.value, names.lease],
          ['', encoded as Buffer, ...writeArgs(call, call.tags ?? [])],
        )
      }
      await this.#guarded.publish({ kind: 'drop', keys: [key] })
    } catch {
      // counted in #redis; the cache has the value, other instances keep theirs until it ends
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    try {
      await this.#dropKeys(keys)
      await this.#guarded.publish({ kind: 'drop', keys: [...keys] })
    } catch {
      // counted in #redis
    }
  }

  async invalidateTags(tags: readonly string[]): Promise<void> {
    try {
      // One round for all the tags: their members read together, each key dropped once, the
      // sets removed together, and one message for the fleet.
      const sets = tags.map((tag) => tagName(this.#settings.prefix, tag))
      const members = await Promise.all(
        sets.map((set) => this.#guarded.command(set, ['SMEMBERS', set])),
      )
      const keys = new Set(members.flatMap((set) => (set as Reply[]).flatMap(memberKey)))
      await this.#dropKeys([...keys])
      await Promise.all(sets.map((set) => this.#guarded.command(set, ['DEL', set])))
      await this.#guarded.publish({ kind: 'tags', tags: [...tags] })
    } catch {
      // counted in #redis
    }
  }

  async clear(): Promise<void> {
    try {
      const batches = this.#guarded.link
        .scan(prefixPattern(this.#settings.prefix))
        [Symbol.asyncIterator]()
      for (;;) {
        const next = await this.#guarded.run(() => batches.next())
        if (next.done === true) break
        const names = next.value
        for (let i = 0; i < names.length; i += DELETE_BATCH) {
          await Promise.all(
            names
              .slice(i, i + DELETE_BATCH)
              .map((name) => this.#guarded.command(name, ['DEL', name])),
          )
        }
      }
      await this.#guarded.publish({ kind: 'clear' })
    } catch {
      // counted in #redis
    }
  }

  stats(): TierStats {
    return { ...this.#stats, breaker: this.#guarded.breakerState }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#guarded.close()
    this.#leases.stopAll()
    this.#waits.wakeAll()
    const subscription = await this.#subscription
    await subscription?.close().catch(ignore)
  }

  // A fetch without the fleet: stored in L1 only, as the fetcher decides.
  async #alone(fetcher: Fetcher<unknown>, context: FetchContext<unknown>): Promise<TierAnswer> {
    this.#stats.localFetches += 1
    return { value: await fetcher(context) }
  }

  // Whether the key was added to every tag's set.
  async #tag(key: string, tags: readonly string[], lifetime: number): Promise<boolean> {
    try {
      const member = JSON.stringify(key)
      await Promise.all(
        tags.map((tag) =>
          this.#guarded.script(TAG, [tagName(this.#settings.prefix, tag)], [member, ms(lifetime)]),
        ),
      )
      return true
    } catch {
      return false
    }
  }

  async #dropKeys(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      await Promise.all(
        keys.slice(i, i + DELETE_BATCH).map((key) => {
          const names = keyNames(this.#settings.prefix, key)
          return this.#guarded.script(DROP, [names.value, names.lease], [])
        }),
      )
    }
  }

  #decode(key: string, envelope: Buffer): unknown {
    try {
      return decodeEnvelope(this.#settings.codec, envelope, key)
    } catch (error) {
      this.#stats.payloadErrors += 1
      process.emitWarning(`herdcache: ${String((error as Error).message)}`, {
        type: 'HerdcacheWarning',
        code: 'HERDCACHE_BAD_PAYLOAD',
      })
      return MISSING
    }
  }

  #receive(text: string): void {
    const parsed = parseMessage(text)
    if (parsed === undefined || parsed.from === this.#id || this.#host === undefined) return
    const { message } = parsed
    switch (message.kind) {
      case 'done':
        for (const key of message.keys) this.#waits.wake(key)
        return
      case 'failed':
        for (const key of message.keys)
          this.#waits.wake(key, { kind: 'failed', error: message.error })
        return
      case 'drop':
        this.#stats.invalidationsReceived += 1
        this.#host.dropKeys(message.keys)
        for (const key of message.keys) this.#waits.wake(key)
        return
      case 'tags':
        this.#stats.invalidationsReceived += 1
        this.#host.dropTags(message.tags)
        this.#waits.wakeAll()
        return
      case 'clear':
        this.#stats.invalidationsReceived += 1
        this.#host.dropAll()
        this.#waits.wakeAll()
        return
    }
  }

  #onState(live: boolean): void {
    if (!live) {
      // Messages may be missed from now on: waiting fetches look at Redis again.
      if (this.#live) this.#lost = true
      this.#live = false
      this.#waits.wakeAll()
      return
    }
    this.#live = true
    if (this.#lost) {
      // An invalidation may have gone by while the subscription was down: L1 is re-read.
      this.#lost = false
      this.#host?.dropAll()
    }
  }
}

const MISSING: unique symbol = Symbol('herdcache.missing')

// A tag set's member: the key as JSON text, which keeps lone surrogates. Anything else (written
// by someone else) names no key.
function memberKey(member: Reply): string[] {
  try {
    const key: unknown = JSON.parse(String(member))
    return typeof key === 'string' ? [key] : []
  } catch {
    return []
  }
}
