// Issue 3, point 5: the byte bound. `maxBytes` with `sizeOf` (or the default sizes) keeps the
// stored bytes under the bound, evicts least recently used entries first, skips entries that can
// never fit, and keeps `stats().bytes` exact through every way an entry comes and goes.
import { describe, expect, it, vi } from 'vitest'
import { CacheManager } from '../../dist/index.js'
import { manualClock } from '../support/clock.js'
import { randomInts } from '../support/random.js'
import { deferred, rejectionOf } from '../support/async.js'
import { thrownBy } from '../support/throws.js'

/** A string of `bytes` default-sized bytes (2 per UTF-16 code unit). */
const ofBytes = (bytes: number, fill = 'x') => fill.repeat(bytes / 2)

function expectSizeError(error: unknown, key: string) {
  expect(error).toBeInstanceOf(TypeError)
  expect((error as { code?: unknown }).code).toBe('ERR_HERDCACHE_SIZE')
  expect((error as Error).message).toContain(`'${key}'`)
}

describe('the byte bound', () => {
  it('never holds more than maxBytes, checked after every operation of a long sequence', async () => {
    const maxBytes = 200
    const cache = new CacheManager<string>({ maxBytes })
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`)
    // A fixed seed: reproducible without a property-testing library.
    const next = randomInts(12345)
    const stored = new Map<string, string>()
    const expectExactBytes = () => {
      let expected = 0
      for (const key of keys) {
        const value = cache.peek(key)
        if (value !== undefined) expected += value.length * 2
      }
      const { bytes } = cache.stats()
      expect(bytes).toBeLessThanOrEqual(maxBytes)
      expect(bytes).toBe(expected)
    }

    for (let step = 0; step < 400; step += 1) {
      const key = keys[next(keys.length)]!
      const value = ofBytes(2 * (1 + next(60)), String.fromCharCode(97 + (step % 26)))
      switch (next(6)) {
        case 0:
        case 1:
          await cache.set(key, value)
          stored.set(key, value)
          break
        case 2:
          await cache.getOrFetch(key, () => Promise.resolve(value))
          break
        case 3:
          await cache.get(key)
          break
        case 4:
          await cache.delete(key)
          break
        default:
          if (next(10) === 0) await cache.clear()
          else await cache.getOrFetch(key, () => value)
      }
      expectExactBytes()
    }
    // The sequence must have exercised the bound, or it proves nothing.
    expect(cache.stats().evictions).toBeGreaterThan(10)
    expect(stored.size).toBeGreaterThan(0)
  })

  it('evicts the least recently used entry to make room', async () => {
    const cache = new CacheManager<string>({ maxBytes: 30 })
    await cache.set('a', ofBytes(10))
    await cache.set('b', ofBytes(10))
    await cache.set('c', ofBytes(10))
    expect(cache.stats().bytes).toBe(30)

    await cache.set('d', ofBytes(10))

    expect([cache.has('a'), cache.has('b'), cache.has('c'), cache.has('d')]).toEqual([
      false,
      true,
      true,
      true,
    ])
    expect(cache.stats()).toMatchObject({ bytes: 30, evictions: 1, size: 3 })
  })

  it('makes a hit by get the most recently used, so it outlives older entries', async () => {
    const cache = new CacheManager<string>({ maxBytes: 30 })
    await cache.set('a', ofBytes(10))
    await cache.set('b', ofBytes(10))
    await cache.set('c', ofBytes(10))
    await expect(cache.get('a')).resolves.toBe(ofBytes(10))

    await cache.set('d', ofBytes(10))

    expect(cache.has('a')).toBe(true)
    expect(cache.has('b')).toBe(false)
    expect(cache.stats().bytes).toBe(30)
  })

  it('makes a hit by getOrFetch the most recently used, so it outlives older entries', async () => {
    const cache = new CacheManager<string>({ maxBytes: 30 })
    await cache.set('a', ofBytes(10))
    await cache.set('b', ofBytes(10))
    await cache.set('c', ofBytes(10))
    const fetcher = vi.fn(() => 'unused')
    await cache.getOrFetch('a', fetcher)
    await cache.getOrFetch('b', fetcher)
    expect(fetcher).not.toHaveBeenCalled()

    await cache.set('d', ofBytes(10))

    expect([cache.has('a'), cache.has('b'), cache.has('c'), cache.has('d')]).toEqual([
      true,
      true,
      false,
      true,
    ])
  })

  it('evicts as many least recently used entries as one large entry needs', async () => {
    const cache = new CacheManager<string>({ maxBytes: 40 })
    for (const key of ['a', 'b', 'c', 'd']) await cache.set(key, ofBytes(10))

    await cache.set('big', ofBytes(26))

    expect(['a', 'b', 'c', 'd', 'big'].map((key) => cache.has(key))).toEqual([
      false,
      false,
      false,
      true,
      true,
    ])
    expect(cache.stats()).toMatchObject({ bytes: 36, evictions: 3, size: 2 })
  })

  it('evicts for an entry stored by a fetch just as for one stored by set', async () => {
    const cache = new CacheManager<string>({ maxBytes: 20 })
    await cache.set('a', ofBytes(10))
    await cache.set('b', ofBytes(10))

    await expect(cache.getOrFetch('c', () => Promise.resolve(ofBytes(20)))).resolves.toBe(
      ofBytes(20),
    )

    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([false, false, true])
    expect(cache.stats()).toMatchObject({ bytes: 20, evictions: 2 })
  })

  it('fills to exactly maxBytes without evicting', async () => {
    const cache = new CacheManager<string>({ maxBytes: 20 })
    await cache.set('a', ofBytes(10))
    await cache.set('b', ofBytes(10))
    expect(cache.stats()).toMatchObject({ bytes: 20, evictions: 0, size: 2 })
  })
})

describe('an entry larger than maxBytes', () => {
  it('is not stored by set, which resolves, and evicts nothing', async () => {
    const cache = new CacheManager<string>({ maxBytes: 20 })
    await cache.set('a', ofBytes(10))

    await expect(cache.set('big', ofBytes(22))).resolves.toBeUndefined()

    expect(cache.has('big')).toBe(false)
    expect(cache.has('a')).toBe(true)
    expect(cache.stats()).toMatchObject({ bytes: 10, size: 1, evictions: 0 })
  })

  it('is handed to every waiter of getOrFetch, but not stored and not counted as an error', async () => {
    const cache = new CacheManager<string>({ maxBytes: 20 })
    await cache.set('a', ofBytes(10))
    const big = ofBytes(22)
    const d = deferred<string>()
    const fetcher = vi.fn(() => d.promise)

    const first = cache.getOrFetch('big', fetcher)
    const second = cache.getOrFetch('big', fetcher)
    d.resolve(big)

    await expect(Promise.all([first, second])).resolves.toEqual([big, big])
    expect(cache.has('big')).toBe(false)
    expect(cache.has('a')).toBe(true)
    expect(cache.stats()).toMatchObject({ bytes: 10, size: 1, fetchErrors: 0, inFlight: 0 })

    await cache.getOrFetch('big', fetcher)
    expect(fetcher).toHaveBeenCalledTimes(2)
  })

  it('removes the entry already stored under its key when set', async () => {
    const cache = new CacheManager<string>({ maxBytes: 20 })
    await cache.set('k', ofBytes(4))
    await cache.set('other', ofBytes(4))

    await cache.set('k', ofBytes(22))

    expect(cache.has('k')).toBe(false)
    expect(cache.peek('other')).toBe(ofBytes(4))
    expect(cache.stats()).toMatchObject({ bytes: 4, size: 1 })
  })

  it('removes the entry already stored under its key when fetched with forceRefresh', async () => {
    const cache = new CacheManager<string>({ maxBytes: 20 })
    await cache.set('k', ofBytes(4))

    await expect(cache.getOrFetch('k', () => ofBytes(22), { forceRefresh: true })).resolves.toBe(
      ofBytes(22),
    )

    expect(cache.has('k')).toBe(false)
    expect(cache.stats()).toMatchObject({ bytes: 0, size: 0 })
  })

  it('is not stored when set with an explicit size over maxBytes', async () => {
    const cache = new CacheManager<object>({ maxBytes: 20 })
    await cache.set('k', {}, { size: 21 })
    expect(cache.has('k')).toBe(false)
    expect(cache.stats().bytes).toBe(0)
  })
})

describe('the bytes counter', () => {
  it('adds on set, replaces on overwrite, subtracts on delete and zeroes on clear', async () => {
    const cache = new CacheManager<string>({ maxBytes: 1000 })
    await cache.set('a', ofBytes(10))
    expect(cache.stats().bytes).toBe(10)
    await cache.set('b', ofBytes(24))
    expect(cache.stats().bytes).toBe(34)
    await cache.set('a', ofBytes(4))
    expect(cache.stats().bytes).toBe(28)
    await cache.set('a', ofBytes(4))
    expect(cache.stats().bytes).toBe(28)
    expect(await cache.delete('b')).toBe(true)
    expect(cache.stats().bytes).toBe(4)
    expect(await cache.delete('b')).toBe(false)
    expect(cache.stats().bytes).toBe(4)
    await cache.set('c', ofBytes(6))
    await cache.clear()
    expect(cache.stats().bytes).toBe(0)
    await cache.set('a', ofBytes(2))
    expect(cache.stats().bytes).toBe(2)
  })

  it('counts entries stored by fetches and subtracts them when overwritten by set', async () => {
    const cache = new CacheManager<string>({ maxBytes: 1000 })
    await cache.getOrFetch('a', () => Promise.resolve(ofBytes(12)))
    expect(cache.stats().bytes).toBe(12)
    await cache.set('a', ofBytes(2))
    expect(cache.stats().bytes).toBe(2)
  })

  it('subtracts evicted entries, by maxBytes and by maxSize alike', async () => {
    const cache = new CacheManager<string>({ maxBytes: 20, maxSize: 2 })
    await cache.set('a', ofBytes(8))
    await cache.set('b', ofBytes(8))
    expect(cache.stats().bytes).toBe(16)
    await cache.set('c', ofBytes(2))
    expect(cache.stats()).toMatchObject({ bytes: 10, size: 2, evictions: 1 })
    await cache.set('d', ofBytes(12))
    expect(cache.stats()).toMatchObject({ bytes: 14, size: 2, evictions: 2 })
  })

  it('subtracts an expired entry found by a lookup', async () => {
    const clock = manualClock()
    const cache = new CacheManager<string>({ maxBytes: 100, clock: clock.read })
    await cache.set('short', ofBytes(10), 50)
    await cache.set('long', ofBytes(6), 500)
    expect(cache.stats().bytes).toBe(16)

    clock.now = 50
    expect(cache.has('short')).toBe(false)

    expect(cache.stats()).toMatchObject({ bytes: 6, size: 1, expirations: 1 })
  })

  it('subtracts an expired entry reclaimed by the sweep', async () => {
    vi.useFakeTimers()
    try {
      const cache = new CacheManager<string>({ maxBytes: 100, clock: () => Date.now() })
      await cache.set('short', ofBytes(10), 50)
      await cache.set('forever', ofBytes(6))
      expect(cache.stats().bytes).toBe(16)

      vi.advanceTimersByTime(50 + 1000)

      expect(cache.stats()).toMatchObject({ bytes: 6, size: 1, expirations: 1 })
    } finally {
      vi.useRealTimers()
    }
  })

  it('subtracts entries removed by invalidateTag', async () => {
    const cache = new CacheManager<string>({ maxBytes: 100 })
    await cache.set('a', ofBytes(10), { tags: ['t'] })
    await cache.set('b', ofBytes(6))
    await expect(cache.invalidateTag('t')).resolves.toBe(1)
    expect(cache.stats().bytes).toBe(6)
  })

  it('stays 0 when neither maxBytes nor sizeOf is given', async () => {
    const cache = new CacheManager<unknown>()
    await cache.set('s', 'a string')
    await cache.set('o', { any: 'object' })
    await cache.getOrFetch('b', () => Buffer.alloc(64))
    expect(cache.stats()).toMatchObject({ bytes: 0, size: 3 })
  })
})

describe('default sizes', () => {
  it.each([
    ['an empty string', '', 0],
    ['an ASCII string', 'abc', 6],
    ['a string with a non-ASCII BMP character', 'é€', 4],
    ['a string with an astral character (two code units)', '😀', 4],
    ['a string with a lone surrogate', '\ud800x', 4],
  ])('sizes %s at 2 bytes per UTF-16 code unit', async (_name, value, bytes) => {
    const cache = new CacheManager<string>({ maxBytes: 1000 })
    await cache.set('k', value)
    expect(cache.stats().bytes).toBe(bytes)
  })

  it.each<[string, () => unknown, number]>([
    ['a Buffer', () => Buffer.alloc(7), 7],
    ['a Uint8Array', () => new Uint8Array(5), 5],
    ['a Float64Array', () => new Float64Array(3), 24],
    ['a DataView', () => new DataView(new ArrayBuffer(9)), 9],
    ['an ArrayBuffer', () => new ArrayBuffer(11), 11],
    ['a view onto part of a larger buffer', () => new Uint16Array(new ArrayBuffer(64), 8, 3), 6],
    ['a Buffer sliced from the shared pool', () => Buffer.from('hello'), 5],
  ])('sizes %s at its byteLength', async (_name, make, bytes) => {
    const cache = new CacheManager<unknown>({ maxBytes: 1000 })
    const value = make()
    await cache.set('k', value)
    expect(cache.peek('k')).toBe(value)
    expect(cache.stats().bytes).toBe(bytes)
  })

  it('sizes a fetched Buffer at its byteLength', async () => {
    const cache = new CacheManager<Buffer>({ maxBytes: 1000 })
    await cache.getOrFetch('k', () => Promise.resolve(Buffer.alloc(33)))
    expect(cache.stats().bytes).toBe(33)
  })
})

describe('values whose size cannot be told', () => {
  it.each<[string, unknown]>([
    ['a plain object', { id: 1 }],
    ['an array', [1, 2, 3]],
    ['a Map', new Map()],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
  ])(
    'make set throw a TypeError with code ERR_HERDCACHE_SIZE naming the key, for %s',
    async (_name, value) => {
      const cache = new CacheManager<unknown>({ maxBytes: 100 })
      await cache.set('k', 'old')
      await cache.set('other', 'xx')
      const before = cache.stats()

      const error = thrownBy(() => cache.set('k', value))

      expectSizeError(error, 'k')
      expect(cache.peek('k')).toBe('old')
      expect(cache.peek('other')).toBe('xx')
      expect(cache.stats()).toEqual(before)
    },
  )

  it('leave a fetch in flight attached when set throws', async () => {
    const cache = new CacheManager<unknown>({ maxBytes: 100 })
    const d = deferred<string>()
    const pending = cache.getOrFetch('k', () => d.promise)

    expectSizeError(
      thrownBy(() => cache.set('k', { id: 1 })),
      'k',
    )
    d.resolve('fetched')

    await expect(pending).resolves.toBe('fetched')
    expect(cache.peek('k')).toBe('fetched')
  })

  it('make getOrFetch reject every waiter with the size error and store nothing', async () => {
    const cache = new CacheManager<unknown>({ maxBytes: 100 })
    const value = { id: 1 }
    const d = deferred<object>()
    const fetcher = vi.fn(() => d.promise)
    const first = cache.getOrFetch('k', fetcher)
    const second = cache.getOrFetch('k', fetcher)
    const errors = Promise.all([rejectionOf(first), rejectionOf(second)])

    d.resolve(value)
    const [a, b] = await errors

    expectSizeError(a, 'k')
    expect(b).toBe(a)
    expect(cache.has('k')).toBe(false)
    expect(cache.stats()).toMatchObject({ size: 0, bytes: 0, fetchErrors: 1, inFlight: 0 })

    await expect(cache.getOrFetch('k', () => 'text')).resolves.toBe('text')
    expect(cache.peek('k')).toBe('text')
  })

  // DESIGN.md, contract point 3: a fetch detached by delete or set hands its result to its
  // waiters without storing it, so there is nothing to size.
  it('are handed to the waiters of a fetch detached by delete or set, which store nothing', async () => {
    const cache = new CacheManager<unknown>({ maxBytes: 100 })
    const deleted = deferred<object>()
    const overwritten = deferred<object>()
    const a = cache.getOrFetch('a', () => deleted.promise)
    const b = cache.getOrFetch('b', () => overwritten.promise)
    await cache.delete('a')
    await cache.set('b', 'set')
    const valueA = { id: 'a' }
    const valueB = { id: 'b' }

    deleted.resolve(valueA)
    overwritten.resolve(valueB)

    await expect(a).resolves.toBe(valueA)
    await expect(b).resolves.toBe(valueB)
    expect(cache.has('a')).toBe(false)
    expect(cache.peek('b')).toBe('set')
    expect(cache.stats()).toMatchObject({ size: 1, bytes: 6, fetchErrors: 0, inFlight: 0 })
  })

  it('make a synchronous fetcher result reject in the same way', async () => {
    const cache = new CacheManager<unknown>({ maxBytes: 100 })
    const error = await rejectionOf(cache.getOrFetch('k', () => [1, 2]))
    expectSizeError(error, 'k')
    expect(cache.stats()).toMatchObject({ size: 0, fetchErrors: 1, inFlight: 0 })
  })

  it('are stored under an explicit size given to set', async () => {
    const cache = new CacheManager<unknown>({ maxBytes: 100 })
    const value = { id: 1 }
    await cache.set('k', value, { size: 40 })
    expect(cache.peek('k')).toBe(value)
    expect(cache.stats().bytes).toBe(40)
  })
})

describe('set size option', () => {
  it('overrides the default size of a string', async () => {
    const cache = new CacheManager<string>({ maxBytes: 100 })
    await cache.set('k', ofBytes(50), { size: 3 })
    expect(cache.stats().bytes).toBe(3)
  })

  it('overrides sizeOf, which is not called', async () => {
    const sizeOf = vi.fn(() => 10)
    const cache = new CacheManager<object>({ maxBytes: 100, sizeOf })
    await cache.set('k', {}, { size: 7 })
    expect(sizeOf).not.toHaveBeenCalled()
    expect(cache.stats().bytes).toBe(7)
  })

  it('counts toward the bound, evicting least recently used entries', async () => {
    const cache = new CacheManager<object>({ maxBytes: 100 })
    await cache.set('a', {}, { size: 60 })
    await cache.set('b', {}, { size: 30 })
    await cache.set('c', {}, { size: 30 })
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([false, true, true])
    expect(cache.stats().bytes).toBe(60)
  })

  it.each<[string, unknown, typeof TypeError | typeof RangeError]>([
    ['negative', -1, RangeError],
    ['NaN', NaN, RangeError],
    ['Infinity', Infinity, RangeError],
    ['a string', '10', TypeError],
  ])(
    'rejects a size that is %s synchronously, with the cache untouched',
    async (_name, size, type) => {
      const cache = new CacheManager<object>({ maxBytes: 100 })
      await cache.set('k', {}, { size: 1 })
      const error = thrownBy(() => cache.set('k', {}, { size } as { size: number }))
      expect(error).toBeInstanceOf(type)
      expect((error as Error).message).toMatch(/\bsize\b/)
      expect(cache.stats()).toMatchObject({ bytes: 1, size: 1 })
    },
  )
})

describe('sizeOf', () => {
  it('receives the value and the key from set and from a fetch', async () => {
    const sizeOf = vi.fn<(value: object, key: string) => number>(() => 5)
    const cache = new CacheManager<object>({ maxBytes: 100, sizeOf })
    const fromSet = { via: 'set' }
    const fromFetch = { via: 'fetch' }

    await cache.set('s', fromSet)
    await cache.getOrFetch('f', () => Promise.resolve(fromFetch))

    expect(sizeOf.mock.calls).toEqual([
      [fromSet, 's'],
      [fromFetch, 'f'],
    ])
    expect(sizeOf.mock.calls[0]![0]).toBe(fromSet)
    expect(sizeOf.mock.calls[1]![0]).toBe(fromFetch)
    expect(cache.stats().bytes).toBe(10)
  })

  it('replaces the default sizes, strings included', async () => {
    const cache = new CacheManager<string>({ maxBytes: 100, sizeOf: (value) => value.length })
    await cache.set('k', 'abcd')
    expect(cache.stats().bytes).toBe(4)
  })

  it('may size by key', async () => {
    const cache = new CacheManager<object>({
      maxBytes: 100,
      sizeOf: (_value, key) => (key.startsWith('big:') ? 60 : 10),
    })
    await cache.set('small:1', {})
    await cache.set('big:1', {})
    await cache.set('big:2', {})
    expect([cache.has('small:1'), cache.has('big:1'), cache.has('big:2')]).toEqual([
      false,
      false,
      true,
    ])
    expect(cache.stats().bytes).toBe(60)
  })

  it.each<[string, unknown]>([
    ['a negative number', -1],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['a numeric string', '10'],
    ['undefined', undefined],
    ['null', null],
    ['a bigint', 10n],
  ])(
    'returning %s makes set throw ERR_HERDCACHE_SIZE, with the cache untouched',
    async (_name, size) => {
      let answer: unknown = 1
      const cache = new CacheManager<object>({ maxBytes: 100, sizeOf: () => answer as number })
      await cache.set('k', { n: 1 })
      const before = cache.stats()
      answer = size

      const error = thrownBy(() => cache.set('k', { n: 2 }))

      expect(error).toBeInstanceOf(TypeError)
      expect((error as { code?: unknown }).code).toBe('ERR_HERDCACHE_SIZE')
      expect((error as Error).message).toMatch(/sizeOf/)
      expect(cache.peek('k')).toEqual({ n: 1 })
      expect(cache.stats()).toEqual(before)
    },
  )

  it('returning a bad size makes getOrFetch reject every waiter and store nothing', async () => {
    const cache = new CacheManager<object>({ maxBytes: 100, sizeOf: () => -5 })
    const fetcher = vi.fn(() => Promise.resolve({}))
    const first = cache.getOrFetch('k', fetcher)
    const second = cache.getOrFetch('k', fetcher)

    const [a, b] = await Promise.all([rejectionOf(first), rejectionOf(second)])

    expect(a).toBeInstanceOf(TypeError)
    expect((a as { code?: unknown }).code).toBe('ERR_HERDCACHE_SIZE')
    expect(b).toBe(a)
    expect(fetcher).toHaveBeenCalledTimes(1)
    expect(cache.stats()).toMatchObject({ size: 0, bytes: 0, fetchErrors: 1, inFlight: 0 })
  })

  it('tracks bytes without maxBytes, and bounds nothing by them', async () => {
    const cache = new CacheManager<object>({ sizeOf: () => 1_000_000 })
    await cache.set('a', {})
    await cache.set('b', {})
    await cache.getOrFetch('c', () => ({}))
    expect(cache.stats()).toMatchObject({ bytes: 3_000_000, size: 3, evictions: 0 })
    await cache.delete('a')
    expect(cache.stats().bytes).toBe(2_000_000)
  })
})

describe('maxBytes validation', () => {
  const LooseCacheManager = CacheManager as unknown as new (options: unknown) => CacheManager

  it.each<[string, unknown, typeof TypeError | typeof RangeError]>([
    ['0', 0, RangeError],
    ['-1', -1, RangeError],
    ['1.5', 1.5, RangeError],
    ['NaN', NaN, RangeError],
    ['Infinity', Infinity, RangeError],
    ["'10'", '10', TypeError],
    ['null', null, TypeError],
  ])('rejects maxBytes %s', (_name, maxBytes, type) => {
    const error = thrownBy(() => new LooseCacheManager({ maxBytes }))
    expect(error).toBeInstanceOf(type)
    expect((error as Error).constructor).toBe(type)
    expect((error as Error).message).toMatch(/^maxBytes must be/)
  })

  it('accepts maxBytes 1', async () => {
    const cache = new CacheManager<string>({ maxBytes: 1 })
    await cache.set('empty', '')
    await cache.set('one', 'x')
    expect(cache.has('empty')).toBe(true)
    expect(cache.has('one')).toBe(false)
  })

  it('rejects a sizeOf that is not a function', () => {
    const error = thrownBy(() => new LooseCacheManager({ maxBytes: 10, sizeOf: 4 }))
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toMatch(/^sizeOf must be a function/)
  })
})

describe('values that are not stored', () => {
  it('needs no size for a value fetched or set with ttlMs 0', async () => {
    const cache = new CacheManager<object>({ maxBytes: 100 })
    const value = { unsized: true }
    await expect(cache.getOrFetch('k', () => value, 0)).resolves.toBe(value)
    await expect(cache.set('k', value, 0)).resolves.toBeUndefined()
    expect(cache.stats()).toMatchObject({ fetchErrors: 0, size: 0, bytes: 0 })
  })
})
