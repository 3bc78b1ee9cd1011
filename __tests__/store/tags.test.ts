// Issue 3 (and 12, point 4: several tags at once): invalidateTag(tag) removes every entry carrying the tag, whether set or fetched with
// it, and detaches every fetch in flight carrying it, so a result computed before the
// invalidation is handed to its waiters but never stored.
import { describe, expect, it, vi } from 'vitest'
import { CacheManager } from '../../dist/index.js'
import { deferred } from '../support/async.js'
import { thrownBy } from '../support/throws.js'

function expectTypeError(error: unknown, message: RegExp) {
  expect(error).toBeInstanceOf(TypeError)
  expect((error as { code?: unknown }).code).toBe('ERR_INVALID_ARG_TYPE')
  expect((error as Error).message).toMatch(message)
}

// The public API as JavaScript callers see it: any argument may arrive.
interface LooseCache {
  invalidateTag(tag?: unknown): Promise<number>
  set(key: string, value: unknown, options?: unknown): Promise<void>
  getOrFetch(key: string, fetcher: () => unknown, options?: unknown): Promise<unknown>
}
const loose = (cache: CacheManager) => cache as unknown as LooseCache

describe('invalidateTag on entries stored by set', () => {
  it('removes every entry carrying the tag and resolves to how many it removed', async () => {
    const cache = new CacheManager<string>()
    await cache.set('a', 'A', { tags: ['users'] })
    await cache.set('b', 'B', { tags: ['users'] })
    await cache.set('c', 'C', { tags: ['posts'] })
    await cache.set('d', 'D')

    const removed = cache.invalidateTag('users')

    expect(removed).toBeInstanceOf(Promise)
    await expect(removed).resolves.toBe(2)
    expect(['a', 'b', 'c', 'd'].map((key) => cache.has(key))).toEqual([false, false, true, true])
    expect(cache.stats().size).toBe(2)
  })

  it('resolves to 0 for a tag nobody carries and removes nothing', async () => {
    const cache = new CacheManager<string>()
    await cache.set('a', 'A', { tags: ['users'] })
    await expect(cache.invalidateTag('nobody')).resolves.toBe(0)
    await expect(cache.invalidateTag('')).resolves.toBe(0)
    await expect(cache.invalidateTag('user')).resolves.toBe(0)
    expect(cache.has('a')).toBe(true)
  })

  it('removes an entry with several tags through any one of them, once', async () => {
    const cache = new CacheManager<string>()
    await cache.set('both', 'B', { tags: ['x', 'y'] })
    await cache.set('onlyY', 'Y', { tags: ['y'] })

    await expect(cache.invalidateTag('x')).resolves.toBe(1)
    expect(cache.has('both')).toBe(false)
    expect(cache.has('onlyY')).toBe(true)

    await expect(cache.invalidateTag('y')).resolves.toBe(1)
    expect(cache.size).toBe(0)
  })

  it('counts an entry once when its tags repeat', async () => {
    const cache = new CacheManager<string>()
    await cache.set('k', 'V', { tags: ['t', 't', 't'] })
    await expect(cache.invalidateTag('t')).resolves.toBe(1)
    expect(cache.size).toBe(0)
    await expect(cache.invalidateTag('t')).resolves.toBe(0)
  })

  it('compares tags exactly, code unit for code unit', async () => {
    const cache = new CacheManager<string>()
    await cache.set('a', 'A', { tags: ['Tag'] })
    await cache.set('b', 'B', { tags: ['tag'] })
    await cache.set('c', 'C', { tags: ['\ud800'] })
    await cache.set('d', 'D', { tags: ['é'] })
    await cache.set('e', 'E', { tags: ['e\u0301'] })

    await expect(cache.invalidateTag('tag')).resolves.toBe(1)
    await expect(cache.invalidateTag('\ud800')).resolves.toBe(1)
    await expect(cache.invalidateTag('é')).resolves.toBe(1)
    expect(['a', 'b', 'c', 'd', 'e'].map((key) => cache.has(key))).toEqual([
      true,
      false,
      false,
      false,
      true,
    ])
  })

  it('subtracts removed entries from size and bytes, and counts neither evictions nor expirations', async () => {
    const cache = new CacheManager<string>({ maxBytes: 1000 })
    await cache.set('a', 'aaaa', { tags: ['t'] })
    await cache.set('b', 'bb')
    await cache.invalidateTag('t')
    expect(cache.stats()).toMatchObject({ size: 1, bytes: 4, evictions: 0, expirations: 0 })
  })

  it('removes many tagged entries among untagged ones', async () => {
    const cache = new CacheManager<number>({ maxSize: 10_000 })
    for (let i = 0; i < 3000; i += 1) {
      await cache.set(`k${i}`, i, i % 3 === 0 ? { tags: ['third'] } : undefined)
    }
    await expect(cache.invalidateTag('third')).resolves.toBe(1000)
    expect(cache.size).toBe(2000)
    for (let i = 0; i < 3000; i += 1) expect(cache.has(`k${i}`)).toBe(i % 3 !== 0)
  })
})

