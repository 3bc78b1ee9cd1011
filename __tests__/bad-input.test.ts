// "Bad input" in DESIGN.md: programmer errors throw synchronously, with the right class, a
// message naming the argument and the value received, a stable code, and the cache untouched.
import { describe, expect, it, vi } from 'vitest'
import { CacheManager } from '../dist/index.js'
import { binding } from '../dist/store/native.js'
import { deferred } from './support/async.js'
import { expectThrown as expectThrownAs } from './support/throws.js'

// The public API as JavaScript callers see it: any argument may arrive.
interface LooseCache {
  getOrFetch(key?: unknown, fetcher?: unknown, ttlMs?: unknown): Promise<unknown>
  get(key?: unknown): Promise<unknown>
  set(key?: unknown, value?: unknown, ttlMs?: unknown): Promise<void>
  delete(key?: unknown): Promise<boolean>
  has(key?: unknown): boolean
  peek(key?: unknown): unknown
}
const LooseCacheManager = CacheManager as unknown as new (...args: unknown[]) => CacheManager
const loose = (cache: CacheManager) => cache as unknown as LooseCache

interface Expected {
  type: typeof TypeError | typeof RangeError
  code: string
  message: RegExp
}

const typeError = (message: RegExp): Expected => ({
  type: TypeError,
  code: 'ERR_INVALID_ARG_TYPE',
  message,
})
const rangeError = (message: RegExp): Expected => ({
  type: RangeError,
  code: 'ERR_OUT_OF_RANGE',
  message,
})

/** Calls `call`, which must throw synchronously, and checks what it threw. */
function expectThrown(call: () => unknown, expected: Expected) {
  expectThrownAs(call, expected.type, expected.code, expected.message)
}

/**
 * A cache with a stored entry ('kept'), a fetch in flight ('pending') and some counter history,
 * and a check that a rejected call left all of it exactly as it was.
 */
async function populatedCache() {
  const cache = new CacheManager({ maxSize: 3 })
  const keptValue = { kept: true }
  await cache.getOrFetch('kept', () => keptValue)
  await cache.getOrFetch('kept', () => ({ kept: false }))
  await cache.get('missing')
  const pendingFetch = deferred<{ fetched: true }>()
  const pending = cache.getOrFetch('pending', () => pendingFetch.promise)
  const before = { stats: cache.stats(), size: cache.size }
  expect(before.stats).toMatchObject({ hits: 1, misses: 3, fetches: 2, size: 1, inFlight: 1 })

  async function expectUntouched() {
    expect({ stats: cache.stats(), size: cache.size }).toEqual(before)
    expect(cache.peek('kept')).toBe(keptValue)
    expect(cache.has('fresh')).toBe(false)
    expect(cache.stats()).toEqual(before.stats)

    const joiner = vi.fn(() => ({ fetched: true as const }))
    expect(cache.getOrFetch('pending', joiner)).toBe(pending)
    expect(joiner).not.toHaveBeenCalled()
    const value = { fetched: true as const }
    pendingFetch.resolve(value)
    await expect(pending).resolves.toBe(value)
    expect(cache.peek('pending')).toBe(value)
    expect(cache.peek('kept')).toBe(keptValue)
    expect(cache.stats()).toEqual({
      ...before.stats,
      misses: before.stats.misses + 1,
      coalesced: before.stats.coalesced + 1,
      size: 2,
      inFlight: 0,
    })
  }

  return { cache, expectUntouched }
}

const badKeys: [string, unknown, RegExp][] = [
  ['a number', 1, /^key must be a string, received number 1$/],
  ['undefined', undefined, /^key must be a string, received undefined$/],
  ['null', null, /^key must be a string, received null$/],
  ['an object', { key: 'k' }, /^key must be a string, received an object$/],
  ['a symbol', Symbol('k'), /^key must be a string, received a symbol$/],
  ['a String object', new String('k'), /^key must be a string, received an instance of String$/],
]

