// The fleet tier against a real redis-server: instances of one fleet are caches in this process,
// each with its own connection and tier, as separate servers would be.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RemoteFetchError } from '../../dist/redis/index.js'
import { deferred, rejectionOf } from '../support/async.js'
import { commandCount, type Fleet, type Instance, startFleet, until } from '../support/fleet.js'
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
  await fleet?.close()
  fleet = undefined
  const { Redis } = await import('ioredis')
  const admin = new Redis(server.port, '127.0.0.1')
  await admin.flushall()
  admin.disconnect()
})

async function fleetOf(count: number, tierOptions = {}, cacheOptions = {}): Promise<Fleet> {
  fleet = await startFleet(server, count, tierOptions, cacheOptions)
  return fleet
}

/** A fetcher that counts its calls and answers once the test says so. */
function gatedFetcher<T>(value: T) {
  const gate = deferred<void>()
  let calls = 0
  return {
    gate,
    get calls() {
      return calls
    },
    fetch: async () => {
      calls += 1
      await gate.promise
      return value
    },
  }
}

describe('reads', () => {
  it('answers an L1 hit without any Redis command', async () => {
    const { instances, admin } = await fleetOf(1)
    const { cache } = instances[0]!
    await cache.getOrFetch('k', () => 'v', 60_000)
    const before = await commandCount(admin, 'evalsha')
    for (let i = 0; i < 100; i += 1)
      expect(await cache.getOrFetch('k', () => 'x', 60_000)).toBe('v')
    expect(await commandCount(admin, 'evalsha')).toBe(before)
  })

  it('answers an L1 miss from Redis, with no upstream call, keeping what the value is', async () => {
    const { instances } = await fleetOf(2)
    const value = { at: new Date(5), big: 2n ** 70n, tags: new Set(['a']), none: undefined }
    await instances[0]!.cache.getOrFetch('k', () => value, 60_000)
    let calls = 0
    const got = await instances[1]!.cache.getOrFetch<unknown>('k', () => ++calls, 60_000)
    expect(calls).toBe(0)
    expect(got).toEqual(value)
    expect((got as typeof value).at).toBeInstanceOf(Date)
    expect(instances[1]!.cache.stats().tier).toMatchObject({ l2Hits: 1, l2Misses: 0 })
  })

  it('keeps a value read from Redis in L1 for the time it has left there', async () => {
    let now = 0
    const { instances } = await fleetOf(2, {}, { clock: () => now })
    await instances[0]!.cache.getOrFetch('k', () => 'v', 10_000)
    await instances[1]!.cache.getOrFetch('k', () => 'x', 60_000)
    now = 9_000 // less than the 10 s the value had left, whatever time the test took
    expect(instances[1]!.cache.peek('k')).toBe('v')
    now = 10_001 // more than it had left: the 60 s this caller asked for do not apply
    expect(instances[1]!.cache.has('k')).toBe(false)
  })

  it("shares a wrapped function's results across instances: its default namespace is its name", async () => {
    const { instances } = await fleetOf(2)
    let calls = 0
    function getUser(id: string) {
      calls += 1
      return Promise.resolve({ id })
    }
    const [a, b] = instances.map(({ cache }) => cache.wrap(getUser, { ttlMs: 60_000 }))
    expect(await a!('42')).toEqual({ id: '42' })
    expect(await b!('42')).toEqual({ id: '42' })
    expect(calls).toBe(1)
  })

  it('reads through to Redis on get(), answering null for a key Redis lacks', async () => {
    const { instances } = await fleetOf(2)
    await instances[0]!.cache.set('k', 'v', 60_000)
    expect(await instances[1]!.cache.get('k')).toBe('v')
    expect(await instances[1]!.cache.get('other')).toBeNull()
  })
})

