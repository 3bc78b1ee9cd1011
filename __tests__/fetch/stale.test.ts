// Issue 3, points 1, 2 and 10: stale-while-revalidate, stale-if-error and forceRefresh. Time is
// the `clock` option (`let now`), so nothing sleeps; fetches are settled by hand with deferreds.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { CacheManager, type CacheOptions, type FetchContext } from '../../dist/index.js'
import { deferred, rejectionOf, turns } from '../support/async.js'
import { unhandledRejections } from '../support/process.js'

/** Whether `promise` has settled after the microtasks and a few macrotasks have run. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false
  promise.then(
    () => (settled = true),
    () => (settled = true),
  )
  await turns()
  return settled
}

const T0 = 1_000_000
const TTL_MS = 100
const SWR_MS = 1_000
const SIE_MS = 5_000

let now = T0
const clock = () => now
const cacheWith = <V>(options: CacheOptions<V> = {}) => new CacheManager<V>({ clock, ...options })

// Every test asserts that no Promise the cache handed out or kept was left rejected unhandled.
const unhandled = unhandledRejections()
beforeEach(() => {
  now = T0
})

/** Stores `value` for `key` at the current time with the given windows, through a fetch. */
async function stored<V>(
  cache: CacheManager<V>,
  key: string,
  value: V,
  windows: { staleWhileRevalidateMs?: number; staleIfErrorMs?: number } = {},
): Promise<void> {
  await cache.getOrFetch(key, () => value, { ttlMs: TTL_MS, ...windows })
}

