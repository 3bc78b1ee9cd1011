// Shared mode keeps object mode's methods and options: a focused subset of the contract, run in one
// thread against shared caches (threads.test.ts runs the parts that cross threads). Values are
// copies here: each read decodes the stored bytes anew. Time comes from the `clock` option, or from
// fake timers for timeoutMs; nothing sleeps.
import { serialize } from 'node:v8'
import { describe, expect, it, vi } from 'vitest'
import {
  CacheManager,
  type CacheOptions,
  type Codec,
  type EvictionReason,
  type FetchContext,
  TimeoutError,
} from '../../dist/index.js'
import { type BuiltValue, builtValue } from '../fixtures/built_value.cjs'
import { deferred, rejectionOf } from '../support/async.js'
import { manualClock } from '../support/clock.js'
import { parseExposition, seriesId } from '../support/prometheus.js'
import { closedAfterEach } from '../support/shared_workers.js'
import { afterFakeTime } from '../support/timers.js'

const { opened } = closedAfterEach()
let names = 0

/** A shared cache of a store of its own, closed after the test. */
function sharedCache<V = unknown>(options: Omit<CacheOptions<V>, 'shared'> = {}): CacheManager<V> {
  names += 1
  const cache = new CacheManager<V>({ shared: `contract-${names}`, ...options })
  opened.push(cache)
  return cache
}

describe('getOrFetch on a shared cache', () => {
  it('hands its callers in one thread one Promise, and stores a copy', async () => {
    const cache = sharedCache<{ n: number }>()
    const upstream = deferred<{ n: number }>()
    const fetcher = vi.fn(() => upstream.promise)
    const first = cache.getOrFetch('k', fetcher)
    const second = cache.getOrFetch('k', fetcher)

    expect(second).toBe(first)
    const fetched = { n: 1 }
    upstream.resolve(fetched)
    await expect(first).resolves.toBe(fetched) // the fetch's own callers get what it returned
    expect(fetcher).toHaveBeenCalledTimes(1)

    fetched.n = 2 // the store kept the bytes of the value as it was fetched
    const [a, b] = [await cache.get('k'), await cache.get('k')]
    expect(a).toEqual({ n: 1 })
    expect(b).toEqual({ n: 1 })
    expect(a).not.toBe(b)
    a!.n = 3
    expect(cache.peek('k')).toEqual({ n: 1 })
    expect(await cache.getOrFetch('k', fetcher)).toEqual({ n: 1 })
    expect(fetcher).toHaveBeenCalledTimes(1)
  })

  it('rejects every caller with the same error and stores nothing when the fetch fails', async () => {
    const cache = sharedCache()
    const error = new Error('upstream down')
    const calls = [
      cache.getOrFetch('k', () => Promise.reject(error)),
      cache.getOrFetch('k', () => 1),
    ]

    expect(await rejectionOf(calls[0]!)).toBe(error)
    expect(await rejectionOf(calls[1]!)).toBe(error)
    expect(cache.has('k')).toBe(false)
    await expect(cache.getOrFetch('k', () => 'again')).resolves.toBe('again')
  })

  it('fails the fetch with an EncodeError and stores nothing when the codec cannot encode', async () => {
    const cache = sharedCache()
    const calls = [
      cache.getOrFetch('k', () => ({ callback: () => 1 })),
      cache.getOrFetch('k', () => 'x'),
    ]

    const error = (await rejectionOf(calls[0]!)) as Error & { code?: string; cause?: unknown }
    expect(await rejectionOf(calls[1]!)).toBe(error)
    expect(error.name).toBe('EncodeError')
    expect(error.code).toBe('ERR_HERDCACHE_ENCODE')
    expect(error.message).toMatch(/cannot store the value of 'k' in shared store 'contract-\d+'/)
    expect(cache.has('k')).toBe(false)
    expect(cache.stats()).toMatchObject({ fetches: 1, fetchErrors: 1, inFlight: 0, size: 0 })
  })

  it('rejects a set of a value the codec cannot encode and leaves the entry as it was', async () => {
    const cache = sharedCache()
    await cache.set('k', 'before')

    const error = await rejectionOf(Promise.resolve().then(() => cache.set('k', Symbol('no'))))

    expect(error).toMatchObject({ name: 'EncodeError', code: 'ERR_HERDCACHE_ENCODE' })
    expect(cache.peek('k')).toBe('before')
  })
})

