// Issue 3, point 6: removal reasons. onEvict(key, value, reason) fires exactly once per entry
// that leaves the cache, with the value by identity and the right reason, after the cache is
// consistent again; it may call back into the cache, and an exception it throws becomes a
// process warning that changes nothing.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CacheManager, type EvictionReason } from '../../dist/index.js'
import { manualClock } from '../support/clock.js'
import { randomInts } from '../support/random.js'
import { deferred, nextMacrotask } from '../support/async.js'
import { watchWarnings } from '../support/process.js'

type Removal = [key: string, value: unknown, reason: EvictionReason]

/** An onEvict that records every call. */
function recorder() {
  const removals: Removal[] = []
  const onEvict = (key: string, value: unknown, reason: EvictionReason) => {
    removals.push([key, value, reason])
  }
  return { removals, onEvict }
}

afterEach(() => {
  vi.useRealTimers()
})

describe("reason 'evict'", () => {
  it('reports the least recently used entry evicted under maxSize, with its value', async () => {
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<object>({ maxSize: 2, onEvict })
    const a = { id: 'a' }
    await cache.set('a', a)
    await cache.set('b', { id: 'b' })
    expect(removals).toEqual([])

    await cache.set('c', { id: 'c' })

    expect(removals).toEqual([['a', a, 'evict']])
    expect(removals[0]![1]).toBe(a)
  })

  it('reports an entry evicted to make room for a fetched value', async () => {
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<string>({ maxSize: 1, onEvict })
    await cache.set('a', 'A')
    await cache.getOrFetch('b', () => Promise.resolve('B'))
    expect(removals).toEqual([['a', 'A', 'evict']])
  })

  it('reports every entry evicted under maxBytes for one insert, least recently used first', async () => {
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<string>({ maxBytes: 30, onEvict })
    await cache.set('a', 'aaaaa')
    await cache.set('b', 'bbbbb')
    await cache.set('c', 'ccccc')
    await cache.get('a')

    await cache.set('big', 'x'.repeat(7))

    expect(removals).toEqual([
      ['b', 'bbbbb', 'evict'],
      ['c', 'ccccc', 'evict'],
    ])
    expect(cache.stats().evictions).toBe(2)
  })
})

describe("reason 'expire'", () => {
  it.each<[string, (cache: CacheManager<object>) => unknown]>([
    ['has', (cache) => cache.has('k')],
    ['peek', (cache) => cache.peek('k')],
    ['get', (cache) => cache.get('k')],
    ['getOrFetch', (cache) => cache.getOrFetch('k', () => ({ fresh: true }))],
  ])('reports an expired entry found by %s', async (_name, lookUp) => {
    const clock = manualClock()
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<object>({ onEvict, clock: clock.read })
    const value = { id: 1 }
    await cache.set('k', value, 100)
    await lookUp(cache)
    expect(removals).toEqual([])

    clock.now = 100
    await lookUp(cache)

    expect(removals).toEqual([['k', value, 'expire']])
    expect(removals[0]![1]).toBe(value)
    expect(cache.stats().expirations).toBe(1)
  })

  it('reports an expired entry reclaimed by the sweep without any lookup', async () => {
    vi.useFakeTimers()
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<object>({ onEvict, clock: () => Date.now() })
    const value = { id: 1 }
    await cache.set('k', value, 100)

    vi.advanceTimersByTime(100 + 1000)

    expect(removals).toEqual([['k', value, 'expire']])
    expect(cache.size).toBe(0)
  })

  it('reports an expired least recently used entry chosen to make room as expired', async () => {
    const clock = manualClock()
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<string>({ maxSize: 2, onEvict, clock: clock.read })
    await cache.set('a', 'A', 10)
    await cache.set('b', 'B')
    clock.now = 10

    await cache.set('c', 'C')

    expect(removals).toEqual([['a', 'A', 'expire']])
    expect(cache.stats()).toMatchObject({ expirations: 1, evictions: 0 })
  })

  it('keeps a stale entry within its stale-while-revalidate window, then reports it expired', async () => {
    const clock = manualClock()
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<string>({ onEvict, clock: clock.read })
    await cache.set('k', 'old', { ttlMs: 10, staleWhileRevalidateMs: 100 })
    clock.now = 50
    expect(cache.has('k')).toBe(false)
    expect(removals).toEqual([])

    clock.now = 110
    expect(cache.has('k')).toBe(false)
    expect(removals).toEqual([['k', 'old', 'expire']])
  })
})