describe('one upstream call per key across the fleet', () => {
  it('calls the fetcher once for concurrent misses on four instances', async () => {
    // A lease far longer than the test: the waiters are woken by the completion message.
    const { instances } = await fleetOf(4, { leaseMs: 120_000 })
    const fetcher = gatedFetcher({ answer: 42 })
    const waiting = instances.flatMap(({ cache }) =>
      Array.from({ length: 5 }, () => cache.getOrFetch('k', fetcher.fetch, 60_000)),
    )
    await until(() => fetcher.calls === 1, 'the lease holder to call the fetcher')
    fetcher.gate.resolve()
    const answers = await Promise.all(waiting)
    expect(fetcher.calls).toBe(1)
    expect(answers.every((answer) => JSON.stringify(answer) === '{"answer":42}')).toBe(true)
    const tiers = instances.map(({ cache }) => cache.stats().tier!)
    expect(tiers.reduce((sum, t) => sum + t.leasesWon, 0)).toBe(1)
    expect(tiers.reduce((sum, t) => sum + t.leasesWaited, 0)).toBe(3)
  })

  it('writes the value with its TTL and stale windows, then ends the lease', async () => {
    const { instances, admin } = await fleetOf(1)
    await instances[0]!.cache.getOrFetch('k', () => 'v', {
      ttlMs: 10_000,
      staleWhileRevalidateMs: 20_000,
      staleIfErrorMs: 5_000,
    })
    const pttl = await admin.pttl('test:{k:k}')
    expect(pttl).toBeGreaterThan(25_000)
    expect(pttl).toBeLessThanOrEqual(30_000)
    expect(await admin.exists('test:{k:k}:lease')).toBe(0)
  })

  it('lets a waiter take over when the lease runs out with no completion', async () => {
    const { instances, admin } = await fleetOf(2, { leaseMs: 200 })
    // A holder that died mid-fetch: its lease exists, and nothing will ever complete it.
    await admin.set('test:{k:k}:lease', 'dead-instance:1', 'PX', 200)
    let calls = 0
    const answers = await Promise.all(
      instances.map(({ cache }) => cache.getOrFetch('k', () => `v${++calls}`, 60_000)),
    )
    expect(calls).toBe(1)
    expect(new Set(answers)).toEqual(new Set(['v1']))
    const tiers = instances.map(({ cache }) => cache.stats().tier!)
    expect(tiers.reduce((sum, t) => sum + t.takeovers, 0)).toBe(1)
  })

  it('answers a waiter whose completion message was lost once the lease ends', async () => {
    const { instances, admin } = await fleetOf(1, { leaseMs: 200 })
    await admin.set('test:{k:k}:lease', 'other:1', 'PX', 150)
    const answer = instances[0]!.cache.getOrFetch('k', () => 'mine', 60_000)
    // The holder writes its value, and its message never comes.
    const remote = await startFleet(server, 1, { prefix: 'test:' })
    await remote.instances[0]!.cache.set('k', 'theirs', 60_000)
    await remote.close()
    expect(await answer).toBe('theirs')
  })
})