describe('time, by the clock option', () => {
  it('expires an entry after ttlMs and fetches it anew', async () => {
    const clock = manualClock()
    const cache = sharedCache<string>({ clock: clock.read })
    await cache.set('k', 'v', 20)

    clock.now = 19
    expect(cache.peek('k')).toBe('v')
    expect(cache.getRemainingTTL('k')).toBe(1)
    clock.now = 21
    expect(cache.has('k')).toBe(false)
    expect(await cache.get('k')).toBeNull()
    await expect(cache.getOrFetch('k', () => 'new', 20)).resolves.toBe('new')
    expect(cache.getRemainingTTL('k')).toBe(20)
  })

  it('tells the remaining TTL of fresh, stale, everlasting and missing entries', async () => {
    const clock = manualClock()
    const cache = sharedCache({ clock: clock.read })
    await cache.set('fresh', 1, 50)
    await cache.set('stale', 2, { ttlMs: 10, staleWhileRevalidateMs: 100 })
    await cache.set('forever', 3)

    clock.now = 30

    expect(cache.getRemainingTTL('fresh')).toBe(20)
    expect(cache.getRemainingTTL('stale')).toBe(-20)
    expect(cache.getRemainingTTL('forever')).toBe(Infinity)
    expect(cache.getRemainingTTL('missing')).toBe(0)
  })

  it('answers a stale entry at once within staleWhileRevalidateMs and refreshes it once', async () => {
    const clock = manualClock()
    const cache = sharedCache<{ n: number }>({ clock: clock.read })
    await cache.set('k', { n: 1 }, { ttlMs: 10, staleWhileRevalidateMs: 100 })
    clock.now = 20
    const refresh = deferred<{ n: number }>()
    const contexts: FetchContext<{ n: number }>[] = []
    const fetcher = vi.fn((context: FetchContext<{ n: number }>) => {
      contexts.push(context)
      return refresh.promise
    })

    await expect(cache.getOrFetch('k', fetcher)).resolves.toEqual({ n: 1 })
    await expect(cache.getOrFetch('k', fetcher)).resolves.toEqual({ n: 1 })
    expect(fetcher).toHaveBeenCalledTimes(1)
    expect(contexts[0]).toMatchObject({ key: 'k', background: true, staleValue: { n: 1 } })
    refresh.resolve({ n: 2 })
    await refresh.promise
    await Promise.resolve()

    expect(cache.peek('k')).toEqual({ n: 2 })
    // A refresh counts as a fetch too, as in object mode.
    expect(cache.stats()).toMatchObject({ staleHits: 2, refreshes: 1, fetches: 1, size: 1 })
  })

  it('answers get and peek with a stale value only with allowStale', async () => {
    const clock = manualClock()
    const cache = sharedCache<string>({ clock: clock.read })
    await cache.set('k', 'old', { ttlMs: 10, staleIfErrorMs: 100 })
    clock.now = 20

    expect(cache.peek('k')).toBeUndefined()
    expect(cache.peek('k', { allowStale: true })).toBe('old')
    expect(await cache.get('k')).toBeNull()
    expect(await cache.get('k', { allowStale: true })).toBe('old')
    expect([...cache.keys()]).toEqual([])
    expect([...cache.keys({ allowStale: true })]).toEqual(['k'])
    expect(cache.stats()).toMatchObject({ hits: 1, staleHits: 1, misses: 1 })
  })

  it('answers every waiter with the stale value when the fetch fails within staleIfErrorMs', async () => {
    const clock = manualClock()
    const cache = sharedCache<string>({ clock: clock.read, staleIfErrorMs: 100 })
    await cache.set('k', 'old', 10)
    clock.now = 20
    const failing = deferred<string>()
    const waiters = [cache.getOrFetch('k', () => failing.promise), cache.getOrFetch('k', () => 'x')]

    failing.reject(new Error('down'))

    await expect(Promise.all(waiters)).resolves.toEqual(['old', 'old'])
    expect(cache.stats()).toMatchObject({ fetchErrors: 1, coalesced: 1 })
    clock.now = 200 // past the window: the error itself
    const error = new Error('still down')
    expect(await rejectionOf(cache.getOrFetch('k', () => Promise.reject(error)))).toBe(error)
  })

  it('rejects every waiter with one TimeoutError after timeoutMs and aborts the fetch', async () => {
    const cache = sharedCache<string>({ clock: () => Date.now() })
    let signal!: AbortSignal
    const waiters = afterFakeTime(100, () => [
      cache.getOrFetch(
        'k',
        (context) => {
          signal = context.signal
          return new Promise<string>(() => {})
        },
        { timeoutMs: 100 },
      ),
      cache.getOrFetch('k', () => 'x'),
    ])

    const errors = await Promise.all(waiters.map((waiter) => rejectionOf(waiter)))
    expect(errors[0]).toBeInstanceOf(TimeoutError)
    expect(errors[1]).toBe(errors[0])
    expect(signal.aborted).toBe(true)
    expect(cache.stats()).toMatchObject({ timeouts: 1, inFlight: 0 })
    expect(cache.has('k')).toBe(false)
  })
})

