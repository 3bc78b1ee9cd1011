// Issue 12, point 7: the README's "Time: when an entry is fresh, stale, or gone", rule by rule,
// through the public API (the rules the core's comments state, pinned here). Time is the
// `clock` option, moved by hand to each window's first and last millisecond.
import { describe, expect, it, vi } from 'vitest'
import { CacheManager, type CacheOptions } from '../dist/index.js'
import { deferred, rejectionOf } from './support/async.js'
import { manualClock } from './support/clock.js'

const T0 = 1_000_000
const TTL = 100
const SWR = 50
const SIE = 200

function cacheWith<V = string>(options: CacheOptions<V> = {}) {
  const clock = manualClock()
  clock.now = T0
  return { cache: new CacheManager<V>({ clock: clock.read, ...options }), clock }
}

describe('the TTL boundary: fresh for [t, t + ttlMs)', () => {
  it('answers every read one millisecond before t + ttlMs, and none at t + ttlMs', async () => {
    const { cache, clock } = cacheWith()
    await cache.set('k', 'v', TTL)
    clock.now = T0 + TTL - 1
    expect(cache.has('k')).toBe(true)
    expect(cache.peek('k')).toBe('v')
    expect(cache.getRemainingTTL('k')).toBe(1)
    expect(await cache.get('k')).toBe('v')
    expect(await cache.getOrFetch('k', () => 'refetched')).toBe('v')
    clock.now = T0 + TTL
    expect(cache.has('k')).toBe(false)
    expect(await cache.getOrFetch('k', () => 'refetched', TTL)).toBe('refetched')
  })

  it('counts the TTL from when the fetch completes, not from when it started', async () => {
    const { cache, clock } = cacheWith()
    const upstream = deferred<string>()
    const answer = cache.getOrFetch('k', () => upstream.promise, TTL)
    clock.now = T0 + 1_000 // a slow upstream
    upstream.resolve('v')
    await answer
    clock.now = T0 + 1_000 + TTL - 1
    expect(cache.has('k')).toBe(true)
    clock.now = T0 + 1_000 + TTL
    expect(cache.has('k')).toBe(false)
  })

  it('starts stale-while-revalidate at t + ttlMs and ends it at t + ttlMs + swr', async () => {
    const { cache, clock } = cacheWith()
    await cache.set('k', 'v', { ttlMs: TTL, staleWhileRevalidateMs: SWR })
    clock.now = T0 + TTL
    const refresh = deferred<string>()
    expect(await cache.getOrFetch('k', () => refresh.promise)).toBe('v')
    expect(cache.stats().refreshes).toBe(1)
    clock.now = T0 + TTL + SWR - 1
    expect(cache.peek('k', { allowStale: true })).toBe('v')
    clock.now = T0 + TTL + SWR
    expect(cache.peek('k', { allowStale: true })).toBeUndefined()
    refresh.resolve('new')
  })
})

describe('stale-if-error', () => {
  it('starts at the write: a failed forceRefresh answers the fresh value when sie > 0', async () => {
    const { cache } = cacheWith()
    await cache.set('k', 'fresh', { ttlMs: TTL, staleIfErrorMs: SIE })
    const failed = cache.getOrFetch('k', () => Promise.reject(new Error('down')), {
      forceRefresh: true,
    })
    expect(await failed).toBe('fresh')
  })

  it('does not exist without sie: a failed forceRefresh rejects even over a fresh value', async () => {
    const { cache } = cacheWith()
    await cache.set('k', 'fresh', { ttlMs: TTL })
    const error = new Error('down')
    const failed = cache.getOrFetch('k', () => Promise.reject(error), { forceRefresh: true })
    expect(await rejectionOf(failed)).toBe(error)
    expect(cache.peek('k')).toBe('fresh')
  })

  it('past swr but within sie, makes the caller wait, hands the fetcher the old value, and falls back', async () => {
    const { cache, clock } = cacheWith()
    await cache.set('k', 'old', { ttlMs: TTL, staleWhileRevalidateMs: SWR, staleIfErrorMs: SIE })
    clock.now = T0 + TTL + SWR
    let seen: unknown
    const answer = cache.getOrFetch('k', ({ staleValue }) => {
      seen = staleValue
      return Promise.reject(new Error('down'))
    })
    expect(await answer).toBe('old')
    expect(seen).toBe('old')
    expect(cache.stats()).toMatchObject({ misses: 1, staleHits: 0, fetchErrors: 1 })
    clock.now = T0 + TTL + SIE
    expect(await rejectionOf(cache.getOrFetch('k', () => Promise.reject(new Error('x'))))).toEqual(
      new Error('x'),
    )
  })

  it('is no fallback for a fetch abandoned by every waiter', async () => {
    const { cache, clock } = cacheWith()
    await cache.set('k', 'old', { ttlMs: TTL, staleIfErrorMs: SIE })
    clock.now = T0 + TTL
    const controller = new AbortController()
    const waiter = cache.getOrFetch('k', () => new Promise<string>(() => {}), {
      signal: controller.signal,
    })
    controller.abort(new Error('left'))
    expect(((await rejectionOf(waiter)) as Error).message).toBe('left')
    expect(cache.stats()).toMatchObject({ aborts: 1, refreshErrors: 0 })
  })
})

describe('a stale hit while a fetch is in flight', () => {
  it('answers the stale value and starts nothing', async () => {
    const { cache, clock } = cacheWith()
    await cache.set('k', 'old', { ttlMs: TTL, staleWhileRevalidateMs: SWR })
    const forced = deferred<string>()
    const fetcher = vi.fn(() => forced.promise)
    const forcing = cache.getOrFetch('k', fetcher, { forceRefresh: true })
    clock.now = T0 + TTL
    expect(await cache.getOrFetch('k', fetcher)).toBe('old')
    expect(fetcher).toHaveBeenCalledTimes(1)
    forced.resolve('new')
    await forcing
  })
})

describe('gone, and replaced', () => {
  it("reports an entry past its windows that a set replaces as 'expire', not 'set'", async () => {
    const onEvict = vi.fn()
    const { cache, clock } = cacheWith({ onEvict })
    await cache.set('k', 'old', { ttlMs: TTL, staleWhileRevalidateMs: SWR })
    clock.now = T0 + TTL + SWR
    await cache.set('k', 'new', TTL)
    expect(onEvict).toHaveBeenCalledWith('k', 'old', 'expire')
  })

  it("removes the key's previous entry when a result is not stored, as 'set'", async () => {
    const onEvict = vi.fn()
    const { cache, clock } = cacheWith({ onEvict, maxBytes: 20 })
    await cache.set('a', 'old', { ttlMs: TTL, staleWhileRevalidateMs: SWR })
    await cache.set('b', 'old', { ttlMs: TTL, staleIfErrorMs: SIE })
    clock.now = T0 + TTL
    // A refresh whose fetcher keeps nothing, and a fetch whose value is too large to keep.
    const refreshed = deferred<string>()
    await cache.getOrFetch('a', async ({ options }) => {
      options.store = false
      return refreshed.promise
    })
    refreshed.resolve('not kept')
    await refreshed.promise
    expect(await cache.getOrFetch('b', () => 'much too large to keep')).toBe(
      'much too large to keep',
    )
    await vi.waitFor(() => expect(onEvict).toHaveBeenCalledTimes(2))
    expect(onEvict.mock.calls).toEqual([
      ['a', 'old', 'set'],
      ['b', 'old', 'set'],
    ])
    expect(cache.size).toBe(0)
  })
})
