import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

import {
  addonPath,
  binding,
  checkProtocol,
  PROTOCOL,
  type Protocol,
  type StoreHandle,
} from '../../dist/store/native.js'
import { FailCause } from '../../dist/store/backend.js'
import { expectThrown, thrownBy } from '../support/throws.js'

// Every binding function that takes a store, called with `store` and otherwise valid arguments.
const storeCalls: Record<string, (store: StoreHandle) => unknown> = {
  acquire: (store) => binding.acquire(store, 'k'),
  get: (store) => binding.get(store, 'k'),
  peek: (store) => binding.peek(store, 'k'),
  remainingTtl: (store) => binding.remainingTtl(store, 'k'),
  walk: (store) => binding.walk(store, false, true),
  set: (store) => binding.set(store, 'k', undefined),
  complete: (store) => binding.complete(store, 0, 0),
  tagFlight: (store) => binding.tagFlight(store, 0, 0, ['t']),
  isCurrent: (store) => binding.isCurrent(store, 0, 0),
  fail: (store) => binding.fail(store, 0, 0, FailCause.Error, 'k'),
  delete: (store) => binding.delete(store, 'k'),
  invalidateTag: (store) => binding.invalidateTag(store, 't'),
  clear: (store) => binding.clear(store),
  sweep: (store) => binding.sweep(store, 10),
  takeRemovals: (store) => binding.takeRemovals(store),
  recordKeys: (store) => binding.recordKeys(store, true),
  size: (store) => binding.size(store),
  stats: (store) => binding.stats(store),
}

describe('the binding refuses anything but a store handle', () => {
  const real = binding.createStore(4)
  // Plain Node exposes no External of its own (util.types.isExternal finds none in the built-in
  // modules), so the foreign values are every other kind, including objects that carry a real
  // handle without being one. (Not Object.create(handle): on Node 24 and later V8 itself kills
  // the process when an External becomes a prototype, before any binding code runs.)
  const wrongs: [string, unknown, string][] = [
    ['a plain object', {}, 'an object'],
    ['a number', 1, 'number 1'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a string', 'store', "string 'store'"],
    ['a function', () => real.handle, 'a function'],
    ['the store object createStore returned', real, 'an object'],
    ['the io registers', real.io, 'an object'],
  ]

  for (const [name, call] of Object.entries(storeCalls)) {
    it(`${name}() throws a TypeError naming the store argument for each wrong value`, () => {
      for (const [, wrong, described] of wrongs) {
        expectThrown(
          () => call(wrong as StoreHandle),
          TypeError,
          'ERR_INVALID_ARG_TYPE',
          `store must be a herdcache store handle, received ${described}`,
        )
      }
    })
  }

  it('leaves a real store working after the refused calls', () => {
    for (const call of Object.values(storeCalls)) {
      for (const [, wrong] of wrongs) thrownBy(() => call(wrong as StoreHandle))
    }
    real.spec[PROTOCOL.spec.ttl!] = Infinity
    const slot = binding.set(real.handle, 'k', undefined)
    expect(slot).toBeGreaterThanOrEqual(0)
    expect(binding.acquire(real.handle, 'k')).toBe(slot)
    expect(binding.size(real.handle)).toBe(1)
  })
})

describe('the registers', () => {
  it('are one buffer the binding owns, spec then io, as the protocol places them', () => {
    const store = binding.createStore(2)
    expect(store.io.buffer).toBe(store.spec.buffer)
    expect(store.spec.byteOffset).toBe(0)
    expect(store.io.byteOffset).toBe(store.spec.byteLength)
    expect(binding.acquire(store.handle, 'k')).toBe(PROTOCOL.codes.start)
    expect(store.io[PROTOCOL.io.valueSlot!]).toBe(-1)
  })

  it('cannot be transferred to another thread', () => {
    const store = binding.createStore(2)
    const buffer = store.io.buffer as ArrayBuffer
    // Node refuses or copies an externally backed buffer; either way this view stays attached.
    try {
      structuredClone(buffer, { transfer: [buffer] })
    } catch (error) {
      expect((error as Error).name).toBe('DataCloneError')
    }
    expect(store.io.length).toBe(binding.protocol.io.started! + 1)
    expect(binding.acquire(store.handle, 'k')).toBe(PROTOCOL.codes.start)
  })

  // Detached by V8 itself (%ArrayBufferDetach, in a child run with --allow-natives-syntax, so it
  // works on every Node): the buffer lets go of the memory at once, the collector runs, and the
  // binding goes on writing its registers, which must still be its own.
  it('outlive a view JavaScript detached', () => {
    const script = `
      const { binding } = require(${JSON.stringify(resolve(__dirname, '..', '..', 'dist', 'store', 'native.js'))});
      const store = binding.createStore(2);
      %ArrayBufferDetach(store.io.buffer);
      globalThis.gc();
      const codes = [];
      for (let i = 0; i < 1000; i += 1) codes.push(binding.acquire(store.handle, 'k' + i));
      globalThis.gc();
      console.log(JSON.stringify({ length: store.io.length, codes: new Set(codes).size,
        inFlight: binding.stats(store.handle).inFlight }));`
    const child = spawnSync(
      process.execPath,
      ['--allow-natives-syntax', '--expose-gc', '-e', script],
      { encoding: 'utf8' },
    )
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    expect(JSON.parse(child.stdout)).toEqual({ length: 0, codes: 1, inFlight: 1000 })
  })
})

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
        'reinstall herdcache, or rebuild it (npx herdcache-build)',
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
