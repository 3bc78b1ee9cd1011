/**
 * The shared store: one store per process per name, opened by every cache created with the same
 * `shared` name in any thread. Entries, recency, TTLs, tags and in-flight records live in the
 * C++ core behind one lock; values live there too, encoded by the codec, off the V8 heap. Each
 * read decodes a fresh copy.
 *
 * A fetch runs in the thread that started it. A caller in another thread joins it: this store
 * holds one Wait per such fetch (so a thread's callers share one Promise), and the binding wakes
 * this thread through a thread-safe function when the fetch ends, with its value's bytes, its
 * error, or word that it was orphaned (its thread closed the cache or exited, or every caller
 * there gave up): then the first caller here fetches anew, and the others join that fetch.
 */
import {
  describe,
  describeThrown,
  EncodeError,
  RemoteFetchError,
  type RemoteError,
  sharedClosedError,
  sharedMismatchError,
  sharedOrphanedError,
  TimeoutError,
  undecodableError,
} from '../errors.js'
import type { Codec } from '../codec/codec.js'
import { type Flight, leavable } from '../fetch/flight.js'
import type { StoreTimes } from '../fetch/tier.js'
import type { CallOptions } from '../options/options.js'
import type { CacheStats, EvictionPolicy } from '../types.js'
import {
  type Backend,
  type Ending,
  FailCause,
  type Failure,
  type Joinable,
  type Lookup,
  MISSED,
  type Removed,
} from './backend.js'
import { binding, REMOVAL_REASONS, type SharedHandle } from './native.js'

/** What a shared store is opened with. */
export interface SharedSettings {
  name: string
  codec: Codec
  /** The sizes asked for; undefined takes the open store's (or the default for a new one). */
  maxSize: number | undefined
  maxBytes: number | undefined
  /** The policy asked for; undefined takes the open store's (or LRU for a new one). */
  policy: EvictionPolicy | undefined
  /** Whether onEvict is given the removed value (decoded) rather than undefined. */
  decodeEvicted: boolean
}

const NOTICE_VALUE = 0
const NOTICE_ERROR = 1
const CODE_STALE = 0
const CODE_JOIN = 1
const NO_REMOVALS: Removed[] = []
// A hit's bytes up to this size come through the scratch buffer; larger ones as a new Buffer.
const SCRATCH_BYTES = 16 * 1024

// A flight's id among the store's flights: its record's slot and generation.
function idOf(slot: number, generation: number): string {
  return `${slot}:${generation}`
}

/**
 * A fetch that runs in another thread, as this thread's callers wait for it: one shared
 * Promise, and a Promise of its own for each caller with a signal (who may leave; the fetch
 * runs on for the others).
 */
class Wait implements Joinable {
  readonly promise: Promise<unknown>
  resolve!: (value: unknown) => void
  reject!: (error: unknown) => void
  /** How the first caller here would fetch anew, should the fetch be orphaned. */
  retry: (() => Promise<unknown>) | undefined
  /** How many callers here still wait: a caller with a signal leaves when it aborts. */
  staying = 0

  constructor(readonly key: string) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  get wantsRetry(): boolean {
    return this.retry === undefined
  }

  waiter(signal: AbortSignal | undefined, retry?: () => Promise<unknown>): Promise<unknown> {
    this.retry ??= retry
    this.staying += 1
    if (signal === undefined) return this.promise
    return leavable(this.promise, signal, () => {
      this.staying -= 1
    })
  }
}

// The error a fetch failed with, as bytes for the waiters in other threads: its name, message
// and code (the error itself cannot cross threads).
function errorBytes(error: unknown): Uint8Array {
  const code: unknown = error instanceof Error ? (error as { code?: unknown }).code : undefined
  const remote: RemoteError =
    error instanceof Error
      ? {
          name: error.name,
          message: error.message,
          code: typeof code === 'string' ? code : undefined,
        }
      : { name: 'Error', message: describeThrown(error), code: undefined }
  return Buffer.from(JSON.stringify(remote))
}

function remoteOf(bytes: Uint8Array): RemoteError {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as RemoteError
}

