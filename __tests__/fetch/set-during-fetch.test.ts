// Issue 12, point 6: a `set` during a fetch that then fails or times out. The set detached the
// fetch, so its result would not have been stored; its waiters get the newest good value the
// cache holds (the value set, while fresh or within its staleIfErrorMs), not the error. Time is
// vitest's fake timers through `clock: () => Date.now()`; nothing sleeps.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CacheManager, TimeoutError } from '../../dist/index.js'
import { deferred, rejectionOf } from '../support/async.js'
import { unhandledRejections } from '../support/process.js'

const cacheWith = () => new CacheManager<string>({ clock: () => Date.now() })

unhandledRejections()
beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('a set during a fetch that fails', () => {
  it('answers every waiter of a failed fetch with the fresh value set meanwhile', async () => {
    const cache = cacheWith()
    const upstream = deferred<string>()
    const waiters = [
      cache.getOrFetch('k', () => upstream.promise),
      cache.getOrFetch('k', () => 'never called'),
      cache.getOrFetch('k', () => 'never called', { signal: new AbortController().signal }),
    ]
    await cache.set('k', 'set meanwhile', { ttlMs: 1_000 })
    upstream.reject(new Error('upstream down'))
    expect(await Promise.all(waiters)).toEqual(['set meanwhile', 'set meanwhile', 'set meanwhile'])
    expect(cache.peek('k')).toBe('set meanwhile')
    expect(cache.stats()).toMatchObject({ fetches: 1, fetchErrors: 1, coalesced: 2, inFlight: 0 })
  })

  it('answers the waiters of a timed-out fetch with the fresh value set meanwhile', async () => {
    const cache = cacheWith()
    const waiter = cache.getOrFetch('k', () => new Promise<string>(() => {}), { timeoutMs: 100 })
    await cache.set('k', 'set meanwhile', { ttlMs: 1_000 })
    vi.advanceTimersByTime(100)
    expect(await waiter).toBe('set meanwhile')
    expect(cache.stats()).toMatchObject({ timeouts: 1, inFlight: 0 })
  })

  it('answers with the value set meanwhile once stale, within its staleIfErrorMs', async () => {
    const cache = cacheWith()
    const upstream = deferred<string>()
    const waiter = cache.getOrFetch('k', () => upstream.promise)
    await cache.set('k', 'set meanwhile', { ttlMs: 100, staleIfErrorMs: 1_000 })
    vi.advanceTimersByTime(500)
    upstream.reject(new Error('upstream down'))
    expect(await waiter).toBe('set meanwhile')
  })

  it('rejects once the value set meanwhile is stale and has no staleIfErrorMs', async () => {
    const cache = cacheWith()
    const upstream = deferred<string>()
    const waiter = cache.getOrFetch('k', () => upstream.promise)
    await cache.set('k', 'set meanwhile', { ttlMs: 100, staleWhileRevalidateMs: 1_000 })
    vi.advanceTimersByTime(100) // the first instant the value is no longer fresh
    const error = new Error('upstream down')
    upstream.reject(error)
    expect(await rejectionOf(waiter)).toBe(error)
  })

  it('rejects when the key was deleted or invalidated during the fetch', async () => {
    const cache = cacheWith()
    await cache.set('a', 'old', { ttlMs: 1, staleIfErrorMs: 10_000 })
    await cache.set('b', 'old', { ttlMs: 1, staleIfErrorMs: 10_000, tags: ['t'] })
    vi.advanceTimersByTime(1)
    const a = deferred<string>()
    const b = deferred<string>()
    const waiters = [
      cache.getOrFetch('a', () => a.promise),
      cache.getOrFetch('b', () => b.promise, { tags: ['t'] }),
    ]
    await cache.delete('a')
    await cache.invalidateTag('t')
    const error = new Error('upstream down')
    a.reject(error)
    b.reject(error)
    for (const waiter of waiters) expect(await rejectionOf(waiter)).toBe(error)
  })

  it('answers with the value a later fetch stored after the set value expired', async () => {
    const cache = cacheWith()
    const first = deferred<string>()
    const waiter = cache.getOrFetch('k', () => first.promise)
    await cache.set('k', 'set meanwhile', { ttlMs: 100 })
    vi.advanceTimersByTime(100)
    expect(await cache.getOrFetch('k', () => 'fetched later', { ttlMs: 1_000 })).toBe(
      'fetched later',
    )
    first.reject(new Error('upstream down'))
    expect(await waiter).toBe('fetched later')
  })

  it('still rejects with a TimeoutError when nothing was set', async () => {
    const cache = cacheWith()
    const waiter = cache.getOrFetch('k', () => new Promise<string>(() => {}), { timeoutMs: 100 })
    vi.advanceTimersByTime(100)
    expect(await rejectionOf(waiter)).toBeInstanceOf(TimeoutError)
  })
})
