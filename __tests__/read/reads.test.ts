// Issue 12, point 3: reads peers offer. Stale reads (`get`/`peek` with `allowStale`), the
// remaining TTL of an entry (`getRemainingTTL`), and iteration (`keys`, `values`, `entries`) in
// recency order, most recent first. Time is the `clock` option.
import { describe, expect, it, vi } from 'vitest'
import { CacheManager, type CacheOptions } from '../../dist/index.js'
import { deferred } from '../support/async.js'
import { manualClock } from '../support/clock.js'
import { expectThrown } from '../support/throws.js'

const TTL = 100
const WINDOWS = { ttlMs: TTL, staleWhileRevalidateMs: 50, staleIfErrorMs: 200 }

function cacheWith<V = string>(options: CacheOptions<V> = {}) {
  const clock = manualClock()
  clock.now = 1_000_000
  return { cache: new CacheManager<V>({ clock: clock.read, ...options }), clock }
}

describe('get and peek with allowStale', () => {
  it('get answers a stale value, counted as a hit and a stale hit, starting no refresh', async () => {
    const { cache, clock } = cacheWith()
    await cache.set('k', 'v', WINDOWS)
    clock.now += TTL
    expect(await cache.get('k')).toBeNull()
    expect(await cache.get('k', { allowStale: true })).toBe('v')
    clock.now += 100 // the stale-if-error window only
    expect(await cache.get('k', { allowStale: true })).toBe('v')
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, staleHits: 2, fetches: 0 })
    expect(cache.stats().inFlight).toBe(0)
  })

  it('get answers a fresh value as ever with allowStale, and without it given', async () => {
    const { cache } = cacheWith()
    await cache.set('k', 'v', WINDOWS)
    expect(await cache.get('k', { allowStale: true })).toBe('v')
    expect(await cache.get('k', {})).toBe('v')
    expect(cache.peek('k', { allowStale: false })).toBe('v')
    expect(cache.stats()).toMatchObject({ hits: 2, staleHits: 0 })
  })

  it('get answers null for an entry past every window, and removes it', async () => {
    const onEvict = vi.fn()
    const { cache, clock } = cacheWith({ onEvict })
    await cache.set('k', 'v', WINDOWS)
    clock.now += TTL + 200
    expect(await cache.get('k', { allowStale: true })).toBeNull()
    expect(onEvict).toHaveBeenCalledWith('k', 'v', 'expire')
    expect(cache.size).toBe(0)
  })

  it('get makes a stale entry it answers the most recently used', async () => {
    const { cache, clock } = cacheWith({ maxSize: 2 })
    await cache.set('a', 'a', WINDOWS)
    await cache.set('b', 'b', WINDOWS)
    clock.now += TTL
    await cache.get('a', { allowStale: true })
    await cache.set('c', 'c', WINDOWS)
    expect([...cache.keys({ allowStale: true })]).toEqual(['c', 'a'])
  })

  it('peek answers a stale value without counting a lookup or changing recency', async () => {
    const { cache, clock } = cacheWith({ maxSize: 2 })
    await cache.set('a', 'a', WINDOWS)
    await cache.set('b', 'b', WINDOWS)
    clock.now += TTL
    expect(cache.peek('a')).toBeUndefined()
    expect(cache.peek('a', { allowStale: true })).toBe('a')
    expect(cache.has('a')).toBe(false)
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 0, staleHits: 0 })
    await cache.set('c', 'c', WINDOWS)
    expect(cache.peek('a', { allowStale: true })).toBeUndefined() // a stayed least recent
  })

  it('refuses bad options with the cache untouched', async () => {
    const { cache } = cacheWith()
    await cache.set('k', 'v')
    const before = cache.stats()
    expectThrown(
      () => cache.get('k', { allowStale: 1 as never }),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'allowStale must be a boolean, received number 1',
    )
    expectThrown(
      () => cache.peek('k', 5 as never),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'options must be an object, received number 5',
    )
    expectThrown(
      () => cache.keys({ stale: true } as never),
      TypeError,
      'ERR_HERDCACHE_UNKNOWN_OPTION',
      'options.stale is not an option; the options are allowStale',
    )
    expect(cache.stats()).toEqual(before)
  })
})

