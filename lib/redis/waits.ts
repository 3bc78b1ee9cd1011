/**
 * Fetches waiting for another instance's lease: woken by the bus (the holder's completion or
 * failure, an invalidation), by a timer at the lease's end (a holder that died, a message that
 * was lost), or by the tier itself (the subscription or Redis went away, close()).
 */

/** Why a wait ended. */
export type Wakeup =
  | { kind: 'done' }
  | { kind: 'failed'; error: RemoteFailure }
  | { kind: 'timer' }
  | { kind: 'aborted' }

/** An error another instance's fetch ended with, as its completion message carries it. */
export interface RemoteFailure {
  name: string
  message: string
  code: string | undefined
}

type Wake = (wakeup: Wakeup) => void

// A timer set for the lease's end can fire a moment before Redis drops it.
const LEASE_END_MARGIN_MS = 2
const DONE: Wakeup = { kind: 'done' }

export class Waits {
  readonly #byKey = new Map<string, Set<Wake>>()

  /** Waits for news of `key`, at most `ms`, or until `signal` aborts. */
  wait(key: string, ms: number, signal: AbortSignal): Promise<Wakeup> {
    if (signal.aborted) return Promise.resolve({ kind: 'aborted' })
    return new Promise((resolve) => {
      let wakes = this.#byKey.get(key)
      if (wakes === undefined) {
        wakes = new Set()
        this.#byKey.set(key, wakes)
      }
      const done = (wakeup: Wakeup) => {
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        const current = this.#byKey.get(key)
        if (current?.delete(done) === true && current.size === 0) this.#byKey.delete(key)
        resolve(wakeup)
      }
      const onAbort = () => done({ kind: 'aborted' })
      const timer = setTimeout(() => done({ kind: 'timer' }), Math.max(ms, 0) + LEASE_END_MARGIN_MS)
      signal.addEventListener('abort', onAbort, { once: true })
      wakes.add(done)
    })
  }

  /** Wakes the fetches waiting for `key`. */
  wake(key: string, wakeup: Wakeup = DONE): void {
    const wakes = this.#byKey.get(key)
    if (wakes === undefined) return
    for (const wake of [...wakes]) wake(wakeup)
  }

  /** Wakes every waiting fetch: each looks at Redis again. */
  wakeAll(): void {
    for (const key of [...this.#byKey.keys()]) this.wake(key)
  }
}
