// Issue 14: hostile callbacks and inputs. Each block pins one defect that fuzzing found where
// JavaScript callbacks and odd arguments meet the binding; every test here failed before its fix.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CacheManager, type CacheStats, type EvictionReason } from '../dist/index.js'
import { deferred, rejectionOf, turns } from './support/async.js'
import { unhandledRejections, watchWarnings } from './support/process.js'
import { manualClock } from './support/clock.js'
import { thrownBy } from './support/throws.js'

type Removal = [key: string, reason: EvictionReason]

const unhandled = unhandledRejections()
afterEach(() => {
  vi.useRealTimers()
})

describe('keys with lone surrogates in removal reports', () => {
  const keys = ['\ud800', '\udc00', 'a\ud800b', '\udfff\ud800', '\ud83d\ude00']

  it.each(keys)(
    'reports %j to onEvict code unit for code unit, alone and in batches',
    async (key) => {
      const removals: Removal[] = []
      const cache = new CacheManager<number>({
        maxSize: 2,
        onEvict: (k, _v, reason) => removals.push([k, reason]),
      })
      await cache.set(key, 1)
      await cache.delete(key) // one removal: the io fast path
      await cache.set(key, 2)
      await cache.set(`${key}2`, 3)
      await cache.set('other', 4) // evicts key
      await cache.clear() // a batch of two
      expect(removals).toEqual([
        [key, 'delete'],
        [key, 'evict'],
        [`${key}2`, 'clear'],
        ['other', 'clear'],
      ])
    },
  )

  it('reports lone surrogates on the evict channel without an onEvict', async () => {
    const seen: string[] = []
    const listener = (message: unknown) => seen.push((message as { key: string }).key)
    subscribe('herdcache:evict', listener)
    try {
      const cache = new CacheManager({ maxSize: 1 })
      await cache.set('\ud800', 1)
      await cache.set('\udc00', 2)
      await cache.delete('\udc00')
    } finally {
      unsubscribe('herdcache:evict', listener)
    }
    expect(seen).toEqual(['\ud800', '\udc00'])
  })
})

describe('an onEvict that throws an unprintable value', () => {
  const unprintable: [string, () => unknown][] = [
    ['a null-prototype object', () => Object.create(null) as unknown],
    [
      'an object whose toString throws',
      () => ({
        toString: () => {
          throw new Error('no')
        },
      }),
    ],
    [
      'a Proxy whose every trap throws',
      () =>
        new Proxy(
          {},
          {
            get: () => {
              throw new Error('trap')
            },
            getPrototypeOf: () => {
              throw new Error('trap')
            },
          },
        ),
    ],
  ]

  it.each(unprintable)(
    'warns for %s, and every onEvict of the batch still runs',
    async (_name, make) => {
      const warnings = watchWarnings()
      const called: string[] = []
      const cache = new CacheManager({
        onEvict: (key) => {
          called.push(key)
          throw make()
        },
      })
      await cache.set('a', 1)
      await cache.set('b', 2)
      await cache.set('c', 3)
      await expect(cache.clear()).resolves.toBeUndefined()
      expect(called).toEqual(['a', 'b', 'c'])
      expect(cache.size).toBe(0)
      const seen = await warnings.settled()
      warnings.stop()
      expect(seen.map((w) => w.code)).toEqual(Array(3).fill('HERDCACHE_ON_EVICT_THREW'))
      expect(seen[0]!.message).toMatch(
        /^onEvict threw for key 'a' \(clear\); the cache is unaffected: /,
      )
    },
  )

  it('hands out the shared Promise when a removal during getOrFetch makes onEvict throw', async () => {
    const warnings = watchWarnings()
    const clock = manualClock()
    const cache = new CacheManager({
      clock: clock.read,
      onEvict: () => {
        throw Object.create(null)
      },
    })
    await cache.set('k', 'old', 10)
    clock.now = 20 // expired: acquire removes it, and onEvict throws
    const upstream = deferred<string>()
    const answer = cache.getOrFetch('k', () => upstream.promise)
    upstream.reject(new Error('upstream down'))
    expect(await rejectionOf(answer)).toEqual(new Error('upstream down'))
    await turns()
    expect(unhandled).not.toHaveBeenCalled()
    expect(cache.stats().inFlight).toBe(0)
    expect(await warnings.settled()).toHaveLength(1)
    warnings.stop()
  })

  it('does not throw from the sweep timer', async () => {
    vi.useFakeTimers()
    const warnings = watchWarnings()
    const cache = new CacheManager({
      clock: () => Date.now(),
      onEvict: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point of the test
        throw {
          toString: () => {
            throw new Error('no')
          },
        }
      },
    })
    await cache.set('k', 1, 100)
    expect(() => vi.advanceTimersByTime(5_000)).not.toThrow()
    expect(cache.size).toBe(0)
    vi.useRealTimers()
    expect((await warnings.settled()).map((w) => w.code)).toEqual(['HERDCACHE_ON_EVICT_THREW'])
    warnings.stop()
  })
})