const TTL = 'ttlMs must be a non-negative number or Infinity, received'
const badTtls: [string, unknown, Expected][] = [
  ['-5', -5, rangeError(new RegExp(`^${TTL} number -5$`))],
  ['NaN', NaN, rangeError(new RegExp(`^${TTL} number NaN$`))],
  ['-Infinity', -Infinity, rangeError(new RegExp(`^${TTL} number -Infinity$`))],
  ["'100'", '100', typeError(new RegExp(`^${TTL} string '100'$`))],
  ['null', null, typeError(new RegExp(`^${TTL} null$`))],
  ['a bigint', 100n, typeError(new RegExp(`^${TTL} bigint 100n$`))],
]

describe('new CacheManager(options)', () => {
  it.each([
    ['null', null, /^options must be an object, received null$/],
    ['a number', 5, /^options must be an object, received number 5$/],
    ['a string', 'maxSize', /^options must be an object, received string 'maxSize'$/],
    ['a function', () => ({}), /^options must be an object, received a function$/],
  ])('throws a TypeError for options that are %s', (_, options, message) => {
    expectThrown(() => new LooseCacheManager(options), typeError(message))
  })

  it('throws a TypeError naming an unknown option', () => {
    expectThrown(() => new LooseCacheManager({ maxSize: 10, maxsize: 10 }), {
      type: TypeError,
      code: 'ERR_HERDCACHE_UNKNOWN_OPTION',
      message:
        /^options\.maxsize is not an option; the options are maxSize, maxBytes, policy, sizeOf, onEvict, clock, defaultTtlMs, staleWhileRevalidateMs, staleIfErrorMs, timeoutMs, name, fetchDurationBuckets, tier, shared, codec, decodeEvicted$/,
    })
  })

  it.each([
    ['0', 0, 'number 0'],
    ['-1', -1, 'number -1'],
    ['1.5', 1.5, 'number 1.5'],
    ['NaN', NaN, 'number NaN'],
    ['Infinity', Infinity, 'number Infinity'],
    ['2^53', 2 ** 53, 'number 9007199254740992'],
  ])('throws a RangeError for maxSize %s', (_, maxSize, received) => {
    expectThrown(
      () => new LooseCacheManager({ maxSize }),
      rangeError(new RegExp(`^maxSize must be a positive integer, received ${received}$`)),
    )
  })

  it.each([
    ["'10'", '10', "string '10'"],
    ['null', null, 'null'],
    ['a boolean', true, 'boolean true'],
  ])('throws a TypeError for maxSize %s', (_, maxSize, received) => {
    expectThrown(
      () => new LooseCacheManager({ maxSize }),
      typeError(new RegExp(`^maxSize must be a positive integer, received ${received}$`)),
    )
  })

  it.each([
    ["'LRU'", 'LRU', rangeError(/^policy must be 'lru' or 'tinylfu', received string 'LRU'$/)],
    ["'lfu'", 'lfu', rangeError(/^policy must be 'lru' or 'tinylfu', received string 'lfu'$/)],
    ["''", '', rangeError(/^policy must be 'lru' or 'tinylfu', received string ''$/)],
    ['null', null, typeError(/^policy must be 'lru' or 'tinylfu', received null$/)],
    ['a number', 1, typeError(/^policy must be 'lru' or 'tinylfu', received number 1$/)],
  ])('throws for policy %s, in the binding too', (_, policy, expected) => {
    expectThrown(() => new LooseCacheManager({ policy }), expected)
    expectThrown(() => binding.createStore(4, undefined, false, policy as 'lru'), expected)
  })

  it.each([
    [
      '-1',
      -1,
      rangeError(/^defaultTtlMs must be a non-negative number or Infinity, received number -1$/),
    ],
    [
      'NaN',
      NaN,
      rangeError(/^defaultTtlMs must be a non-negative number or Infinity, received number NaN$/),
    ],
    [
      "'10'",
      '10',
      typeError(/^defaultTtlMs must be a non-negative number or Infinity, received string '10'$/),
    ],
  ])('throws for defaultTtlMs %s', (_, defaultTtlMs, expected) => {
    expectThrown(() => new LooseCacheManager({ defaultTtlMs }), expected)
  })

  it('accepts maxSize 1, defaultTtlMs 0 and defaultTtlMs Infinity', () => {
    expect(() => new CacheManager({ maxSize: 1, defaultTtlMs: 0 })).not.toThrow()
    expect(() => new CacheManager({ defaultTtlMs: Infinity })).not.toThrow()
    expect(() => new CacheManager(undefined)).not.toThrow()
  })
})

