/**
 * What a fetch reports as it runs: its duration in the histogram behind `metrics()`, and its
 * life on the `herdcache:fetch` TracingChannel (start, end, asyncStart, asyncEnd, error), which
 * APM tools subscribe to as they do for other libraries. A message is built only while one of
 * the channels has a subscriber.
 */
import { tracingChannel } from 'node:diagnostics_channel'

import type { Flight } from '../fetch/flight.js'
import type { FailCause } from '../store/backend.js'
import { type CacheRef, channels, type FetchMessage, type FetchOutcome } from './channels.js'
import { FetchDurations, OUTCOME_SUCCESS, OUTCOMES } from './metrics.js'

// Held for the life of the process: diagnostics_channel keeps channels only weakly.
const fetchChannel = tracingChannel<string, FetchMessage>(channels.fetch)
const { start, end, asyncStart, asyncEnd, error: errorChannel } = fetchChannel

function observed(): boolean {
  return (
    start.hasSubscribers ||
    end.hasSubscribers ||
    asyncStart.hasSubscribers ||
    asyncEnd.hasSubscribers ||
    errorChannel.hasSubscribers
  )
}

/** The fetches of one cache: their histogram and their channel messages. */
export class FetchEvents {
  readonly durations: FetchDurations

  constructor(
    private readonly cache: CacheRef,
    buckets: readonly number[],
  ) {
    this.durations = new FetchDurations(buckets)
  }

  /** The fetcher is about to be called. */
  starting(flight: Flight): void {
    if (!observed()) return
    const message: FetchMessage = {
      cache: this.cache,
      key: flight.key,
      background: flight.background,
    }
    flight.event = message
    start.publish(message)
  }

  /** The fetcher has returned (or thrown): the synchronous part of the fetch is over. */
  called(flight: Flight): void {
    if (flight.event !== undefined && end.hasSubscribers) end.publish(flight.event)
  }

  /** The fetch produced `value`; `stored` tells whether it went into the cache. */
  succeeded(flight: Flight, value: unknown, stored: boolean, endedAt: number): void {
    const durationMs = this.#time(flight, OUTCOME_SUCCESS, endedAt)
    const message = flight.event
    if (message === undefined) return
    message.durationMs = durationMs
    message.stored = stored
    message.result = value
    this.#settled(message)
  }

  /** The fetch failed, timed out or was abandoned. */
  failed(flight: Flight, cause: FailCause, error: unknown, endedAt: number, sync: boolean): void {
    // FailCause Error, Timeout, Abort are outcomes 1, 2, 3.
    const durationMs = this.#time(flight, cause + 1, endedAt)
    const message = flight.event
    if (message === undefined) return
    message.durationMs = durationMs
    message.outcome = OUTCOMES[cause + 1] as FetchOutcome
    message.error = error
    if (errorChannel.hasSubscribers) errorChannel.publish(message)
    // A fetcher that threw synchronously ends with `end`, as TracingChannel.traceSync does.
    if (!sync) this.#settled(message)
  }

  #settled(message: FetchMessage): void {
    if (asyncStart.hasSubscribers) asyncStart.publish(message)
    if (asyncEnd.hasSubscribers) asyncEnd.publish(message)
  }

  // Records how long the flight took, from the store's clock readings at its start and end.
  #time(flight: Flight, outcome: number, endedAt: number): number {
    const ms = Math.max(0, endedAt - flight.startedAt)
    if (!Number.isNaN(ms)) this.durations.record(outcome, ms / 1000)
    return ms
  }
}