describe('a clock that throws or re-enters the cache', () => {
  /** A clock that throws while `failing` is set. */
  function brokenClock() {
    const clock = {
      now: 0,
      failing: false,
      read: () => {
        if (clock.failing) throw new Error('clock broke')
        return clock.now
      },
    }
    return clock
  }

  it('fails set() before it changes anything', async () => {
    const clock = brokenClock()
    const cache = new CacheManager({ clock: clock.read, maxBytes: 100 })
    await cache.set('kept', 'x', 50)
    const before = cache.stats()
    clock.failing = true
    expect(thrownBy(() => cache.set('kept', 'replacement', 1000))).toEqual(new Error('clock broke'))
    expect(thrownBy(() => cache.set('new', 'y', 1000))).toEqual(new Error('clock broke'))
    clock.failing = false
    expect(cache.stats()).toEqual(before)
    expect(cache.peek('kept')).toBe('x')
    expect(cache.has('new')).toBe(false)
    clock.now = 60 // the first entry keeps its own TTL: the failed set changed nothing
    expect(cache.has('kept')).toBe(false)
  })

  it('either fails set() or stores, never both, whichever read of the clock throws', async () => {
    // A clock that fails every other read: before the fix set() read it twice (for the entry,
    // then for the sweep timer), so a set could store and then throw.
    let reads = 0
    const cache = new CacheManager({
      clock: () => {
        reads += 1
        if (reads % 2 === 0) throw new Error('clock broke')
        return 0
      },
    })
    for (let i = 0; i < 6; i += 1) {
      let threw = false
      try {
        await cache.set(`k${i}`, i, 1000)
      } catch {
        threw = true
      }
      reads = 0 // the checks below read the clock once, and must not fail
      expect(cache.has(`k${i}`)).toBe(!threw)
    }
  })

  it('fails getOrFetch, get, has and peek before they look anything up', async () => {
    const clock = brokenClock()
    const cache = new CacheManager({ clock: clock.read })
    await cache.set('k', 1)
    const before = cache.stats()
    clock.failing = true
    const fetcher = vi.fn(() => 2)
    expect(thrownBy(() => cache.getOrFetch('k', fetcher))).toEqual(new Error('clock broke'))
    expect(thrownBy(() => cache.getOrFetch('other', fetcher))).toEqual(new Error('clock broke'))
    expect(thrownBy(() => cache.get('k'))).toEqual(new Error('clock broke'))
    expect(thrownBy(() => cache.has('k'))).toEqual(new Error('clock broke'))
    expect(thrownBy(() => cache.peek('k'))).toEqual(new Error('clock broke'))
    clock.failing = false
    expect(fetcher).not.toHaveBeenCalled()
    expect(cache.stats()).toEqual(before)
  })

  it.each([
    ['its first read', 'fails, storing nothing', 1],
    ['a later read', 'succeeds, stored', 2],
  ])(
    'ends a fetch whose clock fails from %s at completion: it %s',
    async (_, outcome, failFrom) => {
      // Before the fix, the completion read the clock twice (for the entry, then for the sweep
      // timer): failing on the second read stored the value and still rejected the waiters.
      let reads = 0
      let failing = false
      const cache = new CacheManager({
        clock: () => {
          reads += 1
          if (failing && reads >= failFrom) throw new Error('clock broke')
          return 0
        },
      })
      const errors: unknown[] = []
      const ends: { stored: boolean }[] = []
      const onError = (message: unknown) => errors.push((message as { error: unknown }).error)
      const onEnd = (message: unknown) => ends.push(message as { stored: boolean })
      subscribe('tracing:herdcache:fetch:error', onError)
      subscribe('tracing:herdcache:fetch:asyncEnd', onEnd)
      let settled: PromiseSettledResult<string>[]
      try {
        const upstream = deferred<string>()
        const first = cache.getOrFetch('k', () => upstream.promise, 1000)
        const joined = cache.getOrFetch('k', () => 'unused', 1000)
        reads = 0
        failing = true
        upstream.resolve('value')
        settled = await Promise.allSettled([first, joined])
        failing = false
      } finally {
        unsubscribe('tracing:herdcache:fetch:error', onError)
        unsubscribe('tracing:herdcache:fetch:asyncEnd', onEnd)
      }
      if (outcome === 'succeeds, stored') {
        expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled'])
        expect(ends.map((e) => e.stored)).toEqual([true])
        expect(errors).toEqual([])
        expect(cache.peek('k')).toBe('value')
      } else {
        expect(settled).toEqual(
          Array(2).fill({ status: 'rejected', reason: new Error('clock broke') }),
        )
        expect(errors).toEqual([new Error('clock broke')])
        expect(ends.map((e) => 'stored' in e)).toEqual([false]) // settled, with nothing stored
        expect(cache.has('k')).toBe(false)
        expect(cache.stats()).toMatchObject({ size: 0, fetchErrors: 1 })
        await expect(cache.getOrFetch('k', () => 'again', 1000)).resolves.toBe('again')
      }
      expect(cache.stats()).toMatchObject({
        inFlight: 0,
        fetches: outcome === 'succeeds, stored' ? 1 : 2,
      })
      expect(unhandled).not.toHaveBeenCalled()
    },
  )

  it('re-arms the sweep without reading the clock again', async () => {
    vi.useFakeTimers()
    const warnings = watchWarnings()
    const clock = {
      failing: false,
      read: () => {
        if (clock.failing) throw new Error('clock broke')
        return Date.now()
      },
    }
    // onEvict runs inside the sweep, after its clock reading, and breaks the clock.
    const cache = new CacheManager({
      clock: clock.read,
      onEvict: () => {
        clock.failing = true
      },
    })
    await cache.set('soon', 1, 100)
    await cache.set('later', 2, 60_000) // so the sweep re-arms after removing 'soon'
    expect(() => vi.advanceTimersByTime(1_500)).not.toThrow()
    clock.failing = false
    expect(cache.size).toBe(1)
    vi.useRealTimers()
    expect(await warnings.settled()).toEqual([])
    warnings.stop()
  })

  it('keeps the outer set()’s TTL and size when the clock calls set()', async () => {
    const clock = manualClock()
    let reenter = false
    const cache: CacheManager<string> = new CacheManager<string>({
      maxBytes: 1_000,
      clock: () => {
        if (reenter) {
          reenter = false
          void cache.set('inner', 'i', { ttlMs: 5, size: 7 })
        }
        return clock.now
      },
    })
    reenter = true
    await cache.set('outer', 'o', { ttlMs: 1_000, size: 100 })
    expect(cache.stats().bytes).toBe(107)
    clock.now = 500
    expect(cache.has('inner')).toBe(false)
    expect(cache.has('outer')).toBe(true)
    expect(cache.stats().bytes).toBe(100)
  })

  it('keeps the outer set()’s TTL and size when sizeOf calls set()', async () => {
    const clock = manualClock()
    const cache: CacheManager<string> = new CacheManager<string>({
      maxBytes: 1_000,
      clock: clock.read,
      sizeOf: (value) => {
        if (value === 'outer value') void cache.set('inner', 'i', { ttlMs: 5, size: 7 })
        return value.length
      },
    })
    await cache.set('outer', 'outer value', 1_000)
    expect(cache.stats().bytes).toBe(7 + 'outer value'.length)
    clock.now = 500
    expect(cache.has('inner')).toBe(false)
    expect(cache.peek('outer')).toBe('outer value')
  })

  it('keeps the outer set()’s TTL and size when onEvict calls set()', async () => {
    const clock = manualClock()
    const cache: CacheManager<string> = new CacheManager<string>({
      maxSize: 1,
      maxBytes: 1_000,
      clock: clock.read,
      sizeOf: (value) => value.length,
      onEvict: (key) => {
        if (key === 'first') void cache.set('inner', 'iiiiiii', 5)
      },
    })
    await cache.set('first', 'f', 1_000)
    await cache.set('outer', 'oooo', 1_000) // evicts 'first'; onEvict then evicts 'outer'
    expect(cache.size).toBe(1)
    expect(cache.peek('inner')).toBe('iiiiiii')
    expect(cache.stats().bytes).toBe(7)
    clock.now = 10
    expect(cache.has('inner')).toBe(false)
    expect(cache.stats().bytes).toBe(0)
  })
})

