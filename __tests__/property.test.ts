// Random sequences of operations against a small reference model: an LRU map, the in-flight
// fetches, and the counters. Every fetch is a deferred the test settles, so the run is
// deterministic: no timers, only awaits of the specific Promises the cache handed out.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CacheManager } from '../dist/index.js'

const KEYS = ['a', 'b', 'c', '', '\uD800'] as const
type Key = (typeof KEYS)[number]

type Op =
  | { kind: 'getOrFetch'; key: Key }
  | { kind: 'getOrFetchValue'; key: Key }
  | { kind: 'getOrFetchThrow'; key: Key }
  | { kind: 'resolve'; pick: number }
  | { kind: 'reject'; pick: number }
  | { kind: 'set'; key: Key }
  | { kind: 'delete'; key: Key }
  | { kind: 'clear' }
  | { kind: 'get'; key: Key }
  | { kind: 'has'; key: Key }
  | { kind: 'peek'; key: Key }

const keyArb = fc.constantFrom(...KEYS)
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('getOrFetch' as const), key: keyArb }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('getOrFetchValue' as const), key: keyArb }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('getOrFetchThrow' as const), key: keyArb }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('resolve' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reject' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('get' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('has' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('peek' as const), key: keyArb }) },
)

/** A value that is identifiable by identity; some steps store falsy primitives instead. */
type Value = { id: number } | null | undefined | 0

interface Fetch {
  key: Key
  promise: Promise<Value>
  resolve: (value: Value) => void
  reject: (error: unknown) => void
  /** Still the key's in-flight record: its result will be stored. */
  current: boolean
}

class Model {
  /** Stored entries, least recently used first. */
  readonly entries = new Map<string, Value>()
  readonly flights = new Map<Key, Fetch>()
  readonly stats = {
    hits: 0,
    misses: 0,
    fetches: 0,
    fetchErrors: 0,
    coalesced: 0,
    evictions: 0,
    expirations: 0,
    // Counters of features this property does not exercise (stale windows, timeouts, signals,
    // byte sizes) must stay at zero.
    staleHits: 0,
    refreshes: 0,
    refreshErrors: 0,
    timeouts: 0,
    aborts: 0,
    bytes: 0,
  }

  constructor(readonly maxSize: number) {}

  touch(key: string) {
    const value = this.entries.get(key)
    this.entries.delete(key)
    this.entries.set(key, value)
  }

  store(key: string, value: Value) {
    if (this.entries.has(key)) {
      this.entries.delete(key)
    } else if (this.entries.size >= this.maxSize) {
      const lru = this.entries.keys().next().value as string
      this.entries.delete(lru)
      this.stats.evictions++
    }
    this.entries.set(key, value)
  }

  detach(key: Key) {
    const flight = this.flights.get(key)
    if (flight !== undefined) flight.current = false
    this.flights.delete(key)
  }
}

async function settled(promise: Promise<unknown>) {
  try {
    return { ok: true as const, value: await promise }
  } catch (error) {
    return { ok: false as const, error }
  }
}

