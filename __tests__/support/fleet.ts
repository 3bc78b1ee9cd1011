// Instances of a fleet inside one test process: each a CacheManager with its own Redis client and
// tier, as separate servers would have. Multi-process tests fork real ones (fleet-child.mjs).
import { Redis } from 'ioredis'
import { CacheManager, type CacheOptions } from '../../dist/index.js'
import { type RedisTierOptions, redisTier } from '../../dist/redis/index.js'
import type { RedisServer } from './redis.js'

export interface Instance {
  cache: CacheManager
  client: Redis
  tier: ReturnType<typeof redisTier>
}

export interface Fleet {
  instances: Instance[]
  /** A plain client on the same Redis, to look at or change what the tier stored. */
  admin: Redis
  close(): Promise<void>
}

export async function startFleet(
  server: RedisServer,
  count: number,
  tierOptions: Partial<RedisTierOptions> = {},
  cacheOptions: CacheOptions = {},
): Promise<Fleet> {
  const instances: Instance[] = []
  for (let i = 0; i < count; i += 1) {
    const client = new Redis(server.port, '127.0.0.1', { lazyConnect: false })
    client.on('error', () => {})
    const tier = redisTier({ client, prefix: 'test:', ...tierOptions })
    instances.push({ cache: new CacheManager({ ...cacheOptions, tier }), client, tier })
  }
  await Promise.all(instances.map(({ tier }) => tier.ready()))
  const admin = new Redis(server.port, '127.0.0.1')
  admin.on('error', () => {})
  return {
    instances,
    admin,
    async close() {
      await Promise.all(instances.map(({ cache }) => cache.close()))
      for (const { client } of instances) client.disconnect()
      admin.disconnect()
    },
  }
}

/** Resolves once `condition()` holds: for what another connection delivers (pub/sub). */
export async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = performance.now() + ms
  while (!condition()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

/** How many times Redis ran `command` (from INFO commandstats), e.g. 'evalsha'. */
export async function commandCount(admin: Redis, command: string): Promise<number> {
  const info = await admin.info('commandstats')
  const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)
  return match === null ? 0 : Number(match[1])
}

/** How many scripts Redis ran: EVAL, and EVALSHA less its NOSCRIPT failures. */
export async function scriptRuns(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats')
  const stat = (command: string, field: string) =>
    Number(new RegExp(`cmdstat_${command}:.*?${field}=(\\d+)`).exec(info)?.[1] ?? 0)
  return stat('evalsha', 'calls') - stat('evalsha', 'failed_calls') + stat('eval', 'calls')
}