describe('getOrFetch(key, fetcher, ttlMs)', () => {
  it.each(badKeys)(
    'throws a TypeError for a key that is %s and leaves the cache as it was',
    async (_, key, message) => {
      const { cache, expectUntouched } = await populatedCache()
      const fetcher = vi.fn(() => 'v')
      expectThrown(() => loose(cache).getOrFetch(key, fetcher), typeError(message))
      expect(fetcher).not.toHaveBeenCalled()
      await expectUntouched()
    },
  )

  it.each([
    ['missing', [], /^fetcher must be a function, received undefined$/],
    ['a string', ['f'], /^fetcher must be a function, received string 'f'$/],
    ['null', [null], /^fetcher must be a function, received null$/],
    [
      'a Promise',
      [Promise.resolve('v')],
      /^fetcher must be a function, received an instance of Promise$/,
    ],
  ])(
    'throws a TypeError for a fetcher that is %s and leaves the cache as it was',
    async (_, rest, message) => {
      // Each key matters: a stored key must not count a hit, a pending one must not count a join.
      for (const key of ['fresh', 'kept', 'pending']) {
        const { cache, expectUntouched } = await populatedCache()
        expectThrown(() => loose(cache).getOrFetch(key, ...rest), typeError(message))
        await expectUntouched()
      }
    },
  )

  it.each(badTtls)(
    'throws for ttlMs %s and leaves the cache as it was',
    async (_, ttlMs, expected) => {
      for (const key of ['fresh', 'kept', 'pending']) {
        const { cache, expectUntouched } = await populatedCache()
        const fetcher = vi.fn(() => 'v')
        expectThrown(() => loose(cache).getOrFetch(key, fetcher, ttlMs), expected)
        expect(fetcher).not.toHaveBeenCalled()
        await expectUntouched()
      }
    },
  )
})

describe.each([
  ['get', (cache: LooseCache, key: unknown) => cache.get(key)],
  ['set', (cache: LooseCache, key: unknown) => cache.set(key, 'v')],
  ['delete', (cache: LooseCache, key: unknown) => cache.delete(key)],
  ['has', (cache: LooseCache, key: unknown) => cache.has(key)],
  ['peek', (cache: LooseCache, key: unknown) => cache.peek(key)],
])('%s(key)', (_, call) => {
  it.each(badKeys)(
    'throws a TypeError for a key that is %s and leaves the cache as it was',
    async (_, key, message) => {
      const { cache, expectUntouched } = await populatedCache()
      expectThrown(() => call(loose(cache), key), typeError(message))
      await expectUntouched()
    },
  )
})

describe('set(key, value, ttlMs)', () => {
  it.each(badTtls)(
    'throws for ttlMs %s and leaves the cache as it was',
    async (_, ttlMs, expected) => {
      // On 'kept' a bad set must not replace the value; on 'pending' it must not detach the fetch.
      for (const key of ['fresh', 'kept', 'pending']) {
        const { cache, expectUntouched } = await populatedCache()
        expectThrown(() => loose(cache).set(key, 'replacement', ttlMs), expected)
        await expectUntouched()
      }
    },
  )
})