export class SharedStore implements Backend {
  #handle: SharedHandle | undefined
  readonly #codec: Codec
  readonly #decodeEvicted: boolean
  readonly #name: string
  // The binding holds the sink weakly while nothing waits (so a dropped cache is collected): this
  // object keeps it alive for as long as the cache is.
  readonly #sink: (slot: number, generation: number, kind: number, bytes?: Uint8Array) => void
  // The fetches this cache runs, by id: a caller here who asks for the key again joins them.
  readonly #running = new Map<string, Flight>()
  // The fetches of other threads this cache's callers wait for, by id.
  readonly #waits = new Map<string, Wait>()
  // Where the binding copies a hit's bytes when they fit: see #hit.
  readonly #scratch = Buffer.allocUnsafe(SCRATCH_BYTES)
  #recordingKeys = false
  /** The open store's sizes: given, or (left out) those it was opened with. */
  readonly limits: { maxSize: number; maxBytes: number | undefined }
  #removed: Removed[] = NO_REMOVALS
  readonly lookup: Lookup = {
    kind: 'start',
    value: undefined,
    refresh: false,
    flight: undefined,
    started: { slot: 0, generation: 0, startedAt: NaN },
  }

  /**
   * @throws RangeError with code `ERR_HERDCACHE_SHARED_MISMATCH` when the store is open with
   *   other sizes, another codec or another policy.
   */
  constructor(settings: SharedSettings, recordKeys: boolean) {
    this.#codec = settings.codec
    this.#decodeEvicted = settings.decodeEvicted
    this.#name = settings.name
    this.#sink = (slot, generation, kind, bytes) =>
      this.#notice(idOf(slot, generation), kind, bytes)
    const opened = binding.shared.open(
      settings.name,
      settings.maxSize,
      settings.maxBytes,
      this.#sink,
      settings.codec.name,
      settings.policy,
    )
    if (Array.isArray(opened)) {
      const [option, open, asked] = opened
      throw sharedMismatchError(settings.name, option, open, asked)
    }
    this.#handle = opened
    const [maxSize, maxBytes] = binding.shared.limits(opened)
    this.limits = { maxSize, maxBytes }
    this.recordKeys(recordKeys)
  }

  /** The handle of an open store. @throws Error with code `ERR_HERDCACHE_CLOSED` after close(). */
  get #open(): SharedHandle {
    if (this.#handle === undefined) throw sharedClosedError(this.#name)
    return this.#handle
  }