describe("reason 'delete'", () => {
  it('reports an entry removed by delete, and nothing for a missing key', async () => {
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<object>({ onEvict })
    const value = { id: 1 }
    await cache.set('k', value)

    expect(await cache.delete('missing')).toBe(false)
    expect(await cache.delete('k')).toBe(true)
    expect(await cache.delete('k')).toBe(false)

    expect(removals).toEqual([['k', value, 'delete']])
    expect(removals[0]![1]).toBe(value)
  })

  it('reports every entry removed by invalidateTag', async () => {
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<string>({ onEvict })
    await cache.set('a', 'A', { tags: ['t'] })
    await cache.set('b', 'B', { tags: ['u', 't'] })
    await cache.set('c', 'C', { tags: ['u'] })

    await expect(cache.invalidateTag('t')).resolves.toBe(2)

    expect(removals).toHaveLength(2)
    expect(removals).toEqual(
      expect.arrayContaining([
        ['a', 'A', 'delete'],
        ['b', 'B', 'delete'],
      ]),
    )
  })
})

describe("reason 'set'", () => {
  it('reports the old value overwritten by set', async () => {
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<object>({ onEvict })
    const first = { v: 1 }
    const second = { v: 2 }
    await cache.set('k', first)
    await cache.set('k', second)

    expect(removals).toEqual([['k', first, 'set']])
    expect(removals[0]![1]).toBe(first)
  })

  it('reports an overwrite even when the same value is set again', async () => {
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<object>({ onEvict })
    const value = { v: 1 }
    await cache.set('k', value)
    await cache.set('k', value)
    expect(removals).toEqual([['k', value, 'set']])
  })

  it('reports the old value replaced by a completed fetch with forceRefresh', async () => {
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<string>({ onEvict })
    await cache.set('k', 'old')
    const d = deferred<string>()
    const pending = cache.getOrFetch('k', () => d.promise, { forceRefresh: true })
    expect(removals).toEqual([])

    d.resolve('new')
    await expect(pending).resolves.toBe('new')

    expect(removals).toEqual([['k', 'old', 'set']])
  })

  it('reports the stale value replaced by a background refresh', async () => {
    const clock = manualClock()
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<string>({ onEvict, clock: clock.read })
    await cache.set('k', 'old', { ttlMs: 10, staleWhileRevalidateMs: 1000 })
    clock.now = 20
    const d = deferred<string>()

    await expect(cache.getOrFetch('k', () => d.promise)).resolves.toBe('old')
    expect(removals).toEqual([])
    d.resolve('new')
    await d.promise
    await nextMacrotask()

    expect(removals).toEqual([['k', 'old', 'set']])
    expect(cache.peek('k')).toBe('new')
  })

  it('reports the entry removed by set with ttlMs 0, and nothing for the value not stored', async () => {
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<string>({ onEvict })
    await cache.set('k', 'old')

    await cache.set('k', 'transient', 0)

    expect(cache.has('k')).toBe(false)
    expect(removals).toEqual([['k', 'old', 'set']])
  })

  it('reports the entry removed when its new value is larger than maxBytes', async () => {
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<string>({ maxBytes: 10, onEvict })
    await cache.set('k', 'old')

    await cache.set('k', 'much too large')

    expect(cache.has('k')).toBe(false)
    expect(removals).toEqual([['k', 'old', 'set']])
  })
})

describe("reason 'clear'", () => {
  it('reports every entry, each once, and no in-flight fetch', async () => {
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<object>({ onEvict })
    const values = { a: { id: 'a' }, b: { id: 'b' }, c: { id: 'c' } }
    for (const [key, value] of Object.entries(values)) await cache.set(key, value)
    const d = deferred<object>()
    const pending = cache.getOrFetch('inflight', () => d.promise)

    await cache.clear()

    expect(removals).toHaveLength(3)
    expect(removals).toEqual(
      expect.arrayContaining([
        ['a', values.a, 'clear'],
        ['b', values.b, 'clear'],
        ['c', values.c, 'clear'],
      ]),
    )
    d.resolve({ id: 'late' })
    await pending
    await cache.clear()
    expect(removals).toHaveLength(3)
  })
})