describe('tags follow their entry', () => {
  it('are dropped when set replaces the entry without tags', async () => {
    const cache = new CacheManager<string>()
    await cache.set('k', 'old', { tags: ['t'] })
    await cache.set('k', 'new')
    await expect(cache.invalidateTag('t')).resolves.toBe(0)
    expect(cache.peek('k')).toBe('new')
  })

  it('are replaced when set replaces the entry with other tags', async () => {
    const cache = new CacheManager<string>()
    await cache.set('k', 'old', { tags: ['t'] })
    await cache.set('k', 'new', { tags: ['u'] })
    await expect(cache.invalidateTag('t')).resolves.toBe(0)
    await expect(cache.invalidateTag('u')).resolves.toBe(1)
    expect(cache.has('k')).toBe(false)
  })

  it('do not pass to an untagged entry that reuses an evicted entry', async () => {
    const cache = new CacheManager<string>({ maxSize: 1 })
    await cache.set('tagged', 'T', { tags: ['t'] })
    await cache.set('plain', 'P')
    await expect(cache.invalidateTag('t')).resolves.toBe(0)
    expect(cache.peek('plain')).toBe('P')
  })

  it('do not pass to an untagged entry stored after delete', async () => {
    const cache = new CacheManager<string>()
    await cache.set('tagged', 'T', { tags: ['t'] })
    await cache.delete('tagged')
    await cache.set('plain', 'P')
    await expect(cache.invalidateTag('t')).resolves.toBe(0)
    expect(cache.peek('plain')).toBe('P')
  })

  it('do not pass to an untagged entry stored after clear', async () => {
    const cache = new CacheManager<string>()
    await cache.set('tagged', 'T', { tags: ['t'] })
    await cache.clear()
    await cache.set('tagged', 'P')
    await expect(cache.invalidateTag('t')).resolves.toBe(0)
    expect(cache.peek('tagged')).toBe('P')
  })

  it('do not pass to an untagged entry stored after expiry', async () => {
    const clock = { now: 0 }
    const cache = new CacheManager<string>({ clock: () => clock.now })
    await cache.set('tagged', 'T', { ttlMs: 10, tags: ['t'] })
    clock.now = 10
    expect(cache.has('tagged')).toBe(false)
    await cache.set('plain', 'P')
    await expect(cache.invalidateTag('t')).resolves.toBe(0)
    expect(cache.peek('plain')).toBe('P')
  })

  it('are not applied when set stores nothing (ttlMs 0)', async () => {
    const cache = new CacheManager<string>()
    await cache.set('k', 'V', { ttlMs: 0, tags: ['t'] })
    await cache.set('k2', 'V2')
    await expect(cache.invalidateTag('t')).resolves.toBe(0)
    expect(cache.has('k2')).toBe(true)
  })
})

