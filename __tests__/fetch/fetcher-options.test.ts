// Issue 12, point 1: the fetcher decides, through `context.options`, how its result is stored
// (TTL, stale windows, tags, or not at all). Time is the `clock` option; fetches are settled by
// hand.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { CacheManager, type FetchContext } from '../../dist/index.js'
import { deferred, rejectionOf } from '../support/async.js'
import { unhandledRejections } from '../support/process.js'
import { expectThrown } from '../support/throws.js'

let now = 1_000_000
const cacheWith = <V = string>(options = {}) =>
  new CacheManager<V>({ clock: () => now, ...options })

unhandledRejections()
beforeEach(() => {
  now = 1_000_000
})

describe('context.options', () => {
  it('starts as the call that started the fetch gave its options, tags copied', async () => {
    const cache = cacheWith()
    const tags = ['a']
    let seen: FetchContext<string>['options'] | undefined
    await cache.getOrFetch(
      'k',
      ({ options }) => {
        seen = { ...options, tags: [...options.tags] }
        options.tags.push('b')
        return 'v'
      },
      { ttlMs: 10, staleWhileRevalidateMs: 20, staleIfErrorMs: 30, tags },
    )
    expect(seen).toEqual({
      ttlMs: 10,
      staleWhileRevalidateMs: 20,
      staleIfErrorMs: 30,
      tags: ['a'],
      store: true,
    })
    expect(tags).toEqual(['a'])
  })

  it('starts from the constructor defaults when the call gives none', async () => {
    const cache = cacheWith({ defaultTtlMs: 5, staleIfErrorMs: 7 })
    let seen: object | undefined
    await cache.getOrFetch('k', ({ options }) => {
      seen = { ...options }
      return 'v'
    })
    expect(seen).toEqual({
      ttlMs: 5,
      staleWhileRevalidateMs: 0,
      staleIfErrorMs: 7,
      tags: [],
      store: true,
    })
  })

  it('stores the value for the ttlMs the fetcher decided, fresh for [t, t + ttlMs)', async () => {
    const cache = cacheWith()
    await cache.getOrFetch(
      'k',
      ({ options }) => {
        options.ttlMs = 100
        return 'v'
      },
      { ttlMs: 60_000 },
    )
    now += 99
    expect(cache.peek('k')).toBe('v')
    now += 1
    expect(cache.has('k')).toBe(false)
  })

  it('stores the stale windows the fetcher decided', async () => {
    const cache = cacheWith()
    await cache.getOrFetch('swr', ({ options }) => {
      options.ttlMs = 100
      options.staleWhileRevalidateMs = 1_000
      return 'stale'
    })
    await cache.getOrFetch('sie', ({ options }) => {
      options.ttlMs = 100
      options.staleIfErrorMs = 1_000
      return 'fallback'
    })
    now += 500
    const refresh = deferred<string>()
    expect(await cache.getOrFetch('swr', () => refresh.promise)).toBe('stale')
    refresh.resolve('refreshed')
    expect(await cache.getOrFetch('sie', () => Promise.reject(new Error('down')))).toBe('fallback')
  })

  it('stores nothing when the fetcher sets store to false; joined callers share the one result', async () => {
    const cache = cacheWith()
    const upstream = deferred<string>()
    const fetcher = vi.fn(async ({ options }: FetchContext<string>) => {
      const value = await upstream.promise
      options.store = false
      return value
    })
    const callers = Array.from({ length: 5 }, () => cache.getOrFetch('k', fetcher, 60_000))
    upstream.resolve('once')
    expect(await Promise.all(callers)).toEqual(['once', 'once', 'once', 'once', 'once'])
    expect(fetcher).toHaveBeenCalledTimes(1)
    expect(cache.has('k')).toBe(false)
    expect(cache.stats()).toMatchObject({ fetches: 1, coalesced: 4, size: 0, inFlight: 0 })
    expect(await cache.getOrFetch('k', () => 'again', 60_000)).toBe('again')
  })

  it('stores nothing when the fetcher sets ttlMs to 0, and leaves the entry it replaces removed', async () => {
    const cache = cacheWith()
    await cache.set('k', 'old', { ttlMs: 100, staleIfErrorMs: 1_000 })
    now += 100
    const got = await cache.getOrFetch('k', ({ options }) => {
      options.ttlMs = 0
      return 'new'
    })
    expect(got).toBe('new')
    expect(cache.size).toBe(0)
  })

  it('needs no size for a value it decided not to store, under maxBytes', async () => {
    const cache = cacheWith<object>({ maxBytes: 100 })
    const got = await cache.getOrFetch('k', ({ options }) => {
      options.store = false
      return { unsized: true }
    })
    expect(got).toEqual({ unsized: true })
    expect(cache.stats().fetchErrors).toBe(0)
  })

  it('tags the entry with the tags the fetcher added', async () => {
    const cache = cacheWith()
    await cache.getOrFetch(
      'k',
      ({ options }) => {
        options.tags.push('user:42')
        return 'v'
      },
      { tags: ['users'] },
    )
    expect(await cache.invalidateTag('user:42')).toBe(1)
    await cache.getOrFetch('k', () => 'v', { tags: ['users'] })
    expect(await cache.invalidateTag('users')).toBe(1)
  })

  it("replaces the call's tags with the ones the fetcher set", async () => {
    const cache = cacheWith()
    await cache.getOrFetch(
      'k',
      ({ options }) => {
        options.tags = ['public']
        return 'v'
      },
      { tags: ['user:42'] },
    )
    expect(await cache.invalidateTag('user:42')).toBe(0)
    expect(await cache.invalidateTag('public')).toBe(1)
  })

  it("still detaches the fetch on an invalidateTag of a call's tag while it runs", async () => {
    const cache = cacheWith()
    const upstream = deferred<string>()
    const answer = cache.getOrFetch(
      'k',
      async ({ options }) => {
        options.tags = ['other']
        return upstream.promise
      },
      { tags: ['user:42'] },
    )
    await cache.invalidateTag('user:42')
    upstream.resolve('v')
    expect(await answer).toBe('v')
    expect(cache.has('k')).toBe(false)
  })

  it('decides for a background refresh as for any fetch', async () => {
    const cache = cacheWith()
    await cache.set('k', 'old', { ttlMs: 10, staleWhileRevalidateMs: 1_000 })
    now += 10
    const refresh = deferred<string>()
    expect(
      await cache.getOrFetch('k', async ({ options }) => {
        options.ttlMs = 5_000
        return refresh.promise
      }),
    ).toBe('old')
    refresh.resolve('new')
    await refresh.promise
    await Promise.resolve()
    now += 4_999
    expect(cache.peek('k')).toBe('new')
  })

  it('ignores changes made after the result arrived', async () => {
    const cache = cacheWith()
    let later: FetchContext<string>['options'] | undefined
    await cache.getOrFetch(
      'k',
      ({ options }) => {
        later = options
        return 'v'
      },
      { ttlMs: 100 },
    )
    later!.ttlMs = 1
    later!.store = false
    now += 50
    expect(cache.peek('k')).toBe('v')
  })

  describe('a bad decision fails the fetch with the error the call options give, storing nothing', () => {
    const cases: [
      string,
      (options: Record<string, unknown>) => void,
      typeof TypeError | typeof RangeError,
      string,
      RegExp,
    ][] = [
      [
        'a negative ttlMs',
        (o) => (o.ttlMs = -5),
        RangeError,
        'ERR_OUT_OF_RANGE',
        /^ttlMs must be a non-negative number or Infinity, received number -5$/,
      ],
      [
        'a string staleIfErrorMs',
        (o) => (o.staleIfErrorMs = '5'),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        /^staleIfErrorMs must be a non-negative number or Infinity, received string '5'$/,
      ],
      [
        'a NaN staleWhileRevalidateMs',
        (o) => (o.staleWhileRevalidateMs = NaN),
        RangeError,
        'ERR_OUT_OF_RANGE',
        /^staleWhileRevalidateMs must be/,
      ],
      [
        'a tag that is not a string',
        (o) => (o.tags as unknown[]).push(3),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        /^tags\[0\] must be a string, received number 3$/,
      ],
      [
        'tags that are no array',
        (o) => (o.tags = 'a'),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        /^tags must be an array of strings, received string 'a'$/,
      ],
      [
        'a store that is no boolean',
        (o) => (o.store = 0),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        /^store must be a boolean, received number 0$/,
      ],
      [
        "a misspelt option (lru-cache's ttl)",
        (o) => (o.ttl = 5),
        TypeError,
        'ERR_HERDCACHE_UNKNOWN_OPTION',
        /^options\.ttl is not an option; the options are ttlMs, staleWhileRevalidateMs, staleIfErrorMs, tags, store$/,
      ],
    ]
    for (const [what, decide, type, code, message] of cases) {
      it(`for ${what}`, async () => {
        const cache = cacheWith()
        await cache.set('k', 'old', { ttlMs: 1, staleIfErrorMs: 1_000 })
        now += 1
        const upstream = deferred<string>()
        const first = cache.getOrFetch('k', async (context) => {
          const value = await upstream.promise
          decide(context.options as unknown as Record<string, unknown>)
          return value
        })
        const joined = cache.getOrFetch('k', () => 'never called')
        upstream.resolve('new')
        const error = await rejectionOf(first)
        expect(await rejectionOf(joined)).toBe(error)
        expectThrown(
          () => {
            throw error
          },
          type,
          code,
          message,
        )
        expect(cache.size).toBe(1) // the stale entry, kept
        expect(cache.stats()).toMatchObject({ fetches: 1, fetchErrors: 1, coalesced: 1 })
      })
    }
  })
})
