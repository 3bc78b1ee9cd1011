// A `clock` option that breaks: it throws, or answers something other than a finite number.
// A call that reads it refuses with the clock's error; a fetch already in flight still ends,
// and the background sweep skips its turn with a warning instead of crashing the process.
import { afterEach, describe, expect, it, vi } from 'vitest'

import { CacheManager } from '../dist/index.js'
import { deferred, rejectionOf } from './support/async.js'
import { expectThrown } from './support/throws.js'

/** A clock on fake time that, once `broken` holds a value, throws it or answers it. */
function breakableClock() {
  const state: { broken: { throws: unknown } | { answers: unknown } | undefined } = {
    broken: undefined,
  }
  const clock = (): number => {
    if (state.broken === undefined) return Date.now()
    if ('throws' in state.broken) throw state.broken.throws
    return state.broken.answers as number
  }
  return { clock, state }
}

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('a broken clock option', () => {
  it('refuses a call when the clock answers something other than a finite number', () => {
    const { clock, state } = breakableClock()
    const cache = new CacheManager<string>({ clock })
    for (const answers of [Number.NaN, Infinity, '5']) {
      state.broken = { answers }
      expectThrown(
        () => cache.get('k'),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        /^clock\(\) must be a finite number of milliseconds, received /,
      )
    }
  })

  it('still ends a failing fetch when the clock throws at its end, and caches nothing', async () => {
    const { clock, state } = breakableClock()
    const cache = new CacheManager<string>({ clock, staleIfErrorMs: 60_000 })
    const upstream = deferred<string>()
    const pending = cache.getOrFetch('k', () => upstream.promise, 1_000)
    state.broken = { throws: new Error('clock broke') }
    const cause = new Error('upstream down')
    upstream.reject(cause)
    expect(await rejectionOf(pending)).toBe(cause)
    state.broken = undefined
    expect(cache.stats()).toMatchObject({ inFlight: 0, size: 0, fetchErrors: 1 })
  })

  it('skips an expiry sweep whose clock reading throws, with a HERDCACHE_CLOCK_FAILED warning', async () => {
    vi.useFakeTimers()
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    const { clock, state } = breakableClock()
    const cache = new CacheManager<string>({ clock })
    await cache.set('k', 'v', 500)
    state.broken = { throws: new Error('clock broke') }
    vi.advanceTimersByTime(2_000)
    expect(warnings).toHaveBeenCalledWith('the expiry sweep was skipped: Error: clock broke', {
      type: 'HerdcacheWarning',
      code: 'HERDCACHE_CLOCK_FAILED',
    })
    state.broken = undefined
    expect(cache.size).toBe(1)
    // The next write arms the sweep again, and it reclaims the expired entry.
    await cache.set('other', 'v', 500)
    vi.advanceTimersByTime(2_000)
    expect(cache.size).toBe(0)
  })
})
