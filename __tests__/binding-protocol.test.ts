import { describe, expect, it } from 'vitest'

import { addonPath, binding, checkProtocol, PROTOCOL, type Protocol } from '../dist/native.js'
import { thrownBy } from './support/throws.js'

describe('the protocol the addon exports', () => {
  it('is the layout lib/native.ts expects', () => {
    expect(binding.protocol).toEqual(PROTOCOL)
  })

  it('gives every return code its own value, none of them a slot', () => {
    const codes = Object.values(binding.protocol.codes)
    expect(new Set(codes).size).toBe(codes.length)
    for (const code of codes) expect(code).toBeLessThan(0)
  })

  it('gives every register field its own position inside the registers', () => {
    const store = binding.createStore(1)
    for (const [fields, registers] of [
      [binding.protocol.io, store.io],
      [binding.protocol.spec, store.spec],
    ] as const) {
      const positions = Object.values(fields)
      expect(new Set(positions).size).toBe(positions.length)
      for (const position of positions) expect(position).toBeLessThan(registers.length)
    }
  })

  it('is frozen, so no caller can change what lib/ checked', () => {
    expect(Object.isFrozen(binding.protocol)).toBe(true)
    expect(Object.isFrozen(binding.protocol.io)).toBe(true)
    expect(Object.isFrozen(binding.protocol.removalReasons)).toBe(true)
  })
})

describe('checkProtocol', () => {
  // A deep copy, editable by each test.
  const copy = (): {
    io: Record<string, number>
    spec: Record<string, number>
    codes: Record<string, number>
    removalReasons: string[]
    failCauses: string[]
  } => structuredClone(PROTOCOL) as never

  function mismatch(actual: unknown): Error & { code?: unknown } {
    return thrownBy(() => checkProtocol(PROTOCOL, actual, '/some/where/herdcache.node'))
  }

  it('accepts an identical layout', () => {
    expect(() => checkProtocol(PROTOCOL, copy(), addonPath)).not.toThrow()
  })

  it('throws naming the field, both values and the addon for a wrong io position', () => {
    const actual = copy()
    actual.io.started = 6
    const error = mismatch(actual)
    expect(error.code).toBe('ERR_HERDCACHE_ADDON_MISMATCH')
    expect(error.message).toBe(
      'the herdcache addon at /some/where/herdcache.node does not match this version of ' +
        `herdcache: protocol.io.started is 6 in the addon, expected ${PROTOCOL.io.started}; ` +
        'rebuild it (npm rebuild herdcache)',
    )
  })

  it('throws for a missing code', () => {
    const actual = copy()
    delete actual.codes.notCurrent
    const error = mismatch(actual)
    expect(error.code).toBe('ERR_HERDCACHE_ADDON_MISMATCH')
    expect(error.message).toContain(
      `protocol.codes.notCurrent is undefined in the addon, expected ${PROTOCOL.codes.notCurrent}`,
    )
  })

  it('throws for a reordered removal-reason list', () => {
    const actual = copy()
    actual.removalReasons = ['expire', 'evict', 'delete', 'set', 'clear']
    const error = mismatch(actual)
    expect(error.code).toBe('ERR_HERDCACHE_ADDON_MISMATCH')
    expect(error.message).toContain(
      'protocol.removalReasons is ["expire","evict","delete","set","clear"] in the addon, ' +
        'expected ["evict","expire","delete","set","clear"]',
    )
  })

  it('throws for a field the addon has and lib/ does not know', () => {
    const actual = copy()
    actual.io.firstCause = 5
    expect(mismatch(actual).message).toContain(
      'protocol.io.firstCause is 5 in the addon, expected undefined',
    )
  })

  it('throws for an addon that exports no protocol at all', () => {
    const error = mismatch(undefined)
    expect(error.code).toBe('ERR_HERDCACHE_ADDON_MISMATCH')
    expect(error.message).toContain('protocol is undefined in the addon')
  })

  it('checks the fail causes in FailCause order', () => {
    const actual: Protocol = { ...copy(), failCauses: ['error', 'abort', 'timeout'] }
    expect(mismatch(actual).message).toContain('protocol.failCauses is ["error","abort","timeout"]')
    expect(PROTOCOL.failCauses).toEqual(['error', 'timeout', 'abort'])
  })
})
