import { describe, expect, it } from 'vitest'
import { CacheManager } from '../../dist/index.js'
import { nextMacrotask } from '../support/async.js'
import { manualClock } from '../support/clock.js'
import { collectGarbage, isCollected } from '../support/gc.js'

// Values, in-flight Promises and whole caches must become collectable as soon as the cache lets
// go of them (DESIGN.md: slot arrays owned by the cache, no napi_ref). Each test tracks objects
// through WeakRefs made inside helper functions, so no test variable keeps them alive, and pairs
// every "collected" with a "still held" control that fails if the GC loop proves nothing.

interface Payload {
  label: string
  data: number[]
  cache?: CacheManager<Payload>
}

function payload(label: string): Payload {
  return { label, data: Array.from({ length: 16 }, (_, i) => i) }
}

/** Stores a fresh payload under `key` and returns only a WeakRef to it. */
async function store(
  cache: CacheManager<Payload>,
  key: string,
  ttlMs?: number,
): Promise<WeakRef<Payload>> {
  const value = payload(key)
  await cache.set(key, value, ttlMs)
  return new WeakRef(value)
}

/** Stores a fresh payload under `key` through getOrFetch and returns only a WeakRef to it. */
async function fetchInto(
  cache: CacheManager<Payload>,
  key: string,
  ttlMs?: number,
): Promise<WeakRef<Payload>> {
  const value = payload(key)
  const delivered = await cache.getOrFetch(key, () => Promise.resolve(value), ttlMs)
  if (delivered !== value) throw new Error(`getOrFetch(${key}) delivered another value`)
  return new WeakRef(value)
}