describe('no path from lookup to handlers orphans an in-flight record', () => {
  it('fails the fetch of a native Promise whose constructor getter throws', async () => {
    const cache = new CacheManager()
    const hostile = Promise.resolve('value')
    void Object.defineProperty(hostile, 'constructor', {
      get() {
        throw new Error('constructor getter')
      },
    })
    // Its fetch fails at once, as a fetcher that throws synchronously does.
    const answer = cache.getOrFetch('k', () => hostile)
    expect(cache.stats().inFlight).toBe(0)
    expect(await rejectionOf(answer)).toEqual(new Error('constructor getter'))
    expect(cache.stats().inFlight).toBe(0)
    await expect(cache.getOrFetch('k', () => 'next')).resolves.toBe('next')
  })

  it('settles with a native Promise’s own state, as await does, whatever its then property says', async () => {
    const cache = new CacheManager()
    const inner = deferred<string>()
    const odd = Promise.resolve('ignored')
    void Object.defineProperty(odd, 'then', {
      value: (resolve: (v: string) => void, reject: (e: unknown) => void) =>
        inner.promise.then(resolve, reject),
    })
    const answer = cache.getOrFetch('k', () => odd)
    inner.resolve('followed')
    await expect(answer).resolves.toBe(await odd)
    expect(cache.peek('k')).toBe('ignored')
  })

  it('reads a tags Proxy once, so a second read cannot differ from the checked one', async () => {
    const cache = new CacheManager()
    let reads = 0
    const tags = new Proxy(['red'], {
      get(target, property, receiver) {
        if (property === '0') return ++reads === 1 ? 'red' : 42
        return Reflect.get(target, property, receiver) as unknown
      },
    })
    const upstream = deferred<string>()
    const answer = cache.getOrFetch('k', () => upstream.promise, { tags })
    expect(cache.stats().inFlight).toBe(1)
    expect(await cache.invalidateTag('red')).toBe(0) // detaches the fetch tagged red
    upstream.resolve('v')
    await expect(answer).resolves.toBe('v')
    expect(cache.stats().inFlight).toBe(0)
    expect(cache.has('k')).toBe(false)
    expect(reads).toBe(1)
  })

  it('rejects a tags Proxy that answers a non-string on its only read, with nothing started', () => {
    const cache = new CacheManager()
    const tags = new Proxy(['red'], {
      get: (target, property, receiver) =>
        property === '0' ? 42 : (Reflect.get(target, property, receiver) as unknown),
    })
    const fetcher = vi.fn()
    expect(thrownBy(() => cache.getOrFetch('k', fetcher, { tags }))).toMatchObject({
      name: 'TypeError',
      message: 'tags[0] must be a string, received number 42',
    })
    expect(fetcher).not.toHaveBeenCalled()
    expect(cache.stats().inFlight).toBe(0)
  })
})