describe('failures', () => {
  it('rejects the waiting instances with the remote error, stores nothing, and fetches anew next time', async () => {
    const { instances, admin } = await fleetOf(3)
    const gate = deferred<void>()
    let calls = 0
    const failing = async () => {
      calls += 1
      await gate.promise
      throw Object.assign(new Error('upstream is down'), { code: 'E_UPSTREAM' })
    }
    const results = instances.map(({ cache }) =>
      rejectionOf(cache.getOrFetch('k', failing, 60_000)),
    )
    await until(() => calls === 1, 'the holder to call the fetcher')
    await until(
      () => instances.reduce((sum, { cache }) => sum + cache.stats().tier!.leasesWaited, 0) === 2,
      'the other instances to wait',
    )
    gate.resolve()
    const errors = await Promise.all(results)
    expect(calls).toBe(1)
    const remote = errors.filter((error) => error instanceof RemoteFetchError)
    expect(remote).toHaveLength(2)
    for (const error of remote) {
      expect(error.code).toBe('ERR_HERDCACHE_REMOTE_FETCH')
      expect(error.remote).toEqual({
        name: 'Error',
        message: 'upstream is down',
        code: 'E_UPSTREAM',
      })
      expect(error.message).toContain('upstream is down')
    }
    expect(await admin.exists('test:{k:k}', 'test:{k:k}:lease')).toBe(0)
    expect(await instances[1]!.cache.getOrFetch('k', () => 'now', 60_000)).toBe('now')
  })

  it('serves a stale value from Redis within staleIfErrorMs when the fetch fails', async () => {
    const { instances, admin } = await fleetOf(2)
    await instances[0]!.cache.getOrFetch('k', () => 'old', {
      ttlMs: 60_000,
      staleIfErrorMs: 60_000,
    })
    await instances[0]!.cache.close()
    // Made stale in Redis: its fresh time is over, its stale-if-error window is not.
    const time = await admin.time()
    const now = Number(time[0]) * 1000
    const past = String(now - 1) // fresh and stale-while-revalidate over; stale-if-error not
    await admin.hset('test:{k:k}', 'f', past, 's', past, 'e', String(now + 60_000))
    const answer = await instances[1]!.cache.getOrFetch(
      'k',
      () => Promise.reject(new Error('down')),
      { ttlMs: 60_000, staleIfErrorMs: 60_000 },
    )
    expect(answer).toBe('old')
  })

  it('refreshes a stale value once for the whole fleet, answering everyone with it meanwhile', async () => {
    const { instances, admin } = await fleetOf(3)
    const options = { ttlMs: 60_000, staleWhileRevalidateMs: 60_000 }
    await instances[0]!.cache.set('k', 'old', options)
    const time = await admin.time()
    const now = Number(time[0]) * 1000
    await admin.hset('test:{k:k}', 'f', String(now - 1), 's', String(now + 60_000))
    const fetcher = gatedFetcher('new')
    const answers = await Promise.all(
      instances.map(({ cache }) => cache.getOrFetch('k', fetcher.fetch, options)),
    )
    // Instance 0 answers from its own L1; the others found the value stale in Redis.
    expect(answers).toEqual(['old', 'old', 'old'])
    await until(() => fetcher.calls === 1, 'one refresh')
    fetcher.gate.resolve()
    await until(
      () => instances.reduce((sum, { cache }) => sum + cache.stats().tier!.leasesWon, 0) === 1,
      'the refresh lease',
    )
    let fresh: unknown
    for (let i = 0; i < 500 && fresh !== 'new'; i += 1) fresh = await instances[2]!.cache.get('k')
    expect(fresh).toBe('new')
    expect(fetcher.calls).toBe(1)
  })

  it('hands the lease on when the holder gives up (timeout), instead of failing the fleet', async () => {
    const { instances } = await fleetOf(2)
    const [a, b] = instances as [Instance, Instance]
    const hanging = ({ signal }: { signal: AbortSignal }) =>
      new Promise<string>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason as Error)),
      )
    const timedOut = rejectionOf(
      a.cache.getOrFetch('k', hanging, { ttlMs: 60_000, timeoutMs: 100 }),
    )
    await until(() => a.cache.stats().tier!.leasesWon === 1, 'the lease')
    const answer = b.cache.getOrFetch('k', () => 'from b', 60_000)
    expect(((await timedOut) as Error).name).toBe('TimeoutError')
    expect(await answer).toBe('from b')
    expect(b.cache.stats().tier!.leasesWon).toBe(1)
  })
})

describe('forceRefresh', () => {
  it('fetches once past a fresh value and replaces it on every instance', async () => {
    const { instances } = await fleetOf(2)
    const [a, b] = instances as [Instance, Instance]
    await a.cache.getOrFetch('k', () => 'old', 60_000)
    expect(await b.cache.getOrFetch('k', () => 'x', 60_000)).toBe('old')
    let calls = 0
    expect(
      await a.cache.getOrFetch('k', () => `new ${++calls}`, { ttlMs: 60_000, forceRefresh: true }),
    ).toBe('new 1')
    await until(() => b.cache.stats().tier!.invalidationsReceived === 1, 'the replacement')
    expect(await b.cache.getOrFetch('k', () => 'x', 60_000)).toBe('new 1')
    expect(calls).toBe(1)
  })
})

