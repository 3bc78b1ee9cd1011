// Issue 3, points 3 and 9: timeoutMs, and the whole cache following vitest's fake timers through
// `clock: () => Date.now()`. Nothing sleeps: time moves only by vi.advanceTimersByTime.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  CacheManager,
  type CacheOptions,
  type FetchContext,
  TimeoutError,
} from '../../dist/index.js'
import { deferred, rejectionOf, track } from '../support/async.js'
import { unhandledRejections } from '../support/process.js'

// Fake timers replace setImmediate too; the real one lets Promise reactions and Node's
// unhandled-rejection check run without moving fake time.
const realSetImmediate = setImmediate
async function turns(count = 3): Promise<void> {
  for (let i = 0; i < count; i += 1) await new Promise<void>((resolve) => realSetImmediate(resolve))
}

const cacheWith = <V>(options: CacheOptions<V> = {}) =>
  new CacheManager<V>({ clock: () => Date.now(), ...options })

/**
 * A fetcher that never settles on its own. It records the context it was called with and the
 * signal, read during the call as `fetch(url, { signal })` would.
 */
function hangingFetcher<T>() {
  const d = deferred<T>()
  const contexts: FetchContext<T>[] = []
  const signals: AbortSignal[] = []
  const fetcher = vi.fn((context: FetchContext<T>) => {
    contexts.push(context)
    signals.push(context.signal)
    return d.promise
  })
  return { d, contexts, signals, fetcher }
}

