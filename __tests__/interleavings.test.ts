// delete, clear and set racing a fetch in flight: "a delete, clear or set during a fetch always
// wins over the fetch's late result" (DESIGN.md). Resolution order is controlled by hand.
import { describe, expect, it, vi } from 'vitest'
import { CacheManager } from '../dist/index.js'
import { deferred, rejectionOf } from './support/async.js'

type Interruption = (cache: CacheManager, key: string) => Promise<unknown>

// Each of these detaches the key's fetch so its result is not stored and leaves nothing stored.
const detachers: [string, Interruption][] = [
  ['delete', (cache, key) => cache.delete(key)],
  ['clear', (cache) => cache.clear()],
  ['set with ttlMs 0', (cache, key) => cache.set(key, 'set value', 0)],
]

// Every interleaving holds under both eviction policies.
describe.each(['lru', 'tinylfu'] as const)('under policy %s', (policy) => {
  describe.each(detachers)('%s while a fetch is in flight', (_, interrupt) => {
    it('hands the fetch result to every waiter but does not store it', async () => {
      const cache = new CacheManager({ policy })
      const d = deferred<string>()
      const first = cache.getOrFetch('k', () => d.promise)
      const second = cache.getOrFetch('k', () => d.promise)
      await interrupt(cache, 'k')
      expect(cache.stats().inFlight).toBe(0)

      d.resolve('late')
      await expect(Promise.all([first, second])).resolves.toEqual(['late', 'late'])
      expect(cache.has('k')).toBe(false)
      expect(cache.size).toBe(0)
      expect(cache.stats()).toMatchObject({ inFlight: 0, size: 0 })
    })

    it('starts a fresh fetch with a different Promise on the next getOrFetch', async () => {
      const cache = new CacheManager({ policy })
      const d = deferred<string>()
      const old = cache.getOrFetch('k', () => d.promise)
      await interrupt(cache, 'k')

      const fetcher = vi.fn(() => 'fresh')
      const fresh = cache.getOrFetch('k', fetcher)
      expect(fresh).not.toBe(old)
      expect(fetcher).toHaveBeenCalledTimes(1)
      await expect(fresh).resolves.toBe('fresh')
      expect(cache.peek('k')).toBe('fresh')

      d.resolve('late')
      await expect(old).resolves.toBe('late')
      expect(cache.peek('k')).toBe('fresh')
    })

    it('does not let the old fetch overwrite a newer fetch that resolves later', async () => {
      const cache = new CacheManager({ policy })
      const oldFetch = deferred<string>()
      const newFetch = deferred<string>()
      const old = cache.getOrFetch('k', () => oldFetch.promise)
      await interrupt(cache, 'k')
      const fresh = cache.getOrFetch('k', () => newFetch.promise)
      expect(fresh).not.toBe(old)

      oldFetch.resolve('old')
      await expect(old).resolves.toBe('old')
      expect(cache.has('k')).toBe(false)
      // The new fetch's in-flight record survives the old fetch's completion.
      expect(cache.stats().inFlight).toBe(1)
      const joiner = vi.fn(() => 'unused')
      expect(cache.getOrFetch('k', joiner)).toBe(fresh)
      expect(joiner).not.toHaveBeenCalled()

      newFetch.resolve('new')
      await expect(fresh).resolves.toBe('new')
      expect(cache.peek('k')).toBe('new')
      expect(cache.stats()).toMatchObject({ inFlight: 0, size: 1, fetches: 2 })
    })

    it('does not let the old fetch overwrite a newer fetch that resolved first', async () => {
      const cache = new CacheManager({ policy })
      const oldFetch = deferred<string>()
      const newFetch = deferred<string>()
      const old = cache.getOrFetch('k', () => oldFetch.promise)
      await interrupt(cache, 'k')
      const fresh = cache.getOrFetch('k', () => newFetch.promise)

      newFetch.resolve('new')
      await expect(fresh).resolves.toBe('new')
      oldFetch.resolve('old')
      await expect(old).resolves.toBe('old')
      expect(cache.peek('k')).toBe('new')
      await expect(cache.get('k')).resolves.toBe('new')
    })

    it('does not let the old fetch rejecting disturb a newer fetch', async () => {
      const cache = new CacheManager({ policy })
      const oldFetch = deferred<string>()
      const newFetch = deferred<string>()
      const old = cache.getOrFetch('k', () => oldFetch.promise)
      await interrupt(cache, 'k')
      const fresh = cache.getOrFetch('k', () => newFetch.promise)

      const error = new Error('old failed')
      oldFetch.reject(error)
      await expect(rejectionOf(old)).resolves.toBe(error)
      expect(cache.stats()).toMatchObject({ inFlight: 1, fetchErrors: 1 })
      expect(cache.getOrFetch('k', () => 'unused')).toBe(fresh)

      newFetch.resolve('new')
      await expect(fresh).resolves.toBe('new')
      expect(cache.peek('k')).toBe('new')
      expect(cache.stats()).toMatchObject({ inFlight: 0, size: 1, fetchErrors: 1 })
    })

    it('does not evict an entry to make room for a detached result', async () => {
      const cache = new CacheManager({ policy, maxSize: 1 })
      const d = deferred<string>()
      const pending = cache.getOrFetch('k', () => d.promise)
      await interrupt(cache, 'k')
      await cache.set('other', 'kept')

      d.resolve('late')
      await pending
      expect(cache.peek('other')).toBe('kept')
      expect(cache.stats()).toMatchObject({ evictions: 0, size: 1 })
    })
  })

  describe('set while a fetch is in flight', () => {
    it('keeps the set value and hands the fetch result only to the waiters', async () => {
      const cache = new CacheManager({ policy })
      const d = deferred<string>()
      const first = cache.getOrFetch('k', () => d.promise)
      const second = cache.getOrFetch('k', () => d.promise)
      await cache.set('k', 'set value')
      expect(cache.stats().inFlight).toBe(0)

      d.resolve('late')
      await expect(Promise.all([first, second])).resolves.toEqual(['late', 'late'])
      expect(cache.peek('k')).toBe('set value')
      await expect(cache.get('k')).resolves.toBe('set value')
    })

    it('answers the next getOrFetch from the set value without fetching', async () => {
      const cache = new CacheManager({ policy })
      const d = deferred<string>()
      const old = cache.getOrFetch('k', () => d.promise)
      await cache.set('k', 'set value')

      const fetcher = vi.fn(() => 'refetched')
      const next = cache.getOrFetch('k', fetcher)
      expect(next).not.toBe(old)
      await expect(next).resolves.toBe('set value')
      expect(fetcher).not.toHaveBeenCalled()

      d.resolve('late')
      await old
      await expect(cache.getOrFetch('k', fetcher)).resolves.toBe('set value')
      expect(fetcher).not.toHaveBeenCalled()
    })

    it('keeps the set value when the detached fetch rejects, and answers its waiters with it', async () => {
      const cache = new CacheManager({ policy })
      const d = deferred<string>()
      const old = cache.getOrFetch('k', () => d.promise)
      await cache.set('k', 'set value')

      d.reject(new Error('late failure'))
      await expect(old).resolves.toBe('set value')
      expect(cache.peek('k')).toBe('set value')
      expect(cache.stats()).toMatchObject({ fetchErrors: 1, size: 1, inFlight: 0 })
    })

    it('keeps a value set after a delete when the detached fetch resolves', async () => {
      const cache = new CacheManager({ policy })
      const d = deferred<string>()
      const old = cache.getOrFetch('k', () => d.promise)
      await cache.delete('k')
      await cache.set('k', 'set value')

      d.resolve('late')
      await old
      expect(cache.peek('k')).toBe('set value')
    })
  })

  describe('clear', () => {
    it('detaches the fetches of every key', async () => {
      const cache = new CacheManager({ policy })
      const a = deferred<string>()
      const b = deferred<string>()
      const pa = cache.getOrFetch('a', () => a.promise)
      const pb = cache.getOrFetch('b', () => b.promise)
      await cache.set('c', 'c')
      await cache.clear()
      expect(cache.stats()).toMatchObject({ inFlight: 0, size: 0 })

      a.resolve('A')
      b.resolve('B')
      await expect(Promise.all([pa, pb])).resolves.toEqual(['A', 'B'])
      expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([false, false, false])
    })

    it('keeps the counters', async () => {
      const cache = new CacheManager({ policy, maxSize: 1 })
      await cache.getOrFetch('a', () => 'a')
      await cache.getOrFetch('a', () => 'unused')
      await cache.get('missing')
      await cache.set('b', 'b')
      await rejectionOf(cache.getOrFetch('c', () => Promise.reject(new Error('c failed'))))
      const pending = deferred<string>()
      const p = cache.getOrFetch('d', () => pending.promise)
      cache.getOrFetch('d', () => 'unused').catch(() => undefined)
      const before = cache.stats()

      await cache.clear()
      expect(cache.stats()).toEqual({ ...before, size: 0, inFlight: 0 })
      expect(before).toMatchObject({
        hits: 1,
        misses: 5,
        fetches: 3,
        fetchErrors: 1,
        coalesced: 1,
        evictions: 1,
        size: 1,
        inFlight: 1,
      })
      pending.resolve('d')
      await p
    })

    it('does not let a fetch detached by clear remove the in-flight record of a later fetch of another key', async () => {
      const cache = new CacheManager({ policy })
      const oldFetch = deferred<string>()
      const newFetch = deferred<string>()
      const old = cache.getOrFetch('old', () => oldFetch.promise)
      await cache.clear()
      const fresh = cache.getOrFetch('new', () => newFetch.promise)

      oldFetch.resolve('old')
      await old
      expect(cache.stats().inFlight).toBe(1)
      expect(cache.getOrFetch('new', () => 'unused')).toBe(fresh)
      expect(cache.has('old')).toBe(false)

      newFetch.resolve('new')
      await expect(fresh).resolves.toBe('new')
      expect(cache.peek('new')).toBe('new')
      expect(cache.has('old')).toBe(false)
    })

    it('does not let a fetch detached by delete remove the in-flight record of a later fetch of another key', async () => {
      const cache = new CacheManager({ policy })
      const oldFetch = deferred<string>()
      const newFetch = deferred<string>()
      const old = cache.getOrFetch('old', () => oldFetch.promise)
      await cache.delete('old')
      const fresh = cache.getOrFetch('new', () => newFetch.promise)

      const error = new Error('old failed')
      oldFetch.reject(error)
      await expect(rejectionOf(old)).resolves.toBe(error)
      expect(cache.stats().inFlight).toBe(1)
      expect(cache.getOrFetch('new', () => 'unused')).toBe(fresh)

      newFetch.resolve('new')
      await expect(fresh).resolves.toBe('new')
      expect(cache.peek('new')).toBe('new')
    })
  })

  describe('delete', () => {
    it('answers true only when a stored entry was removed', async () => {
      const cache = new CacheManager({ policy })
      await expect(cache.delete('absent')).resolves.toBe(false)

      await cache.set('stored', 'v')
      await expect(cache.delete('stored')).resolves.toBe(true)
      await expect(cache.delete('stored')).resolves.toBe(false)

      const d = deferred<string>()
      const pending = cache.getOrFetch('pending', () => d.promise)
      await expect(cache.delete('pending')).resolves.toBe(false)
      d.resolve('late')
      await pending
      await expect(cache.delete('pending')).resolves.toBe(false)
    })

    it('leaves other keys and their fetches alone', async () => {
      const cache = new CacheManager({ policy })
      await cache.set('stored', 'kept')
      const d = deferred<string>()
      const other = cache.getOrFetch('other', () => d.promise)
      await cache.delete('k')

      expect(cache.peek('stored')).toBe('kept')
      expect(cache.getOrFetch('other', () => 'unused')).toBe(other)
      d.resolve('o')
      await other
      expect(cache.peek('other')).toBe('o')
    })
  })
})