describe('signals', () => {
  it('lets a caller leave with its reason while the others get the value', async () => {
    const cache = sharedCache<string>()
    const upstream = deferred<string>()
    const controller = new AbortController()
    const leaving = cache.getOrFetch('k', () => upstream.promise, { signal: controller.signal })
    const staying = cache.getOrFetch('k', () => 'x')

    controller.abort(new Error('bye'))
    upstream.resolve('v')

    await expect(leaving).rejects.toThrow('bye')
    await expect(staying).resolves.toBe('v')
    expect(cache.peek('k')).toBe('v')
  })

  it('aborts the fetch when every caller has left', async () => {
    const cache = sharedCache<string>()
    const controllers = [new AbortController(), new AbortController()]
    let signal!: AbortSignal
    const callers = controllers.map((controller) =>
      cache.getOrFetch(
        'k',
        (context) => {
          signal = context.signal
          return new Promise<string>(() => {})
        },
        { signal: controller.signal },
      ),
    )

    for (const controller of controllers) controller.abort(new Error('gone'))

    for (const caller of callers) await expect(caller).rejects.toThrow('gone')
    expect(signal.aborted).toBe(true)
    expect(cache.stats()).toMatchObject({ aborts: 1, inFlight: 0 })
  })
})

describe('tags, wrap, iteration', () => {
  it('removes the entries and fetches of any of several tags', async () => {
    const cache = sharedCache<string>()
    await cache.set('a', 'a', { tags: ['t1'] })
    await cache.set('b', 'b', { tags: ['t2'] })
    await cache.set('both', 'both', { tags: ['t1', 't2'] })
    await cache.set('none', 'none')
    await cache.getOrFetch('fetched', () => 'f', { tags: ['t2'] })

    await expect(cache.invalidateTag(['t1', 't2'])).resolves.toBe(4)

    expect([...cache.keys()]).toEqual(['none'])
    await expect(cache.invalidateTag([])).resolves.toBe(0)
  })

  it('wraps a function: one call per arguments, results copied per read', async () => {
    const cache = sharedCache()
    const lookup = vi.fn((id: number) => ({ id }))
    const wrapped = cache.wrap(lookup)

    const [a, b] = [wrapped(1), wrapped(1)]
    expect(b).toBe(a)
    expect(await a).toEqual({ id: 1 })
    const again = await wrapped(1)
    expect(again).toEqual({ id: 1 })
    expect(again).not.toBe(await a)
    expect(await wrapped(2)).toEqual({ id: 2 })
    expect(lookup.mock.calls).toEqual([[1], [2]])
  })

  it('lists keys, values and entries most recently used first', async () => {
    const cache = sharedCache<{ k: string }>()
    for (const key of ['a', 'b', 'c']) await cache.set(key, { k: key })

    expect([...cache.keys()]).toEqual(['c', 'b', 'a'])
    await cache.get('a')
    expect([...cache.keys()]).toEqual(['a', 'c', 'b'])
    cache.peek('b') // peek leaves recency alone
    expect([...cache.values()]).toEqual([{ k: 'a' }, { k: 'c' }, { k: 'b' }])
    expect([...cache]).toEqual([
      ['a', { k: 'a' }],
      ['c', { k: 'c' }],
      ['b', { k: 'b' }],
    ])
  })
})

