// Connected clients of each library the fleet tier supports, for the servers of redis.ts: ioredis
// 5 and 6, node-redis 5 and 6 (the `redis` package; the 6s are installed under npm aliases),
// standalone or cluster. Each reconnects every 20 ms, so a suite that restarts a server waits on
// the reconnect rather than on a library's back-off, and records its 'error' events instead of
// letting node-redis throw them.
import { type EventEmitter, once } from 'node:events'
import IoredisFive, { Cluster as IoredisFiveCluster } from 'ioredis'
import IoredisSix, { Cluster as IoredisSixCluster } from 'ioredis-6'
import { createClient as nodeRedisFive, createCluster as nodeRedisFiveCluster } from 'redis'
import { createClient as nodeRedisSix, createCluster as nodeRedisSixCluster } from 'redis-6'

import type { RedisCluster, RedisServer } from './redis.js'

/** The client libraries, by name and major version. */
export const FLAVOURS = ['ioredis 5', 'ioredis 6', 'node-redis 5', 'node-redis 6'] as const
export type Flavour = (typeof FLAVOURS)[number]

/** A connected client, the errors it has emitted, and how to close it. */
export interface Connected<C = unknown> {
  readonly client: C
  readonly errors: Error[]
  /** Closes the connection at once (no QUIT round trip); safe to call again. */
  close(): Promise<void>
}

const RECONNECT_MS = 20

interface IoredisLike {
  readonly status: string
  connect(): Promise<unknown>
  disconnect(): void
}
interface NodeRedisLike {
  readonly isOpen: boolean
  connect(): Promise<unknown>
  destroy(): void
  on(event: 'error', listener: (error: Error) => void): unknown
}

async function ioredisConnected<C extends IoredisLike>(client: C): Promise<Connected<C>> {
  const errors: Error[] = []
  const emitter = client as unknown as EventEmitter
  emitter.on('error', (error: Error) => errors.push(error))
  await client.connect()
  return {
    client,
    errors,
    async close() {
      if (client.status === 'end') return
      const ended = once(emitter, 'end')
      client.disconnect()
      await ended
    },
  }
}

async function nodeRedisConnected<C extends NodeRedisLike>(client: C): Promise<Connected<C>> {
  const errors: Error[] = []
  client.on('error', (error) => errors.push(error))
  await client.connect()
  return {
    client,
    errors,
    close: () => {
      if (client.isOpen) client.destroy()
      return Promise.resolve()
    },
  }
}

const ioredisOptions = { lazyConnect: true, retryStrategy: () => RECONNECT_MS } as const

/** An ioredis `Redis` (version 5 unless `version` is 6) connected to `server`. */
export function connectIoredis(server: RedisServer, version: 5 | 6 = 5) {
  return version === 5
    ? ioredisConnected(new IoredisFive(server.port, server.host, ioredisOptions))
    : ioredisConnected(new IoredisSix(server.port, server.host, ioredisOptions))
}

/** A node-redis client (version 5 unless `version` is 6) connected to `server`. */
export function connectNodeRedis(server: RedisServer, version: 5 | 6 = 5) {
  const options = { url: server.url, socket: { reconnectStrategy: () => RECONNECT_MS } }
  return version === 5
    ? nodeRedisConnected(nodeRedisFive(options))
    : nodeRedisConnected(nodeRedisSix(options))
}

/** An ioredis `Cluster` (version 5 unless `version` is 6) connected to `cluster`. */
export function connectIoredisCluster(cluster: RedisCluster, version: 5 | 6 = 5) {
  const options = {
    lazyConnect: true,
    clusterRetryStrategy: () => RECONNECT_MS,
  }
  return version === 5
    ? ioredisConnected(new IoredisFiveCluster(cluster.nodes, options))
    : ioredisConnected(new IoredisSixCluster(cluster.nodes, options))
}

/** A node-redis cluster (version 5 unless `version` is 6) connected to `cluster`. */
export function connectNodeRedisCluster(cluster: RedisCluster, version: 5 | 6 = 5) {
  const options = {
    rootNodes: cluster.nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })),
    defaults: { socket: { reconnectStrategy: () => RECONNECT_MS } },
  }
  return version === 5
    ? nodeRedisConnected(nodeRedisFiveCluster(options))
    : nodeRedisConnected(nodeRedisSixCluster(options))
}

/** A client of `flavour` connected to the standalone `server`. */
export function connect(flavour: Flavour, server: RedisServer): Promise<Connected> {
  switch (flavour) {
    case 'ioredis 5':
      return connectIoredis(server, 5)
    case 'ioredis 6':
      return connectIoredis(server, 6)
    case 'node-redis 5':
      return connectNodeRedis(server, 5)
    case 'node-redis 6':
      return connectNodeRedis(server, 6)
  }
}

/** A cluster client of `flavour` connected to `cluster`. */
export function connectCluster(flavour: Flavour, cluster: RedisCluster): Promise<Connected> {
  switch (flavour) {
    case 'ioredis 5':
      return connectIoredisCluster(cluster, 5)
    case 'ioredis 6':
      return connectIoredisCluster(cluster, 6)
    case 'node-redis 5':
      return connectNodeRedisCluster(cluster, 5)
    case 'node-redis 6':
      return connectNodeRedisCluster(cluster, 6)
  }
}