const unhandled = unhandledRejections()
beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('timeoutMs', () => {
  it('rejects every waiter with one TimeoutError once timeoutMs has passed', async () => {
    const cache = cacheWith<string>()
    const { fetcher } = hangingFetcher<string>()
    const waiters = [
      cache.getOrFetch('k', fetcher, { timeoutMs: 100 }),
      cache.getOrFetch('k', fetcher),
      cache.getOrFetch('k', fetcher, { signal: new AbortController().signal }),
    ]
    const outcomes = waiters.map((waiter) => rejectionOf(waiter))
    const probe = track(waiters[0]!)

    vi.advanceTimersByTime(99)
    await turns()
    expect(probe.settled).toBe(false)

    vi.advanceTimersByTime(1)
    const errors = await Promise.all(outcomes)
    const error = errors[0]
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'ERR_HERDCACHE_TIMEOUT' })
    for (const other of errors) expect(other).toBe(error)
    expect(fetcher).toHaveBeenCalledTimes(1)
  })

  it('aborts the fetcher signal with the TimeoutError as its reason', async () => {
    const cache = cacheWith<string>()
    const { signals, fetcher } = hangingFetcher<string>()
    const waiter = cache.getOrFetch('k', fetcher, { timeoutMs: 50 })
    const signal = signals[0]!
    const outcome = rejectionOf(waiter)
    expect(signal.aborted).toBe(false)

    vi.advanceTimersByTime(50)
    const error = await outcome
    expect(signal.aborted).toBe(true)
    expect(signal.reason).toBe(error)
  })

  it('shows the fetcher an aborted signal even when it first reads it after the timeout', async () => {
    const cache = cacheWith<string>()
    const contexts: FetchContext<string>[] = []
    const fetcher = (context: FetchContext<string>) => {
      contexts.push(context)
      return new Promise<string>(() => {})
    }
    const outcome = rejectionOf(cache.getOrFetch('k', fetcher, { timeoutMs: 50 }))

    vi.advanceTimersByTime(50)
    const error = await outcome
    // A fetcher that awaits something first (a token, a connection) reads its signal late.
    const signal = contexts[0]!.signal
    expect(signal.aborted).toBe(true)
    expect(signal.reason).toBe(error)
  })

  it('clears the in-flight record and counts the timeout, so the next call fetches anew', async () => {
    const cache = cacheWith<string>()
    const { fetcher } = hangingFetcher<string>()
    const outcome = rejectionOf(cache.getOrFetch('k', fetcher, { timeoutMs: 100 }))
    expect(cache.stats().inFlight).toBe(1)

    vi.advanceTimersByTime(100)
    await outcome
    expect(cache.stats()).toMatchObject({ timeouts: 1, inFlight: 0, size: 0 })

    const next = vi.fn(() => 'second')
    await expect(cache.getOrFetch('k', next)).resolves.toBe('second')
    expect(next).toHaveBeenCalledTimes(1)
    expect(cache.stats()).toMatchObject({ fetches: 2, timeouts: 1 })
  })

  it('discards a result that arrives after the timeout', async () => {
    const cache = cacheWith<string>()
    const { d, fetcher } = hangingFetcher<string>()
    const outcome = rejectionOf(cache.getOrFetch('k', fetcher, { timeoutMs: 100 }))
    vi.advanceTimersByTime(100)
    expect(await outcome).toBeInstanceOf(TimeoutError)

    d.resolve('late')
    await turns()
    expect(cache.has('k')).toBe(false)
    expect(cache.peek('k')).toBeUndefined()
    expect(cache.size).toBe(0)
    const next = vi.fn(() => 'fresh')
    await expect(cache.getOrFetch('k', next)).resolves.toBe('fresh')
    expect(next).toHaveBeenCalledTimes(1)
  })

  it('does not let a late result replace an entry stored after the timeout', async () => {
    const cache = cacheWith<string>()
    const { d, fetcher } = hangingFetcher<string>()
    const outcome = rejectionOf(cache.getOrFetch('k', fetcher, { timeoutMs: 100 }))
    vi.advanceTimersByTime(100)
    await outcome
    await cache.getOrFetch('k', () => 'second')

    d.resolve('late')
    await turns()
    expect(cache.peek('k')).toBe('second')
  })

  it('does not time out a fetch that settles in time', async () => {
    const cache = cacheWith<string>()
    const { d, signals, fetcher } = hangingFetcher<string>()
    const waiter = cache.getOrFetch('k', fetcher, { timeoutMs: 100 })
    vi.advanceTimersByTime(99)
    d.resolve('v')
    await expect(waiter).resolves.toBe('v')

    vi.advanceTimersByTime(1_000)
    await turns()
    expect(signals[0]!.aborted).toBe(false)
    expect(cache.stats().timeouts).toBe(0)
    expect(cache.peek('k')).toBe('v')
  })

  it('gives every waiter the stale value instead, within staleIfErrorMs', async () => {
    const cache = cacheWith<{ v: number }>()
    const stale = { v: 1 }
    await cache.set('k', stale, { ttlMs: 100, staleIfErrorMs: 10_000 })
    vi.advanceTimersByTime(200)
    const { d, contexts, signals, fetcher } = hangingFetcher<{ v: number }>()

    const waiters = [
      cache.getOrFetch('k', fetcher, { timeoutMs: 50 }),
      cache.getOrFetch('k', fetcher),
      cache.getOrFetch('k', fetcher, { signal: new AbortController().signal }),
    ]
    expect(contexts[0]!.staleValue).toBe(stale)
    vi.advanceTimersByTime(50)
    const values = await Promise.all(waiters)
    for (const value of values) expect(value).toBe(stale)
    expect(signals[0]!.aborted).toBe(true)
    expect(signals[0]!.reason).toBeInstanceOf(TimeoutError)
    expect(cache.stats()).toMatchObject({ timeouts: 1, inFlight: 0 })

    d.resolve({ v: 2 })
    await turns()
    const next = vi.fn(() => Promise.reject(new Error('still down')))
    await expect(cache.getOrFetch('k', next)).resolves.toBe(stale)
    expect(next).toHaveBeenCalledTimes(1)
  })

  it('rejects with the TimeoutError when the stale value is past staleIfErrorMs', async () => {
    const cache = cacheWith<string>()
    await cache.set('k', 'old', { ttlMs: 100, staleIfErrorMs: 1_000 })
    vi.advanceTimersByTime(1_050)
    const { fetcher } = hangingFetcher<string>()
    const outcome = rejectionOf(cache.getOrFetch('k', fetcher, { timeoutMs: 100 }))

    vi.advanceTimersByTime(100)
    expect(await outcome).toBeInstanceOf(TimeoutError)
  })

  it('times out a background refresh quietly, keeping the stale value', async () => {
    const cache = cacheWith<string>({ timeoutMs: 100 })
    await cache.set('k', 'old', { ttlMs: 100, staleWhileRevalidateMs: 10_000 })
    vi.advanceTimersByTime(150)
    const { signals, fetcher } = hangingFetcher<string>()

    await expect(cache.getOrFetch('k', fetcher)).resolves.toBe('old')
    vi.advanceTimersByTime(100)
    await turns()
    expect(unhandled).not.toHaveBeenCalled()
    expect(signals[0]!.aborted).toBe(true)
    expect(cache.stats()).toMatchObject({ timeouts: 1, refreshErrors: 1, inFlight: 0, size: 1 })
    await expect(cache.getOrFetch('k', () => 'new')).resolves.toBe('old')
  })

  it('uses the constructor timeoutMs when a call gives none, and a call may override it', async () => {
    const cache = cacheWith<string>({ timeoutMs: 100 })
    const a = hangingFetcher<string>()
    const b = hangingFetcher<string>()
    const byDefault = rejectionOf(cache.getOrFetch('a', a.fetcher))
    const overridden = cache.getOrFetch('b', b.fetcher, { timeoutMs: 500 })
    const probe = track(overridden)

    vi.advanceTimersByTime(100)
    expect(await byDefault).toBeInstanceOf(TimeoutError)
    await turns()
    expect(probe.settled).toBe(false)

    vi.advanceTimersByTime(400)
    expect(await rejectionOf(overridden)).toBeInstanceOf(TimeoutError)
    expect(cache.stats().timeouts).toBe(2)
  })

  it('takes the timeout of the call that starts the fetch, not of a caller who joins', async () => {
    const cache = cacheWith<string>()
    const { d, fetcher } = hangingFetcher<string>()
    const first = cache.getOrFetch('k', fetcher, { timeoutMs: 1_000 })
    const joiner = cache.getOrFetch('k', fetcher, { timeoutMs: 10 })

    vi.advanceTimersByTime(500)
    d.resolve('v')
    await expect(Promise.all([first, joiner])).resolves.toEqual(['v', 'v'])
    expect(cache.stats().timeouts).toBe(0)
  })

  it('never times out with Infinity, given per call or in the constructor', async () => {
    const byCall = cacheWith<string>({ timeoutMs: 100 })
    const byConstructor = cacheWith<string>({ timeoutMs: Infinity })
    const a = hangingFetcher<string>()
    const b = hangingFetcher<string>()
    const first = byCall.getOrFetch('k', a.fetcher, { timeoutMs: Infinity })
    const second = byConstructor.getOrFetch('k', b.fetcher)
    const probes = [track(first), track(second)]

    vi.advanceTimersByTime(30 * 24 * 60 * 60 * 1000)
    await turns()
    expect(probes.map((probe) => probe.settled)).toEqual([false, false])
    expect(a.signals[0]!.aborted).toBe(false)
    expect(b.signals[0]!.aborted).toBe(false)

    a.d.resolve('a')
    b.d.resolve('b')
    await expect(first).resolves.toBe('a')
    await expect(second).resolves.toBe('b')
    expect(byCall.stats().timeouts + byConstructor.stats().timeouts).toBe(0)
  })

  it.each([
    [0, RangeError, 'ERR_OUT_OF_RANGE'],
    [-1, RangeError, 'ERR_OUT_OF_RANGE'],
    [NaN, RangeError, 'ERR_OUT_OF_RANGE'],
    [-Infinity, RangeError, 'ERR_OUT_OF_RANGE'],
    ['5', TypeError, 'ERR_INVALID_ARG_TYPE'],
  ])(
    'throws synchronously for timeoutMs %o, leaving the cache untouched',
    (timeoutMs, type, code) => {
      const cache = cacheWith<string>()
      const fetcher = vi.fn(() => 'v')
      const before = cache.stats()

      let thrown: unknown
      try {
        void cache.getOrFetch('k', fetcher, { timeoutMs: timeoutMs as number })
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(type)
      expect(thrown).toMatchObject({
        code,
        message: expect.stringContaining('timeoutMs') as unknown,
      })
      expect(fetcher).not.toHaveBeenCalled()
      expect(cache.stats()).toEqual(before)

      expect(() => cacheWith({ timeoutMs: timeoutMs as number })).toThrow(type)
    },
  )
})

