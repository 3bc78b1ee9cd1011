// Redis slow, down, restarting, or holding bytes this cache cannot read: no request fails or
// hangs because of it, and every fault is counted.
import { afterEach, describe, expect, it } from 'vitest'
import { deferred, rejectionOf } from '../support/async.js'
import { type Fleet, type Instance, scriptRuns, startFleet, until } from '../support/fleet.js'
import { watchWarnings } from '../support/process.js'
import { type RedisServer, startRedis } from '../support/redis.js'

// Each test gets its own server: several of them stop or kill it.
let server: RedisServer | undefined
let fleet: Fleet | undefined

afterEach(async () => {
  await fleet?.close()
  fleet = undefined
  await server?.stop()
  server = undefined
})

async function fleetOf(count: number, tierOptions = {}): Promise<Fleet> {
  server = await startRedis()
  fleet = await startFleet(server, count, tierOptions)
  return fleet
}

const FAST = { commandTimeoutMs: 100, breaker: { failureThreshold: 2, retryAfterMs: 300 } }

describe('Redis paused (SIGSTOP)', () => {
  it('answers misses by fetching locally, opens the breaker, and closes it once Redis is back', async () => {
    const { instances, admin } = await fleetOf(1, FAST)
    const { cache } = instances[0]!
    await cache.getOrFetch('cached', () => 'L1', 60_000)
    const scriptsBefore = await scriptRuns(admin)
    server!.pause()
    // Each instance still coalesces its own callers and serves its L1.
    let calls = 0
    const fetcher = () => `local ${++calls}`
    const answers = await Promise.all([
      cache.getOrFetch('a', fetcher, 60_000),
      cache.getOrFetch('a', fetcher, 60_000),
    ])
    expect(answers).toEqual(['local 1', 'local 1'])
    expect(await cache.getOrFetch('cached', () => 'x', 60_000)).toBe('L1')
    expect(await cache.getOrFetch('b', fetcher, 60_000)).toBe('local 2')
    const open = cache.stats().tier!
    expect(open.breaker).toBe('open')
    expect(open.redisErrors).toBeGreaterThanOrEqual(2)
    expect(open.localFetches).toBe(2)
    // While open, a miss does not wait for Redis at all, and sends it nothing.
    const errorsBefore = open.redisErrors
    expect(await cache.getOrFetch('c', fetcher, 60_000)).toBe('local 3')
    for (let i = 0; i < 50; i += 1) await cache.getOrFetch(`more ${i}`, fetcher, 60_000)
    expect(cache.stats().tier!.redisErrors).toBe(errorsBefore)
    server!.resume()
    await until(() => cache.stats().tier!.breaker === 'half-open', 'the retry time', 5_000)
    // The probe: a lease, won (the first was 'cached''s).
    expect(await cache.getOrFetch('d', fetcher, 60_000)).toBe('local 54')
    expect(cache.stats().tier).toMatchObject({ breaker: 'closed', leasesWon: 2 })
    // The acquires that timed out ran once Redis woke up; their leases were let go right after.
    expect(await admin.exists('test:{k:a}:lease', 'test:{k:b}:lease')).toBe(0)
    // Two acquires that timed out and their two releases, then the probe's acquire and write:
    // none for the 51 misses the open breaker kept from Redis.
    expect((await scriptRuns(admin)) - scriptsBefore).toBe(6)
  })

  it('resolves delete, set, invalidateTag and clear with the local change made', async () => {
    const { instances } = await fleetOf(1, FAST)
    const { cache } = instances[0]!
    await cache.set('k', 'v', 60_000)
    server!.pause()
    await cache.set('k2', 'v2', 60_000)
    expect(await cache.delete('k')).toBe(true)
    expect(await cache.invalidateTag('T')).toBe(0)
    await cache.clear()
    expect(cache.size).toBe(0)
    server!.resume()
  })

  it('sends a fetch waiting on a lease back to fetch alone when Redis stops answering', async () => {
    const { instances, admin } = await fleetOf(1, { ...FAST, leaseMs: 60_000 })
    await admin.set('test:{k:k}:lease', 'other:1', 'PX', 60_000)
    const answer = instances[0]!.cache.getOrFetch('k', () => 'alone', 60_000)
    await until(() => instances[0]!.cache.stats().tier!.leasesWaited === 1, 'the wait')
    server!.pause()
    // The breaker opens on the next failures; the subscriber's loss, or the breaker, wakes it.
    await rejectionOf(instances[0]!.cache.getOrFetch('x', () => Promise.reject(new Error('x')), 1))
    await rejectionOf(instances[0]!.cache.getOrFetch('y', () => Promise.reject(new Error('y')), 1))
    expect(await answer).toBe('alone')
    server!.resume()
  })
})

describe('Redis paused after a fetch', () => {
  it("keeps a leader's result in L1 as its fetcher decided when Redis stops before the write", async () => {
    const { instances } = await fleetOf(1, FAST)
    const { cache } = instances[0]!
    const gate = deferred<void>()
    const answer = cache.getOrFetch(
      'k',
      async ({ options }) => {
        await gate.promise
        options.tags = ['decided']
        options.ttlMs = 120_000
        return 'v'
      },
      { ttlMs: 60_000, tags: ['call'] },
    )
    await until(() => cache.stats().tier!.leasesWon === 1, 'the lease')
    server!.pause() // the decided tags cannot reach Redis: the write is given up
    gate.resolve()
    expect(await answer).toBe('v')
    expect(cache.getRemainingTTL('k')).toBeGreaterThan(60_000)
    expect(await cache.invalidateTag('call')).toBe(0)
    expect(await cache.invalidateTag('decided')).toBe(1)
    server!.resume()
  })
})

