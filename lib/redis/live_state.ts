/**
 * A subscription's liveness as the tier sees it: `state(true)` once the server has confirmed the
 * subscription, `state(false)` once when its connection drops, `state(true)` again once the
 * client has subscribed anew, and nothing after `close()`.
 */
import type { Subscription, SubscriptionEvents } from './link.js'

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

/** A listener of a connection's events. */
export type Listener = (...args: never[]) => void

/** What a library's subscription is made of, for `subscribeOn`. */
export interface SubscriptionParts {
  state: LiveState
  connection: {
    on(event: string, listener: Listener): unknown
    off(event: string, listener: Listener): unknown
  }
  /** The connection's events this subscription listens to, attached until it closes. */
  listeners: [string, Listener][]
  subscribe(): Promise<unknown>
  unsubscribe(): Promise<unknown>
  /** Closes the connection, when the link made it; undefined for the user's own. */
  hangUp: (() => void) | undefined
}

/**
 * Listens, subscribes and returns the subscription. If subscribing fails, everything is undone
 * (and a connection the link made is closed) before the error is thrown. `close()` unsubscribes
 * on the user's connection, and closes one the link made.
 */
export async function subscribeOn(parts: SubscriptionParts): Promise<Subscription> {
  const { state, connection, listeners, hangUp } = parts
  for (const [event, listener] of listeners) connection.on(event, listener)
  const detach = () => {
    state.close()
    for (const [event, listener] of listeners) connection.off(event, listener)
    hangUp?.()
  }
  try {
    await parts.subscribe()
  } catch (error) {
    detach()
    throw error
  }
  state.start()
  return {
    async close() {
      if (!state.open) return
      detach()
      if (hangUp === undefined) await parts.unsubscribe()
    },
  }
}
