// Issue 3 as a property: random interleavings of getOrFetch (fetches that resolve, reject, throw,
// return at once or never settle; stale windows; tags; per-caller signals), set, delete, clear,
// invalidateTag, get, has, peek, caller aborts, clock advances and expiry sweeps, checked after
// every step against a small reference model: what every caller is served, what is stored (has,
// peek, size), every counter of stats() and the fetchers' signals.
//
// Deterministic: the cache's clock is a number the test advances, fetches are deferreds the test
// settles, and setTimeout is faked so the expiry sweep runs only in the `sweep` step. Nothing
// awaits between steps except `flush`, so a fetch settled by `resolve`/`reject` completes only at
// the next `flush`, and the steps in between (aborts, writes, clock advances) race with it.
//
// Runs: HERDCACHE_PROPERTY_RUNS (default 200, the `npm test` budget; CI can raise it to thousands).
// Replay: on failure fast-check prints `{ seed, path }`; rerun with HERDCACHE_PROPERTY_SEED=<seed>
// (and HERDCACHE_PROPERTY_PATH=<path> to jump straight to the shrunk counterexample).
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { CacheManager, type CacheStats, type FetchContext } from '../dist/index.js'

const RUNS = Number(process.env.HERDCACHE_PROPERTY_RUNS ?? 200)
const SEED = process.env.HERDCACHE_PROPERTY_SEED
const PATH = process.env.HERDCACHE_PROPERTY_PATH

const KEYS = ['a', 'b', 'c'] as const
type Key = (typeof KEYS)[number]
const TAGS = ['t1', 't2'] as const
// Milliseconds; the sweep timer's delay is max(lifetime, 1000), always 1000 for these times.
const SWEEP_STEP_MS = 1000

type Value = { id: number } | null | undefined | 0

interface Times {
  ttlMs: number
  staleWhileRevalidateMs: number
  staleIfErrorMs: number
}

type Op =
  | (Times & {
      kind: 'getOrFetch'
      key: Key
      fetcher: 'deferred' | 'value' | 'throw'
      tags: string[]
      signal: 'none' | 'own' | 'aborted'
    })
  | { kind: 'resolve' | 'reject' | 'abort'; pick: number }
  | (Times & { kind: 'set'; key: Key; tags: string[] })
  | { kind: 'delete' | 'get' | 'has' | 'peek'; key: Key }
  | { kind: 'clear' }
  | { kind: 'invalidateTag'; tag: string }
  | { kind: 'advance'; ms: number }
  | { kind: 'sweep' }
  | { kind: 'flush' }

const keyArb = fc.constantFrom(...KEYS)
const tagsArb = fc.subarray([...TAGS])
const timesArb = {
  ttlMs: fc.constantFrom(10, 30, Infinity, 10, 30, 0),
  staleWhileRevalidateMs: fc.constantFrom(20, 0, 20),
  staleIfErrorMs: fc.constantFrom(20, 0, 20),
}
const pickArb = fc.nat({ max: 1000 })
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('getOrFetch' as const),
      key: keyArb,
      fetcher: fc.constantFrom('deferred', 'deferred', 'deferred', 'value', 'value', 'throw'),
      ...timesArb,
      tags: tagsArb,
      signal: fc.constantFrom('none', 'own', 'none', 'own', 'none', 'own', 'aborted'),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('resolve' as const), pick: pickArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reject' as const), pick: pickArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: pickArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      key: keyArb,
      ...timesArb,
      tags: tagsArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: keyArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('get' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('has' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('peek' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('invalidateTag' as const),
      tag: fc.constantFrom(...TAGS, 't3'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.constantFrom(5, 15, 1, 5, 15, 40),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'sweep' as const }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'flush' as const }) },
)

type Outcome =
  | { status: 'pending' }
  | { status: 'fulfilled'; value: unknown }
  | { status: 'rejected'; error: unknown }
const PENDING: Outcome = { status: 'pending' }
const fulfilled = (value: unknown): Outcome => ({ status: 'fulfilled', value })
const rejected = (error: unknown): Outcome => ({ status: 'rejected', error })

/** One Promise the cache handed out: what the model predicts and what it did. */
interface Call {
  label: string
  expected: Outcome
  actual: Outcome
  /** The caller's own signal, for getOrFetch callers given one. */
  controller?: AbortController
  /** The fetch this caller waits on with a signal, until its outcome reaches it. */
  listeningTo?: Flight | undefined
}

