/**
 * The object store: the default backend. Keys, recency, TTLs, sizes, tags and in-flight records
 * live in the C++ core; values and flights stay JavaScript objects in arrays this store owns,
 * indexed by the slot numbers the core hands out (lru-cache's layout), so no value is pinned by a
 * native reference and a store that becomes unreachable is collected with everything it holds.
 *
 * This is the only module that speaks the binding's register protocol (see native.ts).
 */
import type { Flight } from '../fetch/flight.js'
import type { StoreTimes } from '../fetch/tier.js'
import type { CallOptions, Settings } from '../options/options.js'
import type { CacheStats } from '../types.js'
import {
  type Backend,
  type Ending,
  type FailCause,
  type Failure,
  type Lookup,
  MISSED,
  type Removed,
} from './backend.js'
import {
  binding,
  CODE_JOIN,
  CODE_STALE,
  IO_FIRST_SLOT,
  IO_FLIGHT_SLOT,
  IO_GENERATION,
  IO_REMOVALS,
  IO_STARTED,
  IO_VALUE_SLOT,
  REMOVAL_REASONS,
  SPEC_BYTES,
  SPEC_NOW,
  SPEC_STALE_IF_ERROR,
  SPEC_STALE_WHILE_REVALIDATE,
  SPEC_TTL,
  type StoreHandle,
} from './native.js'

const NO_REMOVALS: Removed[] = []

export class ObjectStore implements Backend {
  readonly #store: StoreHandle
  readonly #io: Int32Array
  readonly #spec: Float64Array
  // Values and in-flight fetches by the slot numbers the core hands out.
  #values: unknown[] = []
  #flights: (Flight | undefined)[] = []
  #recordingKeys: boolean
  #removed: Removed[] = NO_REMOVALS
  readonly lookup: Lookup = {
    kind: 'start',
    value: undefined,
    refresh: false,
    flight: undefined,
    started: { slot: 0, generation: 0, startedAt: NaN },
  }

  /** Removed keys are recorded from the start exactly when there is an `onEvict`. */
  constructor({
    maxSize,
    maxBytes,
    onEvict,
    policy,
  }: Pick<Settings, 'maxSize' | 'maxBytes' | 'onEvict' | 'policy'>) {
    const recordKeys = onEvict !== undefined
    const store = binding.createStore(maxSize, maxBytes, recordKeys, policy)
    this.#store = store.handle
    this.#io = store.io
    this.#spec = store.spec
    this.#recordingKeys = recordKeys
  }