describe('Redis killed and restarted', () => {
  it('keeps answering, and re-reads L1 entries once the subscription is back', async () => {
    const { instances } = await fleetOf(2, FAST)
    const [a, b] = instances as [Instance, Instance]
    await a.cache.getOrFetch('k', () => 'before', 60_000)
    await b.cache.getOrFetch('k', () => 'x', 60_000)
    expect(b.cache.has('k')).toBe(true)
    await server!.kill()
    expect(await b.cache.getOrFetch('k', () => 'x', 60_000)).toBe('before') // L1
    expect(await b.cache.getOrFetch('new', () => 'local', 60_000)).toBe('local')
    await server!.restart()
    // An invalidation may have been missed while the subscription was down: L1 is dropped.
    await until(() => !b.cache.has('k'), 'the subscription to come back', 10_000)
    await until(() => b.cache.stats().tier!.breaker !== 'open', 'the breaker to retry', 5_000)
    expect(await b.cache.getOrFetch('k', () => 'after', 60_000)).toBe('after')
  })
})

describe('payloads', () => {
  it('treats a corrupt payload as a miss, reports it, and replaces it', async () => {
    const { instances, admin } = await fleetOf(1)
    await admin.hset('test:{k:k}', 'd', Buffer.from([0xde, 0xad, 0xbe, 0xef]), 'f', '-1')
    const warnings = watchWarnings()
    try {
      expect(await instances[0]!.cache.getOrFetch('k', () => 'fetched', 60_000)).toBe('fetched')
      const herdcache = await warnings.settled()
      expect(herdcache.map((w) => w.code)).toContain('HERDCACHE_BAD_PAYLOAD')
    } finally {
      warnings.stop()
    }
    expect(instances[0]!.cache.stats().tier!.payloadErrors).toBe(1)
    await admin.hset('test:{k:k}', 'd', Buffer.from('garbage'))
    expect(await instances[0]!.cache.get('k')).toBe('fetched') // its L1 copy
    await instances[0]!.cache.clear()
    await admin.hset('test:{k:k}', 'd', Buffer.from('garbage'), 'f', '-1')
    expect(await instances[0]!.cache.get('k')).toBeNull() // get() reads nothing from it
    expect(instances[0]!.cache.stats().tier!.payloadErrors).toBe(2)
    const stored = await admin.hgetBuffer('test:{k:k}', 'd')
    expect(stored?.equals(Buffer.from([0xde, 0xad, 0xbe, 0xef]))).toBe(false)
  })

  it('rejects a value the codec cannot encode, on every instance, and stores it nowhere', async () => {
    const { instances, admin } = await fleetOf(2)
    const gate = deferred<void>()
    const fetcher = async () => {
      await gate.promise
      return { callback: () => 1 }
    }
    const first = rejectionOf(instances[0]!.cache.getOrFetch('k', fetcher, 60_000))
    await until(() => instances[0]!.cache.stats().tier!.leasesWon === 1, 'the lease')
    const second = rejectionOf(instances[1]!.cache.getOrFetch('k', fetcher, 60_000))
    await until(() => instances[1]!.cache.stats().tier!.leasesWaited === 1, 'the wait')
    gate.resolve()
    const [own, remote] = (await Promise.all([first, second])) as [
      Error & { code?: string },
      Error & { code?: string },
    ]
    expect(own.code).toBe('ERR_HERDCACHE_ENCODE')
    expect(remote.code).toBe('ERR_HERDCACHE_REMOTE_FETCH')
    expect(await admin.exists('test:{k:k}', 'test:{k:k}:lease')).toBe(0)
    expect(instances[0]!.cache.has('k')).toBe(false)
  })

  it('rejects set() of a value the codec cannot encode, leaving L1 and Redis as they were', async () => {
    const { instances, admin } = await fleetOf(1)
    const { cache } = instances[0]!
    await cache.set('k', 'old', 60_000)
    const error = (await rejectionOf(cache.set('k', Symbol('x'), 60_000))) as { code?: string }
    expect(error.code).toBe('ERR_HERDCACHE_ENCODE')
    expect(cache.peek('k')).toBe('old')
    expect(await admin.exists('test:{k:k}')).toBe(1)
  })
})

describe('Redis failing mid-operation', () => {
  it('answers get() with null, and tagged misses locally, while Redis does not answer', async () => {
    const { instances } = await fleetOf(1, FAST)
    const { cache } = instances[0]!
    server!.pause()
    expect(await cache.get('k')).toBeNull()
    const answer = await cache.getOrFetch('t', () => 'local', { ttlMs: 60_000, tags: ['T'] })
    expect(answer).toBe('local')
    expect(cache.stats().tier!.localFetches).toBe(1)
    server!.resume()
  })

  it('lets the lease go and wakes the waiters when the write times out and Redis comes back', async () => {
    const { instances, admin } = await fleetOf(2, { ...FAST, leaseMs: 60_000 })
    const [a, b] = instances as [Instance, Instance]
    const gate = deferred<string>()
    const held = a.cache.getOrFetch('k', () => gate.promise, 60_000)
    await until(() => a.cache.stats().tier!.leasesWon === 1, 'the lease')
    server!.pause()
    gate.resolve('v')
    expect(await held).toBe('v') // answered here, though its write timed out
    server!.resume()
    // The write ran late, the release and the wake behind it: the lease is gone, the value there.
    let lease = await admin.exists('test:{k:k}:lease')
    const end = performance.now() + 5_000
    while (lease !== 0 && performance.now() < end) lease = await admin.exists('test:{k:k}:lease')
    expect(lease).toBe(0)
    await until(() => b.cache.stats().tier!.breaker === 'closed', 'b to be asking Redis')
    expect(await b.cache.getOrFetch('k', () => 'refetched', 60_000)).toBe('v')
  })
})