describe('bad arguments', () => {
  it.each<[string, unknown, RegExp]>([
    ['a number', 1, /^tags must be a string or an array of strings, received number 1$/],
    ['undefined', undefined, /^tags must be a string or an array of strings, received undefined$/],
    ['null', null, /^tags must be a string or an array of strings, received null$/],
    ['a symbol', Symbol('t'), /^tags must be a string or an array of strings, received a symbol$/],
    ['a String object', new String('t'), /^tags must be a string or an array of strings, received/],
    ['a Set', new Set(['t']), /^tags must be a string or an array of strings, received/],
    ['an array holding a number', ['t', 3], /^tags\[1\] must be a string, received number 3$/],
  ])(
    'invalidateTag throws a TypeError synchronously for %s, with the cache untouched',
    async (_name, tags, message) => {
      const cache = new CacheManager<string>()
      await cache.set('k', 'V', { tags: ['t'] })
      expectTypeError(
        thrownBy(() => loose(cache).invalidateTag(tags)),
        message,
      )
      expect(cache.has('k')).toBe(true)
    },
  )

  it.each<[string, unknown, RegExp]>([
    ['a string', 't', /^tags must be an array of strings, received string 't'/],
    ['null', null, /^tags must be an array of strings, received null/],
    ['a Set', new Set(['t']), /^tags must be an array of strings/],
    ['an array holding a number', ['ok', 1], /^tags\[1\] must be a string, received number 1/],
    ['an array holding undefined', [undefined], /^tags\[0\] must be a string, received undefined/],
    ['an array holding null', ['a', 'b', null], /^tags\[2\] must be a string, received null/],
  ])(
    'set throws a TypeError synchronously for tags that are %s, with the cache untouched',
    async (_name, tags, message) => {
      const cache = new CacheManager<string>()
      await cache.set('k', 'old')
      const d = deferred<string>()
      const pending = cache.getOrFetch('inflight', () => d.promise)
      const before = cache.stats()

      expectTypeError(
        thrownBy(() => loose(cache).set('k', 'new', { tags })),
        message,
      )
      expectTypeError(
        thrownBy(() => loose(cache).set('inflight', 'new', { tags })),
        message,
      )

      expect(cache.peek('k')).toBe('old')
      expect(cache.stats()).toEqual(before)
      d.resolve('fetched')
      await expect(pending).resolves.toBe('fetched')
      expect(cache.peek('inflight')).toBe('fetched')
    },
  )

  it.each<[string, unknown, RegExp]>([
    ['a string', 't', /^tags must be an array of strings, received string 't'/],
    ['an array holding a number', ['ok', 1], /^tags\[1\] must be a string, received number 1/],
    ['an array holding an object', [{}], /^tags\[0\] must be a string, received an object/],
  ])(
    'getOrFetch throws a TypeError synchronously for tags that are %s, calling no fetcher',
    async (_name, tags, message) => {
      const cache = new CacheManager<string>()
      await cache.set('fresh', 'V')
      const before = cache.stats()
      const fetcher = vi.fn(() => 'x')

      expectTypeError(
        thrownBy(() => loose(cache).getOrFetch('k', fetcher, { tags })),
        message,
      )
      expectTypeError(
        thrownBy(() => loose(cache).getOrFetch('fresh', fetcher, { tags })),
        message,
      )

      expect(fetcher).not.toHaveBeenCalled()
      expect(cache.stats()).toEqual(before)
    },
  )
})

