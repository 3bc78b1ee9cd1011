// A reference model of one cache, written from DESIGN.md's contract and the README's tables:
// entries in recency order with their three phases, the in-flight record of each key, the
// counters, and what every Promise handed out must settle to. It predicts removals exactly,
// except the expiry sweep, whose timing is the cache's to choose: sweep removals are taken from
// what the cache reports and checked to be entries the model also holds as expired.
import type { Variant } from './ops.js'
import { sizeOfValue } from './ops.js'

export type Reason = 'evict' | 'expire' | 'delete' | 'set' | 'clear'

export interface Removal {
  key: string
  value: unknown
  reason: Reason
}

export interface Entry {
  key: string
  value: unknown
  freshUntil: number
  staleUntil: number
  fallbackUntil: number
  bytes: number
  tags: Set<string>
}

export interface Spec {
  ttlMs: number
  staleWhileRevalidateMs: number
  staleIfErrorMs: number
  timeoutMs: number
}

/** What a Promise handed out must settle to; `pending` until the model knows. */
export type Expectation =
  | { state: 'pending' }
  | { state: 'fulfilled'; value: unknown }
  | { state: 'rejected'; error: unknown }
  | { state: 'rejected'; matches: (error: unknown) => boolean; describe: string }

export interface Waiter {
  expect: Expectation
  /** The AbortController whose signal this caller passed. */
  controller: AbortController | undefined
  left: boolean
}

export interface ModelFlight {
  id: number
  key: string
  spec: Spec
  tags: Set<string>
  background: boolean
  current: boolean
  done: boolean
  /** Fake time at which its timeout fires, or Infinity. */
  deadline: number
  shared: boolean
  sharedPromise: Promise<unknown> | undefined
  waitersWithSignal: number
  waiters: Waiter[]
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: Expectation }

export const COUNTERS = [
  'hits',
  'misses',
  'staleHits',
  'fetches',
  'refreshes',
  'fetchErrors',
  'refreshErrors',
  'timeouts',
  'aborts',
  'coalesced',
  'evictions',
  'expirations',
] as const
export type Counter = (typeof COUNTERS)[number]

function retainUntil(entry: Entry): number {
  return Math.max(entry.fallbackUntil, entry.staleUntil)
}

const isSizeError = (error: unknown) =>
  error instanceof TypeError && (error as { code?: unknown }).code === 'ERR_HERDCACHE_SIZE'

export class Model {
  now = 0
  /** Stored entries; Map order is recency, least recently used first. */
  readonly entries = new Map<string, Entry>()
  /** The current in-flight record of each key. */
  readonly current = new Map<string, ModelFlight>()
  /** Every flight not yet done (current or detached), for timeouts and aborts. */
  readonly running = new Set<ModelFlight>()
  readonly counters = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>
  /** Removals predicted in this step, in the order onEvict should see them. */
  removals: Removal[] = []
  #pending: Removal[] = []
  #depth = 0
  #nextFlight = 0
  /** What onEvict does when it re-enters the cache; applied to the model at delivery. */
  reentrant: ((removal: Removal) => void) | undefined

  constructor(readonly variant: Variant) {}

  get size(): number {
    return this.entries.size
  }

  get bytes(): number {
    let bytes = 0
    for (const entry of this.entries.values()) bytes += entry.bytes
    return bytes
  }

  get maxBytes(): number {
    return this.variant.maxBytes ?? Infinity
  }

  get sized(): boolean {
    return this.variant.maxBytes !== undefined || this.variant.sizeOf
  }

  /** The size the cache gives `value`, or undefined where it must fail with ERR_HERDCACHE_SIZE. */
  sizeOf(value: unknown): number | undefined {
    if (this.variant.sizeOf) return sizeOfValue(value)
    if (typeof value === 'string') return value.length * 2
    return undefined
  }

  // Hands this step's queued removals to onEvict, as the cache does once it is consistent
  // again; a re-entrant onEvict acts at depth 0 only (the cache's onEvict does the same).
  deliver(): void {
    while (this.#pending.length > 0) {
      const removal = this.#pending.shift()!
      this.removals.push(removal)
      if (this.reentrant !== undefined && this.#depth === 0) {
        const queued = this.#pending
        this.#pending = []
        this.#depth += 1
        this.reentrant(removal)
        this.deliver()
        this.#depth -= 1
        this.#pending = [...this.#pending, ...queued]
      }
    }
  }

  remove(entry: Entry, reason: Reason): void {
    this.entries.delete(entry.key)
    if (reason === 'evict') this.counters.evictions += 1
    if (reason === 'expire') this.counters.expirations += 1
    this.#pending.push({ key: entry.key, value: entry.value, reason })
  }