describe('counters', () => {
  it('counts every lookup, fetch and join exactly', async () => {
    const cache = sharedCache<string>({ maxSize: 2 })
    await cache.set('a', 'a')
    await cache.get('a') // hit
    await cache.get('x') // miss
    const upstream = deferred<string>()
    const joined = [1, 2, 3].map(() => cache.getOrFetch('b', () => upstream.promise))
    upstream.resolve('b')
    await Promise.all(joined)
    await cache.getOrFetch('b', () => 'never') // hit
    await cache.getOrFetch('c', () => Promise.reject(new Error('no'))).catch(() => undefined)
    await cache.getOrFetch('d', () => 'd') // evicts 'a'

    expect(cache.stats()).toEqual({
      hits: 2,
      misses: 6,
      staleHits: 0,
      fetches: 3,
      refreshes: 0,
      fetchErrors: 1,
      refreshErrors: 0,
      timeouts: 0,
      aborts: 0,
      coalesced: 2,
      evictions: 1,
      expirations: 0,
      size: 2,
      inFlight: 0,
      bytes: serialize('b').length + serialize('d').length,
    })
  })

  it('reports the store in metrics()', async () => {
    const cache = sharedCache<string>({ name: 'shared-metrics', maxSize: 7, maxBytes: 4096 })
    await cache.set('a', 'a')
    await cache.get('a')
    await cache.getOrFetch('b', () => 'b')
    const labels = { cache: 'shared-metrics' }

    const parsed = parseExposition(cache.metrics())
    const at = (name: string) => parsed.samples.get(seriesId(name, labels))

    expect(at('herdcache_hits_total')).toBe(1)
    expect(at('herdcache_misses_total')).toBe(1)
    expect(at('herdcache_fetches_total')).toBe(1)
    expect(at('herdcache_entries')).toBe(2)
    expect(at('herdcache_bytes')).toBe(serialize('a').length + serialize('b').length)
    expect(at('herdcache_max_entries')).toBe(7)
    expect(at('herdcache_max_bytes')).toBe(4096)
  })
})

describe('the sizes a cache reports', () => {
  it('are the open store’s in metrics() of a cache opened without them', () => {
    const first = sharedCache({ maxSize: 7, maxBytes: 4096 })
    const second = new CacheManager({ shared: `contract-${names}` })
    opened.push(second)

    for (const cache of [first, second]) {
      const parsed = parseExposition(cache.metrics())
      const labels = { cache: cache.name! }
      expect(parsed.samples.get(seriesId('herdcache_max_entries', labels))).toBe(7)
      expect(parsed.samples.get(seriesId('herdcache_max_bytes', labels))).toBe(4096)
    }
  })
})