describe('invalidateTag with several tags', () => {
  it('removes the entries of every tag given, counting an entry with several of them once', async () => {
    const cache = new CacheManager<string>()
    await cache.set('a', 'A', { tags: ['users'] })
    await cache.set('b', 'B', { tags: ['users', 'posts'] })
    await cache.set('c', 'C', { tags: ['posts'] })
    await cache.set('d', 'D', { tags: ['other'] })
    expect(await cache.invalidateTag(['users', 'posts', 'unknown'])).toBe(3)
    expect([...cache.keys()]).toEqual(['d'])
  })

  it('detaches the fetches in flight tagged with any of them', async () => {
    const cache = new CacheManager<string>()
    const a = deferred<string>()
    const b = deferred<string>()
    const waiters = [
      cache.getOrFetch('a', () => a.promise, { tags: ['users'] }),
      cache.getOrFetch('b', () => b.promise, { tags: ['posts'] }),
    ]
    await cache.invalidateTag(['users', 'posts'])
    expect(cache.stats().inFlight).toBe(0)
    a.resolve('A')
    b.resolve('B')
    expect(await Promise.all(waiters)).toEqual(['A', 'B'])
    expect(cache.size).toBe(0)
  })

  it('removes nothing for an empty array', async () => {
    const cache = new CacheManager<string>()
    await cache.set('a', 'A', { tags: ['users'] })
    expect(await cache.invalidateTag([])).toBe(0)
    expect(cache.has('a')).toBe(true)
  })

  it('reports each removal to onEvict once, as a delete', async () => {
    const onEvict = vi.fn()
    const cache = new CacheManager<string>({ onEvict })
    await cache.set('a', 'A', { tags: ['x', 'y'] })
    await cache.set('b', 'B', { tags: ['y'] })
    await cache.invalidateTag(['x', 'y'])
    expect(onEvict.mock.calls.sort()).toEqual([
      ['a', 'A', 'delete'],
      ['b', 'B', 'delete'],
    ])
  })
})

describe('invalidateTag on entries stored by getOrFetch', () => {
  it('removes an entry fetched with the tag', async () => {
    const cache = new CacheManager<string>()
    await expect(cache.getOrFetch('a', () => Promise.resolve('A'), { tags: ['t'] })).resolves.toBe(
      'A',
    )
    await cache.getOrFetch('b', () => 'B')
    await cache.getOrFetch('c', () => 'C', { tags: ['other'] })

    await expect(cache.invalidateTag('t')).resolves.toBe(1)

    expect(['a', 'b', 'c'].map((key) => cache.has(key))).toEqual([false, true, true])
    const fetcher = vi.fn(() => 'A2')
    await expect(cache.getOrFetch('a', fetcher)).resolves.toBe('A2')
    expect(fetcher).toHaveBeenCalledTimes(1)
  })

  it('removes fetched entries with several tags through any one of them', async () => {
    const cache = new CacheManager<string>()
    await cache.getOrFetch('a', () => 'A', { tags: ['x', 'y'] })
    await cache.getOrFetch('b', () => 'B', { tags: ['y', 'z'] })
    await expect(cache.invalidateTag('z')).resolves.toBe(1)
    expect([cache.has('a'), cache.has('b')]).toEqual([true, false])
    await expect(cache.invalidateTag('y')).resolves.toBe(1)
    expect(cache.size).toBe(0)
  })

  it('uses the tags of the call that started the fetch', async () => {
    const cache = new CacheManager<string>()
    const d = deferred<string>()
    const first = cache.getOrFetch('k', () => d.promise, { tags: ['starter'] })
    const joined = cache.getOrFetch('k', () => 'unused', { tags: ['joiner'] })
    d.resolve('V')
    await Promise.all([first, joined])

    await expect(cache.invalidateTag('joiner')).resolves.toBe(0)
    await expect(cache.invalidateTag('starter')).resolves.toBe(1)
  })

  it('does not leave tags behind from a fetch whose result was not stored', async () => {
    const cache = new CacheManager<string>()
    await cache.getOrFetch('k', () => 'V', { ttlMs: 0, tags: ['t'] })
    await expect(
      cache.getOrFetch('k', () => Promise.reject(new Error('down')), { tags: ['t'] }),
    ).rejects.toThrow('down')
    // Untagged entries and fetches that may reuse the same slots.
    await cache.getOrFetch('plain', () => 'P')
    const d = deferred<string>()
    const pending = cache.getOrFetch('pending', () => d.promise)

    await expect(cache.invalidateTag('t')).resolves.toBe(0)

    d.resolve('D')
    await expect(pending).resolves.toBe('D')
    expect(cache.peek('plain')).toBe('P')
    expect(cache.peek('pending')).toBe('D')
  })
})