describe('signals are checked by brand', () => {
  const fakes: [string, () => unknown][] = [
    ['Object.create(AbortSignal.prototype)', () => Object.create(AbortSignal.prototype) as unknown],
    ['an object with aborted: false', () => ({ aborted: false, addEventListener() {} })],
  ]

  it.each(fakes)('rejects %s synchronously, with nothing fetched', async (_name, make) => {
    const cache = new CacheManager()
    const before: CacheStats = cache.stats()
    const fetcher = vi.fn(() => Promise.reject(new Error('upstream')))
    expect(
      thrownBy(() => cache.getOrFetch('k', fetcher, { signal: make() as AbortSignal })),
    ).toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
      message: expect.stringMatching(/^signal must be an AbortSignal, received /) as unknown,
    })
    await turns()
    expect(fetcher).not.toHaveBeenCalled()
    expect(cache.stats()).toEqual(before)
    expect(unhandled).not.toHaveBeenCalled()
  })

  it('accepts real signals of every kind', async () => {
    const cache = new CacheManager()
    const signals = [
      new AbortController().signal,
      AbortSignal.timeout(60_000),
      AbortSignal.any([new AbortController().signal]),
    ]
    for (const [i, signal] of signals.entries()) {
      await expect(cache.getOrFetch(`k${i}`, () => i, { signal })).resolves.toBe(i)
    }
  })
})

