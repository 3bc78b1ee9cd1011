/**
 * getOrFetch against a backend: answer from the store, join the key's fetch in flight, or start
 * one, and end it so that every waiter gets the same outcome and the store keeps only what the
 * contract allows (see DESIGN.md, "Contract of getOrFetch").
 */
import { coalesceChannel, hitChannel, missChannel } from '../observe/channel_objects.js'
import type { CacheRef } from '../observe/channels.js'
import type { FetchEvents } from '../observe/fetch_events.js'
import type { RemovalReports } from '../observe/removals.js'
import type { CallOptions, Settings } from '../options/options.js'
import { type Backend, type Ending, FailCause, type Joinable, MISSED } from '../store/backend.js'
import { sizeFor } from '../store/sizes.js'
import type { Sweeper } from '../store/sweeper.js'
import type { Fetcher } from '../types.js'
import { Flight, type FlightHost } from './flight.js'
import { lifetimeOf, type StoreTimes, type Tier, type TierAnswer } from './tier.js'

/** The parts of one cache that its operations share. */
export interface CacheParts {
  /** The cache as messages show it. */
  readonly cache: CacheRef
  readonly store: Backend
  readonly removals: RemovalReports
  readonly events: FetchEvents
  readonly sweeper: Sweeper
  readonly settings: Settings
  /** The tier behind the store, if any: an L1 miss's fetch asks it. */
  readonly tier: Tier | undefined
  /** The clock option's reading, or undefined for the store's own clock; throws as it does. */
  now(): number | undefined
}

export class Fetches implements FlightHost {
  constructor(private readonly parts: CacheParts) {}

  /** getOrFetch after its arguments are checked; `signal` is not aborted. */
  getOrFetch(key: string, fetcher: Fetcher<unknown>, call: CallOptions): Promise<unknown> {
    const { store, removals } = this.parts
    removals.watch()
    const found = store.acquire(key, this.parts.now(), call.forceRefresh)
    if (found !== MISSED) {
      if (hitChannel.hasSubscribers)
        hitChannel.publish({ cache: this.parts.cache, key, stale: false })
      return Promise.resolve(found)
    }
    // Everything the store answered is read before any user code (a fetcher, a subscriber)
    // can call the cache again and overwrite it. A join, the most frequent miss in a storm,
    // stays in this small function; starting a fetch has its own.
    const lookup = store.lookup
    const answer =
      lookup.kind === 'join'
        ? this.#join(lookup.flight!, key, fetcher, call)
        : this.#fetch(key, fetcher, call, lookup.kind === 'stale', lookup.value, lookup.refresh)
    removals.report()
    return answer
  }