describe('stale-while-revalidate', () => {
  it('answers at once with the stale value while one background refresh runs', async () => {
    const cache = cacheWith<{ v: number }>()
    const stale = { v: 1 }
    await stored(cache, 'k', stale, { staleWhileRevalidateMs: SWR_MS })
    now = T0 + TTL_MS + 10
    const refresh = deferred<{ v: number }>()
    const fetcher = vi.fn(() => refresh.promise)

    await expect(cache.getOrFetch('k', fetcher)).resolves.toBe(stale)
    expect(fetcher).toHaveBeenCalledTimes(1)
    expect(cache.stats().inFlight).toBe(1)
    refresh.resolve({ v: 2 })
  })

  it('starts exactly one refresh for many concurrent stale callers', async () => {
    const cache = cacheWith<{ v: number }>()
    const stale = { v: 1 }
    await stored(cache, 'k', stale, { staleWhileRevalidateMs: SWR_MS })
    now = T0 + TTL_MS + 10
    const refresh = deferred<{ v: number }>()
    const fetcher = vi.fn(() => refresh.promise)

    const answers = Array.from({ length: 50 }, () =>
      cache.getOrFetch('k', fetcher, { staleWhileRevalidateMs: SWR_MS }),
    )
    const values = await Promise.all(answers)
    expect(values.every((value) => value === stale)).toBe(true)
    expect(fetcher).toHaveBeenCalledTimes(1)

    refresh.resolve({ v: 2 })
    await turns()
    expect(fetcher).toHaveBeenCalledTimes(1)
  })

  it('counts stale hits, hits, misses, fetches and refreshes exactly', async () => {
    const cache = cacheWith<string>()
    await stored(cache, 'k', 'old', { staleWhileRevalidateMs: SWR_MS })
    expect(cache.stats()).toMatchObject({
      hits: 0,
      misses: 1,
      fetches: 1,
      staleHits: 0,
      refreshes: 0,
    })
    now = T0 + TTL_MS + 10
    const refresh = deferred<string>()

    await Promise.all(Array.from({ length: 7 }, () => cache.getOrFetch('k', () => refresh.promise)))
    expect(cache.stats()).toMatchObject({
      hits: 7,
      misses: 1,
      staleHits: 7,
      fetches: 2,
      refreshes: 1,
      coalesced: 0,
      inFlight: 1,
      refreshErrors: 0,
      fetchErrors: 0,
    })

    refresh.resolve('new')
    await turns()
    await expect(cache.getOrFetch('k', () => 'unused')).resolves.toBe('new')
    expect(cache.stats()).toMatchObject({
      hits: 8,
      misses: 1,
      staleHits: 7,
      fetches: 2,
      refreshes: 1,
      inFlight: 0,
      size: 1,
    })
  })

  it('passes the key, an unaborted signal and the stale value to the refresh fetcher', async () => {
    const cache = cacheWith<{ v: number }>()
    const stale = { v: 1 }
    const first = vi.fn((context: FetchContext<{ v: number }>) => {
      expect(context.staleValue).toBeUndefined()
      return stale
    })
    await cache.getOrFetch('k', first, { ttlMs: TTL_MS, staleWhileRevalidateMs: SWR_MS })
    expect(first).toHaveBeenCalledTimes(1)
    now = T0 + TTL_MS + 10
    let seen:
      | { key: string; signal: AbortSignal; staleValue: { v: number } | undefined }
      | undefined
    const refresh = deferred<{ v: number }>()

    await cache.getOrFetch('k', ({ key, signal, staleValue }) => {
      seen = { key, signal, staleValue }
      return refresh.promise
    })
    expect(seen?.key).toBe('k')
    expect(seen?.staleValue).toBe(stale)
    expect(seen?.signal).toBeInstanceOf(AbortSignal)
    expect(seen?.signal.aborted).toBe(false)
    refresh.resolve({ v: 2 })
    await turns()
    expect(seen?.signal.aborted).toBe(false)
  })

  it('serves the refreshed value, fresh, once the refresh resolves', async () => {
    const cache = cacheWith<{ v: number }>()
    const stale = { v: 1 }
    const fresh = { v: 2 }
    await stored(cache, 'k', stale, { staleWhileRevalidateMs: SWR_MS })
    now = T0 + TTL_MS + 10
    const refresh = deferred<{ v: number }>()
    await cache.getOrFetch('k', () => refresh.promise, { ttlMs: TTL_MS })

    refresh.resolve(fresh)
    await turns()
    const fetcher = vi.fn(() => ({ v: 3 }))
    await expect(cache.getOrFetch('k', fetcher)).resolves.toBe(fresh)
    expect(cache.peek('k')).toBe(fresh)
    expect(cache.has('k')).toBe(true)
    await expect(cache.get('k')).resolves.toBe(fresh)
    expect(fetcher).not.toHaveBeenCalled()
    expect(cache.stats().staleHits).toBe(1)
  })

  it('starts no second fetch when a fetch of the key is already in flight', async () => {
    const cache = cacheWith<string>()
    await stored(cache, 'k', 'old', { staleWhileRevalidateMs: SWR_MS })
    const forced = deferred<string>()
    const forcedFetcher = vi.fn(() => forced.promise)
    const pending = cache.getOrFetch('k', forcedFetcher, { forceRefresh: true, ttlMs: TTL_MS })
    now = T0 + TTL_MS + 10
    const fetcher = vi.fn(() => 'refreshed')

    await expect(cache.getOrFetch('k', fetcher)).resolves.toBe('old')
    expect(fetcher).not.toHaveBeenCalled()
    expect(forcedFetcher).toHaveBeenCalledTimes(1)
    expect(cache.stats()).toMatchObject({ staleHits: 1, refreshes: 0, fetches: 2, inFlight: 1 })

    forced.resolve('forced')
    await expect(pending).resolves.toBe('forced')
    await expect(cache.getOrFetch('k', fetcher)).resolves.toBe('forced')
    expect(fetcher).not.toHaveBeenCalled()
  })

  it('lets a caller who misses join the refresh in flight', async () => {
    const cache = cacheWith<string>()
    await stored(cache, 'k', 'old', { staleWhileRevalidateMs: SWR_MS })
    now = T0 + TTL_MS + 10
    const refresh = deferred<string>()
    const fetcher = vi.fn(() => refresh.promise)
    await expect(cache.getOrFetch('k', fetcher)).resolves.toBe('old')

    const forced = cache.getOrFetch('k', fetcher, { forceRefresh: true })
    expect(await isSettled(forced)).toBe(false)
    expect(fetcher).toHaveBeenCalledTimes(1)
    expect(cache.stats()).toMatchObject({ coalesced: 1, refreshes: 1, fetches: 2 })

    refresh.resolve('new')
    await expect(forced).resolves.toBe('new')
  })

  it('keeps the stale value when the refresh rejects, counting refreshErrors and fetchErrors', async () => {
    const cache = cacheWith<{ v: number }>()
    const stale = { v: 1 }
    await stored(cache, 'k', stale, { staleWhileRevalidateMs: SWR_MS })
    now = T0 + TTL_MS + 10
    const refresh = deferred<{ v: number }>()
    await expect(cache.getOrFetch('k', () => refresh.promise)).resolves.toBe(stale)

    refresh.reject(new Error('upstream down'))
    await turns()
    expect(unhandled).not.toHaveBeenCalled()
    expect(cache.stats()).toMatchObject({
      refreshErrors: 1,
      fetchErrors: 1,
      refreshes: 1,
      inFlight: 0,
      size: 1,
    })

    // Still within the window: the stale value is served again and a new refresh starts.
    const next = vi.fn(() => ({ v: 2 }))
    await expect(cache.getOrFetch('k', next)).resolves.toBe(stale)
    expect(next).toHaveBeenCalledTimes(1)
    expect(cache.stats().refreshes).toBe(2)
  })

  it('keeps the stale value when the refresh fetcher throws synchronously', async () => {
    const cache = cacheWith<string>()
    await stored(cache, 'k', 'old', { staleWhileRevalidateMs: SWR_MS })
    now = T0 + TTL_MS + 10

    await expect(
      cache.getOrFetch('k', () => {
        throw new Error('sync failure')
      }),
    ).resolves.toBe('old')
    await turns()
    expect(unhandled).not.toHaveBeenCalled()
    expect(cache.stats()).toMatchObject({ refreshErrors: 1, fetchErrors: 1, inFlight: 0, size: 1 })
    await expect(cache.getOrFetch('k', () => new Promise<string>(() => {}))).resolves.toBe('old')
  })

  it('raises no unhandled rejection when a refresh nobody waits on rejects with a non-Error', async () => {
    const cache = cacheWith<string>()
    await stored(cache, 'k', 'old', { staleWhileRevalidateMs: SWR_MS })
    now = T0 + TTL_MS + 10
    const refresh = deferred<string>()
    await cache.getOrFetch('k', () => refresh.promise)

    refresh.reject('plain string reason')
    await turns(5)
    expect(unhandled).not.toHaveBeenCalled()
    expect(cache.stats().refreshErrors).toBe(1)
  })

  it('tells the refresh it runs in the background, and no other fetch', async () => {
    const cache = cacheWith<string>()
    const seen: boolean[] = []
    const fetcher = ({ background }: FetchContext<string>) => {
      seen.push(background)
      return 'v'
    }
    const options = { ttlMs: TTL_MS, staleWhileRevalidateMs: SWR_MS }
    await cache.getOrFetch('k', fetcher, options) // a miss
    await cache.getOrFetch('k', fetcher, { ...options, forceRefresh: true })
    now = T0 + TTL_MS
    await cache.getOrFetch('k', fetcher, options) // a stale hit: its refresh
    now = T0 + 2 * TTL_MS + SWR_MS
    await cache.getOrFetch('k', fetcher, options) // beyond the window: a miss again
    expect(seen).toEqual([false, false, true, false])
  })

  it('is a miss beyond the window: the caller waits for the fetch', async () => {
    const cache = cacheWith<string>()
    await stored(cache, 'k', 'old', { staleWhileRevalidateMs: SWR_MS })
    now = T0 + TTL_MS + SWR_MS + 1
    const d = deferred<string>()
    const fetcher = vi.fn((context: FetchContext<string>) => {
      expect(context.staleValue).toBeUndefined()
      return d.promise
    })

    const answer = cache.getOrFetch('k', fetcher)
    expect(await isSettled(answer)).toBe(false)
    expect(fetcher).toHaveBeenCalledTimes(1)
    expect(cache.stats()).toMatchObject({ misses: 2, hits: 0, staleHits: 0, refreshes: 0 })

    d.resolve('new')
    await expect(answer).resolves.toBe('new')
  })

  it('treats a stale entry as a miss in get, has and peek, and keeps it for getOrFetch', async () => {
    const cache = cacheWith<{ v: number }>()
    const stale = { v: 1 }
    await stored(cache, 'k', stale, { staleWhileRevalidateMs: SWR_MS })
    now = T0 + TTL_MS + 10
    const before = cache.stats()

    await expect(cache.get('k')).resolves.toBeNull()
    expect(cache.has('k')).toBe(false)
    expect(cache.peek('k')).toBeUndefined()
    expect(cache.stats()).toMatchObject({ misses: before.misses + 1, hits: before.hits, size: 1 })
    expect(cache.size).toBe(1)

    const refresh = deferred<{ v: number }>()
    await expect(cache.getOrFetch('k', () => refresh.promise)).resolves.toBe(stale)
    expect(cache.stats()).toMatchObject({ staleHits: 1, refreshes: 1 })
    refresh.resolve({ v: 2 })
  })
})

