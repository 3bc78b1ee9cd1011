// The fleet tier on every client library it supports (ioredis 5 and 6, node-redis 5 and 6),
// against a standalone redis-server and a three-master Redis Cluster: one upstream call per key
// across the instances, and changes reaching all of them, with no command spanning slots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CacheManager } from '../../dist/index.js'
import { redisTier } from '../../dist/redis/index.js'
import { until } from '../support/fleet.js'
import {
  type RedisCluster,
  type RedisServer,
  startRedis,
  startRedisCluster,
  wireCommand,
} from '../support/redis.js'
import {
  type Connected,
  connect,
  connectCluster,
  FLAVOURS,
  type Flavour,
} from '../support/redis-clients.js'

let server: RedisServer
let cluster: RedisCluster

beforeAll(async () => {
  ;[server, cluster] = await Promise.all([startRedis(), startRedisCluster(3)])
}, 60_000)
afterAll(async () => {
  await Promise.all([server.stop(), cluster.stop()])
})

interface Member {
  cache: CacheManager
  connection: Connected
}

const TOPOLOGIES = ['standalone', 'cluster'] as const

async function fleetOn(
  flavour: Flavour,
  topology: (typeof TOPOLOGIES)[number],
  prefix: string,
): Promise<Member[]> {
  const members: Member[] = []
  for (let i = 0; i < 3; i += 1) {
    const connection =
      topology === 'standalone'
        ? await connect(flavour, server)
        : await connectCluster(flavour, cluster)
    const tier = redisTier({ client: connection.client as object, prefix })
    members.push({ cache: new CacheManager({ tier }), connection })
    await tier.ready()
  }
  return members
}

async function closeFleet(members: Member[]): Promise<void> {
  for (const { cache, connection } of members) {
    await cache.close()
    await connection.close()
  }
}

/** Errors of a kind (CROSSSLOT, MOVED, ...) every node has counted, from INFO errorstats. */
async function errorCount(kind: string): Promise<number> {
  const ports = [server.port, ...cluster.nodes.map((node) => node.port)]
  let total = 0
  for (const port of ports) {
    const info = String(await wireCommand(port, ['INFO', 'errorstats']))
    total += Number(new RegExp(`errorstat_${kind}:count=(\\d+)`).exec(info)?.[1] ?? 0)
  }
  return total
}

// Keys that land in many slots, so a cluster spreads them over its masters.
const KEYS = Array.from({ length: 12 }, (_, i) => `user:${i}`)

for (const flavour of FLAVOURS) {
  for (const topology of TOPOLOGIES) {
    describe(`${flavour}, ${topology}`, () => {
      const prefix = `${flavour.replace(' ', '')}-${topology}:`

      it('makes one upstream call per key across three instances', async () => {
        const members = await fleetOn(flavour, topology, `${prefix}burst:`)
        try {
          const calls = new Map<string, number>()
          const fetcher = async ({ key }: { key: string }) => {
            calls.set(key, (calls.get(key) ?? 0) + 1)
            await new Promise((resolve) => setImmediate(resolve))
            return { key, at: new Date(1) }
          }
          const answers = await Promise.all(
            members.flatMap(({ cache }) =>
              KEYS.map((key) => cache.getOrFetch(key, fetcher, 60_000)),
            ),
          )
          expect(answers).toHaveLength(KEYS.length * members.length)
          expect(answers.every((answer) => (answer as { at: Date }).at instanceof Date)).toBe(true)
          expect([...calls.values()]).toEqual(KEYS.map(() => 1))
        } finally {
          await closeFleet(members)
        }
      })

      it('carries delete, invalidateTag and clear to every instance', async () => {
        const members = await fleetOn(flavour, topology, `${prefix}changes:`)
        try {
          const [a, b, c] = members.map(({ cache }) => cache) as [
            CacheManager,
            CacheManager,
            CacheManager,
          ]
          for (const key of KEYS) {
            await a.getOrFetch(key, () => key, { ttlMs: 60_000, tags: [`tag:${key}`, 'all'] })
          }
          for (const cache of [b, c]) for (const key of KEYS) await cache.get(key)
          const received = (cache: CacheManager) => cache.stats().tier!.invalidationsReceived

          await a.delete('user:0')
          await until(() => received(b) === 1 && received(c) === 1, 'the delete')
          expect(b.has('user:0') || c.has('user:0')).toBe(false)
          expect(await c.get('user:0')).toBeNull()

          await b.invalidateTag('tag:user:1')
          await until(() => received(a) === 1 && received(c) === 2, 'the tag')
          expect(a.has('user:1') || c.has('user:1')).toBe(false)
          expect(await a.get('user:1')).toBeNull()
          expect(await a.get('user:2')).toBe('user:2')

          await c.clear()
          await until(() => received(a) === 2 && received(b) === 2, 'the clear')
          for (const key of KEYS) expect(await b.get(key)).toBeNull()
          expect(a.size + b.size).toBe(0)
        } finally {
          await closeFleet(members)
        }
      })
    })
  }
}

it('ran no command that spans slots or went to the wrong node', async () => {
  expect(await errorCount('CROSSSLOT')).toBe(0)
  expect(await errorCount('MOVED')).toBe(0)
})
