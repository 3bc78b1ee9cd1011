// Changes made on one instance reach Redis and every other instance's L1; a fetch that began
// before an invalidation of its key never writes its (now outdated) result.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { deferred } from '../support/async.js'
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

async function warmFleet(count: number, keys: string[], tags: string[] = []): Promise<Fleet> {
  fleet = await startFleet(server, count)
  for (const { cache } of fleet.instances) {
    for (const key of keys) await cache.getOrFetch(key, () => `v:${key}`, { ttlMs: 60_000, tags })
  }
  for (const { cache } of fleet.instances) for (const key of keys) expect(cache.has(key)).toBe(true)
  return fleet
}

function received(fleet: Fleet, index: number): number {
  return fleet.instances[index]!.cache.stats().tier!.invalidationsReceived
}

describe('invalidations reach every instance', () => {
  it('delete removes the key from Redis and from every L1, without echo to the sender', async () => {
    const f = await warmFleet(3, ['k', 'other'])
    expect(await f.instances[0]!.cache.delete('k')).toBe(true)
    expect(await f.admin.exists('test:{k:k}')).toBe(0)
    await until(() => received(f, 1) === 1 && received(f, 2) === 1, 'the delete to arrive')
    for (const { cache } of f.instances) {
      expect(cache.has('k')).toBe(false)
      expect(cache.has('other')).toBe(true)
    }
    expect(received(f, 0)).toBe(0)
    expect(f.instances[0]!.cache.stats().tier!.invalidationsSent).toBe(1)
  })

  it('set replaces the value in Redis, and the others read the new one', async () => {
    const f = await warmFleet(3, ['k'])
    await f.instances[0]!.cache.set('k', 'new', 60_000)
    await until(() => received(f, 1) === 1 && received(f, 2) === 1, 'the set to arrive')
    for (const { cache } of f.instances.slice(1)) {
      expect(cache.has('k')).toBe(false)
      expect(await cache.getOrFetch('k', () => 'fetched', 60_000)).toBe('new')
    }
  })

  it('invalidateTag removes the tagged keys everywhere, including copies read from Redis', async () => {
    fleet = await startFleet(server, 3)
    const f = fleet
    await f.instances[0]!.cache.getOrFetch('a', () => 'A', { ttlMs: 60_000, tags: ['T'] })
    await f.instances[0]!.cache.getOrFetch('b', () => 'B', { ttlMs: 60_000, tags: ['U'] })
    // Instance 1 reads both from Redis without naming tags: its copies still carry them.
    expect(await f.instances[1]!.cache.getOrFetch('a', () => 'x', 60_000)).toBe('A')
    expect(await f.instances[1]!.cache.getOrFetch('b', () => 'x', 60_000)).toBe('B')
    await f.instances[2]!.cache.invalidateTag('T')
    expect(await f.admin.exists('test:{k:a}')).toBe(0)
    expect(await f.admin.exists('test:{k:b}')).toBe(1)
    await until(() => received(f, 0) === 1 && received(f, 1) === 1, 'the tag to arrive')
    expect(f.instances[0]!.cache.has('a')).toBe(false)
    expect(f.instances[1]!.cache.has('a')).toBe(false)
    expect(f.instances[1]!.cache.has('b')).toBe(true)
  })

  it('invalidateTag with several tags removes them everywhere, in one message', async () => {
    fleet = await startFleet(server, 2)
    const f = fleet
    const [a, b] = f.instances as [Instance, Instance]
    await a.cache.getOrFetch('a', () => 'A', { ttlMs: 60_000, tags: ['T'] })
    await a.cache.getOrFetch('b', () => 'B', { ttlMs: 60_000, tags: ['T', 'U'] })
    await a.cache.getOrFetch('c', () => 'C', { ttlMs: 60_000, tags: ['V'] })
    for (const key of ['a', 'b', 'c']) expect(await b.cache.getOrFetch(key, () => 'x', 60_000))
    expect(await a.cache.invalidateTag(['T', 'U'])).toBe(2)
    expect(await f.admin.exists('test:{k:a}', 'test:{k:b}', 'test:{k:c}')).toBe(1)
    expect(a.cache.stats().tier!.invalidationsSent).toBe(1)
    await until(() => received(f, 1) === 1, 'the tags to arrive')
    expect([...b.cache.keys()]).toEqual(['c'])
  })

  it('clear removes every key under the prefix, and nothing else', async () => {
    const f = await warmFleet(2, ['a', 'b', 'c'])
    await f.admin.set('unrelated', '1')
    await f.instances[1]!.cache.clear()
    expect(await f.admin.keys('test:*')).toEqual([])
    expect(await f.admin.get('unrelated')).toBe('1')
    await until(() => received(f, 0) === 1, 'the clear to arrive')
    expect(f.instances[0]!.cache.size).toBe(0)
  })

  it('keeps keys that differ only in lone surrogates apart in Redis', async () => {
    fleet = await startFleet(server, 2)
    const keys = ['\uD800', '\uDC00', '\uFFFD', 'a\uD800b', 'a\uFFFDb']
    for (const key of keys) await fleet.instances[0]!.cache.set(key, key, 60_000)
    for (const key of keys) expect(await fleet.instances[1]!.cache.get(key)).toBe(key)
    await fleet.instances[0]!.cache.delete('\uD800')
    expect(await fleet.instances[1]!.cache.get('\uFFFD')).toBe('\uFFFD')
    expect(await fleet.instances[1]!.cache.get('\uD800')).toBeNull()
  })
})