describe('sizes are safe integers', () => {
  it.each([1e20, 2 ** 53, Number.MAX_SAFE_INTEGER + 0.5])(
    'rejects set(..., { size: %d })',
    async (size) => {
      const cache = new CacheManager()
      await cache.set('a', 1)
      expect(thrownBy(() => cache.set('b', 2, { size }))).toMatchObject({
        name: 'RangeError',
        code: 'ERR_OUT_OF_RANGE',
        message: `size must be a non-negative number of bytes up to Number.MAX_SAFE_INTEGER, received number ${size}`,
      })
      expect(cache.size).toBe(1)
      expect(cache.stats().bytes).toBe(0)
    },
  )

  it('never evicts for size without maxBytes', async () => {
    const cache = new CacheManager()
    await cache.set('a', 1, { size: Number.MAX_SAFE_INTEGER })
    await cache.set('b', 2, { size: Number.MAX_SAFE_INTEGER })
    expect(cache.size).toBe(2)
    expect(cache.stats()).toMatchObject({ evictions: 0, bytes: 2 * Number.MAX_SAFE_INTEGER })
  })

  it.each([2 ** 64, 2 ** 53, -1, NaN, Infinity])(
    'rejects a sizeOf that returns %d',
    async (size) => {
      const cache = new CacheManager({ maxBytes: 1000, sizeOf: () => size })
      await cache.set('a', 'x', { size: 1 })
      const error = thrownBy(() => cache.set('b', 'y'))
      expect(error).toMatchObject({ code: 'ERR_HERDCACHE_SIZE' })
      expect((error as Error).message).toMatch(
        /^sizeOf\(value, key\) must return a non-negative number of bytes up to Number.MAX_SAFE_INTEGER, received number /,
      )
      const fetched = cache.getOrFetch('c', () => 'z')
      expect(await rejectionOf(fetched)).toMatchObject({ code: 'ERR_HERDCACHE_SIZE' })
      expect(cache.stats()).toMatchObject({ size: 1, bytes: 1, inFlight: 0, evictions: 0 })
    },
  )
})

describe('many tags on one entry', () => {
  // Before: each tag was checked against every tag already attached, O(k^2): 50,000 tags took
  // 1.7 s here, so these 300,000 (~60 s) ran past the test timeout. Now O(k): well under 1 s.
  const count = 300_000

  it('attaches k tags (duplicates once) and invalidates by any of them', async () => {
    const tags = Array.from({ length: count }, (_, i) => `t${i % (count / 2)}`)
    const cache = new CacheManager()
    await cache.set('entry', 1, { tags })
    await cache.set('other', 2, { tags: ['t0', 'x'] })
    expect(await cache.invalidateTag(`t${count / 2 - 1}`)).toBe(1)
    expect(cache.has('entry')).toBe(false)
    expect(await cache.invalidateTag('t0')).toBe(1)
    expect(cache.size).toBe(0)
  })

  it('attaches k tags to a fetch in flight, and its entry inherits them', async () => {
    const tags = Array.from({ length: count }, (_, i) => `t${i}`)
    const cache = new CacheManager()
    await cache.getOrFetch('entry', () => 1, { tags: [...tags, ...tags] })
    expect(await cache.invalidateTag(`t${count - 1}`)).toBe(1)
    expect(cache.size).toBe(0)
  })
})

describe('option checks', () => {
  it.each([null, 0, 'yes'])('rejects forceRefresh: %j as ttlMs: null is rejected', (value) => {
    const cache = new CacheManager()
    expect(
      thrownBy(() => cache.getOrFetch('k', () => 1, { forceRefresh: value as unknown as boolean })),
    ).toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
      message: expect.stringMatching(/^forceRefresh must be a boolean, received /) as unknown,
    })
    expect(
      thrownBy(() => cache.getOrFetch('k', () => 1, { ttlMs: null as unknown as number })),
    ).toMatchObject({
      name: 'TypeError',
    })
  })
})
