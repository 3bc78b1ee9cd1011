// Issue 12, point 1, with the fleet tier against a real redis-server: the instance that leads a
// fetch writes its result to Redis as the fetcher decided through `context.options` (times,
// tags, or nothing at all), not as the call asked.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { FetchContext } from '../../dist/index.js'
import { RemoteFetchError } from '../../dist/redis/index.js'
import { deferred, rejectionOf } from '../support/async.js'
import { type Fleet, type Instance, startFleet, until } from '../support/fleet.js'
import { type RedisServer, startRedis } from '../support/redis.js'

let server: RedisServer
let fleet: Fleet | undefined

beforeAll(async () => {
  server = await startRedis()
})
afterAll(async () => {
  await server.stop()
})
afterEach(async () => {
  await fleet?.admin.flushall()
  await fleet?.close()
  fleet = undefined
})

async function fleetOf(count: number): Promise<[Fleet, Instance[]]> {
  fleet = await startFleet(server, count)
  return [fleet, fleet.instances]
}

describe('a leading instance writes what the fetcher decided', () => {
  it('writes the value with the TTL and stale window the fetcher decided', async () => {
    const [{ admin }, [a, b]] = await fleetOf(2)
    await a!.cache.getOrFetch(
      'k',
      ({ options }) => {
        options.ttlMs = 10_000
        options.staleWhileRevalidateMs = 5_000
        return 'v'
      },
      { ttlMs: 600_000 },
    )
    const pttl = await admin.pttl('test:{k:k}')
    expect(pttl).toBeGreaterThan(10_000)
    expect(pttl).toBeLessThanOrEqual(15_000)
    const [fresh, stale] = await admin.hmget('test:{k:k}', 'f', 's')
    expect(Number(stale) - Number(fresh)).toBe(5_000)
    expect(await b!.cache.getOrFetch('k', () => 'not called', 600_000)).toBe('v')
  })

  it('writes nothing when the fetcher decides not to store, and lets the lease go', async () => {
    const [{ admin }, [a, b]] = await fleetOf(2)
    const got = await a!.cache.getOrFetch(
      'k',
      ({ options }) => {
        options.store = false
        return 'private'
      },
      60_000,
    )
    expect(got).toBe('private')
    await until(() => a!.cache.stats().tier!.leasesWon === 1, 'the lease')
    for (let i = 0; i < 500 && (await admin.exists('test:{k:k}:lease')) === 1; i += 1) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(await admin.exists('test:{k:k}', 'test:{k:k}:lease')).toBe(0)
    expect(a!.cache.has('k')).toBe(false)
    expect(await b!.cache.getOrFetch('k', () => 'b fetched', 60_000)).toBe('b fetched')
  })

  it('lets a waiting instance fetch for itself when the leader stores nothing', async () => {
    const [, [a, b]] = await fleetOf(2)
    const gate = deferred<void>()
    const leader = a!.cache.getOrFetch(
      'k',
      async ({ options }: FetchContext<string>) => {
        await gate.promise
        options.ttlMs = 0
        return 'from a'
      },
      60_000,
    )
    await until(() => a!.cache.stats().tier!.leasesWon === 1, 'the lease')
    const waiter = b!.cache.getOrFetch('k', () => 'from b', 60_000)
    await until(() => b!.cache.stats().tier!.leasesWaited === 1, 'b to wait')
    gate.resolve()
    expect(await leader).toBe('from a')
    expect(await waiter).toBe('from b')
  })

  it('tags the value in Redis with the tags the fetcher decided, for every instance', async () => {
    const [{ admin }, [a, b]] = await fleetOf(2)
    await a!.cache.getOrFetch(
      'k',
      ({ options }) => {
        options.tags = ['user:42']
        return 'v'
      },
      { ttlMs: 60_000, tags: ['call'] },
    )
    expect(JSON.parse((await admin.hget('test:{k:k}', 't'))!)).toEqual(['user:42'])
    expect(await b!.cache.getOrFetch('k', () => 'not called', 60_000)).toBe('v')
    expect(await b!.cache.invalidateTag('user:42')).toBe(1)
    expect(await admin.exists('test:{k:k}')).toBe(0)
    await until(() => !a!.cache.has('k'), 'the invalidation to reach a')
  })

  it('keeps the tag sets as long as the longer life the fetcher decided', async () => {
    const [{ admin }, [a]] = await fleetOf(1)
    await a!.cache.getOrFetch(
      'k',
      ({ options }) => {
        options.ttlMs = 600_000
        return 'v'
      },
      { ttlMs: 1_000, tags: ['t'] },
    )
    const keys = await admin.keys('test:*')
    const tagSet = keys.find((name) => name !== 'test:{k:k}')!
    expect(await admin.pttl(tagSet)).toBeGreaterThan(500_000)
  })

  it("fails the fleet's fetch with a bad decision, writing nothing", async () => {
    const [{ admin }, [a, b]] = await fleetOf(2)
    const gate = deferred<void>()
    const leader = rejectionOf(
      a!.cache.getOrFetch(
        'k',
        async ({ options }: FetchContext<string>) => {
          await gate.promise
          options.ttlMs = -1
          return 'v'
        },
        60_000,
      ),
    )
    await until(() => a!.cache.stats().tier!.leasesWon === 1, 'the lease')
    const waiter = rejectionOf(b!.cache.getOrFetch('k', () => 'x', 60_000))
    await until(() => b!.cache.stats().tier!.leasesWaited === 1, 'b to wait')
    gate.resolve()
    const error = (await leader) as Error
    expect(error).toBeInstanceOf(RangeError)
    expect(error.message).toBe(
      'ttlMs must be a non-negative number or Infinity, received number -1',
    )
    const remote = await waiter
    expect(remote).toBeInstanceOf(RemoteFetchError)
    expect((remote as RemoteFetchError).remote.name).toBe('RangeError')
    expect(await admin.exists('test:{k:k}')).toBe(0)
  })

  it('keeps a value fetched without the fleet (ttlMs 0 in the call) in L1 only', async () => {
    const [{ admin }, [a]] = await fleetOf(1)
    await a!.cache.getOrFetch(
      'k',
      ({ options }) => {
        options.ttlMs = 60_000
        return 'v'
      },
      0,
    )
    expect(a!.cache.peek('k')).toBe('v')
    expect(await admin.exists('test:{k:k}')).toBe(0)
  })
})