describe('a fetch that began before an invalidation', () => {
  it('does not write its result to Redis after a delete of its key', async () => {
    fleet = await startFleet(server, 2)
    const [a, b] = fleet.instances as [Instance, Instance]
    const gate = deferred<string>()
    const slow = a.cache.getOrFetch('k', () => gate.promise, 60_000)
    await until(() => a.cache.stats().tier!.leasesWon === 1, 'the lease')
    await b.cache.delete('k')
    gate.resolve('outdated')
    expect(await slow).toBe('outdated') // its own waiters still get it
    expect(await fleet.admin.exists('test:{k:k}')).toBe(0)
    expect(a.cache.has('k')).toBe(false)
    expect(await b.cache.getOrFetch('k', () => 'current', 60_000)).toBe('current')
  })

  it('does not write its result after an invalidation of one of its tags', async () => {
    fleet = await startFleet(server, 2)
    const [a, b] = fleet.instances as [Instance, Instance]
    const gate = deferred<string>()
    const slow = a.cache.getOrFetch('k', () => gate.promise, { ttlMs: 60_000, tags: ['T'] })
    await until(() => a.cache.stats().tier!.leasesWon === 1, 'the lease')
    await b.cache.invalidateTag('T')
    gate.resolve('outdated')
    expect(await slow).toBe('outdated')
    expect(await fleet.admin.exists('test:{k:k}')).toBe(0)
  })

  it('does not overwrite a value set while it ran', async () => {
    fleet = await startFleet(server, 2)
    const [a, b] = fleet.instances as [Instance, Instance]
    const gate = deferred<string>()
    const slow = a.cache.getOrFetch('k', () => gate.promise, 60_000)
    await until(() => a.cache.stats().tier!.leasesWon === 1, 'the lease')
    await b.cache.set('k', 'set meanwhile', 60_000)
    gate.resolve('outdated')
    await slow
    expect(await a.cache.getOrFetch('k', () => 'refetched', 60_000)).toBe('set meanwhile')
  })
})

describe('set and tags', () => {
  it('tags a value written by set(), so invalidateTag elsewhere removes it', async () => {
    fleet = await startFleet(server, 2)
    const [a, b] = fleet.instances as [Instance, Instance]
    await a.cache.set('k', 'v', { ttlMs: 60_000, tags: ['T'] })
    await a.cache.set('forever', 'v', { tags: ['T'] }) // no TTL: the tag set never expires
    expect(await fleet.admin.pttl('test:{t:T}')).toBe(-1)
    await b.cache.invalidateTag('T')
    expect(await fleet.admin.exists('test:{k:k}', 'test:{k:forever}')).toBe(0)
  })

  it('removes the key from Redis on set() with ttlMs 0', async () => {
    fleet = await startFleet(server, 2)
    const [a, b] = fleet.instances as [Instance, Instance]
    await a.cache.set('k', 'v', 60_000)
    await b.cache.set('k', 'gone', 0)
    expect(await fleet.admin.exists('test:{k:k}')).toBe(0)
    expect(await a.cache.get('k')).toBeNull()
  })

  it('skips members of a tag set it did not write', async () => {
    fleet = await startFleet(server, 1)
    const { cache } = fleet.instances[0]!
    await cache.set('k', 'v', { ttlMs: 60_000, tags: ['T'] })
    await fleet.admin.sadd('test:{t:T}', 'not json', '5')
    await cache.invalidateTag('T')
    expect(await fleet.admin.exists('test:{k:k}', 'test:{t:T}')).toBe(0)
  })
})