async function run(maxSize: number, ops: Op[]) {
  const cache = new CacheManager<Value>({ maxSize })
  const model = new Model(maxSize)
  // Every fetch not settled yet, detached ones included.
  const outstanding: Fetch[] = []
  let nextId = 0
  let fetcherCalls = 0
  const newValue = (): Value => {
    const id = nextId++
    // Mostly objects (checked by identity), sometimes values easy to confuse with a miss.
    return id % 7 === 3 ? null : id % 7 === 5 ? undefined : id % 11 === 4 ? 0 : { id }
  }

  for (const op of ops) {
    switch (op.kind) {
      case 'getOrFetch':
      case 'getOrFetchValue':
      case 'getOrFetchThrow': {
        const key = op.key
        let fetch: Fetch | undefined
        const syncValue = newValue()
        const syncError = new Error(`sync failure ${nextId}`)
        const promise = cache.getOrFetch(key, () => {
          fetcherCalls++
          if (op.kind === 'getOrFetchValue') return syncValue
          if (op.kind === 'getOrFetchThrow') throw syncError
          let resolve!: (value: Value) => void
          let reject!: (error: unknown) => void
          const upstream = new Promise<Value>((res, rej) => {
            resolve = res
            reject = rej
          })
          fetch = { key, promise: upstream, resolve, reject, current: true }
          return upstream
        })

        if (model.entries.has(key)) {
          model.stats.hits++
          const expected = model.entries.get(key)
          model.touch(key)
          expect(fetch).toBeUndefined()
          await expect(promise).resolves.toBe(expected)
          break
        }
        model.stats.misses++
        const joined = model.flights.get(key)
        if (joined !== undefined) {
          model.stats.coalesced++
          expect(fetch).toBeUndefined()
          expect(promise).toBe(joined.promise)
          break
        }
        model.stats.fetches++
        if (op.kind === 'getOrFetch') {
          expect(fetch).toBeDefined()
          const started = fetch!
          // From here on the fetch is known by the Promise the cache handed out.
          started.promise = promise
          for (const other of outstanding) expect(promise).not.toBe(other.promise)
          outstanding.push(started)
          model.flights.set(key, started)
        } else if (op.kind === 'getOrFetchValue') {
          await expect(promise).resolves.toBe(syncValue)
          model.store(key, syncValue)
        } else {
          model.stats.fetchErrors++
          const outcome = await settled(promise)
          expect(outcome.ok).toBe(false)
          expect(!outcome.ok && outcome.error).toBe(syncError)
        }
        break
      }
      case 'resolve':
      case 'reject': {
        if (outstanding.length === 0) break
        const [fetch] = outstanding.splice(op.pick % outstanding.length, 1)
        if (fetch === undefined) break
        if (op.kind === 'resolve') {
          const value = newValue()
          fetch.resolve(value)
          const outcome = await settled(fetch.promise)
          expect(outcome.ok).toBe(true)
          expect(outcome.ok && outcome.value).toBe(value)
          if (fetch.current) {
            model.flights.delete(fetch.key)
            model.store(fetch.key, value)
          }
        } else {
          const error = new Error(`failure ${nextId++}`)
          fetch.reject(error)
          const outcome = await settled(fetch.promise)
          // A fetch a set or delete detached answers with the newest value stored, if any (no
          // TTLs here: every entry is fresh); a current one has no fallback (no staleIfErrorMs).
          if (!fetch.current && model.entries.has(fetch.key)) {
            expect(outcome.ok).toBe(true)
            expect(outcome.ok && outcome.value).toBe(model.entries.get(fetch.key))
          } else {
            expect(outcome.ok).toBe(false)
            expect(!outcome.ok && outcome.error).toBe(error)
          }
          model.stats.fetchErrors++
          if (fetch.current) model.flights.delete(fetch.key)
        }
        break
      }
      case 'set': {
        const value = newValue()
        await cache.set(op.key, value)
        model.detach(op.key)
        model.store(op.key, value)
        break
      }
      case 'delete': {
        const removed = await cache.delete(op.key)
        expect(removed).toBe(model.entries.has(op.key))
        model.detach(op.key)
        model.entries.delete(op.key)
        break
      }
      case 'clear': {
        await cache.clear()
        for (const key of [...model.flights.keys()]) model.detach(key)
        model.entries.clear()
        break
      }
      case 'get': {
        const got = await cache.get(op.key)
        if (model.entries.has(op.key)) {
          model.stats.hits++
          expect(got).toBe(model.entries.get(op.key))
          model.touch(op.key)
        } else {
          model.stats.misses++
          expect(got).toBeNull()
        }
        break
      }
      case 'has':
        expect(cache.has(op.key)).toBe(model.entries.has(op.key))
        break
      case 'peek':
        expect(cache.peek(op.key)).toBe(model.entries.get(op.key))
        break
    }

    // After every step: contents (has and peek change nothing), size and every counter.
    for (const key of KEYS) {
      expect(cache.has(key), `has(${JSON.stringify(key)})`).toBe(model.entries.has(key))
      expect(cache.peek(key), `peek(${JSON.stringify(key)})`).toBe(model.entries.get(key))
    }
    expect(cache.size).toBe(model.entries.size)
    expect(cache.stats()).toEqual({
      ...model.stats,
      size: model.entries.size,
      inFlight: model.flights.size,
    })
    expect(fetcherCalls).toBe(model.stats.fetches)
  }

  // Recency order: fill with new keys and see the entries evicted in the model's LRU order.
  const order = [...model.entries.keys()]
  for (let i = 0; i < maxSize; i++) {
    await cache.set(`filler ${i}`, undefined)
    model.store(`filler ${i}`, undefined)
    for (const key of order) {
      expect(cache.has(key), `has(${JSON.stringify(key)}) after filler ${i}`).toBe(
        model.entries.has(key),
      )
    }
  }
  expect(cache.stats().evictions).toBe(model.stats.evictions)

  // Leave nothing pending behind.
  for (const fetch of outstanding) {
    fetch.resolve(undefined)
    await fetch.promise
  }
}

describe('CacheManager against a reference model', () => {
  it('matches the model for random sequences of operations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(opArb, { maxLength: 60, size: 'max' }),
        run,
      ),
      { numRuns: 300 },
    )
  })
})
