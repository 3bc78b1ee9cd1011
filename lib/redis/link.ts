/**
 * What the fleet tier needs from a Redis client: scripts and commands routed by key, publish,
 * and a subscription. `linkTo` (in clients.ts) adapts an ioredis or node-redis client, standalone
 * or cluster, to this shape, so the tier never touches a client library's own API.
 */

/** A Lua script, sent as EVALSHA and loaded with EVAL on NOSCRIPT. */
export interface Script {
  readonly source: string
  /** The SHA-1 of `source`, lowercase hex. */
  readonly sha1: string
}

/**
 * A reply: strings and bulk strings come back as Buffers, integers as numbers, nil as null,
 * arrays as arrays, whichever library and protocol decoded them (under RESP3 a double comes back
 * as its text and a map as a flat array of keys and values, as RESP2 sends them).
 */
export type Reply = Buffer | number | null | Reply[]

/** One argument of a command: text is sent as UTF-8. */
export type Arg = string | Buffer | number

/** The command side of a client. Every key of one call must share a hash slot. */
export interface RedisLink {
  /** Runs `script` with `keys` and `args`; rejects with Redis's error if the script fails. */
  script(script: Script, keys: readonly Arg[], args: readonly Arg[]): Promise<Reply>
  /** Runs one command whose first key is `key` (used to route it on a cluster). */
  command(key: Arg, args: readonly Arg[]): Promise<Reply>
  /** PUBLISH `message` on `channel` (classic pub/sub, which a cluster delivers to every node). */
  publish(channel: string, message: string): Promise<void>
  /** Every key matching `pattern` on every master (SCAN ... MATCH), in batches. */
  scan(pattern: string): AsyncIterable<Buffer[]>
}

/**
 * What a subscription reports. Both are called from the client library's event handling, so
 * neither may throw.
 */
export interface SubscriptionEvents {
  /** A message published on the channel, as text. */
  message(message: string): void
  /**
   * The subscription is live (`true`), first or again after a reconnect, or lost (`false`); a
   * message published while it was lost may never arrive.
   */
  state(live: boolean): void
}

/** A live subscription to one channel. */
export interface Subscription {
  /** Unsubscribes, and closes the subscriber connection if the link made it. */
  close(): Promise<void>
}

/** A client adapted for the tier. */
export interface LinkedClient {
  readonly link: RedisLink
  /**
   * Subscribes to `channel` on the subscriber connection (made with `duplicate()` if none; on a
   * cluster, a duplicate of one master's connection, since classic pub/sub reaches every node).
   * Resolves once the server has confirmed the subscription, after `state(true)`.
   */
  subscribe(channel: string, events: SubscriptionEvents): Promise<Subscription>
}