describe('getRemainingTTL', () => {
  it('counts down to 0 at the TTL, the first instant the entry is not fresh', async () => {
    const { cache, clock } = cacheWith()
    await cache.set('k', 'v', WINDOWS)
    expect(cache.getRemainingTTL('k')).toBe(TTL)
    clock.now += TTL - 1
    expect(cache.getRemainingTTL('k')).toBe(1)
    expect(cache.has('k')).toBe(true)
    clock.now += 1
    expect(cache.getRemainingTTL('k')).toBe(0)
    expect(cache.has('k')).toBe(false)
  })

  it('goes negative while a stale entry is kept for its windows', async () => {
    const { cache, clock } = cacheWith()
    await cache.set('k', 'v', WINDOWS)
    clock.now += TTL + 120
    expect(cache.getRemainingTTL('k')).toBe(-120)
  })

  it('is Infinity for an entry that never expires', async () => {
    const { cache } = cacheWith()
    await cache.set('k', 'v')
    expect(cache.getRemainingTTL('k')).toBe(Infinity)
  })

  it('is 0 for a key with no entry, a fetch in flight included', () => {
    const { cache } = cacheWith()
    expect(cache.getRemainingTTL('k')).toBe(0)
    void cache.getOrFetch('k', () => deferred<string>().promise)
    expect(cache.getRemainingTTL('k')).toBe(0)
  })

  it('removes an expired entry it finds, and counts no lookup', async () => {
    const onEvict = vi.fn()
    const { cache, clock } = cacheWith({ onEvict })
    await cache.set('k', 'v', TTL)
    clock.now += TTL
    expect(cache.getRemainingTTL('k')).toBe(0)
    expect(onEvict).toHaveBeenCalledWith('k', 'v', 'expire')
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 0, expirations: 1, size: 0 })
  })

  it('throws a TypeError for a key that is not a string', () => {
    const { cache } = cacheWith()
    expectThrown(
      () => cache.getRemainingTTL(5 as never),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'key must be a string, received number 5',
    )
  })
})

describe('keys, values and entries', () => {
  it('lists the fresh entries, most recently used first', async () => {
    const { cache } = cacheWith<{ n: number }>()
    const values = [{ n: 1 }, { n: 2 }, { n: 3 }]
    await cache.set('a', values[0]!)
    await cache.set('b', values[1]!)
    await cache.set('c', values[2]!)
    await cache.get('a')
    expect([...cache.keys()]).toEqual(['a', 'c', 'b'])
    const listed = [...cache.values()]
    expect(listed).toEqual([values[0], values[2], values[1]])
    expect(listed[0]).toBe(values[0])
    expect([...cache.entries()]).toEqual([
      ['a', values[0]],
      ['c', values[2]],
      ['b', values[1]],
    ])
    expect([...cache]).toEqual([...cache.entries()])
  })

  it('skips stale entries unless allowStale, and never lists or removes expired ones', async () => {
    const { cache, clock } = cacheWith()
    await cache.set('stale', 's', WINDOWS)
    await cache.set('expired', 'x', TTL)
    clock.now += TTL
    await cache.set('fresh', 'f', TTL)
    expect([...cache.keys()]).toEqual(['fresh'])
    expect([...cache.entries({ allowStale: true })]).toEqual([
      ['fresh', 'f'],
      ['stale', 's'],
    ])
    expect(cache.size).toBe(3)
    expect(cache.stats().expirations).toBe(0)
  })

  it('counts no lookup and leaves recency alone', async () => {
    const { cache } = cacheWith({ maxSize: 2 })
    await cache.set('a', 'a')
    await cache.set('b', 'b')
    expect([...cache.values()]).toEqual(['b', 'a'])
    await cache.set('c', 'c')
    expect([...cache.keys()]).toEqual(['c', 'b'])
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 0, evictions: 1 })
  })

  it('lists stored undefined and null values, and no fetch in flight', async () => {
    const { cache } = cacheWith<unknown>()
    await cache.set('u', undefined)
    await cache.set('n', null)
    void cache.getOrFetch('pending', () => deferred<string>().promise)
    expect([...cache.entries()]).toEqual([
      ['n', null],
      ['u', undefined],
    ])
  })

  it('is a snapshot: changing the cache while iterating is safe and changes nothing listed', async () => {
    const { cache } = cacheWith()
    for (const key of ['a', 'b', 'c', 'd']) await cache.set(key, key)
    const seen: string[] = []
    for (const [key] of cache) {
      seen.push(key)
      await cache.delete('c')
      await cache.set(`new-${key}`, key)
      await cache.get('a')
    }
    expect(seen).toEqual(['d', 'c', 'b', 'a'])
    const listed = [...cache.keys()]
    const iterator = cache.keys()
    await cache.clear()
    expect([...iterator]).toEqual(listed)
  })
})
