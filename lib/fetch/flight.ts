/**
 * One fetch in flight: its shared Promise, the callers waiting on it, its timeout and the
 * AbortSignal its fetcher sees. The cache decides what is stored; the flight decides when the
 * fetch is over and what every waiter receives.
 */
import { TimeoutError } from '../errors.js'
import type { FetchMessage } from '../observe/channels.js'
import { FailCause } from '../store/backend.js'
import { type Decision, decisionOf, fetcherOptionsFor } from '../options/fetcher_options.js'
import type { CallOptions } from '../options/options.js'
import type { FetchContext, Fetcher, FetcherOptions } from '../types.js'
import type { StoreTimes } from './tier.js'

/** What a flight asks of its cache when it ends. */
export interface FlightHost {
  /** Stores the fetched value. Throws (after recording a failure) when it cannot be sized. */
  storeResult(flight: Flight, value: unknown): void
  /** Records a fetch that ended without a value; the stale value to serve instead, if any. */
  recordFailure(flight: Flight, cause: FailCause, error: unknown): { value: unknown } | undefined
}

// setTimeout fires at once for delays past 2^31 - 1 ms, so longer timeouts mean "never".
const MAX_TIMER_MS = 2 ** 31 - 1

function ignore(): void {}

// The intrinsic, called with a receiver of its own choosing (see Flight.run).
// eslint-disable-next-line @typescript-eslint/unbound-method
const promiseThen = Promise.prototype.then

/**
 * `promise` for one caller with `signal`: it settles as `promise` does, unless the signal aborts
 * first; then it rejects with the signal's reason and `left` is told.
 */
export function leavable(
  promise: Promise<unknown>,
  signal: AbortSignal,
  left: (reason: unknown) => void,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      reject(signal.reason)
      left(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error)
      },
    )
  })
}

/** The argument a fetcher receives; its signal and options are made only if it reads them. */
class Context<T> implements FetchContext<T> {
  readonly #flight: Flight
  constructor(
    readonly key: string,
    readonly staleValue: T | undefined,
    flight: Flight,
  ) {
    this.#flight = flight
  }
  get signal(): AbortSignal {
    return this.#flight.signal
  }
  get background(): boolean {
    return this.#flight.background
  }
  get options(): FetcherOptions {
    return this.#flight.fetcherOptions
  }
}

export class Flight {
  /** The fetch's outcome, shared by every caller without a signal. */
  readonly promise: Promise<unknown>
  #resolve!: (value: unknown) => void
  #reject!: (error: unknown) => void
  #controller: AbortController | undefined
  // Set once the fetch is given up (timed out or abandoned): a signal first read later must
  // already be aborted.
  #abortReason: { reason: unknown } | undefined
  #timer: NodeJS.Timeout | undefined
  #done = false
  // Whether a caller holds `promise` itself: such a caller cannot leave, so the fetch runs on.
  #shared = false
  #waitersWithSignal = 0
  /** When the fetch started, by the cache's clock (the binding's reading at acquire). */
  startedAt = NaN
  /** The TracingChannel message published at the start, completed at the end. */
  event: FetchMessage | undefined
  /** True while the fetcher itself runs: a failure then is a synchronous throw. */
  calling = false
  /**
   * How the result is stored when a tier decided it (a value from Redis keeps the time it has
   * left there); undefined while the fetcher's own decision (`decide()`) applies.
   */
  times: StoreTimes | undefined
  #fetcherOptions: FetcherOptions | undefined
  #decision: Decision | undefined

  /**
   * @param background - a refresh started by a stale hit: it runs to completion whoever
   *   waits, and a failure with no one waiting is not an unhandled rejection.
   */
  constructor(
    private readonly host: FlightHost,
    readonly key: string,
    readonly slot: number,
    readonly generation: number,
    readonly options: CallOptions,
    readonly background: boolean,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    if (background) this.promise.catch(ignore)
  }

  /** The fetcher's signal, made on first use: most fetchers never look. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason.reason)
    }
    return this.#controller.signal
  }

  /** The fetcher's `context.options`, made on first use from the call: most never look. */
  get fetcherOptions(): FetcherOptions {
    this.#fetcherOptions ??= fetcherOptionsFor(this.options)
    return this.#fetcherOptions
  }