  // A hit's value: its bytes are in the scratch buffer (`answer` is their length), or `answer`.
  // They are copied out first (a pooled Buffer, cheap), since a decoded typed array may be a
  // view of the bytes it came from and the scratch buffer is reused.
  #hit(answer: number | Uint8Array, key: string): unknown {
    if (typeof answer !== 'number') return this.#decode(answer, key)
    const bytes = Buffer.allocUnsafe(answer)
    this.#scratch.copy(bytes, 0, 0, answer)
    return this.#decode(bytes, key)
  }

  #decode(bytes: Uint8Array, key: string): unknown {
    try {
      return this.#codec.decode(bytes)
    } catch (error) {
      throw undecodableError(
        `the value of '${key}' in shared store '${this.#name}' does not decode with codec ` +
          `'${this.#codec.name}': ${describeThrown(error)}`,
      )
    }
  }

  #encode(value: unknown, key: string): Uint8Array {
    let bytes: unknown
    try {
      bytes = this.#codec.encode(value)
    } catch (cause) {
      throw new EncodeError(
        `cannot store the value of '${key}' in shared store '${this.#name}': codec ` +
          `'${this.#codec.name}' cannot encode it: ${describeThrown(cause)}`,
        { key, codec: this.#codec.name, cause },
      )
    }
    if (!(bytes instanceof Uint8Array)) {
      throw new EncodeError(
        `cannot store the value of '${key}' in shared store '${this.#name}': codec ` +
          `'${this.#codec.name}' returned ${describe(bytes)}, not a Uint8Array`,
        { key, codec: this.#codec.name },
      )
    }
    return bytes
  }

  acquire(key: string, now: number | undefined, forceRefresh: boolean): unknown {
    const answer = binding.shared.acquire(this.#open, key, now, forceRefresh, this.#scratch)
    this.#collect()
    if (!Array.isArray(answer)) return this.#hit(answer, key)
    const [code, slot, generation, started, foreign, startedAt, bytes] = answer
    const lookup = this.lookup
    if (code === CODE_JOIN) {
      lookup.kind = 'join'
      const id = idOf(slot, generation)
      lookup.flight = foreign ? this.#waitFor(id, key) : this.#running.get(id)
      return MISSED
    }
    lookup.kind = code === CODE_STALE ? 'stale' : 'start'
    lookup.value = bytes === undefined ? undefined : this.#decode(bytes, key)
    lookup.refresh = started
    if (started) {
      lookup.started.slot = slot
      lookup.started.generation = generation
      lookup.started.startedAt = startedAt
    }
    return MISSED
  }

  #waitFor(id: string, key: string): Wait {
    let wait = this.#waits.get(id)
    if (wait === undefined) {
      wait = new Wait(key)
      if (this.#waits.size === 0) binding.shared.hold(this.#open, true)
      this.#waits.set(id, wait)
    }
    return wait
  }

  // A fetch another thread ran has ended (the binding calls this on this thread).
  #notice(id: string, kind: number, bytes: Uint8Array | undefined): void {
    const wait = this.#waits.get(id)
    if (wait === undefined) return
    this.#waits.delete(id)
    if (this.#waits.size === 0 && this.#handle !== undefined) {
      binding.shared.hold(this.#handle, false)
    }
    if (kind === NOTICE_VALUE) {
      try {
        wait.resolve(this.#decode(bytes!, wait.key))
      } catch (error) {
        wait.reject(error)
      }
    } else if (kind === NOTICE_ERROR) {
      wait.reject(this.#errorFrom(wait.key, remoteOf(bytes!)))
    } else if (wait.retry !== undefined && wait.staying > 0 && this.#handle !== undefined) {
      // Orphaned: the first caller here fetches anew for every caller here who still waits
      // (what getOrFetch throws, a bad clock's reading, rejects them).
      const retry = wait.retry
      new Promise((resolve) => resolve(retry())).then(wait.resolve, wait.reject)
    } else {
      wait.reject(sharedOrphanedError(wait.key, this.#name))
    }
  }

  // The error waiters here get for a fetch that failed in another thread: a timeout or an
  // unencodable value as the error this thread's own fetch would have given, anything else as
  // a RemoteFetchError that carries what it was.
  #errorFrom(key: string, remote: RemoteError): Error {
    if (remote.code === 'ERR_HERDCACHE_TIMEOUT') return new TimeoutError(remote.message)
    if (remote.code === 'ERR_HERDCACHE_ENCODE') {
      return new EncodeError(remote.message, { key, codec: this.#codec.name })
    }
    return new RemoteFetchError(key, remote, 'in another thread')
  }

  track(flight: Flight, tags: readonly string[] | undefined): void {
    this.#running.set(idOf(flight.slot, flight.generation), flight)
    if (tags !== undefined && tags.length > 0) {
      binding.shared.tagFlight(this.#open, flight.slot, flight.generation, tags)
    }
  }

  tagFlight(flight: Flight, tags: readonly string[], replace = false): void {
    if (this.#handle === undefined) return
    if (tags.length > 0 || replace) {
      binding.shared.tagFlight(this.#handle, flight.slot, flight.generation, tags, replace)
    }
  }

  isCurrent(flight: Flight): boolean {
    const handle = this.#handle
    return handle !== undefined && binding.shared.isCurrent(handle, flight.slot, flight.generation)
  }

  /** @throws EncodeError when the codec cannot encode `value` (nothing is changed then). */
  complete(
    flight: Flight,
    value: unknown,
    times: StoreTimes,
    _bytes: number,
    now: number | undefined,
  ): Ending {
    const bytes = this.#encode(value, flight.key)
    this.#running.delete(idOf(flight.slot, flight.generation))
    if (this.#handle === undefined) return { stored: false, endedAt: NaN }
    const [stored, endedAt] = binding.shared.complete(
      this.#handle,
      flight.slot,
      flight.generation,
      bytes,
      times.ttlMs,
      times.staleWhileRevalidateMs,
      times.staleIfErrorMs,
      bytes.length,
      now,
    )
    this.#collect()
    return { stored, endedAt }
  }

  fail(flight: Flight, cause: FailCause, now: number | undefined, error?: unknown): Failure {
    this.#running.delete(idOf(flight.slot, flight.generation))
    if (this.#handle === undefined) return { fallback: undefined, endedAt: NaN }
    const [fallback, endedAt] = binding.shared.fail(
      this.#handle,
      flight.slot,
      flight.generation,
      cause,
      flight.key,
      cause === FailCause.Abort ? undefined : errorBytes(error),
      now,
    )
    this.#collect()
    return {
      fallback: fallback === undefined ? undefined : { value: this.#decode(fallback, flight.key) },
      endedAt,
    }
  }

  // A read's answer: a fresh value's bytes, [bytes] for a stale one, or null.
  #read(
    answer: number | Uint8Array | [Uint8Array] | null,
    key: string,
    staleToLookup: boolean,
  ): unknown {
    this.#collect()
    if (answer === null) {
      if (staleToLookup) this.lookup.kind = 'miss'
      return MISSED
    }
    if (!Array.isArray(answer)) return this.#hit(answer, key)
    const value = this.#decode(answer[0], key)
    if (!staleToLookup) return value
    this.lookup.kind = 'stale'
    this.lookup.value = value
    return MISSED
  }

  get(key: string, now: number | undefined, allowStale: boolean): unknown {
    return this.#read(
      binding.shared.get(this.#open, key, now, allowStale, this.#scratch),
      key,
      true,
    )
  }

  peek(key: string, now: number | undefined, allowStale: boolean): unknown {
    return this.#read(
      binding.shared.peek(this.#open, key, now, allowStale, this.#scratch),
      key,
      false,
    )
  }

  remainingTtl(key: string, now: number | undefined): number | undefined {
    const left = binding.shared.remainingTtl(this.#open, key, now)
    this.#collect()
    return left
  }

  entries(now: number | undefined, allowStale: boolean): [string, unknown][] {
    const listed = binding.shared.walk(this.#open, allowStale, now)
    const entries: [string, unknown][] = []
    for (let i = 0; i < listed.length; i += 2) {
      const key = listed[i] as string
      entries.push([key, this.#decode(listed[i + 1] as Uint8Array, key)])
    }
    return entries
  }

  keys(now: number | undefined, allowStale: boolean): string[] {
    const listed = binding.shared.walk(this.#open, allowStale, now)
    const keys: string[] = []
    for (let i = 0; i < listed.length; i += 2) keys.push(listed[i] as string)
    return keys
  }

  values(now: number | undefined, allowStale: boolean): unknown[] {
    return this.entries(now, allowStale).map(([, value]) => value)
  }

  /** @throws EncodeError when the codec cannot encode `value` (nothing is changed then). */
  set(key: string, value: unknown, call: CallOptions, _bytes: number, now: number | undefined) {
    const handle = this.#open
    const bytes = this.#encode(value, key)
    const stored = binding.shared.set(
      handle,
      key,
      bytes,
      call.ttlMs,
      call.staleWhileRevalidateMs,
      call.staleIfErrorMs,
      bytes.length,
      call.tags,
      now,
    )
    this.#collect()
    return stored
  }

  delete(key: string): boolean {
    const removed = binding.shared.delete(this.#open, key)
    this.#collect()
    return removed
  }

  invalidateTags(tags: readonly string[]): number {
    const handle = this.#open
    let removed = 0
    for (const tag of tags) {
      removed += binding.shared.invalidateTag(handle, tag)
      this.#collect()
    }
    return removed
  }

  clear(): void {
    binding.shared.clear(this.#open)
    this.#collect()
  }

  sweep(limit: number, now: number | undefined): { next: number; more: boolean } {
    if (this.#handle === undefined) return { next: Infinity, more: false }
    const [next, count] = binding.shared.sweep(this.#handle, limit, now)
    this.#collect()
    return { next, more: count >= limit }
  }

  recordKeys(record: boolean): void {
    if (record === this.#recordingKeys || this.#handle === undefined) return
    binding.shared.recordKeys(this.#handle, record)
    this.#recordingKeys = record
  }

  takeRemovals(): Removed[] {
    const removed = this.#removed
    this.#removed = NO_REMOVALS
    return removed
  }

  get size(): number {
    return binding.shared.size(this.#open)
  }

  stats(): CacheStats {
    return binding.shared.stats(this.#open)
  }

  /**
   * Leaves the store: the fetches this cache runs are given up (their waiters in other threads
   * fetch anew), and its callers waiting for other threads' fetches reject. The last cache to
   * leave frees the store. Idempotent.
   */
  close(): void {
    const handle = this.#handle
    if (handle === undefined) return
    this.#handle = undefined
    binding.shared.close(handle)
    const waits = [...this.#waits.values()]
    this.#waits.clear()
    for (const wait of waits) wait.reject(sharedClosedError(this.#name))
  }

  // Takes the last call's removals while keys are recorded (onEvict, the evict channel).
  #collect(): void {
    if (!this.#recordingKeys || this.#handle === undefined) return
    const removals = binding.shared.takeRemovals(this.#handle, this.#decodeEvicted)
    if (removals.length === 0) return
    if (this.#removed === NO_REMOVALS) this.#removed = []
    for (let i = 0; i < removals.length; i += 3) {
      const key = removals[i] as string
      const bytes = removals[i + 2] as Uint8Array | undefined
      let value: unknown
      try {
        value = bytes === undefined ? undefined : this.#decode(bytes, key)
      } catch {
        value = undefined // reported without its value rather than not at all
      }
      this.#removed.push({ key, value, reason: REMOVAL_REASONS[removals[i + 1] as number]! })
    }
  }
}