  acquire(key: string, now: number | undefined, forceRefresh: boolean): unknown {
    // The binding reads its own clock when given no time, and only if an entry can expire.
    const code = forceRefresh
      ? binding.acquire(this.#store, key, now, true)
      : now === undefined
        ? binding.acquire(this.#store, key)
        : binding.acquire(this.#store, key, now)
    if (code >= 0) return this.#values[code]
    const io = this.#io
    const lookup = this.lookup
    this.#release()
    if (code === CODE_JOIN) {
      lookup.kind = 'join'
      lookup.flight = this.#flights[io[IO_FLIGHT_SLOT]!]
      return MISSED
    }
    const valueSlot = io[IO_VALUE_SLOT]!
    lookup.value = valueSlot >= 0 ? this.#values[valueSlot] : undefined
    lookup.kind = code === CODE_STALE ? 'stale' : 'start'
    lookup.refresh = code !== CODE_STALE || io[IO_STARTED] === 1
    if (lookup.refresh) {
      const started = lookup.started
      started.slot = io[IO_FLIGHT_SLOT]!
      started.generation = io[IO_GENERATION]!
      started.startedAt = this.#spec[SPEC_NOW]!
    }
    return MISSED
  }

  track(flight: Flight, tags: readonly string[] | undefined): void {
    // Held before the fetcher runs, so a fetcher that asks for its own key joins itself.
    this.#flights[flight.slot] = flight
    if (tags !== undefined && tags.length > 0) {
      binding.tagFlight(this.#store, flight.slot, flight.generation, tags)
    }
  }

  tagFlight(flight: Flight, tags: readonly string[], replace = false): void {
    if (tags.length > 0 || replace) {
      binding.tagFlight(this.#store, flight.slot, flight.generation, tags, replace)
    }
  }

  isCurrent(flight: Flight): boolean {
    return binding.isCurrent(this.#store, flight.slot, flight.generation)
  }

  complete(
    flight: Flight,
    value: unknown,
    times: StoreTimes,
    bytes: number,
    now: number | undefined,
  ): Ending {
    this.#writeSpec(times, bytes)
    const slot = binding.complete(this.#store, flight.slot, flight.generation, now)
    const endedAt = this.#spec[SPEC_NOW]!
    this.#release()
    if (slot >= 0) this.#values[slot] = value
    this.#forget(flight)
    return { stored: slot >= 0, endedAt }
  }

  fail(flight: Flight, cause: FailCause, now: number | undefined): Failure {
    const code = binding.fail(this.#store, flight.slot, flight.generation, cause, flight.key, now)
    const endedAt = this.#spec[SPEC_NOW]!
    this.#release()
    this.#forget(flight)
    return { fallback: code >= 0 ? { value: this.#values[code] } : undefined, endedAt }
  }

  get(key: string, now: number | undefined, allowStale: boolean): unknown {
    const code = binding.get(this.#store, key, now, allowStale)
    if (code >= 0) return this.#values[code]
    this.#release()
    const lookup = this.lookup
    lookup.kind = code === CODE_STALE ? 'stale' : 'miss'
    lookup.value = code === CODE_STALE ? this.#values[this.#io[IO_VALUE_SLOT]!] : undefined
    return MISSED
  }

  peek(key: string, now: number | undefined, allowStale: boolean): unknown {
    const code = binding.peek(this.#store, key, now, allowStale)
    if (code >= 0) return this.#values[code]
    this.#release()
    return code === CODE_STALE ? this.#values[this.#io[IO_VALUE_SLOT]!] : MISSED
  }

  remainingTtl(key: string, now: number | undefined): number | undefined {
    const left = binding.remainingTtl(this.#store, key, now)
    this.#release()
    return left
  }

  entries(now: number | undefined, allowStale: boolean): [string, unknown][] {
    const listed = binding.walk(this.#store, allowStale, true, now)
    const entries: [string, unknown][] = []
    for (let i = 0; i < listed.length; i += 2) {
      entries.push([listed[i + 1] as string, this.#values[listed[i] as number]])
    }
    return entries
  }

  keys(now: number | undefined, allowStale: boolean): string[] {
    const listed = binding.walk(this.#store, allowStale, true, now)
    const keys: string[] = []
    for (let i = 1; i < listed.length; i += 2) keys.push(listed[i] as string)
    return keys
  }

  values(now: number | undefined, allowStale: boolean): unknown[] {
    return binding
      .walk(this.#store, allowStale, false, now)
      .map((slot) => this.#values[slot as number])
  }

  set(key: string, value: unknown, call: CallOptions, bytes: number, now: number | undefined) {
    this.#writeSpec(call, bytes)
    const slot = binding.set(this.#store, key, call.tags, now)
    this.#release()
    if (slot < 0) return false
    this.#values[slot] = value
    return true
  }

  delete(key: string): boolean {
    const removed = binding.delete(this.#store, key)
    this.#release()
    return removed
  }

  invalidateTags(tags: readonly string[]): number {
    let removed = 0
    for (const tag of tags) {
      removed += binding.invalidateTag(this.#store, tag)
      this.#release()
    }
    return removed
  }

  clear(): void {
    binding.clear(this.#store)
    this.#release()
    this.#values = []
    this.#flights = []
  }

  sweep(limit: number, now: number | undefined): { next: number; more: boolean } {
    const next = binding.sweep(this.#store, limit, now)
    const more = this.#io[IO_REMOVALS]! >= limit
    this.#release()
    return { next, more }
  }

  recordKeys(record: boolean): void {
    if (record === this.#recordingKeys) return
    binding.recordKeys(this.#store, record)
    this.#recordingKeys = record
  }

  takeRemovals(): Removed[] {
    const removed = this.#removed
    // Asked after every call, and nearly always empty: no store (and no write barrier) then.
    if (removed !== NO_REMOVALS) this.#removed = NO_REMOVALS
    return removed
  }

  get size(): number {
    return binding.size(this.#store)
  }

  stats(): CacheStats {
    return binding.stats(this.#store)
  }

  #forget(flight: Flight): void {
    if (this.#flights[flight.slot] === flight) this.#flights[flight.slot] = undefined
  }

  // The registers are written right before the core call that reads them: no user code runs
  // in between, so a callback that re-enters the cache cannot overwrite them.
  #writeSpec(call: StoreTimes, bytes: number): void {
    const spec = this.#spec
    spec[SPEC_TTL] = call.ttlMs
    spec[SPEC_STALE_WHILE_REVALIDATE] = call.staleWhileRevalidateMs
    spec[SPEC_STALE_IF_ERROR] = call.staleIfErrorMs
    spec[SPEC_BYTES] = bytes
  }

  // Lets go of the values of the entries the core removed in the last call, and queues them
  // for takeRemovals while keys are recorded.
  #release(): void {
    const count = this.#io[IO_REMOVALS]!
    if (count === 0) return
    const report = this.#recordingKeys
    if (count === 1 && !report) {
      this.#values[this.#io[IO_FIRST_SLOT]!] = undefined
      return
    }
    const removals = binding.takeRemovals(this.#store)
    if (report && this.#removed === NO_REMOVALS) this.#removed = []
    for (let i = 0; i < removals.length; i += 3) {
      const slot = removals[i] as number
      if (report) {
        const reason = REMOVAL_REASONS[removals[i + 1] as number]!
        this.#removed.push({ key: removals[i + 2] as string, value: this.#values[slot], reason })
      }
      this.#values[slot] = undefined
    }
  }
}