  /**
   * How the fetcher decided its result is stored (`context.options`), read and checked on the
   * first call; later calls answer the same.
   * @throws TypeError / RangeError for a bad decision, as for the call's options.
   */
  decide(): Decision {
    this.#decision ??= decisionOf(this.#fetcherOptions, this.options)
    return this.#decision
  }

  #abort(reason: unknown): void {
    this.#abortReason = { reason }
    this.#controller?.abort(reason)
  }

  /** A fetch of this cache is never given up elsewhere, so no caller's `retry` is needed. */
  get wantsRetry(): boolean {
    return false
  }

  /**
   * A Promise for one caller: the shared one, or with a signal, one of its own. Errors reach
   * callers exactly as the fetcher or the signal gave them, Error or not.
   */
  waiter(signal: AbortSignal | undefined): Promise<unknown> {
    if (signal === undefined) {
      this.#shared = true
      return this.promise
    }
    this.#waitersWithSignal += 1
    return leavable(this.promise, signal, (reason) => this.#leave(reason))
  }

  /** Calls the fetcher once and settles the flight with its outcome. */
  run<T>(fetcher: Fetcher<T>, staleValue: T | undefined): void {
    let result: T | PromiseLike<T>
    this.calling = true
    try {
      result = fetcher(new Context(this.key, staleValue, this))
    } catch (error) {
      this.#fail(error, FailCause.Error)
      return
    } finally {
      this.calling = false
    }
    const { timeoutMs } = this.options
    if (!this.#done && timeoutMs <= MAX_TIMER_MS) {
      // Not unref'd: a caller awaiting the fetch must see it settle, even in a process with
      // nothing else to do.
      this.#timer = setTimeout(() => this.#timeOut(), timeoutMs)
    }
    // Plain values and thenables alike settle through one path, as `await` would take them:
    // PromiseResolve, then the intrinsic `then`, so a native Promise's own `then` property
    // cannot keep the handlers off. Either step can throw (a `constructor` getter that throws):
    // then no handler is attached, and the fetch fails here rather than staying in flight.
    try {
      void promiseThen.call(
        Promise.resolve(result),
        (value) => this.#succeed(value),
        (error: unknown) => this.#fail(error, FailCause.Error),
      )
    } catch (error) {
      this.#fail(error, FailCause.Error)
    }
  }

  #succeed(value: unknown): void {
    if (this.#done) return // timed out or abandoned: the late result is discarded
    this.#end()
    try {
      this.host.storeResult(this, value)
    } catch (error) {
      this.#reject(error)
      return
    }
    this.#resolve(value)
  }

  #fail(error: unknown, cause: FailCause): void {
    if (this.#done) return
    this.#end()
    let fallback: { value: unknown } | undefined
    try {
      fallback = this.host.recordFailure(this, cause, error)
    } finally {
      // The waiters are answered even if the bookkeeping above failed.
      if (cause === FailCause.Timeout) this.#abort(error)
      if (fallback === undefined) {
        this.#reject(error)
      } else {
        this.#resolve(fallback.value)
      }
    }
  }

  #timeOut(): void {
    const ms = this.options.timeoutMs
    const error = new TimeoutError(`the fetch of '${this.key}' did not settle within ${ms} ms`)
    this.#fail(error, FailCause.Timeout)
  }

  // A caller with a signal left; the last one out abandons the fetch, unless someone holds the
  // shared Promise or the fetch is a background refresh.
  #leave(reason: unknown): void {
    this.#waitersWithSignal -= 1
    if (this.#waitersWithSignal > 0 || this.#shared || this.background || this.#done) return
    this.#end()
    try {
      this.host.recordFailure(this, FailCause.Abort, reason)
    } finally {
      this.#abort(reason)
      this.#reject(reason) // every waiter has already rejected; their handlers mark it handled
    }
  }

  #end(): void {
    this.#done = true
    clearTimeout(this.#timer)
  }
}
