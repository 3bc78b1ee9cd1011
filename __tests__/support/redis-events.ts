// What a subscription reported, in order, with a way to wait for the next report the suite
// expects; each wait is bounded by SAFETY_MS so a missing event fails the test instead of hanging.
import type { SubscriptionEvents } from '../../dist/redis/link.js'
import { SAFETY_MS } from './redis.js'

/** A message (string) or a state change (boolean), as the subscription reported them. */
type Report = string | boolean

export interface Recorder {
  readonly events: SubscriptionEvents
  readonly reports: Report[]
  /** Resolves once `expected` is reported after what the last call waited for. */
  reported(expected: Report): Promise<void>
}

export function recorder(): Recorder {
  const reports: Report[] = []
  const waiters = new Set<() => void>()
  let seen = 0
  const add = (report: Report) => {
    reports.push(report)
    for (const check of waiters) check()
  }
  return {
    events: { message: add, state: add },
    reports,
    reported: (expected) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const index = reports.indexOf(expected, seen)
          if (index < 0) return
          seen = index + 1
          clearTimeout(timer)
          waiters.delete(check)
          resolve()
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(
            new Error(
              `no ${JSON.stringify(expected)} within ${SAFETY_MS} ms: ${JSON.stringify(reports)}`,
            ),
          )
        }, SAFETY_MS)
        waiters.add(check)
        check()
      }),
  }
}