  #join(flight: Joinable, key: string, fetcher: Fetcher<unknown>, call: CallOptions) {
    // How to fetch anew, should a fetch in another thread be given up: with this caller's
    // fetcher and options but not its signal, since the new fetch answers every caller here
    // who still waits (a caller who leaves only rejects its own Promise). Made only when kept.
    const retry = flight.wantsRetry
      ? () => this.getOrFetch(key, fetcher, { ...call, signal: undefined })
      : undefined
    const answer = flight.waiter(call.signal, retry)
    if (coalesceChannel.hasSubscribers) coalesceChannel.publish({ cache: this.parts.cache, key })
    return answer
  }

  // A miss with no fetch to join, or a stale hit (which starts a refresh when `refresh`).
  #fetch(
    key: string,
    fetcher: Fetcher<unknown>,
    call: CallOptions,
    stale: boolean,
    value: unknown,
    refresh: boolean,
  ): Promise<unknown> {
    const cache = this.parts.cache
    if (stale) {
      const flight = refresh ? this.#start(key, call, true) : undefined
      const answer = Promise.resolve(value)
      if (hitChannel.hasSubscribers) hitChannel.publish({ cache, key, stale: true })
      if (flight !== undefined) this.#run(flight, fetcher, value)
      return answer
    }
    const flight = this.#start(key, call, false)
    const answer = flight.waiter(call.signal)
    if (missChannel.hasSubscribers) missChannel.publish({ cache, key })
    this.#run(flight, fetcher, value)
    return answer
  }

  // Makes the Flight for the record the last acquire registered, and hands it to the store.
  #start(key: string, call: CallOptions, background: boolean): Flight {
    const { slot, generation, startedAt } = this.parts.store.lookup.started
    const flight = new Flight(this, key, slot, generation, call, background)
    flight.startedAt = startedAt
    try {
      this.parts.store.track(flight, call.tags)
    } catch (error) {
      // The record must not outlive a fetch that never ran.
      /* v8 ignore start -- track throws only when the native store cannot allocate */
      this.recordFailure(flight, FailCause.Error, error)
      throw error
      /* v8 ignore stop */
    }
    return flight
  }

  #run(flight: Flight, fetcher: Fetcher<unknown>, stale: unknown): void {
    const { events, tier } = this.parts
    events.starting(flight)
    flight.run(tier === undefined ? fetcher : this.#throughTier(tier, flight, fetcher), stale)
    events.called(flight)
  }

  // The fetch of an L1 miss with a tier: the tier answers, or has this instance call `fetcher`.
  #throughTier(tier: Tier, flight: Flight, fetcher: Fetcher<unknown>): Fetcher<unknown> {
    return (context) =>
      tier
        .fetch(
          {
            key: flight.key,
            call: flight.options,
            background: flight.background,
            context,
            decide: () => flight.decide(),
          },
          fetcher,
        )
        .then((answer: TierAnswer) => {
          if (answer.times !== undefined) flight.times = answer.times
          if (answer.tags !== undefined) this.parts.store.tagFlight(flight, answer.tags)
          return answer.value
        })
  }

  storeResult(flight: Flight, value: unknown): void {
    const { store, removals, settings, events } = this.parts
    removals.watch()
    let bytes = 0
    let now: number | undefined
    let times: StoreTimes
    try {
      times = flight.times ?? this.#decided(flight)
      // A detached fetch, or one with ttlMs 0, stores nothing, so its value needs no size.
      if (settings.sized && times.ttlMs !== 0 && store.isCurrent(flight)) {
        bytes = sizeFor(value, flight.key, settings.sizeOf)
      }
      now = this.parts.now()
    } catch (error) {
      // A bad decision, or a value that cannot be sized or timed: the fetch still ends here, as
      // a failure, and stores nothing.
      this.recordFailure(flight, FailCause.Error, error)
      throw error
    }
    let ending: Ending
    try {
      ending = store.complete(flight, value, times, bytes, now)
    } catch (error) {
      // A value a shared store's codec cannot encode: nothing was changed; the fetch fails.
      this.recordFailure(flight, FailCause.Error, error)
      throw error
    }
    const { stored, endedAt } = ending
    if (stored) this.parts.sweeper.written(lifetimeOf(times), now ?? performance.now())
    removals.report()
    events.succeeded(flight, value, stored, endedAt)
  }

  // The fetcher's decision (context.options), applied to its record: tags it decided replace
  // the call's, so the entry it becomes has them.
  #decided(flight: Flight): StoreTimes {
    const { times, tags } = flight.decide()
    if (tags !== undefined && times.ttlMs !== 0) this.parts.store.tagFlight(flight, tags, true)
    return times
  }

  recordFailure(flight: Flight, cause: FailCause, error: unknown): { value: unknown } | undefined {
    const { store, removals, events } = this.parts
    removals.watch()
    let now: number | undefined
    let clockFailed = false
    try {
      now = this.parts.now()
    } catch {
      // A broken clock must not keep the fetch in flight. The fetch's start is a reading of the
      // same clock, so stale-if-error is judged as of then, and the duration is unknown.
      now = flight.startedAt
      clockFailed = true
    }
    const { fallback, endedAt } = store.fail(flight, cause, now, error)
    removals.report()
    events.failed(flight, cause, error, clockFailed ? NaN : endedAt, flight.calling)
    return fallback
  }
}
