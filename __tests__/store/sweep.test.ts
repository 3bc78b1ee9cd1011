// Issue 3, point 8: expired entries are reclaimed without being touched. An entry whose last
// phase ends and that nobody looks up again is released within about a second, by one unref'd
// timer for the whole cache (never one per entry), counted in `expirations` and reported to
// onEvict. Fake timers drive the timer through `clock: () => Date.now()`, so the tests check the
// sweep's schedule, not the machine's speed. The last tests prove the value and the cache
// themselves become collectable.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CacheManager, type EvictionReason } from '../../dist/index.js'
import { nextMacrotask } from '../support/async.js'
import { isCollected } from '../support/gc.js'
import { randomInts } from '../support/random.js'

// How long after its last phase ends an entry may still be held.
const RECLAIM_WITHIN_MS = 1000

type Removal = [key: string, value: unknown, reason: EvictionReason]

/** A cache on the fake clock that records every onEvict call. */
function fakeClockCache<V>(options: { maxSize?: number } = {}) {
  const removals: Removal[] = []
  const cache = new CacheManager<V>({
    ...options,
    clock: () => Date.now(),
    onEvict: (key, value, reason) => removals.push([key, value, reason]),
  })
  return { cache, removals }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('reclaiming expired entries nobody looks up (fake timers)', () => {
  it('releases an entry within a second after it expires, counted and reported as expired', async () => {
    vi.useFakeTimers()
    const { cache, removals } = fakeClockCache<object>()
    const value = { id: 1 }
    await cache.set('k', value, 500)

    vi.advanceTimersByTime(499)
    expect(cache.size).toBe(1)
    expect(removals).toEqual([])

    vi.advanceTimersByTime(1 + RECLAIM_WITHIN_MS)

    expect(cache.size).toBe(0)
    expect(cache.stats()).toMatchObject({ size: 0, expirations: 1, hits: 0, misses: 0 })
    expect(removals).toEqual([['k', value, 'expire']])
    expect(removals[0]![1]).toBe(value)
  })

  it('releases an entry with a long TTL no earlier than its expiry and within a second after', async () => {
    vi.useFakeTimers()
    const { cache, removals } = fakeClockCache<string>()
    await cache.set('k', 'v', 5000)

    vi.advanceTimersByTime(4999)
    expect(cache.size).toBe(1)
    vi.advanceTimersByTime(1 + RECLAIM_WITHIN_MS)

    expect(cache.size).toBe(0)
    expect(removals).toEqual([['k', 'v', 'expire']])
  })

  it('releases an entry stored by getOrFetch', async () => {
    vi.useFakeTimers()
    const { cache, removals } = fakeClockCache<string>()
    await expect(cache.getOrFetch('k', () => Promise.resolve('v'), 300)).resolves.toBe('v')

    vi.advanceTimersByTime(300 + RECLAIM_WITHIN_MS)

    expect(cache.size).toBe(0)
    expect(removals).toEqual([['k', 'v', 'expire']])
  })

  it('releases only the expired entries and keeps the fresh ones', async () => {
    vi.useFakeTimers()
    const { cache, removals } = fakeClockCache<string>()
    await cache.set('short', 's', 100)
    await cache.set('long', 'l', 10_000)
    await cache.set('forever', 'f')

    vi.advanceTimersByTime(100 + RECLAIM_WITHIN_MS)
    expect(removals).toEqual([['short', 's', 'expire']])
    expect(cache.size).toBe(2)

    vi.advanceTimersByTime(10_000)
    expect(removals.map(([key]) => key)).toEqual(['short', 'long'])
    expect(cache.peek('forever')).toBe('f')
    expect(cache.stats().expirations).toBe(2)
  })

  it('releases an entry set after a later-expiring one within a second of its own expiry', async () => {
    vi.useFakeTimers()
    const { cache, removals } = fakeClockCache<string>()
    await cache.set('late', 'L', 60_000)
    await cache.set('early', 'E', 100)

    vi.advanceTimersByTime(100 + RECLAIM_WITHIN_MS)

    expect(removals).toEqual([['early', 'E', 'expire']])
    expect(cache.has('late')).toBe(true)
  })

  it('releases a short-lived entry within a second even while a sweep is already armed', async () => {
    vi.useFakeTimers()
    const { cache, removals } = fakeClockCache<string>()
    await cache.set('a', 'A', 2000)
    await cache.set('b', 'B', 1)

    vi.advanceTimersByTime(1 + RECLAIM_WITHIN_MS)

    expect(removals).toEqual([['b', 'B', 'expire']])
    expect(cache.size).toBe(1)
  })

  it('does not count an entry deleted or made permanent before its expiry', async () => {
    vi.useFakeTimers()
    const { cache, removals } = fakeClockCache<string>()
    await cache.set('deleted', 'D', 100)
    await cache.set('renewed', 'R', 100)
    await cache.delete('deleted')
    await cache.set('renewed', 'R2')

    vi.advanceTimersByTime(100 + RECLAIM_WITHIN_MS)

    expect(cache.peek('renewed')).toBe('R2')
    expect(cache.stats().expirations).toBe(0)
    expect(removals.map(([key, , reason]) => [key, reason])).toEqual([
      ['deleted', 'delete'],
      ['renewed', 'set'],
    ])
  })

  it('keeps sweeping entries stored after clear', async () => {
    vi.useFakeTimers()
    const { cache } = fakeClockCache<string>()
    await cache.set('a', 'A', 5000)
    await cache.clear()
    vi.advanceTimersByTime(500)
    await cache.set('b', 'B', 100)

    vi.advanceTimersByTime(100 + RECLAIM_WITHIN_MS)

    expect(cache.size).toBe(0)
    expect(cache.stats().expirations).toBe(1)
  })

  it('keeps reclaiming on time when onEvict stores a longer-lived entry during a sweep', async () => {
    vi.useFakeTimers()
    const cache: CacheManager<string> = new CacheManager<string>({
      clock: () => Date.now(),
      onEvict: (key) => {
        if (key === 'a') void cache.set('log', key, 60_000)
      },
    })
    await cache.set('a', 'A', 100)
    await cache.set('b', 'B', 3000)

    vi.advanceTimersByTime(100 + RECLAIM_WITHIN_MS)
    expect(cache.size).toBe(2)
    vi.advanceTimersByTime(3000 - (100 + RECLAIM_WITHIN_MS) + RECLAIM_WITHIN_MS)

    expect(cache.size).toBe(1)
    expect(cache.stats().expirations).toBe(2)
    expect(cache.peek('log')).toBe('a')
    expect(vi.getTimerCount()).toBeLessThanOrEqual(1)
  })

  it('reclaims far more expired entries than fit in one sweep', async () => {
    vi.useFakeTimers()
    const count = 25_000
    const cache = new CacheManager<number>({ maxSize: count, clock: () => Date.now() })
    for (let i = 0; i < count; i += 1) await cache.set(`k${i}`, i, 100)
    expect(cache.size).toBe(count)

    vi.advanceTimersByTime(100 + RECLAIM_WITHIN_MS)

    expect(cache.size).toBe(0)
    expect(cache.stats().expirations).toBe(count)
  })
})

describe('stale windows keep entries until they end (fake timers)', () => {
  it.each<[string, { staleWhileRevalidateMs?: number; staleIfErrorMs?: number }, number]>([
    ['staleWhileRevalidateMs', { staleWhileRevalidateMs: 3000 }, 3000],
    ['staleIfErrorMs', { staleIfErrorMs: 4000 }, 4000],
    ['the longer of both windows', { staleWhileRevalidateMs: 2000, staleIfErrorMs: 5000 }, 5000],
  ])('retains an entry set with %s until the window ends', async (_name, windows, windowMs) => {
    vi.useFakeTimers()
    const { cache, removals } = fakeClockCache<string>()
    await cache.set('k', 'v', { ttlMs: 100, ...windows })

    vi.advanceTimersByTime(100 + windowMs - 1)
    expect(cache.size).toBe(1)
    expect(removals).toEqual([])

    vi.advanceTimersByTime(1 + RECLAIM_WITHIN_MS)
    expect(cache.size).toBe(0)
    expect(removals).toEqual([['k', 'v', 'expire']])
  })

  it('retains an entry fetched with a stale window until the window ends', async () => {
    vi.useFakeTimers()
    const { cache } = fakeClockCache<string>()
    await cache.getOrFetch('k', () => 'v', { ttlMs: 100, staleIfErrorMs: 3000 })

    vi.advanceTimersByTime(3099)
    expect(cache.size).toBe(1)
    vi.advanceTimersByTime(1 + RECLAIM_WITHIN_MS)
    expect(cache.size).toBe(0)
  })

  it('uses the stale windows given to the constructor', async () => {
    vi.useFakeTimers()
    const cache = new CacheManager<string>({
      clock: () => Date.now(),
      staleWhileRevalidateMs: 3000,
    })
    await cache.set('k', 'v', 100)

    vi.advanceTimersByTime(3099)
    expect(cache.size).toBe(1)
    vi.advanceTimersByTime(1 + RECLAIM_WITHIN_MS)
    expect(cache.size).toBe(0)
  })
})

describe('one timer for the whole cache (fake timers)', () => {
  it('arms at most one timer for 1,000 entries of different TTLs, and reclaims each in time', async () => {
    vi.useFakeTimers()
    const cache = new CacheManager<number>({ maxSize: 2000, clock: () => Date.now() })
    const next = randomInts(2024)
    const start = Date.now()
    const expiries: number[] = []
    for (let i = 0; i < 1000; i += 1) {
      const ttlMs = 1 + next(20_000)
      expiries.push(start + ttlMs)
      await cache.set(`k${i}`, i, ttlMs)
      expect(vi.getTimerCount()).toBeLessThanOrEqual(1)
    }
    expect(vi.getTimerCount()).toBe(1)

    const last = Math.max(...expiries)
    while (Date.now() < last + RECLAIM_WITHIN_MS) {
      vi.advanceTimersByTime(250)
      const now = Date.now()
      // Nothing goes before its time; everything goes within a second after it.
      const notYetExpired = expiries.filter((at) => at > now).length
      const mayRemain = expiries.filter((at) => at > now - RECLAIM_WITHIN_MS).length
      expect(cache.size).toBeGreaterThanOrEqual(notYetExpired)
      expect(cache.size).toBeLessThanOrEqual(mayRemain)
      expect(vi.getTimerCount()).toBeLessThanOrEqual(1)
    }
    expect(cache.size).toBe(0)
    expect(cache.stats().expirations).toBe(1000)
  })

  it('arms no timer for entries that never expire', async () => {
    vi.useFakeTimers()
    const cache = new CacheManager<number>({ clock: () => Date.now() })
    for (let i = 0; i < 100; i += 1) await cache.set(`s${i}`, i)
    for (let i = 0; i < 100; i += 1) await cache.set(`i${i}`, i, Infinity)
    for (let i = 0; i < 100; i += 1) await cache.getOrFetch(`f${i}`, () => i)
    await cache.set('windows', 0, { ttlMs: Infinity, staleIfErrorMs: 1000 })

    expect(cache.size).toBe(301)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('arms no timer for values that are not stored', async () => {
    vi.useFakeTimers()
    const cache = new CacheManager<string>({ maxBytes: 4, clock: () => Date.now() })
    await cache.set('zero', 'v', 0)
    await cache.set('large', 'too large', 100)
    await cache.getOrFetch('zero-fetch', () => 'v', 0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('leaves no timer once every expiring entry is gone', async () => {
    vi.useFakeTimers()
    const cache = new CacheManager<string>({ clock: () => Date.now() })
    await cache.set('forever', 'f')
    await cache.set('short', 's', 100)
    expect(vi.getTimerCount()).toBe(1)

    vi.advanceTimersByTime(100 + RECLAIM_WITHIN_MS)

    expect(cache.size).toBe(1)
    expect(vi.getTimerCount()).toBe(0)
  })
})

// The garbage collector is under test here, and isCollected() needs real setImmediate turns:
// only setTimeout (and Date, for the clock option) are faked.
describe('releasing memory', () => {
  /** Stores a fresh object under `key` and returns only a WeakRef to it. */
  async function storeObject(
    cache: CacheManager<object>,
    key: string,
    ttlMs: number,
  ): Promise<WeakRef<object>> {
    const value = { key, data: Array.from({ length: 16 }, (_, i) => i) }
    await cache.set(key, value, ttlMs)
    return new WeakRef(value)
  }

  it('releases an expired value without any lookup, so it can be collected', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const cache = new CacheManager<object>({ clock: () => Date.now() })
    const expiring = await storeObject(cache, 'expiring', 20)
    const kept = await storeObject(cache, 'kept', Infinity)

    vi.advanceTimersByTime(20 + RECLAIM_WITHIN_MS)

    expect(cache.size).toBe(1)
    expect(cache.stats()).toMatchObject({ expirations: 1, hits: 0, misses: 0 })
    expect(await isCollected(expiring)).toBe(true)
    expect(await isCollected(kept)).toBe(false)
  })

  it('sweeps by the native monotonic clock when no clock option is given', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const cache = new CacheManager<object>()
    const expiring = await storeObject(cache, 'expiring', 1)
    const kept = await storeObject(cache, 'kept', Infinity)
    // The native clock cannot be faked: let it pass the 1 ms TTL (performance.now() reads the
    // same monotonic clock). No upper bound: the sweep itself still runs on the fake timer.
    const storedAt = performance.now()
    while (performance.now() - storedAt < 2) await nextMacrotask()

    vi.advanceTimersByTime(RECLAIM_WITHIN_MS)

    expect(cache.size).toBe(1)
    expect(cache.stats()).toMatchObject({ expirations: 1, hits: 0, misses: 0 })
    expect(await isCollected(expiring)).toBe(true)
    expect(await isCollected(kept)).toBe(false)
  })

  it('does not keep an unreachable cache alive through its sweep timer', async () => {
    async function abandonedCache(): Promise<WeakRef<CacheManager<object>>> {
      const cache = new CacheManager<object>()
      for (let i = 0; i < 10; i += 1) await storeObject(cache, `k${i}`, 60_000 + i)
      await cache.getOrFetch('fetched', () => ({ self: cache }), 30_000)
      return new WeakRef(cache)
    }
    const held = new CacheManager<object>()
    await storeObject(held, 'k', 60_000)
    const heldRef = new WeakRef(held)

    const abandoned = await abandonedCache()

    expect(await isCollected(abandoned)).toBe(true)
    expect(await isCollected(heldRef)).toBe(false)
    expect(held.size).toBe(1)
  })

  it('does not keep the process alive through its sweep timer', () => {
    const entry = JSON.stringify(join(__dirname, '..', '..', 'dist', 'index.js'))
    const script = `
      const { CacheManager } = require(${entry})
      const cache = new CacheManager()
      globalThis.cache = cache
      cache.set('k', 'v', 600000).then(() => console.log('stored', cache.size))
    `
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 })

    expect(child.error).toBeUndefined()
    expect(child.signal).toBeNull()
    expect(child.status).toBe(0)
    expect(child.stdout.trim()).toBe('stored 1')
  })
})
