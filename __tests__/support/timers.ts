// Fake-timer helpers for suites that otherwise run on real timers.
import { vi } from 'vitest'

/**
 * Calls `start` with setTimeout faked, then moves fake time on by `ms`: a call's timeoutMs timer
 * (armed during the call) fires without real time passing. Real timers are back on return.
 */
export function afterFakeTime<T>(ms: number, start: () => T): T {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  try {
    const result = start()
    vi.advanceTimersByTime(ms)
    return result
  } finally {
    vi.useRealTimers()
  }
}