describe('exactly once per removed entry', () => {
  it('matches a reference tally over a mixed sequence of operations', async () => {
    const clock = manualClock()
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<number>({ maxSize: 4, onEvict, clock: clock.read })
    // Each stored value is unique, so every removal names exactly one stored value.
    let counter = 0
    const storedValues: number[] = []
    const store = async (key: string, ttlMs = Infinity) => {
      counter += 1
      storedValues.push(counter)
      await cache.set(key, counter, ttlMs)
    }
    const next = randomInts(7)
    const keys = ['a', 'b', 'c', 'd', 'e', 'f']
    for (let step = 0; step < 500; step += 1) {
      const key = keys[next(keys.length)]!
      switch (next(8)) {
        case 0:
        case 1:
        case 2:
          await store(key, next(3) === 0 ? 5 : Infinity)
          break
        case 3:
          await cache.delete(key)
          break
        case 4:
          cache.has(key)
          break
        case 5:
          clock.now += 3
          break
        case 6:
          if (next(20) === 0) await cache.clear()
          break
        default:
          await cache.get(key)
      }
    }
    const stillStored = keys.map((key) => cache.peek(key)).filter((v) => v !== undefined)
    const removedValues = removals.map(([, value]) => value as number)

    // Every stored value was either removed exactly once or is still stored.
    expect(new Set(removedValues).size).toBe(removedValues.length)
    expect([...removedValues, ...stillStored].sort((x, y) => x - y)).toEqual(storedValues)
    const reasons = new Set(removals.map(([, , reason]) => reason))
    expect([...reasons].sort()).toEqual(['clear', 'delete', 'evict', 'expire', 'set'])
  })
})

describe('consistency inside onEvict', () => {
  it('sees a deleted key gone', async () => {
    const seen: unknown[] = []
    const cache: CacheManager<string> = new CacheManager<string>({
      onEvict: (key) => seen.push(cache.has(key), cache.size, cache.stats().size),
    })
    await cache.set('k', 'v')
    await cache.set('other', 'v')
    await cache.delete('k')
    expect(seen).toEqual([false, 1, 1])
  })

  it('sees an evicted key gone and the new entry already readable', async () => {
    const seen: unknown[] = []
    const cache: CacheManager<string> = new CacheManager<string>({
      maxSize: 1,
      onEvict: (key) => seen.push(key, cache.has(key), cache.peek('b'), cache.size),
    })
    await cache.set('a', 'A')
    await cache.set('b', 'B')
    expect(seen).toEqual(['a', false, 'B', 1])
  })

  it('sees the new value of a key overwritten by set', async () => {
    const seen: unknown[] = []
    const cache: CacheManager<string> = new CacheManager<string>({
      onEvict: (key, value) => seen.push(value, cache.peek(key)),
    })
    await cache.set('k', 'old')
    await cache.set('k', 'new')
    expect(seen).toEqual(['old', 'new'])
  })

  it('sees the new value of a key replaced by a fetch, and no fetch in flight', async () => {
    const seen: unknown[] = []
    const cache: CacheManager<string> = new CacheManager<string>({
      onEvict: (key, value) => seen.push(value, cache.peek(key), cache.stats().inFlight),
    })
    await cache.set('k', 'old')
    await cache.getOrFetch('k', () => Promise.resolve('new'), { forceRefresh: true })
    expect(seen).toEqual(['old', 'new', 0])
  })

  it('sees the bytes counter already updated', async () => {
    const seen: number[] = []
    const cache: CacheManager<string> = new CacheManager<string>({
      maxBytes: 20,
      onEvict: () => seen.push(cache.stats().bytes),
    })
    await cache.set('a', 'aaaaa')
    await cache.set('b', 'bbbbbbbb')
    expect(seen).toEqual([16])
  })

  it('sees every entry gone during clear', async () => {
    const seen: unknown[] = []
    const cache: CacheManager<string> = new CacheManager<string>({
      onEvict: (key) => seen.push(cache.has(key), cache.size),
    })
    await cache.set('a', 'A')
    await cache.set('b', 'B')
    await cache.clear()
    expect(seen).toEqual([false, 0, false, 0])
  })
})