describe('with clock: () => Date.now() the cache follows fake timers', () => {
  it('expires entries by TTL', async () => {
    const cache = cacheWith<string>()
    await cache.set('set', 'a', 1_000)
    await cache.getOrFetch('fetched', () => 'b', 1_000)

    vi.advanceTimersByTime(999)
    expect(cache.peek('set')).toBe('a')
    await expect(cache.get('fetched')).resolves.toBe('b')

    vi.advanceTimersByTime(1)
    expect(cache.has('set')).toBe(false)
    await expect(cache.get('fetched')).resolves.toBeNull()
    const fetcher = vi.fn(() => 'c')
    await expect(cache.getOrFetch('fetched', fetcher, 1_000)).resolves.toBe('c')
    expect(fetcher).toHaveBeenCalledTimes(1)
  })

  it('opens and closes the stale-while-revalidate window', async () => {
    const cache = cacheWith<string>()
    const options = { ttlMs: 1_000, staleWhileRevalidateMs: 5_000 }
    await cache.getOrFetch('k', () => 'v1', options)

    vi.advanceTimersByTime(1_500)
    const refresh = deferred<string>()
    await expect(cache.getOrFetch('k', () => refresh.promise, options)).resolves.toBe('v1')
    expect(cache.stats()).toMatchObject({ staleHits: 1, refreshes: 1 })
    refresh.resolve('v2')
    await turns()
    await expect(cache.getOrFetch('k', () => 'unused', options)).resolves.toBe('v2')

    // v2 was stored at 1 500 ms: fresh until 2 500, stale until 7 500.
    vi.advanceTimersByTime(6_001)
    const d = deferred<string>()
    const miss = cache.getOrFetch('k', () => d.promise, options)
    const probe = track(miss)
    await turns()
    expect(probe.settled).toBe(false)
    d.resolve('v3')
    await expect(miss).resolves.toBe('v3')
    expect(cache.stats()).toMatchObject({ staleHits: 1, refreshes: 1 })
  })

  it('times fetches out', async () => {
    const cache = cacheWith<string>({ timeoutMs: 2_000 })
    const { fetcher } = hangingFetcher<string>()
    const outcome = rejectionOf(cache.getOrFetch('k', fetcher))

    vi.advanceTimersByTime(2_000)
    expect(await outcome).toBeInstanceOf(TimeoutError)
  })

  it('reclaims an expired entry nobody looks up again when the timers advance', async () => {
    const evicted = vi.fn()
    const cache = cacheWith<string>({ onEvict: evicted })
    await cache.set('k', 'v', 1_000)

    vi.advanceTimersByTime(3_000)
    expect(cache.size).toBe(0)
    expect(cache.stats().expirations).toBe(1)
    expect(evicted).toHaveBeenCalledWith('k', 'v', 'expire')
  })
})