describe('invalidateTag on fetches in flight', () => {
  it('detaches a tagged fetch: its waiters get the result, which is not stored', async () => {
    const cache = new CacheManager<object>()
    const d = deferred<object>()
    const fetcher = vi.fn(() => d.promise)
    const first = cache.getOrFetch('k', fetcher, { tags: ['t'] })
    const second = cache.getOrFetch('k', fetcher)
    expect(cache.stats().inFlight).toBe(1)

    await expect(cache.invalidateTag('t')).resolves.toBe(0)
    expect(cache.stats().inFlight).toBe(0)
    const value = { id: 1 }
    d.resolve(value)

    await expect(first).resolves.toBe(value)
    await expect(second).resolves.toBe(value)
    expect(cache.has('k')).toBe(false)
    expect(cache.size).toBe(0)
  })

  it('makes the next getOrFetch fetch anew, and stores that result', async () => {
    const cache = new CacheManager<string>()
    const old = deferred<string>()
    const fresh = deferred<string>()
    const stale = cache.getOrFetch('k', () => old.promise, { tags: ['t'] })
    await cache.invalidateTag('t')

    const fetcher = vi.fn(() => fresh.promise)
    const next = cache.getOrFetch('k', fetcher)
    expect(next).not.toBe(stale)
    expect(fetcher).toHaveBeenCalledTimes(1)

    old.resolve('old')
    await expect(stale).resolves.toBe('old')
    expect(cache.has('k')).toBe(false)
    fresh.resolve('new')
    await expect(next).resolves.toBe('new')
    expect(cache.peek('k')).toBe('new')
  })

  it('detaches every fetch carrying the tag, and only those', async () => {
    const cache = new CacheManager<string>()
    const ds = [deferred<string>(), deferred<string>(), deferred<string>()]
    const a = cache.getOrFetch('a', () => ds[0]!.promise, { tags: ['t'] })
    const b = cache.getOrFetch('b', () => ds[1]!.promise, { tags: ['u', 't'] })
    const c = cache.getOrFetch('c', () => ds[2]!.promise, { tags: ['u'] })

    await expect(cache.invalidateTag('t')).resolves.toBe(0)
    expect(cache.stats().inFlight).toBe(1)
    ds.forEach((d, i) => d.resolve(`v${i}`))

    await expect(Promise.all([a, b, c])).resolves.toEqual(['v0', 'v1', 'v2'])
    expect(['a', 'b', 'c'].map((key) => cache.has(key))).toEqual([false, false, true])
  })

  it('removes the stored entry and detaches the fetch of the same key together', async () => {
    const cache = new CacheManager<string>()
    await cache.set('k', 'old', { tags: ['t'] })
    const d = deferred<string>()
    const pending = cache.getOrFetch('k', () => d.promise, { tags: ['t'], forceRefresh: true })

    await expect(cache.invalidateTag('t')).resolves.toBe(1)
    d.resolve('new')

    await expect(pending).resolves.toBe('new')
    expect(cache.has('k')).toBe(false)
  })

  it('still rejects the waiters of a detached fetch that fails, and caches nothing', async () => {
    const cache = new CacheManager<string>()
    const d = deferred<string>()
    const pending = cache.getOrFetch('k', () => d.promise, { tags: ['t'] })
    await cache.invalidateTag('t')
    const error = new Error('down')
    d.reject(error)
    await expect(pending).rejects.toBe(error)
    expect(cache.stats()).toMatchObject({ size: 0, inFlight: 0 })
  })

  it('leaves an untagged fetch of the same key attached', async () => {
    const cache = new CacheManager<string>()
    const d = deferred<string>()
    const pending = cache.getOrFetch('k', () => d.promise)
    await cache.set('other', 'O', { tags: ['t'] })

    await expect(cache.invalidateTag('t')).resolves.toBe(1)
    d.resolve('V')

    await expect(pending).resolves.toBe('V')
    expect(cache.peek('k')).toBe('V')
  })
})