describe('reentrancy', () => {
  it('lets onEvict set another key, even when that evicts again', async () => {
    const { removals, onEvict: record } = recorder()
    const cache: CacheManager<string> = new CacheManager<string>({
      maxSize: 3,
      onEvict: (key, value, reason) => {
        record(key, value, reason)
        if (key !== 'log') void cache.set('log', key)
      },
    })
    await cache.set('a', 'A')
    await cache.set('b', 'B')
    await cache.set('c', 'C')

    await cache.set('d', 'D')

    expect(removals).toEqual([
      ['a', 'A', 'evict'],
      ['b', 'B', 'evict'],
      ['log', 'a', 'set'],
    ])
    expect(cache.size).toBe(3)
    expect(['a', 'b', 'c', 'd'].map((key) => cache.has(key))).toEqual([false, false, true, true])
    expect(cache.peek('log')).toBe('b')
    expect(cache.stats()).toMatchObject({ size: 3, evictions: 2 })
  })

  it('lets onEvict delete another key during invalidateTag', async () => {
    const { removals, onEvict: record } = recorder()
    const cache: CacheManager<string> = new CacheManager<string>({
      onEvict: (key, value, reason) => {
        record(key, value, reason)
        if (key === 'a') void cache.delete('companion')
      },
    })
    await cache.set('a', 'A', { tags: ['t'] })
    await cache.set('companion', 'C')
    await cache.set('kept', 'K')

    await expect(cache.invalidateTag('t')).resolves.toBe(1)

    expect(removals).toEqual([
      ['a', 'A', 'delete'],
      ['companion', 'C', 'delete'],
    ])
    expect(cache.size).toBe(1)
    expect(cache.peek('kept')).toBe('K')
  })

  it('lets onEvict fetch another key while a fetch is storing', async () => {
    const cache: CacheManager<string> = new CacheManager<string>({
      maxSize: 1,
      onEvict: (key) => {
        if (key === 'a') void cache.getOrFetch('side', () => 'S')
      },
    })
    await cache.set('a', 'A')

    await expect(cache.getOrFetch('b', () => Promise.resolve('B'))).resolves.toBe('B')
    await nextMacrotask()

    expect(cache.size).toBe(1)
    expect(cache.peek('side')).toBe('S')
    expect(cache.stats()).toMatchObject({ size: 1, inFlight: 0, evictions: 2 })
  })
})