describe('the edges of a fleet fetch', () => {
  it('keeps ttlMs 0 local: it coalesces, stores nothing, and asks Redis nothing', async () => {
    const { instances, admin } = await fleetOf(1)
    const before = await commandCount(admin, 'evalsha')
    let calls = 0
    const answers = await Promise.all([
      instances[0]!.cache.getOrFetch('k', () => ++calls, 0),
      instances[0]!.cache.getOrFetch('k', () => ++calls, 0),
    ])
    expect(answers).toEqual([1, 1])
    expect(await commandCount(admin, 'evalsha')).toBe(before)
    expect(instances[0]!.cache.stats().tier!.localFetches).toBe(1)
  })

  it('stops waiting on a lease when its own fetch times out', async () => {
    const { instances, admin } = await fleetOf(1)
    await admin.set('test:{k:k}:lease', 'other:1', 'PX', 60_000)
    const error = await rejectionOf(
      instances[0]!.cache.getOrFetch('k', () => 'never', { ttlMs: 60_000, timeoutMs: 50 }),
    )
    expect((error as Error).name).toBe('TimeoutError')
  })

  it('answers a waiting instance with the stale value within staleIfErrorMs when the holder fails', async () => {
    const { instances, admin } = await fleetOf(3)
    const [a, b, c] = instances as [Instance, Instance, Instance]
    const options = { ttlMs: 60_000, staleIfErrorMs: 60_000 }
    await c.cache.set('k', 'old', options) // a and b hold no copy of it
    const time = await admin.time()
    const now = Number(time[0]) * 1000
    const past = String(now - 1) // fresh and stale-while-revalidate over; stale-if-error not
    await admin.hset('test:{k:k}', 'f', past, 's', past, 'e', String(now + 60_000))
    const gate = deferred<void>()
    const failing = async () => {
      await gate.promise
      throw new Error('down')
    }
    const first = b.cache.getOrFetch('k', failing, options)
    await until(() => b.cache.stats().tier!.leasesWon === 1, 'the lease')
    const second = a.cache.getOrFetch('k', failing, options)
    await until(() => a.cache.stats().tier!.leasesWaited === 1, 'the wait')
    gate.resolve()
    expect(await first).toBe('old')
    expect(await second).toBe('old')
  })

  it('renews the lease while the fetch runs', async () => {
    const { instances, admin } = await fleetOf(1, { leaseMs: 300 })
    const gate = deferred<string>()
    const answer = instances[0]!.cache.getOrFetch('k', () => gate.promise, 60_000)
    await until(() => instances[0]!.cache.stats().tier!.leasesWon === 1, 'the lease')
    // Past the lease's first length, it is still held: renewed every third of it.
    let renewed = false
    const end = performance.now() + 5_000
    let previous = await admin.pttl('test:{k:k}:lease')
    while (!renewed && performance.now() < end) {
      const left = await admin.pttl('test:{k:k}:lease')
      renewed = left > previous
      previous = left
    }
    expect(renewed).toBe(true)
    gate.resolve('v')
    expect(await answer).toBe('v')
    expect(await admin.exists('test:{k:k}:lease')).toBe(0)
  })

  it('stops renewing when the cache closes mid-fetch', async () => {
    const { instances, admin } = await fleetOf(1, { leaseMs: 150 })
    const gate = deferred<string>()
    const answer = instances[0]!.cache.getOrFetch('k', () => gate.promise, 60_000)
    await until(() => instances[0]!.cache.stats().tier!.leasesWon === 1, 'the lease')
    await instances[0]!.cache.close()
    // Unrenewed, the lease runs out.
    let left = await admin.pttl('test:{k:k}:lease')
    const end = performance.now() + 5_000
    while (left >= 0 && performance.now() < end) left = await admin.pttl('test:{k:k}:lease')
    expect(left).toBe(-2)
    gate.resolve('v')
    expect(await answer).toBe('v')
  })
})
