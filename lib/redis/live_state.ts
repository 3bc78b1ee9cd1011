/**
 * A subscription's liveness as the tier sees it: `state(true)` once the server has confirmed the
 * subscription, `state(false)` once when its connection drops, `state(true)` again once the
 * client has subscribed anew, and nothing after `close()`.
 */
import type { SubscriptionEvents } from './link.js'

export class LiveState {
  readonly #events: SubscriptionEvents
  #started = false
  #live = false
  #closed = false

  constructor(events: SubscriptionEvents) {
    this.#events = events
  }

  /** Whether messages are still delivered (until `close()`). */
  get open(): boolean {
    return !this.#closed
  }

  /** The first confirmation of the subscription: reports live. Changes before it are ignored. */
  start(): void {
    this.#started = true
    this.set(true)
  }

  /** Reports `live` if it differs from the last report. */
  set(live: boolean): void {
    if (!this.#started || this.#closed || live === this.#live) return
    this.#live = live
    this.#events.state(live)
  }

  /** Delivers `message` unless closed. */
  message(message: string): void {
    if (!this.#closed) this.#events.message(message)
  }

  close(): void {
    this.#closed = true
  }
}