describe('releasing values the cache no longer holds', () => {
  it('releases a value evicted by LRU', async () => {
    const cache = new CacheManager<Payload>({ maxSize: 2 })
    const a = await store(cache, 'a')
    const b = await fetchInto(cache, 'b')
    const c = await store(cache, 'c')

    expect(cache.has('a')).toBe(false)
    expect(await isCollected(a)).toBe(true)
    expect(await isCollected(b)).toBe(false)
    expect(await isCollected(c)).toBe(false)
  })

  it('releases a value evicted by a fetched entry', async () => {
    const cache = new CacheManager<Payload>({ maxSize: 2 })
    const a = await fetchInto(cache, 'a')
    const b = await store(cache, 'b')
    const c = await fetchInto(cache, 'c')

    expect(cache.stats().evictions).toBe(1)
    expect(await isCollected(a)).toBe(true)
    expect(await isCollected(b)).toBe(false)
    expect(await isCollected(c)).toBe(false)
  })

  it('releases a deleted value', async () => {
    const cache = new CacheManager<Payload>()
    const a = await store(cache, 'a')
    const b = await fetchInto(cache, 'b')
    const kept = await store(cache, 'kept')

    expect(await cache.delete('a')).toBe(true)
    expect(await cache.delete('b')).toBe(true)

    expect(await isCollected(a)).toBe(true)
    expect(await isCollected(b)).toBe(true)
    expect(await isCollected(kept)).toBe(false)
  })

  it('releases a value overwritten by set', async () => {
    const cache = new CacheManager<Payload>()
    const first = await store(cache, 'a')
    const fetched = await fetchInto(cache, 'b')
    const second = await store(cache, 'a')
    const replacement = await store(cache, 'b')

    expect(await isCollected(first)).toBe(true)
    expect(await isCollected(fetched)).toBe(true)
    expect(await isCollected(second)).toBe(false)
    expect(await isCollected(replacement)).toBe(false)
  })

  it('releases a value removed by set with ttlMs 0', async () => {
    const cache = new CacheManager<Payload>()
    const removed = await store(cache, 'a')
    const kept = await store(cache, 'kept')

    await cache.set('a', payload('a:not-stored'), 0)

    expect(cache.has('a')).toBe(false)
    expect(await isCollected(removed)).toBe(true)
    expect(await isCollected(kept)).toBe(false)
  })

  it('releases every value on clear', async () => {
    const cache = new CacheManager<Payload>()
    const other = new CacheManager<Payload>()
    const a = await store(cache, 'a')
    const b = await fetchInto(cache, 'b')
    const kept = await store(other, 'a')

    await cache.clear()

    expect(await isCollected(a)).toBe(true)
    expect(await isCollected(b)).toBe(true)
    expect(await isCollected(kept)).toBe(false)
    expect(other.size).toBe(1)
  })

  type Lookup = 'get' | 'getOrFetch' | 'has' | 'peek'
  const lookups: Record<Lookup, (cache: CacheManager<Payload>, key: string) => Promise<unknown>> = {
    get: (cache, key) => cache.get(key),
    // ttlMs 0 stores nothing, so no new value reuses (and so releases) the expired slot.
    getOrFetch: (cache, key) => cache.getOrFetch(key, () => payload(`${key}:refetched`), 0),
    has: (cache, key) => Promise.resolve(cache.has(key)),
    peek: (cache, key) => Promise.resolve(cache.peek(key)),
  }
  // What each lookup answers for an expired key (getOrFetch fetches it anew).
  const missResults: Record<Lookup, (result: unknown, key: string) => boolean> = {
    get: (result) => result === null,
    getOrFetch: (result, key) => (result as Payload).label === `${key}:refetched`,
    has: (result) => result === false,
    peek: (result) => result === undefined,
  }

  it.each(Object.keys(lookups) as Lookup[])(
    'releases an expired value found by %s',
    async (lookup) => {
      const clock = manualClock()
      const cache = new CacheManager<Payload>({ clock: clock.read })
      const expiring = await store(cache, 'a', 10)
      const fetchedExpiring = await fetchInto(cache, 'b', 10)
      const kept = await store(cache, 'kept', 60_000)
      clock.now += 30

      expect(missResults[lookup](await lookups[lookup](cache, 'a'), 'a')).toBe(true)
      expect(missResults[lookup](await lookups[lookup](cache, 'b'), 'b')).toBe(true)

      expect(cache.stats().expirations).toBe(2)
      expect(cache.size).toBe(1)
      expect(await isCollected(expiring)).toBe(true)
      expect(await isCollected(fetchedExpiring)).toBe(true)
      expect(await isCollected(kept)).toBe(false)
    },
  )

  type Detach = 'delete' | 'set' | 'clear'
  const detachers: Record<Detach, (cache: CacheManager<Payload>, key: string) => Promise<unknown>> =
    {
      delete: (cache, key) => cache.delete(key),
      set: (cache, key) => cache.set(key, payload(`${key}:set`)),
      clear: (cache) => cache.clear(),
    }

  /**
   * Runs a fetch of `key` that `detach` interrupts before it resolves; returns a WeakRef to the
   * fetched value once the waiter has received it and let it go.
   */
  async function detachedFetch(
    cache: CacheManager<Payload>,
    key: string,
    detach?: (cache: CacheManager<Payload>, key: string) => Promise<unknown>,
  ): Promise<WeakRef<Payload>> {
    let resolveFetch: ((value: Payload) => void) | undefined
    const waiter = cache.getOrFetch(
      key,
      () => new Promise<Payload>((resolve) => (resolveFetch = resolve)),
    )
    if (detach) await detach(cache, key)
    const value = payload(`${key}:fetched`)
    resolveFetch?.(value)
    if ((await waiter) !== value) throw new Error(`the waiter for ${key} got another value`)
    return new WeakRef(value)
  }

  it.each(Object.keys(detachers) as Detach[])(
    'releases the result of a fetch detached by %s once its waiters drop it',
    async (detach) => {
      const cache = new CacheManager<Payload>()
      const control = new CacheManager<Payload>()

      const detached = await detachedFetch(cache, 'a', detachers[detach])
      const stored = await detachedFetch(control, 'a')

      expect(cache.peek('a')?.label).not.toBe('a:fetched')
      expect(cache.stats().inFlight).toBe(0)
      expect(await isCollected(detached)).toBe(true)
      expect(await isCollected(stored)).toBe(false)
      expect(control.peek('a')?.label).toBe('a:fetched')
    },
  )

  it('releases the in-flight Promise once its fetch settles', async () => {
    const cache = new CacheManager<Payload>()
    let resolvePending: ((value: Payload) => void) | undefined
    const { settled, pending } = await (async () => {
      const settledPromise = cache.getOrFetch('settled', () => Promise.resolve(payload('settled')))
      const pendingPromise = cache.getOrFetch(
        'pending',
        () => new Promise<Payload>((resolve) => (resolvePending = resolve)),
      )
      await settledPromise
      return { settled: new WeakRef(settledPromise), pending: new WeakRef(pendingPromise) }
    })()

    expect(await isCollected(settled)).toBe(true)
    // Reachable while its fetch is pending (later callers get it from the cache).
    expect(await isCollected(pending)).toBe(false)
    resolvePending?.(payload('pending'))
    expect(await isCollected(pending)).toBe(true)
    expect(cache.peek('pending')?.label).toBe('pending')
  })

  it('releases the Promise of a rejected fetch and stores nothing', async () => {
    const cache = new CacheManager<Payload>()
    const kept = await store(cache, 'kept')
    const failed = await (async () => {
      const error = Object.assign(new Error('upstream failed'), { payload: payload('error') })
      const promise = cache.getOrFetch('a', () => Promise.reject(error))
      await promise.catch(() => undefined)
      return new WeakRef(error)
    })()

    expect(cache.stats()).toMatchObject({ fetchErrors: 1, inFlight: 0, size: 1 })
    expect(await isCollected(failed)).toBe(true)
    expect(await isCollected(kept)).toBe(false)
  })
})

