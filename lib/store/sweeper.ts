/**
 * One unref'd timer per cache that reclaims expired entries within about a second of their
 * end, even if nobody looks them up again. The timer holds the sweeper only through a WeakRef,
 * so a pending sweep never keeps a cache alive.
 */
import { describeThrown } from '../errors.js'

// Expired entries are swept at most this long after they expire.
const SWEEP_INTERVAL_MS = 1000
// The most entries one sweep removes before yielding to the event loop.
export const SWEEP_LIMIT = 10_000
// setTimeout fires at once for longer delays.
const MAX_TIMER_MS = 2 ** 31 - 1

/** One sweep: ms until the next expiry, whether more expired entries remain, and when it ran. */
export interface SweepResult {
  next: number
  more: boolean
  at: number
}

export class Sweeper {
  #timer: NodeJS.Timeout | undefined
  #dueAt = Infinity
  readonly #self = new WeakRef<Sweeper>(this)

  /**
   * @param sweep - removes up to SWEEP_LIMIT expired entries, reading the clock once; throws
   *   what the clock throws.
   */
  constructor(private readonly sweep: () => SweepResult) {}

  /**
   * An entry living `lifetime` ms (TTL plus its longest stale window) was written at `at`, the
   * writing operation's own clock reading: the sweep is due by its end.
   */
  written(lifetime: number, at: number): void {
    if (lifetime === Infinity) return
    const latest = at + lifetime + SWEEP_INTERVAL_MS
    if (this.#timer !== undefined && this.#dueAt <= latest) return
    // Rounded up to whole intervals, so entries written close together share one wake-up.
    this.#arm(Math.max(1, Math.ceil(lifetime / SWEEP_INTERVAL_MS)) * SWEEP_INTERVAL_MS, at)
  }

  #arm(delay: number, at: number): void {
    clearTimeout(this.#timer)
    const ms = Math.min(delay, MAX_TIMER_MS)
    this.#dueAt = at + ms
    this.#timer = setTimeout(Sweeper.#tick, ms, this.#self)
    this.#timer.unref()
  }

  static #tick(this: void, self: WeakRef<Sweeper>): void {
    const sweeper = self.deref()
    if (sweeper !== undefined) sweeper.#run()
  }

  #run(): void {
    this.#timer = undefined
    this.#dueAt = Infinity
    let result: SweepResult
    try {
      result = this.sweep()
    } catch (error) {
      // Thrown from a timer it would crash the process; the next write re-arms the sweep.
      process.emitWarning(`the expiry sweep was skipped: ${describeThrown(error)}`, {
        type: 'HerdcacheWarning',
        code: 'HERDCACHE_CLOCK_FAILED',
      })
      return
    }
    const { next, more, at } = result
    if (!more && next === Infinity) return
    // onEvict may have written entries and armed a later sweep; the sooner one wins.
    const delay = more ? 0 : Math.max(next, SWEEP_INTERVAL_MS)
    if (this.#timer === undefined || this.#dueAt > at + delay) this.#arm(delay, at)
  }
}
