// The benchmarks' Node-API floor (native/binding/floor.h): floor(key) reads its key as every
// store function does and answers nothing, so bench/workloads/floor.mjs times only the call.
import { describe, expect, it } from 'vitest'

import { binding } from '../../dist/store/native.js'
import { expectThrown } from '../support/throws.js'

const loose = binding as unknown as Record<string, (...args: unknown[]) => unknown>

describe('binding floor', () => {
  it('answers undefined for keys short and long, the buffer growing and shrinking back', () => {
    for (const key of ['', 'user:1', 'k'.repeat(300), 'x'.repeat(100_000), 'user:2', '\ud800']) {
      expect(binding.floor(key)).toBeUndefined()
    }
  })

  it('refuses a key that is not a string, as the store functions do', () => {
    expectThrown(
      () => loose.floor!(7),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'key must be a string, received number 7',
    )
    expectThrown(
      () => loose.floor!(),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'key must be a string, received undefined',
    )
  })
})