describe('stale-if-error', () => {
  it('gives every waiter the identical stale value when the fetch fails within the window', async () => {
    const cache = cacheWith<{ v: number }>()
    const stale = { v: 1 }
    await stored(cache, 'k', stale, { staleIfErrorMs: SIE_MS })
    now = T0 + TTL_MS + SIE_MS - 1
    const d = deferred<{ v: number }>()
    const fetcher = vi.fn((context: FetchContext<{ v: number }>) => {
      expect(context.staleValue).toBe(stale)
      return d.promise
    })

    const shared = Array.from({ length: 5 }, () => cache.getOrFetch('k', fetcher))
    const own = cache.getOrFetch('k', fetcher, { signal: new AbortController().signal })
    expect(await isSettled(shared[0]!)).toBe(false)
    d.reject(new Error('upstream down'))

    const values = await Promise.all([...shared, own])
    expect(values).toHaveLength(6)
    for (const value of values) expect(value).toBe(stale)
    expect(fetcher).toHaveBeenCalledTimes(1)
    expect(cache.stats()).toMatchObject({ fetchErrors: 1, inFlight: 0 })
    await turns()
    expect(unhandled).not.toHaveBeenCalled()
  })

  it('serves the stale value when the fetcher throws synchronously within the window', async () => {
    const cache = cacheWith<string>()
    await stored(cache, 'k', 'old', { staleIfErrorMs: SIE_MS })
    now = T0 + TTL_MS + 10

    await expect(
      cache.getOrFetch('k', () => {
        throw new Error('sync failure')
      }),
    ).resolves.toBe('old')
    expect(cache.stats().fetchErrors).toBe(1)
  })

  it('gives every waiter the error once the window has passed', async () => {
    const cache = cacheWith<string>()
    await stored(cache, 'k', 'old', { staleIfErrorMs: SIE_MS })
    now = T0 + TTL_MS + SIE_MS + 1
    const d = deferred<string>()
    const error = new Error('upstream down')

    const waiters = Array.from({ length: 3 }, () => cache.getOrFetch('k', () => d.promise))
    d.reject(error)
    for (const waiter of waiters) expect(await rejectionOf(waiter)).toBe(error)
    expect(cache.stats()).toMatchObject({ fetchErrors: 1, size: 0, inFlight: 0 })
  })

  it('judges the window when the fetch fails, not when it started', async () => {
    const cache = cacheWith<string>()
    await stored(cache, 'k', 'old', { staleIfErrorMs: SIE_MS })
    now = T0 + TTL_MS + 10
    const d = deferred<string>()
    const error = new Error('too late for stale')
    const waiter = cache.getOrFetch('k', () => d.promise)

    now = T0 + TTL_MS + SIE_MS + 1
    d.reject(error)
    expect(await rejectionOf(waiter)).toBe(error)
  })

  it('does not serve a stale value to get, has or peek', async () => {
    const cache = cacheWith<string>()
    await stored(cache, 'k', 'old', { staleIfErrorMs: SIE_MS })
    now = T0 + TTL_MS + 10

    await expect(cache.get('k')).resolves.toBeNull()
    expect(cache.has('k')).toBe(false)
    expect(cache.peek('k')).toBeUndefined()
    await expect(cache.getOrFetch('k', () => Promise.reject(new Error('x')))).resolves.toBe('old')
  })

  it('answers a stale entry past its SWR window but within staleIfErrorMs by waiting for the fetch', async () => {
    const cache = cacheWith<string>()
    await stored(cache, 'k', 'old', { staleWhileRevalidateMs: SWR_MS, staleIfErrorMs: SIE_MS })
    now = T0 + TTL_MS + SWR_MS + 10
    const d = deferred<string>()

    const answer = cache.getOrFetch('k', () => d.promise)
    expect(await isSettled(answer)).toBe(false)
    d.resolve('new')
    await expect(answer).resolves.toBe('new')
    expect(cache.stats()).toMatchObject({ staleHits: 0, refreshes: 0 })
  })
})

