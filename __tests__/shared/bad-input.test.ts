// Shared mode's options, checked when the cache is made: each error names the argument and the
// value received, and a cache that fails to open leaves every store as it was.
import { describe, expect, it } from 'vitest'
import { CacheManager, type CacheOptions, jsonCodec } from '../../dist/index.js'
import { binding } from '../../dist/store/native.js'
import { rejectionOf } from '../support/async.js'
import { closedAfterEach } from '../support/shared_workers.js'
import { expectThrown } from '../support/throws.js'

const { opened } = closedAfterEach()

function open(options: CacheOptions): CacheManager {
  const cache = new CacheManager(options)
  opened.push(cache)
  return cache
}

const options = (o: unknown) => o as CacheOptions

describe('sizes of an open store', () => {
  it('refuses a maxSize other than the open store’s, naming both', () => {
    const first = open({ shared: 'sizes', maxSize: 10 })

    expectThrown(
      () => new CacheManager({ shared: 'sizes', maxSize: 20 }),
      RangeError,
      'ERR_HERDCACHE_SHARED_MISMATCH',
      "shared store 'sizes' is open with maxSize 10, received maxSize 20: every cache of one " +
        "shared store has its sizes (leave maxSize out to take the open one's)",
    )
    expect(binding.shared.counts()).toEqual({ stores: 1, names: 1 })
    expect(first.size).toBe(0)
  })

  it('refuses a maxBytes other than the open store’s, naming both', () => {
    open({ shared: 'bytes', maxBytes: 4096 })

    expectThrown(
      () => new CacheManager({ shared: 'bytes', maxBytes: 1024 }),
      RangeError,
      'ERR_HERDCACHE_SHARED_MISMATCH',
      /^shared store 'bytes' is open with maxBytes 4096, received maxBytes 1024: /,
    )
    // A store opened without maxBytes is unbounded: asking for a bound is a mismatch too.
    open({ shared: 'unbounded' })
    expectThrown(
      () => new CacheManager({ shared: 'unbounded', maxBytes: 1024 }),
      RangeError,
      'ERR_HERDCACHE_SHARED_MISMATCH',
      /^shared store 'unbounded' is open without maxBytes, received maxBytes 1024: /,
    )
  })

  it('refuses a codec other than the open store’s, naming both', () => {
    open({ shared: 'codecs' })

    expectThrown(
      () => new CacheManager({ shared: 'codecs', codec: jsonCodec }),
      RangeError,
      'ERR_HERDCACHE_SHARED_MISMATCH',
      "shared store 'codecs' is open with codec 'v8', received codec 'json': every cache of " +
        'one shared store must use the same codec',
    )
    expect(binding.shared.counts()).toEqual({ stores: 1, names: 1 })
  })

  it('refuses a policy other than the open store’s, naming both', () => {
    open({ shared: 'policies', policy: 'tinylfu' })

    expectThrown(
      () => new CacheManager({ shared: 'policies', policy: 'lru' }),
      RangeError,
      'ERR_HERDCACHE_SHARED_MISMATCH',
      "shared store 'policies' is open with policy 'tinylfu', received policy 'lru': every " +
        "cache of one shared store has its policy (leave policy out to take the open one's)",
    )
    // A store opened without a policy is LRU.
    open({ shared: 'default-policy' })
    expectThrown(
      () => new CacheManager({ shared: 'default-policy', policy: 'tinylfu' }),
      RangeError,
      'ERR_HERDCACHE_SHARED_MISMATCH',
      /^shared store 'default-policy' is open with policy 'lru', received policy 'tinylfu': /,
    )
    expect(binding.shared.counts()).toEqual({ stores: 2, names: 2 })
  })

  it('takes the open store’s policy when it is left out', async () => {
    const first = open({ shared: 'policy-taken', maxSize: 3, policy: 'tinylfu' })
    const second = open({ shared: 'policy-taken' })
    await first.set('hot', 'hot')
    for (let i = 0; i < 5; i++) await second.get('hot')
    // A scan through the second cache does not flush the key the first asked for often.
    for (let i = 0; i < 20; i++) await second.getOrFetch(`scan ${i}`, () => i)
    expect(first.peek('hot')).toBe('hot')
    expect(first.size).toBe(3)
  })

  it('takes the open store’s sizes when they are left out', async () => {
    const first = open({ shared: 'taken', maxSize: 2 })
    const second = open({ shared: 'taken' })
    const same = open({ shared: 'taken', maxSize: 2 })

    for (const key of ['a', 'b', 'c']) await second.set(key, key)

    expect(first.size).toBe(2)
    expect([...same.keys()]).toEqual(['c', 'b'])
  })

  it('gives a failed open no membership: the store is freed when its one cache closes', async () => {
    const first = new CacheManager({ shared: 'no-membership', maxSize: 10 })
    expect(() => new CacheManager({ shared: 'no-membership', maxSize: 11 })).toThrow(RangeError)

    await first.close()

    expect(binding.shared.counts()).toEqual({ stores: 0, names: 0 })
  })
})

