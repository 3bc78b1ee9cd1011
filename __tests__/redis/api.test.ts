// redisTier's options, the tier option of CacheManager, close(), and what stats() and metrics()
// report about the tier.
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CacheManager } from '../../dist/index.js'
import { redisTier } from '../../dist/redis/index.js'
import { parseExposition, seriesId } from '../support/prometheus.js'
import { type RedisServer, startRedis } from '../support/redis.js'
import { expectThrown } from '../support/throws.js'

let server: RedisServer
let client: Redis

beforeAll(async () => {
  server = await startRedis()
  client = new Redis(server.port, '127.0.0.1')
})
afterAll(async () => {
  client.disconnect()
  await server.stop()
})

const loose = redisTier as (options: unknown) => unknown

describe('redisTier options', () => {
  const T = 'ERR_INVALID_ARG_TYPE'
  const R = 'ERR_OUT_OF_RANGE'
  const U = 'ERR_HERDCACHE_UNKNOWN_OPTION'
  it.each([
    [
      'options that are not an object',
      5,
      TypeError,
      T,
      /^options must be an object, received number 5$/,
    ],
    ['a missing client', {}, TypeError, T, /^client must be an object, received undefined$/],
    ['a client that is no Redis client', { client: {} }, TypeError, T, /^client must be /],
    ['an unknown option', { leaseMS: 5 }, TypeError, U, /^options\.leaseMS is not an option/],
    [
      'a prefix with braces',
      { prefix: 'a{b}' },
      RangeError,
      R,
      /^prefix must be a string without braces, received string 'a\{b\}'$/,
    ],
    [
      'a prefix that is not a string',
      { prefix: 5 },
      TypeError,
      T,
      /^prefix must be a string without braces, received number 5$/,
    ],
    [
      'leaseMs 0',
      { leaseMs: 0 },
      RangeError,
      R,
      /^leaseMs must be a positive integer, received number 0$/,
    ],
    [
      'commandTimeoutMs 1.5',
      { commandTimeoutMs: 1.5 },
      RangeError,
      R,
      /^commandTimeoutMs must be a positive integer, received number 1.5$/,
    ],
    [
      'an unknown breaker option',
      { breaker: { threshold: 1 } },
      TypeError,
      U,
      /^options\.breaker\.threshold is not an option/,
    ],
    [
      'breaker.failureThreshold -1',
      { breaker: { failureThreshold: -1 } },
      RangeError,
      R,
      /^breaker\.failureThreshold must be a positive integer, received number -1$/,
    ],
    [
      'a codec without decode',
      { codec: { name: 'x', encode: () => new Uint8Array() } },
      TypeError,
      T,
      /^codec\.decode must be a function, received undefined$/,
    ],
    [
      'a codec with a long name',
      { codec: { name: 'x'.repeat(33), encode() {}, decode() {} } },
      TypeError,
      T,
      /^codec\.name must be a string of 1 to 32 printable ASCII characters without spaces/,
    ],
  ] as const)('throws for %s, naming it', (what, options, type, code, message) => {
    // Cases about other options get a real client, so only the option named can be wrong.
    const given =
      typeof options === 'object' && !('client' in options) && what !== 'a missing client'
        ? { ...options, client }
        : options
    expectThrown(() => loose(given), type, code, message)
  })

  it('rejects a tier option that is not a tier', () => {
    expectThrown(
      () => new CacheManager({ tier: {} as never }),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      /^tier must be a tier made by redisTier\(\) from 'herdcache\/redis', received an object$/,
    )
  })

  it('serves one cache: a second cache with the same tier throws', async () => {
    const tier = redisTier({ client })
    const cache = new CacheManager({ tier })
    expectThrown(
      () => new CacheManager({ tier }),
      TypeError,
      'ERR_HERDCACHE_TIER_IN_USE',
      /^tier is already attached to a cache: make one tier per CacheManager$/,
    )
    await cache.close()
  })
})

describe('close()', () => {
  it('unsubscribes, leaves the client open, and lets the cache go on locally', async () => {
    const tier = redisTier({ client, prefix: 'close:' })
    const cache = new CacheManager({ tier })
    await tier.ready()
    const subscribers = async () =>
      ((await client.call('PUBSUB', 'NUMSUB', 'close:herdcache:bus')) as [string, number])[1]
    expect(await subscribers()).toBe(1)
    await cache.close()
    await cache.close()
    // The link's own connection is destroyed at once; Redis notices the hang-up a moment later.
    let left = await subscribers()
    for (let i = 0; i < 500 && left !== 0; i += 1) left = await subscribers()
    expect(left).toBe(0)
    expect(await client.ping()).toBe('PONG')
    expect(await cache.getOrFetch('k', () => 'local', 60_000)).toBe('local')
    expect(cache.stats().tier!.localFetches).toBe(1)
    expect(await client.exists('close:{k:k}')).toBe(0)
  })
})

describe('observability', () => {
  it('reports the tier counters in stats() and metrics()', async () => {
    const tier = redisTier({ client, prefix: 'metrics:' })
    const cache = new CacheManager({ tier, name: 'fleet' })
    await tier.ready()
    await cache.getOrFetch('k', () => 'v', 60_000)
    const stats = cache.stats().tier!
    expect(stats).toMatchObject({ l2Misses: 1, leasesWon: 1, breaker: 'closed' })
    const { samples } = parseExposition(cache.metrics())
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.get(seriesId(name, { cache: 'fleet', ...labels }))
    expect(value('herdcache_tier_leases_won_total')).toBe(1)
    expect(value('herdcache_tier_l2_misses_total')).toBe(1)
    expect(value('herdcache_tier_breaker_state', { state: 'closed' })).toBe(1)
    expect(value('herdcache_tier_breaker_state', { state: 'open' })).toBe(0)
    await cache.close()
  })

  it('reports no tier in stats() for a cache without one', () => {
    expect(new CacheManager().stats().tier).toBeUndefined()
    expect(new CacheManager().metrics()).not.toContain('herdcache_tier_')
  })
})

describe('the subscriber', () => {
  it('resolves ready() at once for a tier no cache uses yet', async () => {
    await expect(redisTier({ client }).ready()).resolves.toBeUndefined()
  })

  it('subscribes on a given subscriber, and leaves it open on close()', async () => {
    const subscriber = new Redis(server.port, '127.0.0.1')
    const tier = redisTier({ client, subscriber, prefix: 'given:' })
    const cache = new CacheManager({ tier })
    await tier.ready()
    const count = async () =>
      ((await client.call('PUBSUB', 'NUMSUB', 'given:herdcache:bus')) as [string, number])[1]
    expect(await count()).toBe(1)
    await cache.close()
    expect(await subscriber.ping()).toBe('PONG')
    subscriber.disconnect()
  })

  it('counts a subscription that fails, and works on without it', async () => {
    const { connectNodeRedis } = await import('../support/redis-clients.js')
    const closed = await connectNodeRedis(server)
    await closed.close()
    const tier = redisTier({ client, subscriber: closed.client, prefix: 'nosub:' })
    const cache = new CacheManager({ tier })
    await tier.ready()
    expect(cache.stats().tier!.redisErrors).toBe(1)
    expect(await cache.getOrFetch('k', () => 'v', 60_000)).toBe('v')
    expect(cache.stats().tier!.leasesWon).toBe(1)
    await cache.close()
  })
})