describe('stale windows come from the call that stores', () => {
  it('uses the constructor defaults when a call gives none', async () => {
    const cache = cacheWith<string>({
      defaultTtlMs: TTL_MS,
      staleWhileRevalidateMs: SWR_MS,
      staleIfErrorMs: SIE_MS,
    })
    await cache.getOrFetch('swr', () => 'old swr')
    await cache.getOrFetch('sie', () => 'old sie')
    now = T0 + TTL_MS + 10

    const refresh = deferred<string>()
    await expect(cache.getOrFetch('swr', () => refresh.promise)).resolves.toBe('old swr')
    expect(cache.stats().staleHits).toBe(1)
    refresh.resolve('new swr')

    now = T0 + TTL_MS + SWR_MS + 10
    await expect(cache.getOrFetch('sie', () => Promise.reject(new Error('x')))).resolves.toBe(
      'old sie',
    )
  })

  it('lets a call override the constructor defaults', async () => {
    const cache = cacheWith<string>({ staleWhileRevalidateMs: SWR_MS, staleIfErrorMs: SIE_MS })
    await cache.getOrFetch('k', () => 'old', {
      ttlMs: TTL_MS,
      staleWhileRevalidateMs: 0,
      staleIfErrorMs: 0,
    })
    now = T0 + TTL_MS + 10
    const error = new Error('x')

    expect(await rejectionOf(cache.getOrFetch('k', () => Promise.reject(error)))).toBe(error)
    expect(cache.stats()).toMatchObject({ staleHits: 0, refreshes: 0 })
  })

  it('ignores the windows of a later lookup: the entry keeps the windows it was stored with', async () => {
    const cache = cacheWith<string>()
    await stored(cache, 'k', 'old', { staleWhileRevalidateMs: SWR_MS })
    now = T0 + TTL_MS + 10
    const refresh = deferred<string>()

    await expect(
      cache.getOrFetch('k', () => refresh.promise, { staleWhileRevalidateMs: 0 }),
    ).resolves.toBe('old')
    refresh.resolve('new')
  })

  it('ignores the windows of a caller who only joins the fetch', async () => {
    const cache = cacheWith<string>()
    const d = deferred<string>()
    const first = cache.getOrFetch('k', () => d.promise, { ttlMs: TTL_MS })
    const joiner = cache.getOrFetch('k', () => 'unused', {
      ttlMs: TTL_MS,
      staleWhileRevalidateMs: SWR_MS,
      staleIfErrorMs: SIE_MS,
    })
    d.resolve('v')
    await Promise.all([first, joiner])
    now = T0 + TTL_MS + 10

    const next = deferred<string>()
    const answer = cache.getOrFetch('k', () => next.promise)
    expect(await isSettled(answer)).toBe(false)
    expect(cache.stats()).toMatchObject({ staleHits: 0, refreshes: 0 })
    next.resolve('new')
    await expect(answer).resolves.toBe('new')
  })

  it('stores a refreshed entry with the windows of the stale call that started the refresh', async () => {
    const cache = cacheWith<string>()
    await stored(cache, 'k', 'v1', { staleWhileRevalidateMs: SWR_MS })
    now = T0 + TTL_MS + 10
    const refreshedAt = now
    const refresh = deferred<string>()
    await cache.getOrFetch('k', () => refresh.promise, { ttlMs: TTL_MS, staleIfErrorMs: SIE_MS })
    refresh.resolve('v2')
    await turns()

    // v2 has no SWR window but a stale-if-error one.
    now = refreshedAt + TTL_MS + 10
    const error = new Error('x')
    await expect(cache.getOrFetch('k', () => Promise.reject(error))).resolves.toBe('v2')
    expect(cache.stats()).toMatchObject({ staleHits: 1, refreshes: 1 })
  })

  it('carries windows on set()', async () => {
    const cache = cacheWith<{ v: number }>()
    const swr = { v: 1 }
    const sie = { v: 2 }
    await cache.set('swr', swr, { ttlMs: TTL_MS, staleWhileRevalidateMs: SWR_MS })
    await cache.set('sie', sie, { ttlMs: TTL_MS, staleIfErrorMs: SIE_MS })
    now = T0 + TTL_MS + 10

    const refresh = deferred<{ v: number }>()
    const fetcher = vi.fn((context: FetchContext<{ v: number }>) => {
      expect(context.staleValue).toBe(swr)
      return refresh.promise
    })
    await expect(cache.getOrFetch('swr', fetcher)).resolves.toBe(swr)
    expect(fetcher).toHaveBeenCalledTimes(1)
    refresh.resolve({ v: 3 })

    await expect(cache.getOrFetch('sie', () => Promise.reject(new Error('x')))).resolves.toBe(sie)
  })

  it('gives set() the constructor windows when it passes only a ttl number', async () => {
    const cache = cacheWith<string>({ staleWhileRevalidateMs: SWR_MS })
    await cache.set('k', 'old', TTL_MS)
    now = T0 + TTL_MS + 10

    const refresh = deferred<string>()
    await expect(cache.getOrFetch('k', () => refresh.promise)).resolves.toBe('old')
    expect(cache.stats().refreshes).toBe(1)
    refresh.resolve('new')
  })
})

