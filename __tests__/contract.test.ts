// The "Contract of getOrFetch" in DESIGN.md, point by point, through the public API.
import { describe, expect, it, vi } from 'vitest'
import { CacheManager } from '../dist/index.js'
import { deferred, rejectionOf } from './support/async.js'
import { manualClock } from './support/clock.js'

// Time comes from the `clock` option: each test moves it past the TTL by hand.
const SHORT_TTL_MS = 20
const PAST_SHORT_TTL_MS = SHORT_TTL_MS + 1
const TEN_YEARS_MS = 10 * 365 * 24 * 60 * 60 * 1000
// Every part of the contract but the eviction order holds under both policies.
const POLICIES = ['lru', 'tinylfu'] as const

describe.each(POLICIES)('under policy %s', (policy) => {
  describe('getOrFetch answers and coalesces', () => {
    it('answers a fresh entry without calling the fetcher', async () => {
      const cache = new CacheManager({ policy })
      const stored = { id: 1 }
      await cache.set('k', stored)
      const fetcher = vi.fn(() => ({ id: 2 }))

      await expect(cache.getOrFetch('k', fetcher)).resolves.toBe(stored)
      expect(fetcher).not.toHaveBeenCalled()
    })

    it('answers an entry stored by an earlier fetch without calling the fetcher again', async () => {
      const cache = new CacheManager({ policy })
      const value = { id: 1 }
      const fetcher = vi.fn(() => Promise.resolve(value))

      await expect(cache.getOrFetch('k', fetcher)).resolves.toBe(value)
      await expect(cache.getOrFetch('k', fetcher)).resolves.toBe(value)
      expect(fetcher).toHaveBeenCalledTimes(1)
    })

    it('calls the fetcher exactly once for concurrent callers of one key', async () => {
      const cache = new CacheManager({ policy })
      const d = deferred<string>()
      const fetcher = vi.fn(() => d.promise)

      const calls = Array.from({ length: 5 }, () => cache.getOrFetch('k', fetcher))
      expect(fetcher).toHaveBeenCalledTimes(1)
      d.resolve('v')
      await expect(Promise.all(calls)).resolves.toEqual(['v', 'v', 'v', 'v', 'v'])
      expect(fetcher).toHaveBeenCalledTimes(1)
    })

    it('returns the same Promise to concurrent callers', async () => {
      const cache = new CacheManager({ policy })
      const d = deferred<string>()
      const a = cache.getOrFetch('k', () => d.promise)
      const b = cache.getOrFetch('k', () => d.promise)
      const c = cache.getOrFetch('k', () => 'other')

      expect(a).toBeInstanceOf(Promise)
      expect(b).toBe(a)
      expect(c).toBe(a)
      d.resolve('v')
      await a
    })

    it('returns the same Promise to joiners whatever options they pass, a signal aside', async () => {
      const cache = new CacheManager({ policy })
      const d = deferred<string>()
      const a = cache.getOrFetch('k', () => d.promise, 1000)
      const joiners = [
        cache.getOrFetch('k', () => 'other'),
        cache.getOrFetch('k', () => 'other', 1000),
        cache.getOrFetch('k', () => 'other', 5000),
        cache.getOrFetch('k', () => 'other', { ttlMs: 0, timeoutMs: 50, tags: ['t'] }),
        cache.getOrFetch('k', () => 'other', { forceRefresh: false }),
      ]

      for (const joiner of joiners) expect(joiner).toBe(a)
      expect(cache.stats()).toMatchObject({ fetches: 1, coalesced: 5 })
      d.resolve('v')
      await expect(Promise.all(joiners)).resolves.toEqual(['v', 'v', 'v', 'v', 'v'])
    })

    it("stores each fetch with its own call's ttlMs when calls alternate between numbers", async () => {
      const clock = manualClock()
      const cache = new CacheManager({ clock: clock.read, policy })
      await cache.getOrFetch('a', () => 'a', 1000)
      await cache.getOrFetch('b', () => 'b', 5000)
      await cache.getOrFetch('c', () => 'c', 1000)
      await cache.getOrFetch('d', () => 'd', 0)
      await cache.getOrFetch('e', () => 'e', -0)
      await cache.getOrFetch('f', () => 'f')

      expect(cache.getRemainingTTL('a')).toBe(1000)
      expect(cache.getRemainingTTL('b')).toBe(5000)
      expect(cache.getRemainingTTL('c')).toBe(1000)
      expect(cache.has('d')).toBe(false)
      expect(cache.has('e')).toBe(false)
      expect(cache.getRemainingTTL('f')).toBe(Infinity)
      expect(() => cache.getOrFetch('g', () => 'g', -1)).toThrow(RangeError)
      await cache.getOrFetch('h', () => 'h', 1000)
      expect(cache.getRemainingTTL('h')).toBe(1000)
    })

    it('calls the fetcher once per key for concurrent callers of different keys', async () => {
      const cache = new CacheManager({ policy })
      const fetcher = vi.fn((key: string) => Promise.resolve(`value of ${key}`))

      const [a1, b1, a2, b2] = [
        cache.getOrFetch('a', () => fetcher('a')),
        cache.getOrFetch('b', () => fetcher('b')),
        cache.getOrFetch('a', () => fetcher('a')),
        cache.getOrFetch('b', () => fetcher('b')),
      ]
      expect(a2).toBe(a1)
      expect(b2).toBe(b1)
      expect(a1).not.toBe(b1)
      await expect(Promise.all([a1, b1])).resolves.toEqual(['value of a', 'value of b'])
      expect(fetcher.mock.calls).toEqual([['a'], ['b']])
    })
  })

  describe('getOrFetch on a fetch that resolves', () => {
    it('stores the value and removes the in-flight record before any waiter reacts', async () => {
      const cache = new CacheManager({ policy })
      const value = { id: 1 }
      const d = deferred<{ id: number }>()
      const first = cache.getOrFetch('k', () => d.promise)
      const second = cache.getOrFetch('k', () => d.promise)
      const refetch = vi.fn(() => ({ id: 2 }))

      const seenByWaiters: unknown[] = []
      const react = (got: { id: number }) => {
        seenByWaiters.push({
          got,
          has: cache.has('k'),
          peek: cache.peek('k'),
          size: cache.size,
          inFlight: cache.stats().inFlight,
        })
        return cache.getOrFetch('k', refetch)
      }
      const reactions = [first.then(react), second.then(react)]
      d.resolve(value)
      const hitsFromReactions = await Promise.all(reactions)

      const expected = { got: value, has: true, peek: value, size: 1, inFlight: 0 }
      expect(seenByWaiters).toEqual([expected, expected])
      expect(hitsFromReactions[0]).toBe(value)
      expect(hitsFromReactions[1]).toBe(value)
      expect(refetch).not.toHaveBeenCalled()
      expect(cache.stats()).toMatchObject({ hits: 2, misses: 2, fetches: 1, coalesced: 1 })
    })

    it('removes the in-flight record once the fetch settles', async () => {
      const cache = new CacheManager({ policy })
      const ok = deferred<string>()
      const bad = deferred<string>()
      const resolved = cache.getOrFetch('ok', () => ok.promise)
      const rejected = cache.getOrFetch('bad', () => bad.promise)
      expect(cache.stats().inFlight).toBe(2)

      ok.resolve('v')
      await resolved
      expect(cache.stats().inFlight).toBe(1)

      const error = new Error('upstream down')
      bad.reject(error)
      await expect(rejected).rejects.toBe(error)
      expect(cache.stats().inFlight).toBe(0)
    })

    it('counts a non-Promise return value as a resolved value', async () => {
      const cache = new CacheManager({ policy })
      const value = { id: 1 }
      const fetcher = vi.fn(() => value)

      const first = cache.getOrFetch('k', fetcher)
      expect(first).toBeInstanceOf(Promise)
      await expect(first).resolves.toBe(value)
      expect(cache.peek('k')).toBe(value)
      await expect(cache.getOrFetch('k', fetcher)).resolves.toBe(value)
      expect(fetcher).toHaveBeenCalledTimes(1)
      expect(cache.stats()).toMatchObject({ fetches: 1, fetchErrors: 0, hits: 1, misses: 1 })
    })

    it('adopts a value from a non-native thenable returned by the fetcher', async () => {
      const cache = new CacheManager({ policy })
      const value = { id: 1 }
      let settle: ((value: { id: number }) => void) | undefined
      const thenable: PromiseLike<{ id: number }> = {
        then(onFulfilled) {
          settle = (v) => void onFulfilled?.(v)
          return undefined as unknown as PromiseLike<never>
        },
      }
      const first = cache.getOrFetch('k', () => thenable)
      const second = cache.getOrFetch('k', () => thenable)
      expect(second).toBe(first)

      // The thenable's `then` is called in a microtask; let it be called before settling.
      while (settle === undefined) await Promise.resolve()
      settle(value)
      await expect(first).resolves.toBe(value)
      expect(cache.peek('k')).toBe(value)
      expect(cache.stats()).toMatchObject({ fetches: 1, coalesced: 1, inFlight: 0, size: 1 })
    })

    it('rejects every waiter when a non-native thenable rejects', async () => {
      const cache = new CacheManager({ policy })
      const error = new Error('thenable failed')
      const thenable: PromiseLike<string> = {
        then(_onFulfilled, onRejected) {
          queueMicrotask(() => void onRejected?.(error))
          return undefined as unknown as PromiseLike<never>
        },
      }
      const first = cache.getOrFetch('k', () => thenable)
      const second = cache.getOrFetch('k', () => thenable)
      expect(second).toBe(first)
      await expect(first).rejects.toBe(error)
      expect(cache.has('k')).toBe(false)
      expect(cache.stats()).toMatchObject({ fetchErrors: 1, inFlight: 0, size: 0 })
    })
  })

  describe('getOrFetch on a fetch that fails', () => {
    it('rejects every waiter with the same error object when the fetch rejects', async () => {
      const cache = new CacheManager({ policy })
      const d = deferred<string>()
      const waiters = Array.from({ length: 3 }, () => cache.getOrFetch('k', () => d.promise))
      const error = new Error('upstream down')
      d.reject(error)

      const reasons = await Promise.all(waiters.map(rejectionOf))
      expect(reasons).toHaveLength(3)
      for (const reason of reasons) expect(reason).toBe(error)
    })

    it('caches nothing after a rejection and fetches anew on the next call', async () => {
      const cache = new CacheManager({ policy })
      const d = deferred<string>()
      const failed = cache.getOrFetch('k', () => d.promise)
      d.reject(new Error('upstream down'))
      await rejectionOf(failed)

      expect(cache.has('k')).toBe(false)
      expect(cache.peek('k')).toBeUndefined()
      expect(cache.size).toBe(0)
      const retry = vi.fn(() => 'recovered')
      const next = cache.getOrFetch('k', retry)
      expect(next).not.toBe(failed)
      await expect(next).resolves.toBe('recovered')
      expect(retry).toHaveBeenCalledTimes(1)
      expect(cache.stats()).toMatchObject({ fetches: 2, fetchErrors: 1, inFlight: 0, size: 1 })
    })

    it('rejects instead of throwing when the fetcher throws synchronously', async () => {
      const cache = new CacheManager({ policy })
      const error = new Error('bad fetcher')
      let result: Promise<unknown> | undefined
      expect(() => {
        result = cache.getOrFetch('k', () => {
          throw error
        })
      }).not.toThrow()
      expect(result).toBeInstanceOf(Promise)
      await expect(result).rejects.toBe(error)
    })

    it('rejects a waiter that joined inside a synchronously throwing fetcher with the same error', async () => {
      const cache = new CacheManager({ policy })
      const error = new Error('bad fetcher')
      let inner: Promise<unknown> | undefined
      const fetcher = vi.fn((): never => {
        inner = cache.getOrFetch('k', fetcher)
        throw error
      })
      const outer = cache.getOrFetch('k', fetcher)

      expect(inner).toBe(outer)
      expect(fetcher).toHaveBeenCalledTimes(1)
      const reasons = await Promise.all([rejectionOf(outer), rejectionOf(inner!)])
      expect(reasons[0]).toBe(error)
      expect(reasons[1]).toBe(error)
    })

    it('caches nothing after a synchronous throw and fetches anew on the next call', async () => {
      const cache = new CacheManager({ policy })
      const failed = cache.getOrFetch('k', () => {
        throw new Error('bad fetcher')
      })
      await rejectionOf(failed)

      expect(cache.has('k')).toBe(false)
      expect(cache.stats()).toMatchObject({ fetches: 1, fetchErrors: 1, inFlight: 0, size: 0 })
      const retry = vi.fn(() => 'recovered')
      await expect(cache.getOrFetch('k', retry)).resolves.toBe('recovered')
      expect(retry).toHaveBeenCalledTimes(1)
      expect(cache.stats()).toMatchObject({ fetches: 2, fetchErrors: 1, size: 1 })
    })
  })

  describe('getOrFetch TTLs', () => {
    it('coalesces concurrent callers but stores nothing with ttlMs 0', async () => {
      const cache = new CacheManager({ policy })
      const d = deferred<string>()
      const fetcher = vi.fn(() => d.promise)
      const a = cache.getOrFetch('k', fetcher, 0)
      const b = cache.getOrFetch('k', fetcher, 0)
      expect(b).toBe(a)
      d.resolve('v')
      await expect(Promise.all([a, b])).resolves.toEqual(['v', 'v'])

      expect(fetcher).toHaveBeenCalledTimes(1)
      expect(cache.has('k')).toBe(false)
      expect(cache.size).toBe(0)
      expect(cache.stats().inFlight).toBe(0)
      const again = vi.fn(() => 'w')
      await expect(cache.getOrFetch('k', again, 0)).resolves.toBe('w')
      expect(again).toHaveBeenCalledTimes(1)
    })

    it('stores nothing when defaultTtlMs is 0 and getOrFetch gives no ttlMs', async () => {
      const cache = new CacheManager({ policy, defaultTtlMs: 0 })
      const fetcher = vi.fn(() => 'v')
      await cache.getOrFetch('k', fetcher)
      expect(cache.has('k')).toBe(false)
      await cache.getOrFetch('k', fetcher)
      expect(fetcher).toHaveBeenCalledTimes(2)
    })

    it('treats an expired entry as a miss and fetches anew', async () => {
      const clock = manualClock()
      const cache = new CacheManager({ policy, clock: clock.read })
      const fetcher = vi.fn().mockReturnValueOnce('first').mockReturnValueOnce('second')
      await expect(cache.getOrFetch('k', fetcher, SHORT_TTL_MS)).resolves.toBe('first')

      clock.now += PAST_SHORT_TTL_MS
      await expect(cache.getOrFetch('k', fetcher, SHORT_TTL_MS)).resolves.toBe('second')
      expect(fetcher).toHaveBeenCalledTimes(2)
      expect(cache.stats()).toMatchObject({ hits: 0, misses: 2, fetches: 2, expirations: 1 })
    })

    it('expires entries written by set, for get, has and peek too', async () => {
      const clock = manualClock()
      const cache = new CacheManager({ policy, clock: clock.read })
      await cache.set('viaGet', 'v', SHORT_TTL_MS)
      await cache.set('viaHas', 'v', SHORT_TTL_MS)
      await cache.set('viaPeek', 'v', SHORT_TTL_MS)

      clock.now += PAST_SHORT_TTL_MS
      await expect(cache.get('viaGet')).resolves.toBeNull()
      expect(cache.has('viaHas')).toBe(false)
      expect(cache.peek('viaPeek')).toBeUndefined()
      expect(cache.stats()).toMatchObject({ expirations: 3, size: 0, misses: 1, hits: 0 })
    })

    it('never expires an entry stored with ttlMs Infinity', async () => {
      const clock = manualClock()
      const cache = new CacheManager({ policy, clock: clock.read })
      await cache.getOrFetch('forever', () => 'kept', Infinity)
      await cache.getOrFetch('short', () => 'gone', SHORT_TTL_MS)

      clock.now += TEN_YEARS_MS
      // The short entry proves the clock moved past a finite TTL.
      expect(cache.has('short')).toBe(false)
      const fetcher = vi.fn(() => 'refetched')
      await expect(cache.getOrFetch('forever', fetcher)).resolves.toBe('kept')
      expect(fetcher).not.toHaveBeenCalled()
    })

    it('uses defaultTtlMs when getOrFetch gives no ttlMs', async () => {
      const clock = manualClock()
      const cache = new CacheManager({ policy, defaultTtlMs: SHORT_TTL_MS, clock: clock.read })
      await cache.getOrFetch('default', () => 'first')
      await cache.getOrFetch('explicit', () => 'kept', Infinity)

      clock.now += PAST_SHORT_TTL_MS
      const fetcher = vi.fn(() => 'second')
      await expect(cache.getOrFetch('default', fetcher)).resolves.toBe('second')
      await expect(cache.getOrFetch('explicit', fetcher)).resolves.toBe('kept')
      expect(fetcher).toHaveBeenCalledTimes(1)
    })

    it('keeps entries forever by default when no defaultTtlMs is given', async () => {
      const clock = manualClock()
      const cache = new CacheManager({ policy, clock: clock.read })
      await cache.getOrFetch('default', () => 'kept')
      await cache.set('set', 'kept too')
      await cache.set('short', 'gone', SHORT_TTL_MS)

      clock.now += TEN_YEARS_MS
      expect(cache.has('short')).toBe(false)
      expect(cache.peek('default')).toBe('kept')
      expect(cache.peek('set')).toBe('kept too')
    })
  })

  describe('keys', () => {
    async function expectDistinct(keys: string[]) {
      const cache = new CacheManager({ policy })
      const fetcher = vi.fn((i: number) => `value ${i}`)
      const results = await Promise.all(
        keys.map((key, i) => cache.getOrFetch(key, () => fetcher(i))),
      )
      expect(results).toEqual(keys.map((_, i) => `value ${i}`))
      expect(fetcher).toHaveBeenCalledTimes(keys.length)
      expect(cache.size).toBe(keys.length)
      for (const [i, key] of keys.entries()) {
        await expect(cache.get(key)).resolves.toBe(`value ${i}`)
        expect(cache.peek(key)).toBe(`value ${i}`)
      }
      return cache
    }

    it('keeps lone surrogates distinct from each other and from U+FFFD', async () => {
      await expectDistinct(['\uD800', '\uDC00', '\uFFFD', '\uDC00\uD800', 'a\uD800', 'a\uDBFF'])
    })

    it('keeps a key with an embedded NUL distinct from its prefix', async () => {
      await expectDistinct(['a\u0000b', 'a', 'a\u0000', 'a\u0000c', '\u0000'])
    })

    it('compares keys without Unicode normalization', async () => {
      await expectDistinct(['e\u0301', '\u00e9'])
    })

    it('keeps 1 MiB keys that differ only in the last character distinct', async () => {
      const prefix = 'k'.repeat(1024 * 1024 - 1)
      const keyA = `${prefix}a`
      const keyB = `${prefix}b`
      const cache = await expectDistinct([keyA, keyB, prefix, 'short'])
      expect(cache.has(`${prefix}c`)).toBe(false)
      // A long key after a short one (and the reverse) still reads its full length.
      expect(cache.peek('short')).toBe('value 3')
      expect(cache.peek(keyB)).toBe('value 1')
      expect(cache.peek('short')).toBe('value 3')
    })

    it('keeps keys of every length up to 600 distinct when they differ only in the last character', async () => {
      const cache = new CacheManager({ policy, maxSize: 2000 })
      for (let length = 1; length <= 600; length++) {
        const prefix = 'p'.repeat(length - 1)
        await cache.set(`${prefix}x`, `${length}x`)
        await cache.set(`${prefix}y`, `${length}y`)
      }
      expect(cache.size).toBe(1200)
      for (let length = 1; length <= 600; length++) {
        const prefix = 'p'.repeat(length - 1)
        expect(cache.peek(`${prefix}x`)).toBe(`${length}x`)
        expect(cache.peek(`${prefix}y`)).toBe(`${length}y`)
        expect(cache.has(`${prefix}z`)).toBe(false)
      }
    })

    it('accepts the empty string as a key', async () => {
      const cache = new CacheManager({ policy })
      const fetcher = vi.fn(() => 'empty')
      await expect(cache.getOrFetch('', fetcher)).resolves.toBe('empty')
      await expect(cache.getOrFetch('', fetcher)).resolves.toBe('empty')
      expect(fetcher).toHaveBeenCalledTimes(1)
      expect(cache.has('')).toBe(true)
      expect(cache.has(' ')).toBe(false)
      await expect(cache.delete('')).resolves.toBe(true)
      expect(cache.has('')).toBe(false)
    })
  })

  describe('values', () => {
    it('returns the stored object itself', async () => {
      const cache = new CacheManager({ policy })
      const value = { nested: { id: 1 } }
      const fetched = await cache.getOrFetch('k', () => value)
      expect(fetched).toBe(value)
      await expect(cache.getOrFetch('k', () => ({}))).resolves.toBe(value)
      await expect(cache.get('k')).resolves.toBe(value)
      expect(cache.peek('k')).toBe(value)

      const setValue = [1, 2, 3]
      await cache.set('s', setValue)
      await expect(cache.get('s')).resolves.toBe(setValue)
      await expect(cache.getOrFetch('s', () => [])).resolves.toBe(setValue)
    })

    const falsyValues: [string, unknown][] = [
      ['undefined', undefined],
      ['null', null],
      ['0', 0],
      ['false', false],
      ['NaN', NaN],
      ['the empty string', ''],
    ]

    it.each(falsyValues)(
      'stores %s from a fetch as a value and answers it without refetching',
      async (_, value) => {
        const cache = new CacheManager({ policy })
        await expect(cache.getOrFetch('k', () => value)).resolves.toBe(value)
        const refetch = vi.fn(() => 'refetched')
        await expect(cache.getOrFetch('k', refetch)).resolves.toBe(value)
        expect(refetch).not.toHaveBeenCalled()
        await expect(cache.get('k')).resolves.toBe(value)
        expect(cache.has('k')).toBe(true)
        expect(cache.peek('k')).toBe(value)
        expect(cache.size).toBe(1)
        expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, fetches: 1 })
      },
    )

    it.each(falsyValues)('stores %s from set as a value', async (_, value) => {
      const cache = new CacheManager({ policy })
      await cache.set('k', value)
      const refetch = vi.fn(() => 'refetched')
      await expect(cache.getOrFetch('k', refetch)).resolves.toBe(value)
      expect(refetch).not.toHaveBeenCalled()
      await expect(cache.get('k')).resolves.toBe(value)
      expect(cache.has('k')).toBe(true)
    })

    it('answers null from get on a miss and counts the miss', async () => {
      const cache = new CacheManager({ policy })
      await expect(cache.get('absent')).resolves.toBeNull()
      expect(cache.stats()).toMatchObject({ hits: 0, misses: 1 })
    })
  })
})