describe('collecting a cache that becomes unreachable', () => {
  /** Builds a cache with `fill`, drops it, and returns WeakRefs to it and to what it held. */
  async function abandon(
    fill: (cache: CacheManager<Payload>) => Promise<object[]>,
  ): Promise<{ cache: WeakRef<object>; held: WeakRef<object>[] }> {
    const cache = new CacheManager<Payload>({ maxSize: 100 })
    const held = await fill(cache)
    return { cache: new WeakRef(cache), held: held.map((target) => new WeakRef(target)) }
  }

  async function expectAllCollected(refs: WeakRef<object>[]): Promise<void> {
    for (const ref of refs) expect(await isCollected(ref)).toBe(true)
  }

  it('collects a cache with its values', async () => {
    const kept = new CacheManager<Payload>()
    const keptValue = await store(kept, 'a')
    const { cache, held } = await abandon(async (abandoned) => {
      const a = payload('a')
      await abandoned.set('a', a)
      const b = await abandoned.getOrFetch('b', () => Promise.resolve(payload('b')))
      return [a, b]
    })

    await expectAllCollected([cache, ...held])
    expect(await isCollected(keptValue)).toBe(false)
    expect(kept.size).toBe(1)
  })

  it('collects a cache whose stored values refer back to it', async () => {
    const kept = new CacheManager<Payload>()
    const keptValue = await (async () => {
      const value = { ...payload('a'), cache: kept }
      await kept.set('a', value)
      return new WeakRef(value)
    })()
    const { cache, held } = await abandon(async (abandoned) => {
      const set = { ...payload('set'), cache: abandoned }
      await abandoned.set('set', set)
      const fetched = await abandoned.getOrFetch('fetched', () =>
        Promise.resolve({ ...payload('fetched'), cache: abandoned }),
      )
      return [set, fetched]
    })

    await expectAllCollected([cache, ...held])
    expect(await isCollected(keptValue)).toBe(false)
    expect(kept.size).toBe(1)
  })

  it('collects a cache whose never-settling fetch refers back to it', async () => {
    const kept = new CacheManager<Payload>()
    const keptFlight = new WeakRef(kept.getOrFetch('a', () => new Promise<Payload>(() => {})))
    const { cache, held } = await abandon((abandoned) => {
      const upstream = Object.assign(new Promise<Payload>(() => {}), { cache: abandoned })
      const fetcher = () => {
        void abandoned.size
        return upstream
      }
      const waiter = abandoned.getOrFetch('pending', fetcher)
      // A waiter's reaction that refers back to the cache, as a caller's continuation would.
      void waiter.then(() => abandoned.size)
      const value = { ...payload('stored'), cache: abandoned }
      void abandoned.set('stored', value)
      return Promise.resolve([upstream, waiter, fetcher, value])
    })

    await expectAllCollected([cache, ...held])
    expect(await isCollected(keptFlight)).toBe(false)
    expect(kept.stats().inFlight).toBe(1)
  })
})

describe('memory under sustained load', () => {
  it('stays flat and counts exactly through 300,000 distinct fetches', async () => {
    const total = 300_000
    const batchSize = 1000
    const warmUpBatches = 10
    const cache = new CacheManager<Payload>({ maxSize: 100 })
    let next = 0
    let fulfilled = 0
    let rejected = 0

    const runBatch = async (): Promise<void> => {
      const calls: Promise<Payload>[] = []
      for (let n = 0; n < batchSize; n += 1, next += 1) {
        const i = next
        calls.push(
          cache.getOrFetch(`soak:${i}`, () =>
            i % 10 === 0
              ? Promise.reject(new Error(`upstream ${i} failed`))
              : Promise.resolve(payload(`soak:${i}`)),
          ),
        )
      }
      for (const result of await Promise.allSettled(calls)) {
        if (result.status === 'fulfilled') fulfilled += 1
        else rejected += 1
      }
    }
    const settledHeapUsed = async (): Promise<number> => {
      for (let i = 0; i < 3; i += 1) {
        await nextMacrotask()
        collectGarbage()
      }
      return process.memoryUsage().heapUsed
    }

    for (let batch = 0; batch < warmUpBatches; batch += 1) await runBatch()
    const baseline = await settledHeapUsed()
    while (next < total) await runBatch()
    const after = await settledHeapUsed()

    expect({ fulfilled, rejected }).toEqual({ fulfilled: 270_000, rejected: 30_000 })
    expect(cache.stats()).toEqual({
      hits: 0,
      misses: total,
      fetches: total,
      fetchErrors: 30_000,
      coalesced: 0,
      evictions: 270_000 - 100,
      expirations: 0,
      size: 100,
      staleHits: 0,
      refreshes: 0,
      refreshErrors: 0,
      timeouts: 0,
      aborts: 0,
      bytes: 0,
      inFlight: 0,
    })
    expect(cache.size).toBe(100)
    expect(after - baseline).toBeLessThan(8 * 1024 * 1024)
  })
})