describe('forceRefresh', () => {
  it('skips a fresh entry and fetches, then serves the new value', async () => {
    const cache = cacheWith<{ v: number }>()
    const old = { v: 1 }
    const fresh = { v: 2 }
    await cache.set('k', old)
    const d = deferred<{ v: number }>()
    const fetcher = vi.fn(() => d.promise)

    const forced = cache.getOrFetch('k', fetcher, { forceRefresh: true })
    expect(fetcher).toHaveBeenCalledTimes(1)
    expect(await isSettled(forced)).toBe(false)

    d.resolve(fresh)
    await expect(forced).resolves.toBe(fresh)
    const unused = vi.fn(() => ({ v: 3 }))
    await expect(cache.getOrFetch('k', unused)).resolves.toBe(fresh)
    expect(cache.peek('k')).toBe(fresh)
    expect(unused).not.toHaveBeenCalled()
  })

  it('coalesces forced callers: two forceRefresh callers make one fetch and share its Promise', async () => {
    const cache = cacheWith<string>()
    await cache.set('k', 'old')
    const d = deferred<string>()
    const fetcher = vi.fn(() => d.promise)

    const a = cache.getOrFetch('k', fetcher, { forceRefresh: true })
    const b = cache.getOrFetch('k', fetcher, { forceRefresh: true })
    expect(fetcher).toHaveBeenCalledTimes(1)
    expect(b).toBe(a)
    expect(cache.stats()).toMatchObject({ fetches: 1, coalesced: 1, inFlight: 1 })

    d.resolve('new')
    await expect(Promise.all([a, b])).resolves.toEqual(['new', 'new'])
    expect(fetcher).toHaveBeenCalledTimes(1)
  })

  it('keeps answering plain callers with the fresh entry while the forced fetch runs', async () => {
    const cache = cacheWith<string>()
    await cache.set('k', 'old')
    const d = deferred<string>()
    const forced = cache.getOrFetch('k', () => d.promise, { forceRefresh: true })

    await expect(cache.getOrFetch('k', () => 'unused')).resolves.toBe('old')
    d.resolve('new')
    await forced
    await expect(cache.getOrFetch('k', () => 'unused')).resolves.toBe('new')
  })
})