describe('recency and the LRU bound (the default policy)', () => {
  it('evicts the least recently used entry when inserting past maxSize', async () => {
    const cache = new CacheManager({ maxSize: 3 })
    for (const key of ['a', 'b', 'c']) await cache.getOrFetch(key, () => key)
    await cache.getOrFetch('d', () => 'd')

    expect(cache.size).toBe(3)
    expect(['a', 'b', 'c', 'd'].map((key) => cache.has(key))).toEqual([false, true, true, true])
    expect(cache.stats().evictions).toBe(1)
  })

  it('makes an entry most recently used on a get hit', async () => {
    const cache = new CacheManager({ maxSize: 2 })
    await cache.set('a', 'a')
    await cache.set('b', 'b')
    await cache.get('a')
    await cache.set('c', 'c')
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true])
  })

  it('makes an entry most recently used on a getOrFetch hit', async () => {
    const cache = new CacheManager({ maxSize: 2 })
    await cache.set('a', 'a')
    await cache.set('b', 'b')
    await cache.getOrFetch('a', () => 'refetched')
    await cache.getOrFetch('c', () => 'c')
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true])
    expect(cache.peek('a')).toBe('a')
  })

  it('makes an entry most recently used when set replaces it', async () => {
    const cache = new CacheManager({ maxSize: 2 })
    await cache.set('a', 'a')
    await cache.set('b', 'b')
    await cache.set('a', 'a2')
    await cache.set('c', 'c')
    expect([cache.peek('a'), cache.has('b'), cache.peek('c')]).toEqual(['a2', false, 'c'])
    expect(cache.stats().evictions).toBe(1)
  })

  it('leaves recency alone on peek', async () => {
    const cache = new CacheManager({ maxSize: 2 })
    await cache.set('a', 'a')
    await cache.set('b', 'b')
    expect(cache.peek('a')).toBe('a')
    await cache.set('c', 'c')
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([false, true, true])
  })

  it('leaves recency alone on has', async () => {
    const cache = new CacheManager({ maxSize: 2 })
    await cache.set('a', 'a')
    await cache.set('b', 'b')
    expect(cache.has('a')).toBe(true)
    await cache.set('c', 'c')
    expect([cache.peek('a'), cache.peek('b'), cache.peek('c')]).toEqual([undefined, 'b', 'c'])
  })

  it('counts no lookup on peek or has', async () => {
    const cache = new CacheManager()
    await cache.set('a', 'a')
    const before = cache.stats()
    cache.peek('a')
    cache.peek('absent')
    cache.has('a')
    cache.has('absent')
    expect(cache.stats()).toEqual(before)
  })

  it('does not count fetches in flight as entries', async () => {
    const cache = new CacheManager({ maxSize: 1 })
    await cache.set('a', 'a')
    const d = deferred<string>()
    const pending = cache.getOrFetch('b', () => d.promise)
    expect(cache.size).toBe(1)
    expect(cache.has('a')).toBe(true)
    expect(cache.stats().evictions).toBe(0)

    d.resolve('b')
    await pending
    expect([cache.has('a'), cache.peek('b')]).toEqual([false, 'b'])
    expect(cache.stats()).toMatchObject({ evictions: 1, size: 1 })
  })

  it('counts every eviction', async () => {
    const cache = new CacheManager({ maxSize: 2 })
    for (let i = 0; i < 10; i++) await cache.set(`k${i}`, i)
    expect(cache.size).toBe(2)
    expect(cache.stats().evictions).toBe(8)
    expect([cache.peek('k8'), cache.peek('k9')]).toEqual([8, 9])
  })
})