interface Entry {
  value: Value
  freshUntil: number
  staleUntil: number
  fallbackUntil: number
  tags: Set<string>
}

/** One fetcher call, in the model, with the handles the test keeps on the real one. */
interface Flight {
  id: number
  key: Key
  times: Times
  tags: string[]
  background: boolean
  /** Still its key's in-flight record: its result will be stored. */
  current: boolean
  /** Succeeded, failed or abandoned: later results are ignored. */
  done: boolean
  abandoned: boolean
  /** A caller without a signal holds the shared Promise, so the fetch cannot be abandoned. */
  shared: boolean
  signalWaiters: number
  waiters: Call[]
  outcome: Outcome
  sharedPromise?: Promise<unknown>
  /** The signal the real fetcher received. */
  signal?: AbortSignal
  settle?: { resolve: (value: Value) => void; reject: (error: unknown) => void }
}

type Counters = Omit<CacheStats, 'size' | 'inFlight'>

class Model {
  now = 0
  /** Stored entries, least recently used first; expired ones stay until something removes them. */
  readonly entries = new Map<Key, Entry>()
  /** The current in-flight record of each key. */
  readonly flights = new Map<Key, Flight>()
  /** Results handed to fetches that complete at the next flush, in order. */
  readonly completions: { flight: Flight; ok: boolean; payload: unknown }[] = []
  readonly allFlights: Flight[] = []
  readonly stats: Counters = {
    hits: 0,
    misses: 0,
    staleHits: 0,
    fetches: 0,
    refreshes: 0,
    fetchErrors: 0,
    refreshErrors: 0,
    timeouts: 0,
    aborts: 0,
    coalesced: 0,
    evictions: 0,
    expirations: 0,
    bytes: 0,
  }

  constructor(readonly maxSize: number) {}

  expired(entry: Entry): boolean {
    return !(this.now < Math.max(entry.staleUntil, entry.fallbackUntil))
  }

  remove(key: Key, cause: 'evict' | 'expire' | 'delete' | 'replace') {
    this.entries.delete(key)
    if (cause === 'evict') this.stats.evictions++
    if (cause === 'expire') this.stats.expirations++
  }

