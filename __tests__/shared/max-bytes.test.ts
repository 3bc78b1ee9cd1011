// maxBytes in shared mode counts each value's encoded bytes, exactly: any value the codec encodes
// is sized by its encoding (there is no sizeOf in shared mode), and the least recently used
// entries make room for a new one.
import { serialize } from 'node:v8'
import { describe, expect, it } from 'vitest'
import { CacheManager } from '../../dist/index.js'
import { closedAfterEach } from '../support/shared_workers.js'

const { opened } = closedAfterEach()

function sharedCache(name: string, maxBytes: number): CacheManager {
  const cache = new CacheManager({ shared: name, maxBytes })
  opened.push(cache)
  return cache
}

const a = { id: 'a', tags: new Set(['x']) }
const b = { id: 'b', at: new Date(0), list: [1, 2, 3] }
const c = { id: 'c', big: 12345678901234567890n }
const size = (value: unknown) => serialize(value).length

describe('maxBytes in shared mode', () => {
  it('sizes objects by their v8 encoding, through set and getOrFetch alike', async () => {
    const cache = sharedCache('objects', 1_000_000)

    await cache.set('a', a)
    await expect(cache.getOrFetch('b', () => b)).resolves.toBe(b)

    expect(cache.stats()).toMatchObject({ size: 2, bytes: size(a) + size(b) })
  })

  it('evicts the least recently used entries to fit a new one, to the byte', async () => {
    // Room for b and c exactly, and one byte less.
    const exact = sharedCache('exact', size(b) + size(c))
    const short = sharedCache('one-byte-short', size(b) + size(c) - 1)
    for (const cache of [exact, short]) {
      await cache.set('a', a)
      await cache.getOrFetch('b', () => b)
      await cache.set('c', c)
    }

    expect([...exact.keys()]).toEqual(['c', 'b'])
    expect(exact.stats()).toMatchObject({ bytes: size(b) + size(c), evictions: 1 })
    expect([...short.keys()]).toEqual(['c'])
    expect(short.stats()).toMatchObject({ bytes: size(c), evictions: 2 })
  })

  it('does not store a value whose encoding is larger than maxBytes', async () => {
    const cache = sharedCache('too-large', size(a))
    await cache.set('a', a)

    await cache.set('b', b)

    expect(cache.has('b')).toBe(false)
    expect(cache.peek('a')).toEqual(a)
    expect(cache.stats().bytes).toBe(size(a))
  })
})