describe('the TinyLFU policy', () => {
  it('keeps a key asked for often through a scan of new keys that flushes it under LRU', async () => {
    async function keepsHotKey(policy: 'lru' | 'tinylfu') {
      const cache = new CacheManager({ maxSize: 100, policy })
      const fetcher = vi.fn(() => 'hot')
      for (let i = 0; i < 10; i++) await cache.getOrFetch('hot', fetcher)
      for (let i = 0; i < 1000; i++) await cache.getOrFetch(`scan ${i}`, () => i)
      return cache.peek('hot')
    }
    await expect(keepsHotKey('lru')).resolves.toBeUndefined()
    await expect(keepsHotKey('tinylfu')).resolves.toBe('hot')
  })

  it('stays within maxSize and lists every entry it keeps, each once', async () => {
    const cache = new CacheManager({ maxSize: 50, policy: 'tinylfu' })
    for (let i = 0; i < 200; i++) await cache.set(`k${i}`, i)
    for (let i = 190; i < 200; i++) await cache.get(`k${i}`)
    expect(cache.size).toBe(50)
    expect(cache.stats().evictions).toBe(150)
    const keys = [...cache.keys()]
    expect(new Set(keys).size).toBe(50)
    for (const key of keys) expect(cache.has(key)).toBe(true)
  })
})

