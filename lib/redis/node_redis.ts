/**
 * The adapter for node-redis (the `redis` package, 5 and 6): a client from `createClient` or a
 * cluster from `createCluster`, recognised by shape, never imported. Each command asks for
 * Buffers through its `typeMapping` option, keyed by RESP's own type bytes (`$` bulk string,
 * `+` simple string, `=` verbatim string, `,` double, `(` big number), with maps as flat arrays,
 * as RESP2 sends them.
 */
import { redisNotConnectedError } from '../errors.js'
import type { Driver, Send } from './commands.js'
import type { Arg, Subscription, SubscriptionEvents } from './link.js'
import { type Listener, LiveState, subscribeOn } from './live_state.js'

type WireArg = string | Buffer

/** Command options: each RESP type byte mapped to the JavaScript type to decode it as. */
const OPTIONS = {
  typeMapping: {
    [0x24]: Buffer,
    [0x2b]: Buffer,
    [0x3d]: Buffer,
    [0x2c]: Buffer,
    [0x28]: Buffer,
    [0x25]: Array,
  },
}

/** The part of a node-redis client used here. */
export interface NodeRedisClient {
  readonly isOpen: boolean
  readonly isReady: boolean
  sendCommand(args: readonly WireArg[], options?: object): Promise<unknown>
  duplicate(): NodeRedisClient
  connect(): Promise<unknown>
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>
  unsubscribe(channel: string, listener: (message: string) => void): Promise<unknown>
  destroy(): void
  on(event: string, listener: Listener): unknown
  off(event: string, listener: Listener): unknown
}

/** The part of a node-redis cluster used here. */
export interface NodeRedisCluster {
  readonly masters: readonly object[]
  sendCommand(
    firstKey: WireArg | undefined,
    isReadonly: boolean | undefined,
    args: readonly WireArg[],
    options?: object,
  ): Promise<unknown>
  nodeClient(master: object): NodeRedisClient | Promise<NodeRedisClient>
}

function hasMethods(value: unknown, names: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false
  const record = value as Record<string, unknown>
  return names.every((name) => typeof record[name] === 'function')
}

/** Whether `value` looks like a node-redis client (one connection). */
export function isNodeRedisClient(value: unknown): value is NodeRedisClient {
  return (
    hasMethods(value, ['sendCommand', 'duplicate', 'subscribe', 'destroy']) &&
    'isReady' in (value as object) &&
    !isNodeRedisCluster(value)
  )
}

/** Whether `value` looks like a node-redis cluster. */
export function isNodeRedisCluster(value: unknown): value is NodeRedisCluster {
  return hasMethods(value, ['sendCommand', 'nodeClient']) && 'masters' in (value as object)
}

// node-redis sends strings and Buffers only.
function wire(args: readonly Arg[]): WireArg[] {
  return args.map((arg) => (typeof arg === 'number' ? String(arg) : arg))
}

function sender(client: NodeRedisClient): Send {
  return (args) => client.sendCommand(wire(args), OPTIONS)
}

/** The Driver over a node-redis client or cluster. */
export function nodeRedisDriver(client: NodeRedisClient | NodeRedisCluster): Driver {
  if (!isNodeRedisCluster(client)) {
    const send = sender(client)
    return { send: (_key, args) => send(args), masters: () => Promise.resolve([send]) }
  }
  return {
    send: (key, args) =>
      client.sendCommand(key === undefined ? key : wire([key])[0], false, wire(args), OPTIONS),
    masters: () =>
      Promise.all(client.masters.map(async (master) => sender(await client.nodeClient(master)))),
  }
}

/**
 * A new connection for a subscription: the client's duplicate, or on a cluster a duplicate of
 * one master's client (classic pub/sub reaches every node), so that its events describe the one
 * connection the subscription is on. Connected, with an 'error' listener: node-redis would
 * otherwise throw its connection errors as unhandled 'error' events.
 */
export async function nodeRedisSubscriber(
  client: NodeRedisClient | NodeRedisCluster,
): Promise<NodeRedisClient> {
  let source: NodeRedisClient
  if (isNodeRedisCluster(client)) {
    const [master] = client.masters
    if (master === undefined) {
      throw redisNotConnectedError('the node-redis cluster knows no master yet: connect it first')
    }
    source = await client.nodeClient(master)
  } else {
    source = client
  }
  const connection = source.duplicate()
  connection.on('error', () => undefined)
  await connection.connect()
  return connection
}

/**
 * Subscribes to `channel` on `connection`. node-redis resubscribes after a reconnect before it
 * emits 'ready', so 'ready' means live again; it emits 'error' when the connection drops (then
 * 'reconnecting'), and 'end' when it is closed. Its `isReady` says which.
 */
export async function nodeRedisSubscribe(
  connection: NodeRedisClient,
  own: boolean,
  channel: string,
  events: SubscriptionEvents,
): Promise<Subscription> {
  // node-redis would queue the SUBSCRIBE of a closed client forever.
  if (!connection.isOpen) {
    throw redisNotConnectedError('the node-redis subscriber is not open: connect it first')
  }
  const state = new LiveState(events)
  const onMessage = (message: string) => state.message(message)
  // An 'error' can also come while the connection stays ready (a failed keep-alive PING).
  const onChange = () => state.set(connection.isReady)
  const listeners: [string, Listener][] = [
    ['error', onChange],
    ['reconnecting', onChange],
    ['end', onChange],
    ['ready', onChange],
  ]
  return subscribeOn({
    state,
    connection,
    listeners,
    subscribe: () => connection.subscribe(channel, onMessage),
    unsubscribe: () => connection.unsubscribe(channel, onMessage),
    hangUp: own ? () => connection.destroy() : undefined,
  })
}