  /** A lookup's view of the key: an expired entry found is removed. */
  retained(key: Key): Entry | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined || !this.expired(entry)) return entry
    this.remove(key, 'expire')
    return undefined
  }

  fresh(key: Key): Entry | undefined {
    const entry = this.retained(key)
    return entry !== undefined && this.now < entry.freshUntil ? entry : undefined
  }

  touch(key: Key) {
    const entry = this.entries.get(key)!
    this.entries.delete(key)
    this.entries.set(key, entry)
  }

  write(key: Key, value: Value, times: Times, tags: readonly string[]) {
    const old = this.entries.get(key)
    if (old !== undefined) this.remove(key, this.expired(old) ? 'expire' : 'replace')
    if (times.ttlMs === 0) return
    while (this.entries.size >= this.maxSize) {
      const [victim, entry] = this.entries.entries().next().value as [Key, Entry]
      this.remove(victim, this.expired(entry) ? 'expire' : 'evict')
    }
    const freshUntil = this.now + times.ttlMs
    this.entries.set(key, {
      value,
      freshUntil,
      staleUntil: freshUntil + times.staleWhileRevalidateMs,
      fallbackUntil: freshUntil + times.staleIfErrorMs,
      tags: new Set(tags),
    })
  }

  detach(flight: Flight) {
    if (!flight.current) return
    flight.current = false
    this.flights.delete(flight.key)
  }

  start(key: Key, times: Times, tags: string[], background: boolean): Flight {
    const flight: Flight = {
      id: this.allFlights.length,
      key,
      times,
      tags,
      background,
      current: true,
      done: false,
      abandoned: false,
      shared: false,
      signalWaiters: 0,
      waiters: [],
      outcome: PENDING,
    }
    this.stats.fetches++
    if (background) this.stats.refreshes++
    this.flights.set(key, flight)
    this.allFlights.push(flight)
    return flight
  }

  wait(flight: Flight, call: Call) {
    flight.waiters.push(call)
    if (call.controller === undefined) {
      flight.shared = true
    } else {
      flight.signalWaiters++
      call.listeningTo = flight
    }
  }

  succeed(flight: Flight, value: Value) {
    if (flight.done) return
    flight.done = true
    if (flight.current) {
      this.detach(flight)
      this.write(flight.key, value, flight.times, flight.tags)
    }
    flight.outcome = fulfilled(value)
  }

  fail(flight: Flight, error: unknown) {
    if (flight.done) return
    flight.done = true
    this.stats.fetchErrors++
    flight.outcome = rejected(error)
    if (flight.current && flight.background) this.stats.refreshErrors++
    // The newest good value: within staleIfErrorMs, or for a fetch a set detached, fresh too.
    const entry = this.entries.get(flight.key)
    const fallbackUntil = entry === undefined ? -Infinity : entry.fallbackUntil
    const freshUntil = entry === undefined || flight.current ? -Infinity : entry.freshUntil
    if (this.now < Math.max(fallbackUntil, freshUntil)) flight.outcome = fulfilled(entry!.value)
    this.detach(flight)
  }

  /** A caller with a signal left; the last one out abandons the fetch if nothing else holds it. */
  leave(call: Call, reason: unknown) {
    const flight = call.listeningTo
    call.listeningTo = undefined
    if (flight === undefined || call.expected.status !== 'pending') return
    call.expected = rejected(reason)
    flight.signalWaiters--
    if (flight.signalWaiters > 0 || flight.shared || flight.background || flight.done) return
    flight.done = true
    flight.abandoned = true
    flight.outcome = rejected(reason)
    this.stats.aborts++
    this.detach(flight)
  }

  /** What the microtasks of a flush do: completions in order, then outcomes to waiters. */
  flush() {
    for (const { flight, ok, payload } of this.completions.splice(0)) {
      if (ok) this.succeed(flight, payload as Value)
      else this.fail(flight, payload)
    }
    for (const flight of this.allFlights) {
      if (!flight.done) continue
      for (const call of flight.waiters.splice(0)) {
        call.listeningTo = undefined
        if (call.expected.status === 'pending') call.expected = flight.outcome
      }
    }
  }
}

function describeOutcome(outcome: Outcome): string {
  if (outcome.status === 'pending') return 'pending'
  const thing = outcome.status === 'fulfilled' ? outcome.value : outcome.error
  return `${outcome.status} ${thing instanceof Error ? thing.message : JSON.stringify(thing)}`
}

async function flushMicrotasks() {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

async function run(maxSize: number, ops: Op[]) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  try {
    await check(maxSize, ops)
  } finally {
    vi.useRealTimers()
  }
}