describe.each(POLICIES)('under policy %s', (policy) => {
  describe('counters', () => {
    it('counts hits, misses, fetches, coalesced callers, errors and evictions exactly', async () => {
      const cache = new CacheManager({ policy, maxSize: 2 })
      let fetcherCalls = 0
      let joined = 0
      let lookups = 0
      const counted =
        <T>(produce: () => T | PromiseLike<T>) =>
        () => {
          fetcherCalls++
          return produce()
        }
      const lookup = <T>(
        key: string,
        fetcher: () => T | PromiseLike<T>,
        leader?: Promise<unknown>,
      ) => {
        lookups++
        const promise = cache.getOrFetch(key, counted(fetcher))
        if (leader !== undefined && promise === leader) joined++
        return promise
      }

      // 'a': one fetch, two joiners.
      const aFetch = deferred<string>()
      const a1 = lookup('a', () => aFetch.promise)
      const joiners = [lookup('a', () => 'unused', a1), lookup('a', () => 'unused', a1)]
      aFetch.resolve('A')
      await a1
      // Two hits on 'a', one miss on 'zz'.
      await lookup('a', () => 'unused')
      lookups++
      await cache.get('a')
      lookups++
      await cache.get('zz')
      // 'b': a fetch that rejects, with one joiner; then a fetch that succeeds.
      const bFetch = deferred<string>()
      const b1 = lookup('b', () => bFetch.promise)
      joiners.push(lookup('b', () => 'unused', b1))
      bFetch.reject(new Error('b failed'))
      await rejectionOf(b1)
      await lookup('b', () => 'B')
      // 'c' evicts 'a', the least recently used (TinyLFU evicts 'b': 'a' was asked for most).
      await lookup('c', () => 'C')
      // Neither counts a lookup.
      cache.peek('a')
      cache.has('b')

      expect(cache.stats()).toEqual({
        hits: 2,
        misses: 8,
        fetches: 4,
        fetchErrors: 1,
        coalesced: 3,
        evictions: 1,
        expirations: 0,
        size: 2,
        staleHits: 0,
        refreshes: 0,
        refreshErrors: 0,
        timeouts: 0,
        aborts: 0,
        bytes: 0,
        inFlight: 0,
      })
      const stats = cache.stats()
      expect(stats.hits + stats.misses).toBe(lookups)
      expect(stats.fetches).toBe(fetcherCalls)
      expect(stats.coalesced).toBe(joined)
      await Promise.allSettled(joiners)
      expect([cache.has('a'), cache.peek('b'), cache.peek('c')]).toEqual(
        policy === 'lru' ? [false, 'B', 'C'] : [true, undefined, 'C'],
      )
    })
  })

  describe('reentrancy', () => {
    it('gives a fetcher that asks for its own key the same Promise', async () => {
      const cache = new CacheManager({ policy })
      const d = deferred<string>()
      let inner: Promise<string> | undefined
      const fetcher = vi.fn(() => {
        inner = cache.getOrFetch('k', fetcher)
        return d.promise
      })
      const outer = cache.getOrFetch('k', fetcher)

      expect(inner).toBe(outer)
      expect(fetcher).toHaveBeenCalledTimes(1)
      d.resolve('v')
      await expect(outer).resolves.toBe('v')
      expect(cache.stats()).toMatchObject({ fetches: 1, coalesced: 1, inFlight: 0, size: 1 })
    })

    it('settles a fetcher that joins itself and returns a plain value', async () => {
      const cache = new CacheManager({ policy })
      let inner: Promise<string> | undefined
      const fetcher = vi.fn(() => {
        inner = cache.getOrFetch('k', fetcher)
        return 'v'
      })
      const outer = cache.getOrFetch('k', fetcher)

      expect(inner).toBe(outer)
      await expect(Promise.all([outer, inner])).resolves.toEqual(['v', 'v'])
      expect(fetcher).toHaveBeenCalledTimes(1)
    })

    it('lets a fetcher start a fetch of another key without confusing the two', async () => {
      const cache = new CacheManager({ policy })
      const outerFetch = deferred<string>()
      const innerFetch = deferred<string>()
      let inner: Promise<string> | undefined
      const outer = cache.getOrFetch('outer', () => {
        inner = cache.getOrFetch('inner', () => innerFetch.promise)
        return outerFetch.promise
      })
      expect(inner).not.toBe(outer)
      expect(cache.getOrFetch('outer', () => 'unused')).toBe(outer)
      expect(cache.getOrFetch('inner', () => 'unused')).toBe(inner)

      innerFetch.resolve('I')
      outerFetch.resolve('O')
      await expect(Promise.all([outer, inner])).resolves.toEqual(['O', 'I'])
      expect([cache.peek('outer'), cache.peek('inner')]).toEqual(['O', 'I'])
    })
  })
})