  #retained(key: string): Entry | undefined {
    const entry = this.entries.get(key)
    if (entry !== undefined && !(this.now < retainUntil(entry))) {
      this.remove(entry, 'expire')
      return undefined
    }
    return entry
  }

  #touch(entry: Entry): void {
    this.entries.delete(entry.key)
    this.entries.set(entry.key, entry)
  }

  /** get(key): the value, or null on a miss. */
  get(key: string): unknown {
    const entry = this.#retained(key)
    let answer: unknown = null
    if (entry === undefined || !(this.now < entry.freshUntil)) {
      this.counters.misses += 1
    } else {
      this.counters.hits += 1
      this.#touch(entry)
      answer = entry.value
    }
    return answer
  }

  /** peek/has: the fresh entry, without counting or touching. */
  peek(key: string): Entry | undefined {
    const entry = this.#retained(key)
    return entry !== undefined && this.now < entry.freshUntil ? entry : undefined
  }

  /**
   * The lookup half of getOrFetch. A started flight (or refresh) is returned for the caller to
   * run its fetcher; `deliver` is the caller's to call once the fetcher ran.
   */
  acquire(
    key: string,
    spec: Spec,
    tags: readonly string[],
    force: boolean,
  ):
    | { kind: 'hit'; value: unknown }
    | { kind: 'stale'; value: unknown; refresh: ModelFlight | undefined }
    | { kind: 'join'; flight: ModelFlight }
    | { kind: 'start'; flight: ModelFlight } {
    const entry = this.#retained(key)
    if (entry !== undefined && !force) {
      const fresh = this.now < entry.freshUntil
      if (fresh || this.now < entry.staleUntil) {
        this.counters.hits += 1
        this.#touch(entry)
        if (fresh) return { kind: 'hit', value: entry.value }
        this.counters.staleHits += 1
        const refresh = this.current.has(key) ? undefined : this.#start(key, spec, tags, true)
        return { kind: 'stale', value: entry.value, refresh }
      }
    }
    this.counters.misses += 1
    const joined = this.current.get(key)
    if (joined !== undefined) {
      this.counters.coalesced += 1
      return { kind: 'join', flight: joined }
    }
    return { kind: 'start', flight: this.#start(key, spec, tags, false) }
  }

  #start(key: string, spec: Spec, tags: readonly string[], background: boolean): ModelFlight {
    const flight: ModelFlight = {
      id: this.#nextFlight++,
      key,
      spec,
      tags: new Set(tags),
      background,
      current: true,
      done: false,
      deadline: spec.timeoutMs <= 2 ** 31 - 1 ? this.now + spec.timeoutMs : Infinity,
      shared: false,
      sharedPromise: undefined,
      waitersWithSignal: 0,
      waiters: [],
    }
    this.current.set(key, flight)
    this.running.add(flight)
    this.counters.fetches += 1
    if (background) this.counters.refreshes += 1
    return flight
  }

  #detach(flight: ModelFlight): void {
    if (this.current.get(flight.key) === flight) this.current.delete(flight.key)
    flight.current = false
    flight.tags.clear()
  }

  #write(key: string, value: unknown, spec: Spec, bytes: number, tags: Iterable<string>): boolean {
    const old = this.entries.get(key)
    if (old !== undefined) this.remove(old, this.now < retainUntil(old) ? 'set' : 'expire')
    if (spec.ttlMs === 0 || bytes > this.maxBytes) return false
    // The least recently used go first; one whose time has run out is an expiration.
    while (
      this.entries.size >= this.variant.maxSize ||
      (this.entries.size > 0 && bytes > this.maxBytes - this.bytes)
    ) {
      const victim = this.entries.values().next().value as Entry
      this.remove(victim, this.now < retainUntil(victim) ? 'evict' : 'expire')
    }
    const freshUntil = this.now + spec.ttlMs
    this.entries.set(key, {
      key,
      value,
      freshUntil,
      staleUntil: freshUntil + spec.staleWhileRevalidateMs,
      fallbackUntil: spec.staleIfErrorMs > 0 ? freshUntil + spec.staleIfErrorMs : -Infinity,
      bytes,
      tags: new Set(tags),
    })
    return true
  }

  /** set(): the caller has already checked that a size exists where one is needed. */
  set(key: string, value: unknown, spec: Spec, bytes: number, tags: readonly string[]): void {
    const flight = this.current.get(key)
    if (flight !== undefined) this.#detach(flight)
    this.#write(key, value, spec, bytes, tags)
    this.deliver()
  }

  delete(key: string): boolean {
    const flight = this.current.get(key)
    if (flight !== undefined) this.#detach(flight)
    const entry = this.entries.get(key)
    if (entry !== undefined) this.remove(entry, 'delete')
    this.deliver()
    return entry !== undefined
  }

  invalidateTag(tag: string): number {
    for (const flight of [...this.current.values()]) {
      if (flight.tags.has(tag)) this.#detach(flight)
    }
    let removed = 0
    for (const entry of [...this.entries.values()]) {
      if (entry.tags.has(tag)) {
        this.remove(entry, 'delete')
        removed += 1
      }
    }
    this.deliver()
    return removed
  }

  clear(): void {
    for (const flight of [...this.current.values()]) this.#detach(flight)
    for (const entry of [...this.entries.values()]) this.remove(entry, 'clear')
    this.deliver()
  }

  #finish(flight: ModelFlight, outcome: Outcome): void {
    flight.done = true
    this.running.delete(flight)
    for (const waiter of flight.waiters) {
      if (waiter.left) continue
      waiter.expect = outcome.ok ? { state: 'fulfilled', value: outcome.value } : outcome.error
    }
  }

  /** The fetch produced `value`: stored if still current (and storable), handed to waiters. */
  complete(flight: ModelFlight, value: unknown): void {
    if (flight.done) return // timed out or abandoned: the late result is discarded
    if (flight.current && this.sized && flight.spec.ttlMs !== 0) {
      const bytes = this.sizeOf(value)
      if (bytes === undefined) {
        this.fail(flight, 'error', {
          state: 'rejected',
          matches: isSizeError,
          describe: 'a TypeError with code ERR_HERDCACHE_SIZE',
        })
        // The size error reaches the waiters even when a stale-if-error value exists.
        this.#finish(flight, {
          ok: false,
          error: { state: 'rejected', matches: isSizeError, describe: 'ERR_HERDCACHE_SIZE' },
        })
        return
      }
      this.#release(flight)
      this.#write(flight.key, value, flight.spec, bytes, flight.tags)
    } else if (flight.current) {
      this.#release(flight)
      this.#write(flight.key, value, flight.spec, 0, flight.tags)
    }
    this.#finish(flight, { ok: true, value })
    this.deliver()
  }

  // The record leaves before the value is written; its tags go to the entry.
  #release(flight: ModelFlight): void {
    this.current.delete(flight.key)
    flight.current = false
  }

  /**
   * The fetch ended without a value (`cause`), answering `error` or the newest good value: the
   * stored value within staleIfErrorMs, or while fresh for a fetch that is no longer current.
   */
  fail(flight: ModelFlight, cause: 'error' | 'timeout' | 'abort', error: Expectation): void {
    if (flight.done) return
    if (cause === 'error') this.counters.fetchErrors += 1
    if (cause === 'timeout') this.counters.timeouts += 1
    if (cause === 'abort') this.counters.aborts += 1
    let fallback: { value: unknown } | undefined
    if (cause !== 'abort') {
      if (flight.current && flight.background) this.counters.refreshErrors += 1
      // The newest good value: within staleIfErrorMs, or for a fetch a set detached, fresh too.
      const entry = this.entries.get(flight.key)
      if (
        entry !== undefined &&
        (this.now < entry.fallbackUntil || (!flight.current && this.now < entry.freshUntil))
      ) {
        fallback = { value: entry.value }
      }
    }
    if (flight.current) this.#detach(flight)
    this.#finish(flight, fallback === undefined ? { ok: false, error } : { ok: true, ...fallback })
    this.deliver()
  }

  /** A caller with a signal left; the last one out abandons the fetch (README, `signal`). */
  leave(flight: ModelFlight, waiter: Waiter, reason: unknown): void {
    waiter.left = true
    waiter.expect = { state: 'rejected', error: reason }
    flight.waitersWithSignal -= 1
    if (flight.waitersWithSignal > 0 || flight.shared || flight.background || flight.done) return
    this.fail(flight, 'abort', { state: 'rejected', error: reason })
  }

  /** The sweep (a timer) removed `key`: it must be an entry the model holds as expired. */
  swept(key: string, value: unknown): string | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return `the sweep removed ${JSON.stringify(key)}, which is not stored`
    if (!Object.is(entry.value, value))
      return `the sweep reported another value for ${JSON.stringify(key)}`
    if (this.now < retainUntil(entry)) {
      return `the sweep removed ${JSON.stringify(key)} before its time (${retainUntil(entry)} > ${this.now})`
    }
    this.remove(entry, 'expire')
    this.deliver()
    return undefined
  }

  /** Entries whose last phase ended more than `graceMs` ago: a working sweep leaves none. */
  overdue(graceMs: number): string[] {
    return [...this.entries.values()]
      .filter((entry) => retainUntil(entry) + graceMs <= this.now)
      .map((entry) => entry.key)
  }
}