async function check(maxSize: number, ops: Op[]) {
  const model = new Model(maxSize)
  const cache = new CacheManager<Value>({ maxSize, clock: () => model.now })
  let nextId = 0
  let fetcherCalls = 0
  const calls: Call[] = []
  const abortable: Call[] = []
  const unsettled: Flight[] = []

  const newValue = (): Value => {
    const id = nextId++
    return id % 7 === 3 ? null : id % 7 === 5 ? undefined : id % 11 === 4 ? 0 : { id }
  }
  const observe = (call: Call, promise: Promise<unknown>): void => {
    promise.then(
      (value) => (call.actual = fulfilled(value)),
      (error: unknown) => (call.actual = rejected(error)),
    )
    calls.push(call)
  }
  const track = (label: string, promise: Promise<unknown>, expected: Outcome): void =>
    observe({ label, expected, actual: PENDING }, promise)
  const take = <T>(list: T[], pick: number): T | undefined =>
    list.length === 0 ? undefined : list.splice(pick % list.length, 1)[0]

  for (const [step, op] of ops.entries()) {
    const at = `step ${step} ${fc.stringify(op)}`
    switch (op.kind) {
      case 'getOrFetch': {
        const { key } = op
        const times: Times = {
          ttlMs: op.ttlMs,
          staleWhileRevalidateMs: op.staleWhileRevalidateMs,
          staleIfErrorMs: op.staleIfErrorMs,
        }
        const controller = op.signal === 'none' ? undefined : new AbortController()
        const reason = new Error(`abort ${nextId++}`)
        if (op.signal === 'aborted') controller!.abort(reason)
        const call: Call = { label: `${at}: getOrFetch`, expected: PENDING, actual: PENDING }
        if (controller !== undefined) call.controller = controller

        // The model first: what the call answers and whether it starts a fetch.
        let started: Flight | undefined
        let staleValue: Value
        if (op.signal === 'aborted') {
          call.expected = rejected(reason)
        } else {
          const entry = model.retained(key)
          if (
            entry !== undefined &&
            (model.now < entry.freshUntil || model.now < entry.staleUntil)
          ) {
            model.stats.hits++
            model.touch(key)
            call.expected = fulfilled(entry.value)
            if (!(model.now < entry.freshUntil)) {
              model.stats.staleHits++
              if (!model.flights.has(key)) {
                started = model.start(key, times, op.tags, true)
                staleValue = entry.value
              }
            }
          } else {
            model.stats.misses++
            const joined = model.flights.get(key)
            if (joined !== undefined) {
              model.stats.coalesced++
              model.wait(joined, call)
            } else {
              started = model.start(key, times, op.tags, false)
              staleValue = entry?.value
              model.wait(started, call)
            }
          }
        }

        let context: FetchContext<Value> | undefined
        const value = newValue()
        const error = new Error(`failure ${nextId++}`)
        const promise = cache.getOrFetch<Value>(
          key,
          (ctx) => {
            fetcherCalls++
            context = ctx
            if (started !== undefined) started.signal = ctx.signal
            if (op.fetcher === 'value') return value
            if (op.fetcher === 'throw') throw error
            return new Promise<Value>((resolve, reject) => {
              if (started !== undefined) started.settle = { resolve, reject }
            })
          },
          { ...times, tags: op.tags, ...(controller && { signal: controller.signal }) },
        )
        observe(call, promise)

        if (started === undefined) {
          expect(context, `${at}: the fetcher must not be called`).toBeUndefined()
        } else {
          expect(context, `${at}: the fetcher must be called`).toBeDefined()
          expect(context!.key).toBe(key)
          expect(context!.staleValue, `${at}: staleValue`).toBe(staleValue)
          if (op.fetcher === 'value')
            model.completions.push({ flight: started, ok: true, payload: value })
          if (op.fetcher === 'throw') model.fail(started, error)
          if (op.fetcher === 'deferred') unsettled.push(started)
        }
        // Callers without a signal of one fetch share its Promise; everyone else gets their own.
        const waitedOn = model.allFlights.find((flight) => flight.waiters.includes(call))
        if (waitedOn !== undefined && controller === undefined) {
          waitedOn.sharedPromise ??= promise
          expect(promise === waitedOn.sharedPromise, `${at}: the shared Promise`).toBe(true)
        } else {
          for (const flight of model.allFlights) {
            expect(promise === flight.sharedPromise, `${at}: a Promise of its own`).toBe(false)
          }
        }
        if (controller !== undefined && op.signal === 'own') abortable.push(call)
        break
      }
      case 'resolve':
      case 'reject': {
        const flight = take(unsettled, op.pick)
        if (flight === undefined) break
        if (op.kind === 'resolve') {
          const value = newValue()
          flight.settle!.resolve(value)
          model.completions.push({ flight, ok: true, payload: value })
        } else {
          const error = new Error(`failure ${nextId++}`)
          flight.settle!.reject(error)
          model.completions.push({ flight, ok: false, payload: error })
        }
        break
      }
      case 'abort': {
        const call = take(abortable, op.pick)
        if (call === undefined) break
        const reason = new Error(`abort ${nextId++}`)
        call.controller!.abort(reason)
        model.leave(call, reason)
        break
      }
      case 'set': {
        const value = newValue()
        const times: Times = {
          ttlMs: op.ttlMs,
          staleWhileRevalidateMs: op.staleWhileRevalidateMs,
          staleIfErrorMs: op.staleIfErrorMs,
        }
        track(
          `${at}: set`,
          cache.set(op.key, value, { ...times, tags: op.tags }),
          fulfilled(undefined),
        )
        const flight = model.flights.get(op.key)
        if (flight !== undefined) model.detach(flight)
        model.write(op.key, value, times, op.tags)
        break
      }
      case 'delete': {
        const flight = model.flights.get(op.key)
        if (flight !== undefined) model.detach(flight)
        const existed = model.entries.has(op.key)
        model.remove(op.key, 'delete')
        track(`${at}: delete`, cache.delete(op.key), fulfilled(existed))
        break
      }
      case 'clear':
        for (const flight of [...model.flights.values()]) model.detach(flight)
        model.entries.clear()
        track(`${at}: clear`, cache.clear(), fulfilled(undefined))
        break
      case 'invalidateTag': {
        let removed = 0
        for (const [key, entry] of [...model.entries]) {
          if (entry.tags.has(op.tag)) {
            model.remove(key, 'delete')
            removed++
          }
        }
        for (const flight of [...model.flights.values()]) {
          if (flight.tags.includes(op.tag)) model.detach(flight)
        }
        track(`${at}: invalidateTag`, cache.invalidateTag(op.tag), fulfilled(removed))
        break
      }
      case 'get': {
        const entry = model.fresh(op.key)
        if (entry !== undefined) {
          model.stats.hits++
          model.touch(op.key)
        } else {
          model.stats.misses++
        }
        track(`${at}: get`, cache.get(op.key), fulfilled(entry === undefined ? null : entry.value))
        break
      }
      case 'has':
        expect(cache.has(op.key), at).toBe(model.fresh(op.key) !== undefined)
        break
      case 'peek':
        expect(cache.peek(op.key), at).toBe(model.fresh(op.key)?.value)
        break
      case 'advance':
        model.now += op.ms
        break
      case 'sweep':
        // Fires the expiry sweep (armed while entries with a finite lifetime exist).
        vi.advanceTimersByTime(SWEEP_STEP_MS)
        for (const [key, entry] of [...model.entries]) {
          if (model.expired(entry)) model.remove(key, 'expire')
        }
        break
      case 'flush':
        await flushMicrotasks()
        model.flush()
        compareOutcomes(at)
        break
    }
    compareState(at)
  }
  await flushMicrotasks()
  model.flush()
  compareOutcomes('after the last step')
  compareState('after the last step')

  function compareOutcomes(at: string) {
    for (const call of calls) {
      const { expected, actual } = call
      const same =
        expected.status === actual.status &&
        (expected.status === 'pending' ||
          (expected.status === 'fulfilled'
            ? Object.is(expected.value, (actual as { value: unknown }).value)
            : Object.is(expected.error, (actual as { error: unknown }).error)))
      expect(
        same,
        `at ${at}, ${call.label}: expected ${describeOutcome(expected)}, got ${describeOutcome(actual)}`,
      ).toBe(true)
    }
    // Settled and checked: only the pending ones need watching.
    for (let i = calls.length - 1; i >= 0; i--) {
      if (calls[i]!.actual.status !== 'pending') calls.splice(i, 1)
    }
  }

  function compareState(at: string) {
    expect(cache.stats(), `${at}: stats()`).toEqual({
      ...model.stats,
      size: model.entries.size,
      inFlight: model.flights.size,
    })
    expect(cache.size, `${at}: size`).toBe(model.entries.size)
    expect(fetcherCalls, `${at}: fetcher calls`).toBe(model.stats.fetches)
    // has/peek remove an expired entry they find, so only keys where that cannot happen are
    // looked at here; the explicit has/peek steps cover the rest.
    for (const key of KEYS) {
      const entry = model.entries.get(key)
      if (entry !== undefined && model.expired(entry)) continue
      const fresh = entry !== undefined && model.now < entry.freshUntil
      expect(cache.has(key), `${at}: has(${key})`).toBe(fresh)
      expect(cache.peek(key), `${at}: peek(${key})`).toBe(fresh ? entry.value : undefined)
    }
    // A fetcher's signal aborts exactly when every caller waiting on it has left.
    for (const flight of model.allFlights) {
      if (flight.signal === undefined) continue
      expect(flight.signal.aborted, `${at}: signal of fetch ${flight.id} (${flight.key})`).toBe(
        flight.abandoned,
      )
    }
  }
}

describe('CacheManager serving through failure, against a reference model', () => {
  it('matches the model for random interleavings', async () => {
    const parameters: fc.Parameters<[number, Op[]]> = { numRuns: RUNS }
    if (SEED !== undefined) parameters.seed = Number(SEED)
    if (PATH !== undefined) parameters.path = PATH
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(opArb, { minLength: 1, maxLength: 100, size: 'max' }),
        run,
      ),
      parameters,
    )
  }, 600_000)
})