describe('an onEvict that throws', () => {
  it('is reported as a HerdcacheWarning and does not break set', async () => {
    const watch = watchWarnings()
    try {
      const cache = new CacheManager<string>({
        maxSize: 1,
        onEvict: () => {
          throw new Error('boom')
        },
      })
      await cache.set('a', 'A')

      await expect(cache.set('b', 'B')).resolves.toBeUndefined()

      expect(cache.has('a')).toBe(false)
      expect(cache.peek('b')).toBe('B')
      expect(cache.stats()).toMatchObject({ size: 1, evictions: 1 })
      const warnings = await watch.settled()
      expect(warnings).toHaveLength(1)
      expect(warnings[0]!.code).toBe('HERDCACHE_ON_EVICT_THREW')
      expect(warnings[0]!.message).toContain('boom')
    } finally {
      watch.stop()
    }
  })

  it('does not break the getOrFetch whose stored result caused the removal', async () => {
    const watch = watchWarnings()
    try {
      const cache = new CacheManager<string>({
        onEvict: () => {
          throw new Error('boom')
        },
      })
      await cache.set('k', 'old')

      await expect(
        cache.getOrFetch('k', () => Promise.resolve('new'), { forceRefresh: true }),
      ).resolves.toBe('new')

      expect(cache.peek('k')).toBe('new')
      expect(cache.stats()).toMatchObject({ size: 1, inFlight: 0, fetchErrors: 0 })
      expect(await watch.settled()).toHaveLength(1)
    } finally {
      watch.stop()
    }
  })

  it('does not break delete, clear or invalidateTag', async () => {
    const watch = watchWarnings()
    try {
      const cache = new CacheManager<string>({
        onEvict: () => {
          throw new Error('boom')
        },
      })
      await cache.set('a', 'A', { tags: ['t'] })
      await cache.set('b', 'B')
      await cache.set('c', 'C')
      await cache.set('d', 'D')

      await expect(cache.invalidateTag('t')).resolves.toBe(1)
      await expect(cache.delete('b')).resolves.toBe(true)
      await expect(cache.clear()).resolves.toBeUndefined()

      expect(cache.size).toBe(0)
      expect(await watch.settled()).toHaveLength(4)
    } finally {
      watch.stop()
    }
  })

  it('still lets every other removal of the same call be reported, and later ones too', async () => {
    const watch = watchWarnings()
    try {
      const { removals, onEvict: record } = recorder()
      const cache = new CacheManager<string>({
        maxSize: 5,
        onEvict: (key, value, reason) => {
          record(key, value, reason)
          if (key === 'a') throw new Error('boom')
        },
      })
      await cache.set('a', 'A')
      await cache.set('b', 'B')
      await cache.set('c', 'C')

      await cache.clear()
      await cache.set('d', 'D')
      await cache.set('d', 'D2')

      expect(removals).toHaveLength(4)
      expect(removals.slice(0, 3)).toEqual(
        expect.arrayContaining([
          ['a', 'A', 'clear'],
          ['b', 'B', 'clear'],
          ['c', 'C', 'clear'],
        ]),
      )
      expect(removals[3]).toEqual(['d', 'D', 'set'])
      expect(await watch.settled()).toHaveLength(1)
    } finally {
      watch.stop()
    }
  })

  it('does not break an expiry reclaimed by the sweep', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const watch = watchWarnings()
    try {
      const cache = new CacheManager<string>({
        clock: () => Date.now(),
        onEvict: () => {
          throw new Error('boom')
        },
      })
      await cache.set('a', 'A', 100)
      await cache.set('b', 'B', 5000)

      vi.advanceTimersByTime(100 + 1000)
      expect(cache.size).toBe(1)
      vi.advanceTimersByTime(5000)
      expect(cache.size).toBe(0)

      expect(cache.stats().expirations).toBe(2)
      expect(await watch.settled()).toHaveLength(2)
    } finally {
      watch.stop()
    }
  })
})

describe('values never stored', () => {
  it('are not reported: ttlMs 0 through set and getOrFetch', async () => {
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<string>({ onEvict })
    await cache.set('a', 'A', 0)
    await cache.getOrFetch('b', () => 'B', 0)
    await cache.clear()
    expect(removals).toEqual([])
  })

  it('are not reported: a value larger than maxBytes', async () => {
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<string>({ maxBytes: 4, onEvict })
    await cache.set('a', 'too large')
    await cache.getOrFetch('b', () => 'too large')
    await cache.clear()
    expect(removals).toEqual([])
  })

  it('are not reported: the result of a fetch detached by delete or set', async () => {
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<string>({ onEvict })
    const deleted = deferred<string>()
    const overwritten = deferred<string>()
    const a = cache.getOrFetch('a', () => deleted.promise)
    const b = cache.getOrFetch('b', () => overwritten.promise)
    await cache.delete('a')
    await cache.set('b', 'set-B')

    deleted.resolve('fetched-A')
    overwritten.resolve('fetched-B')
    await expect(Promise.all([a, b])).resolves.toEqual(['fetched-A', 'fetched-B'])
    await cache.clear()

    expect(removals).toEqual([['b', 'set-B', 'clear']])
  })

  it('are not reported: a failed fetch', async () => {
    const { removals, onEvict } = recorder()
    const cache = new CacheManager<string>({ onEvict })
    await expect(cache.getOrFetch('a', () => Promise.reject(new Error('down')))).rejects.toThrow(
      'down',
    )
    await cache.clear()
    expect(removals).toEqual([])
  })
})
