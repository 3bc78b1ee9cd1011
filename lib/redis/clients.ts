/**
 * `linkTo` adapts a user's Redis client, ioredis or node-redis, standalone or cluster, to the
 * shape the fleet tier uses (link.ts); `defineScript` names a Lua script by its SHA-1. Neither
 * library is imported: both are optional peer dependencies, recognised by the methods they have.
 */
import { createHash } from 'node:crypto'

import { argumentTypeError } from '../errors.js'
import { linkOver } from './commands.js'
import {
  type IoredisClient,
  type IoredisCluster,
  ioredisDriver,
  ioredisSubscribe,
  ioredisSubscriber,
  isIoredisClient,
  isIoredisCluster,
} from './ioredis.js'
import type { LinkedClient, Script, Subscription, SubscriptionEvents } from './link.js'
import {
  isNodeRedisClient,
  isNodeRedisCluster,
  type NodeRedisClient,
  type NodeRedisCluster,
  nodeRedisDriver,
  nodeRedisSubscribe,
  nodeRedisSubscriber,
} from './node_redis.js'

const CLIENTS =
  'an ioredis Redis or Cluster, or a node-redis client from createClient or createCluster'
const SUBSCRIBERS = 'an ioredis Redis or a node-redis client from createClient, or undefined'

/** `source` with its SHA-1, as EVALSHA names it. */
export function defineScript(source: string): Script {
  if (typeof source !== 'string') throw argumentTypeError('source', 'a string', source)
  return { source, sha1: createHash('sha1').update(source, 'utf8').digest('hex') }
}

type Subscribe = (channel: string, events: SubscriptionEvents) => Promise<Subscription>

/** How to subscribe on the user's `subscriber`, which the link never closes. */
function subscriberOf(subscriber: unknown): Subscribe | undefined {
  if (subscriber === undefined) return undefined
  if (isIoredisClient(subscriber)) {
    return (channel, events) => ioredisSubscribe(subscriber, false, channel, events)
  }
  if (isNodeRedisClient(subscriber)) {
    return (channel, events) => nodeRedisSubscribe(subscriber, false, channel, events)
  }
  throw argumentTypeError('subscriber', SUBSCRIBERS, subscriber)
}

/**
 * Adapts `client` for the fleet tier. Commands run on `client`; a subscription runs on
 * `subscriber` when given (a connection of the user's, which the link never closes), or else on
 * a connection the link makes with `duplicate()` and closes with the subscription. On a cluster
 * that connection goes to one master.
 *
 * Replies come back as `Reply` values whichever library or protocol decoded them.
 * Nothing here times out or retries: the client's own policy applies, and the tier wraps each
 * call with its own bounds.
 * @param client an ioredis `Redis` or `Cluster` (ioredis 5 or 6), or a node-redis client from
 *   `createClient` or `createCluster` (redis 5 or 6), connected.
 * @param subscriber optionally, a second connected standalone client of either library, kept
 *   for subscriptions (a connection in subscribe mode can run no other command under RESP2).
 * @throws TypeError with code `ERR_INVALID_ARG_TYPE` when `client` or `subscriber` is neither.
 */
export function linkTo(client: unknown, subscriber?: unknown): LinkedClient {
  const given = subscriberOf(subscriber)
  if (isIoredisClient(client) || isIoredisCluster(client)) {
    const source: IoredisClient | IoredisCluster = client
    return {
      link: linkOver(ioredisDriver(source)),
      subscribe: async (channel, events) =>
        given
          ? given(channel, events)
          : ioredisSubscribe(ioredisSubscriber(source), true, channel, events),
    }
  }
  if (isNodeRedisClient(client) || isNodeRedisCluster(client)) {
    const source: NodeRedisClient | NodeRedisCluster = client
    return {
      link: linkOver(nodeRedisDriver(source)),
      subscribe: async (channel, events) =>
        given
          ? given(channel, events)
          : nodeRedisSubscribe(await nodeRedisSubscriber(source), true, channel, events),
    }
  }
  throw argumentTypeError('client', CLIENTS, client)
}
