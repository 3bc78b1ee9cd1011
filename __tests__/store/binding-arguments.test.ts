// The binding checks its arguments again, in C++, with the wording lib/ uses (STYLE.md): a call
// that lib/ would have refused never reaches the core. lib/ checks first, so these call the
// binding directly, as a caller that bypassed CacheManager would.
import { describe, expect, it } from 'vitest'

import { CacheManager } from '../../dist/index.js'
import { binding } from '../../dist/store/native.js'
import { expectThrown } from '../support/throws.js'

// Any argument may arrive from JavaScript.
const loose = binding as unknown as Record<string, (...args: unknown[]) => unknown>
const typeError = (call: () => unknown, message: string) =>
  expectThrown(call, TypeError, 'ERR_INVALID_ARG_TYPE', message)
const rangeError = (call: () => unknown, message: string) =>
  expectThrown(call, RangeError, 'ERR_OUT_OF_RANGE', message)

describe('binding arguments', () => {
  it('names the received value of every JavaScript type in a wrong-type error', () => {
    const received: [unknown, string][] = [
      [undefined, 'undefined'],
      [null, 'null'],
      [1.5, 'number 1.5'],
      ['x'.repeat(41), `string '${'x'.repeat(37)}...'`],
      ['short', "string 'short'"],
      [true, 'boolean true'],
      [false, 'boolean false'],
      [() => 1, 'a function'],
      [Symbol('s'), 'a symbol'],
      [12n, 'bigint 12n'],
      [{}, 'an object'],
    ]
    for (const [value, described] of received) {
      typeError(
        () => loose.get!(value, 'k'),
        `store must be a herdcache store handle, received ${described}`,
      )
    }
  })

  it('refuses a store that is not a store handle in acquire, the unwrapped fast path', () => {
    expectThrown(
      () => loose.acquire!({}, 'k'),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'store must be a herdcache store handle',
    )
    expectThrown(
      () => loose.acquire!(),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'store must be a herdcache store handle',
    )
  })

  it('refuses a maxSize that is not a positive integer', () => {
    typeError(
      () => loose.createStore!('10'),
      "maxSize must be a positive integer, received string '10'",
    )
    rangeError(() => loose.createStore!(0), 'maxSize must be a positive integer, received number 0')
    rangeError(
      () => loose.createStore!(1.5),
      'maxSize must be a positive integer, received number 1.5',
    )
    rangeError(
      () => loose.createStore!(2 ** 53),
      'maxSize must be a positive integer, received number 9007199254740992',
    )
  })

  it('refuses a maxBytes that is not a positive integer, and takes Infinity as no bound', () => {
    rangeError(
      () => loose.createStore!(10, 0),
      'maxBytes must be a positive integer, received number 0',
    )
    rangeError(
      () => loose.createStore!(10, 2.5),
      'maxBytes must be a positive integer, received number 2.5',
    )
    const { handle } = binding.createStore(10, Infinity)
    expect(binding.size(handle)).toBe(0)
  })

  it('refuses keys, tags and clock readings of the wrong type', () => {
    const { handle } = binding.createStore(10)
    typeError(() => loose.get!(handle, 1), 'key must be a string, received number 1')
    typeError(() => loose.acquire!(handle, null), 'key must be a string, received null')
    typeError(() => loose.set!(handle, 'k', ['a', 2]), 'tags[] must be a string, received number 2')
    typeError(() => loose.invalidateTag!(handle, {}), 'tag must be a string, received an object')
    typeError(
      () => loose.get!(handle, 'k', Number.NaN),
      'clock() must be a finite number of milliseconds, received number NaN',
    )
    typeError(
      () => loose.peek!(handle, 'k', Infinity),
      'clock() must be a finite number of milliseconds, received number Infinity',
    )
    expect(binding.size(handle)).toBe(0)
  })
})

describe('keys longer than the binding key buffer', () => {
  it('stores and finds keys of any length, a short key after a huge one included', async () => {
    const cache = new CacheManager<number>({ maxSize: 10 })
    const long = 'k'.repeat(1_000)
    const huge = 'h'.repeat(100_000)
    await cache.set(long, 1)
    await cache.set(huge, 2)
    await cache.set('short', 3)
    expect([cache.peek(long), cache.peek(huge), cache.peek('short')]).toEqual([1, 2, 3])
    expect([cache.has(long.slice(1)), cache.has(`${huge}h`)]).toEqual([false, false])
  })
})