describe('onEvict', () => {
  type Removal = [string, unknown, EvictionReason]

  async function removalsOf(decodeEvicted: boolean): Promise<Removal[]> {
    const clock = manualClock()
    const removed: Removal[] = []
    const cache = sharedCache<{ n: number }>({
      maxSize: 2,
      clock: clock.read,
      decodeEvicted,
      onEvict: (key, value, reason) => removed.push([key, value, reason]),
    })
    await cache.set('a', { n: 1 })
    await cache.set('b', { n: 2 })
    await cache.set('c', { n: 3 }) // evicts a
    await cache.set('c', { n: 4 }) // replaces c
    await cache.delete('b')
    await cache.set('t', { n: 5 }, 10)
    clock.now = 11
    cache.peek('t') // found expired
    await cache.clear()
    return removed
  }

  it('reports each removal with its reason and no value by default', async () => {
    expect(await removalsOf(false)).toEqual([
      ['a', undefined, 'evict'],
      ['c', undefined, 'set'],
      ['b', undefined, 'delete'],
      ['t', undefined, 'expire'],
      ['c', undefined, 'clear'],
    ])
  })

  it('reports each removal with its value decoded under decodeEvicted', async () => {
    expect(await removalsOf(true)).toEqual([
      ['a', { n: 1 }, 'evict'],
      ['c', { n: 3 }, 'set'],
      ['b', { n: 2 }, 'delete'],
      ['t', { n: 5 }, 'expire'],
      ['c', { n: 4 }, 'clear'],
    ])
  })
})

describe('codecs', () => {
  it('keeps Date, Map, Set, BigInt, typed arrays, and undefined apart from null (v8Codec)', async () => {
    const cache = sharedCache()
    const value = builtValue(0)
    await cache.set('k', value)

    const read = (await cache.get('k')) as BuiltValue
    expect(read).not.toBe(value)
    expect(read).toStrictEqual(value)
    expect(read.date).toBeInstanceOf(Date)
    expect(read.map).toBeInstanceOf(Map)
    expect(read.set).toBeInstanceOf(Set)
    expect(read.bytes).toBeInstanceOf(Uint8Array)
    expect(Object.is(read.floats[1], -0)).toBe(true)
    expect(Object.is(read.nested[2], -0)).toBe(true)
    expect('undef' in read).toBe(true)
  })

  it('tells a stored undefined from a stored null from a miss', async () => {
    const cache = sharedCache()
    await cache.set('undefined', undefined)
    await cache.set('null', null)
    const fetcher = vi.fn(() => 'fetched')

    expect(await cache.get('undefined')).toBeUndefined()
    expect(await cache.get('null')).toBeNull()
    expect(await cache.get('missing')).toBeNull()
    expect([cache.has('undefined'), cache.has('null'), cache.has('missing')]).toEqual([
      true,
      true,
      false,
    ])
    expect(await cache.getOrFetch('undefined', fetcher)).toBeUndefined()
    expect(await cache.getOrFetch('null', fetcher)).toBeNull()
    expect(fetcher).not.toHaveBeenCalled()
  })

  it('encodes once per write and decodes once per read with a custom codec', async () => {
    const counts = { encode: 0, decode: 0 }
    const jsonLines: Codec = {
      name: 'json-lines',
      encode(value) {
        counts.encode += 1
        return Buffer.from(`${JSON.stringify(value)}\n`)
      },
      decode(bytes) {
        counts.decode += 1
        return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown
      },
    }
    const cache = sharedCache({ codec: jsonLines })
    await cache.set('k', { when: new Date(0) })

    const [a, b] = [await cache.get('k'), cache.peek('k')]

    expect(a).toEqual({ when: '1970-01-01T00:00:00.000Z' }) // JSON's Date, so this codec's
    expect(b).toEqual(a)
    expect(b).not.toBe(a)
    expect(counts).toEqual({ encode: 1, decode: 2 })
    expect(cache.stats().bytes).toBe(`{"when":"1970-01-01T00:00:00.000Z"}\n`.length)
  })
})
