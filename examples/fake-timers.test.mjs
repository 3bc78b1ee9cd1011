// @ts-check
// Testing code that uses herdcache with vitest's fake timers: hand the cache a clock that the
// fake timers control, and TTLs, stale windows and timeouts all follow vi.advanceTimersByTime.
// Nothing here sleeps; a whole minute of cache time passes in microseconds.
//
// Run: npx vitest run examples/fake-timers.test.mjs (with a vitest config that includes it;
// __tests__/examples.test.ts runs it with one)
// expect: Test Files  1 passed (1)
// expect: Tests  4 passed (4)
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CacheManager, TimeoutError } from 'herdcache'

// The code under test: a forecast lookup that caches its upstream for a minute, serves a stale
// forecast for 30 s more while refreshing, and gives up on the upstream after 5 s. It takes its
// cache as a parameter, so a test can pass one that follows fake time.
function forecastService(cache, upstream) {
  return (city) =>
    cache.getOrFetch(`forecast:${city}`, ({ signal }) => upstream(city, signal), {
      ttlMs: 60_000,
      staleWhileRevalidateMs: 30_000,
      timeoutMs: 5_000,
    })
}

// vitest's fake timers replace Date (and setTimeout, performance.now, ...). herdcache's default
// clock is native and ignores them; `clock: () => Date.now()` makes the cache follow them.
const fakeTimeCache = () => new CacheManager({ clock: () => Date.now() })

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('forecastService', () => {
  it('asks the upstream once per minute', async () => {
    let weather = 'sunny'
    const upstream = vi.fn(async (city) => `${city}: ${weather}`)
    const forecast = forecastService(fakeTimeCache(), upstream)

    await expect(forecast('oslo')).resolves.toBe('oslo: sunny')
    weather = 'rain'
    vi.advanceTimersByTime(59_999)
    await expect(forecast('oslo')).resolves.toBe('oslo: sunny')
    expect(upstream).toHaveBeenCalledTimes(1)

    vi.advanceTimersByTime(30_001) // past the TTL and the stale window: a miss, which waits
    await expect(forecast('oslo')).resolves.toBe('oslo: rain')
    expect(upstream).toHaveBeenCalledTimes(2)
  })

  it('answers with the old forecast at once while it refreshes', async () => {
    let weather = 'sunny'
    const upstream = vi.fn(async (city) => `${city}: ${weather}`)
    const cache = fakeTimeCache()
    const forecast = forecastService(cache, upstream)
    await forecast('oslo')

    weather = 'rain'
    vi.advanceTimersByTime(60_000) // expired, inside the stale window
    await expect(forecast('oslo')).resolves.toBe('oslo: sunny')
    expect(upstream).toHaveBeenCalledTimes(2) // the background refresh
    expect(cache.stats()).toMatchObject({ staleHits: 1, refreshes: 1 })

    // advanceTimersByTimeAsync first yields to the real event loop, so the refresh, whose
    // upstream has already answered, is stored before it returns.
    await vi.advanceTimersByTimeAsync(0)
    await expect(forecast('oslo')).resolves.toBe('oslo: rain')
  })

  it('gives up on a silent upstream after 5 seconds and aborts it', async () => {
    // An upstream that never answers, but stops when its signal aborts (as fetch() does).
    const upstream = vi.fn(
      (city, signal) =>
        new Promise((resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason))
        }),
    )
    const forecast = forecastService(fakeTimeCache(), upstream)

    const answer = expect(forecast('oslo')).rejects.toBeInstanceOf(TimeoutError)
    vi.advanceTimersByTime(5_000)
    await answer
    const [, signal] = upstream.mock.calls[0]
    expect(signal.aborted).toBe(true)
  })

  it('also works with a hand-driven clock, for TTLs and stale windows', async () => {
    // Without fake timers: a plain object clock moves cache time. Timeouts still run on real
    // timers, so use fake timers to test those.
    vi.useRealTimers()
    const clock = { now: 0 }
    const cache = new CacheManager({ clock: () => clock.now })
    const upstream = vi.fn(async (city) => `${city}: sunny`)
    const forecast = forecastService(cache, upstream)

    await forecast('oslo')
    clock.now = 90_000 // past the TTL and the stale window
    await forecast('oslo')
    expect(upstream).toHaveBeenCalledTimes(2)
  })
})