describe('the shared option', () => {
  it.each([
    [0, TypeError, 'ERR_INVALID_ARG_TYPE', 'shared must be a non-empty string, received number 0'],
    [5, TypeError, 'ERR_INVALID_ARG_TYPE', 'shared must be a non-empty string, received number 5'],
    [null, TypeError, 'ERR_INVALID_ARG_TYPE', 'shared must be a non-empty string, received null'],
    [{}, TypeError, 'ERR_INVALID_ARG_TYPE', /^shared must be a non-empty string, received an/],
    ['', RangeError, 'ERR_OUT_OF_RANGE', "shared must be a non-empty string, received string ''"],
  ] as const)('refuses %j, naming the argument', (shared, type, code, message) => {
    expectThrown(() => new CacheManager(options({ shared })), type, code, message)
    expect(binding.shared.counts()).toEqual({ stores: 0, names: 0 })
  })

  it('refuses sizeOf, which does not apply to shared mode', () => {
    expectThrown(
      () => new CacheManager({ shared: 'sized', maxBytes: 100, sizeOf: () => 1 }),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'sizeOf does not apply to shared mode: maxBytes counts the encoded bytes of each value',
    )
  })

  it.each(['codec', 'decodeEvicted'] as const)('refuses %s without shared', (option) => {
    const value = option === 'codec' ? { name: 'c', encode() {}, decode() {} } : true
    expectThrown(
      () => new CacheManager(options({ [option]: value })),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `${option} applies to shared mode only: give shared a name`,
    )
  })

  it('refuses a decodeEvicted that is not a boolean', () => {
    expectThrown(
      () => new CacheManager(options({ shared: 'x', decodeEvicted: 1 })),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'decodeEvicted must be a boolean, received number 1',
    )
  })
})

describe('the codec option', () => {
  const encode = () => new Uint8Array()
  const decode = () => undefined
  it.each([
    ['v8', "codec must be a Codec object (name, encode, decode), received string 'v8'"],
    [null, 'codec must be a Codec object (name, encode, decode), received null'],
    [{ encode, decode }, /^codec\.name must be a string of 1 to 32 printable ASCII characters/],
    [{ name: 'a b', encode, decode }, /^codec\.name must be .*, received string 'a b'$/],
    [{ name: 'x'.repeat(33), encode, decode }, /^codec\.name must be a string of 1 to 32/],
    [{ name: 'c', decode }, 'codec.encode must be a function, received undefined'],
    [{ name: 'c', encode, decode: 'no' }, "codec.decode must be a function, received string 'no'"],
  ])('refuses codec %j, naming the part that is wrong', (codec, message) => {
    expectThrown(
      () => new CacheManager(options({ shared: 'codec', codec })),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      message,
    )
    expect(binding.shared.counts()).toEqual({ stores: 0, names: 0 })
  })

  it('rejects a write with an EncodeError when the codec returns no bytes', async () => {
    const cache = open({
      shared: 'no-bytes',
      codec: { name: 'strings', encode: (value) => String(value) as never, decode },
    })

    const error = await rejectionOf(Promise.resolve().then(() => cache.set('k', 1)))

    expect(error).toMatchObject({
      name: 'EncodeError',
      code: 'ERR_HERDCACHE_ENCODE',
      message:
        "cannot store the value of 'k' in shared store 'no-bytes': codec 'strings' returned " +
        "string '1', not a Uint8Array",
    })
    expect(cache.has('k')).toBe(false)
  })

  it('throws ERR_HERDCACHE_UNDECODABLE from a read of bytes the codec cannot decode', async () => {
    const cache = open({
      shared: 'undecodable',
      codec: {
        name: 'broken',
        encode: () => new Uint8Array([1]),
        decode: () => {
          throw new Error('nope')
        },
      },
    })
    await cache.set('k', 'v')

    expect(() => cache.peek('k')).toThrow(
      "the value of 'k' in shared store 'undecodable' does not decode with codec 'broken': " +
        'Error: nope',
    )
  })
})
