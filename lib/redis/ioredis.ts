/**
 * The adapter for ioredis (5 and 6): a `Redis` or a `Cluster`, recognised by shape, never
 * imported. `callBuffer` returns bulk and simple strings as Buffers under RESP2 and RESP3 alike,
 * and a Cluster routes each command by the keys ioredis finds in it (EVALSHA's included).
 */
import { redisNotConnectedError } from '../errors.js'
import type { Driver, Send } from './commands.js'
import type { Arg, Subscription, SubscriptionEvents } from './link.js'
import { type Listener, LiveState, subscribeOn } from './live_state.js'

const ignore = () => undefined

interface IoredisCommands {
  callBuffer(command: string, ...args: Arg[]): Promise<unknown>
}

/** The part of an ioredis `Redis` used here. */
export interface IoredisClient extends IoredisCommands {
  readonly status: string
  duplicate(override?: { retryStrategy?: unknown }): IoredisClient
  subscribe(channel: string): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  disconnect(): void
  on(event: string, listener: Listener): unknown
  off(event: string, listener: Listener): unknown
}

/** The part of an ioredis `Cluster` used here. */
export interface IoredisCluster extends IoredisCommands {
  readonly options: { readonly clusterRetryStrategy?: unknown }
  nodes(role: 'master'): IoredisClient[]
}

function hasMethods(value: unknown, names: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false
  const record = value as Record<string, unknown>
  return names.every((name) => typeof record[name] === 'function')
}

/** Whether `value` looks like an ioredis `Redis` (one connection). */
export function isIoredisClient(value: unknown): value is IoredisClient {
  return hasMethods(value, ['callBuffer', 'duplicate', 'subscribe']) && !isIoredisCluster(value)
}

/** Whether `value` looks like an ioredis `Cluster`. */
export function isIoredisCluster(value: unknown): value is IoredisCluster {
  return hasMethods(value, ['callBuffer', 'nodes'])
}

function sender(client: IoredisCommands): Send {
  return ([command, ...args]) => client.callBuffer(String(command), ...args)
}

/** The Driver over an ioredis `Redis` or `Cluster`. */
export function ioredisDriver(client: IoredisClient | IoredisCluster): Driver {
  const send = sender(client)
  return {
    // ioredis routes by the keys it finds in the command itself.
    send: (_key, args) => send(args),
    masters: () =>
      Promise.resolve(isIoredisCluster(client) ? client.nodes('master').map(sender) : [send]),
  }
}

/**
 * The connection a subscription made here runs on: the client's duplicate, or on a cluster a
 * duplicate of one master's connection (classic pub/sub reaches every node), so its 'close' and
 * 'ready' describe the one connection the subscription is on.
 */
export function ioredisSubscriber(client: IoredisClient | IoredisCluster): IoredisClient {
  if (!isIoredisCluster(client)) return client.duplicate()
  const [master] = client.nodes('master')
  if (master === undefined) {
    throw redisNotConnectedError('the ioredis Cluster knows no master yet: connect it first')
  }
  // A Cluster's node connections never reconnect (retryStrategy null: the Cluster reconnects
  // them); this one must, as the Cluster would.
  return master.duplicate({ retryStrategy: client.options.clusterRetryStrategy })
}

/**
 * Subscribes to `channel` on `connection`. ioredis resubscribes by itself after a reconnect
 * (`autoResubscribe`), but says nothing when that is done: on each 'ready' this subscribes again,
 * which Redis treats as a no-op, and reports live once that is confirmed.
 */
export async function ioredisSubscribe(
  connection: IoredisClient,
  own: boolean,
  channel: string,
  events: SubscriptionEvents,
): Promise<Subscription> {
  const state = new LiveState(events)
  const onMessage = (from: string, message: string) => {
    if (from === channel) state.message(message)
  }
  const onClose = () => state.set(false)
  const onReady = () => {
    // A rejection means the connection dropped again, which 'close' reports.
    connection.subscribe(channel).then(() => state.set(true), ignore)
  }
  const listeners: [string, Listener][] = [
    ['message', onMessage],
    ['close', onClose],
    ['ready', onReady],
  ]
  // A connection made here reports its errors through the subscription's state; ioredis would
  // print each one as an unhandled 'error' event.
  if (own) connection.on('error', ignore)
  return subscribeOn({
    state,
    connection,
    listeners,
    subscribe: () => connection.subscribe(channel),
    unsubscribe: () => connection.unsubscribe(channel),
    hangUp: own ? () => connection.disconnect() : undefined,
  })
}
