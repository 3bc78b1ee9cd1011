// Issue 5, section 1: cacheKey(...parts) is a canonical, self-delimiting encoding. Equal inputs
// give equal keys, different inputs different keys (proved below by decoding keys back into
// their inputs), strings are kept whole, and unsupported values throw a TypeError naming their
// path. cacheKeyWith({ maxLength }) bounds a key's length with SHA-256.
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cacheKey, cacheKeyWith, HASHED_KEY_PREFIX } from '../../dist/index.js'
import { thrownBy } from '../support/throws.js'

// The public functions as JavaScript callers see them: any argument may arrive.
const looseCacheKeyWith = cacheKeyWith as (options: unknown, ...parts: unknown[]) => string

function expectTypeError(call: () => unknown, message: string | RegExp) {
  const error = thrownBy(call)
  expect(error.constructor).toBe(TypeError)
  expect(error.code).toBe('ERR_INVALID_ARG_TYPE')
  expect(error.message).toMatch(message)
}

const SUPPORTED =
  'a string, number, bigint, boolean, null, undefined, array, plain object or object with toJSON()'

/**
 * The structural equality cacheKey promises to respect: same types, -0 equal to 0, NaN equal to
 * NaN, arrays element by element (a hole is undefined), objects by their names whose values are
 * not undefined, in any order and with any prototype.
 */
function sameInput(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false
  if (typeof a === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b))
  if (typeof a !== 'object' || a === null || b === null) return a === b
  const other = b as object
  if (Array.isArray(a) !== Array.isArray(other)) return false
  if (Array.isArray(a)) {
    const list = other as unknown[]
    if (a.length !== list.length) return false
    for (let i = 0; i < a.length; i++) if (!sameInput(a[i], list[i])) return false
    return true
  }
  const names = definedNames(a)
  const otherNames = definedNames(other)
  return (
    names.length === otherNames.length &&
    names.every(
      (name, i) =>
        name === otherNames[i] &&
        sameInput((a as Record<string, unknown>)[name], (other as Record<string, unknown>)[name]),
    )
  )
}

function definedNames(value: object): string[] {
  const record = value as Record<string, unknown>
  return Object.keys(record)
    .filter((name) => record[name] !== undefined)
    .sort()
}

/**
 * Reads a key back into its parts, following the grammar documented on cacheKey. Since it is a
 * function of the key, two inputs with one key decode to one value equal to both: together with
 * `sameInput(decode(cacheKey(...parts)), parts)`, that proves no two different inputs collide.
 */
function decode(key: string): unknown[] {
  let at = 0
  const take = (end: string): string => {
    const stop = key.indexOf(end, at)
    if (stop < 0) throw new Error(`no '${end}' after ${at} in ${JSON.stringify(key)}`)
    const text = key.slice(at, stop)
    at = stop + 1
    return text
  }
  const counted = (): string => {
    const length = Number(take(':'))
    const text = key.slice(at, at + length)
    if (text.length !== length) throw new Error(`short string at ${at}`)
    at += length
    return text
  }
  const value = (): unknown => {
    const tag = key[at++]
    switch (tag) {
      case 's':
        return counted()
      case 'n':
        return Number(take(';'))
      case 'b':
        return BigInt(take(';'))
      case 't':
        return true
      case 'f':
        return false
      case 'z':
        return null
      case 'u':
        return undefined
      case '[': {
        const list: unknown[] = []
        while (key[at] !== ']') list.push(value())
        at++
        return list
      }
      case '{': {
        const record: Record<string, unknown> = Object.create(null) as Record<string, unknown>
        while (key[at] !== '}') {
          const name = counted()
          record[name] = value()
        }
        at++
        return record
      }
      default:
        throw new Error(`unknown tag ${tag} at ${at - 1} in ${JSON.stringify(key)}`)
    }
  }
  const parts: unknown[] = []
  while (at < key.length) parts.push(value())
  return parts
}

// Strings drawn from the encoding's own delimiters and tags, digits, '#' and lone surrogates.
const ADVERSARIAL = [
  ...['s', 'n', 'b', 't', 'f', 'z', 'u', ':', ';', '[', ']', '{', '}', '#'],
  ...['1', '0', '-', '\uD800', '\uDC00', 'é'],
]
const stringArb = fc.string({ unit: fc.constantFrom(...ADVERSARIAL), maxLength: 6 })
const numberArb = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 10, 1.5, NaN, Infinity, -Infinity, 1e21, 5e-324),
  fc.double(),
)
const leafArb: fc.Arbitrary<unknown> = fc.oneof(
  stringArb,
  numberArb,
  fc.bigInt({ min: -20n, max: 20n }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
)
const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.sparseArray(tie('tree'), { maxLength: 4 }),
    fc.dictionary(stringArb, tie('tree'), { maxKeys: 4 }),
    fc
      .dictionary(stringArb, tie('tree'), { maxKeys: 4 })
      .map((record) => Object.assign(Object.create(null) as object, record)),
  ),
}))
const partsArb = fc.array(tree, { maxLength: 4 })

/** A small deterministic random source for rebuilding inputs. */
function randomFrom(seed: number): () => number {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 2 ** 32
  }
}

/**
 * A copy of `value` that cacheKey must treat as equal: object names reordered, undefined
 * properties added, 0 and -0 swapped, undefined elements turned into holes, prototypes swapped;
 * with `twist`, some leaves are also replaced by look-alikes of another type (1 by '1', null by
 * 'null', [] by {}), which usually makes it different.
 */
function variant(value: unknown, random: () => number, twist: boolean): unknown {
  if (twist && random() < 0.15) {
    if (typeof value === 'number') return String(value)
    if (typeof value === 'string') return value === '' ? null : `${value}`.slice(1)
    if (value === null) return 'null'
    if (value === undefined) return null
    if (typeof value === 'bigint') return Number(value)
    if (typeof value === 'boolean') return String(value)
    if (Array.isArray(value)) return Object.assign({}, value)
  }
  if (typeof value === 'number' && value === 0) return random() < 0.5 ? 0 : -0
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) {
    const copy: unknown[] = []
    copy.length = value.length
    for (let i = 0; i < value.length; i++) {
      const item = variant(value[i], random, twist)
      if (item !== undefined || random() < 0.5) copy[i] = item
    }
    return copy
  }
  const record = value as Record<string, unknown>
  const names = Object.keys(record).sort(() => random() - 0.5)
  if (random() < 0.3) names.push('#unset')
  const copy = (random() < 0.5 ? {} : Object.create(null)) as Record<string, unknown>
  for (const name of names)
    copy[name] = name in record ? variant(record[name], random, twist) : undefined
  return copy
}

describe('cacheKey: equal inputs give equal keys', () => {
  it('ignores the order of object keys, at every depth', () => {
    const a = cacheKey({ b: 1, a: { y: [1, { q: 1, p: 2 }], x: 'x' } })
    const b = cacheKey({ a: { x: 'x', y: [1, { p: 2, q: 1 }] }, b: 1 })
    expect(a).toBe(b)
  })

  it('treats an object with a null prototype as the plain object with the same entries', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 })
    expect(cacheKey(bare)).toBe(cacheKey({ a: 1 }))
  })

  it('writes -0 as 0, as === and Map keys compare them', () => {
    expect(cacheKey(-0)).toBe(cacheKey(0))
    expect(cacheKey([-0], { z: -0 })).toBe(cacheKey([0], { z: 0 }))
  })

  it('treats an object property holding undefined as absent, as JSON does', () => {
    expect(cacheKey({ a: 1, b: undefined })).toBe(cacheKey({ a: 1 }))
  })

  it('treats an array hole as undefined', () => {
    expect(cacheKey([1, , 3])).toBe(cacheKey([1, undefined, 3]))
  })

  it('encodes NaN, Infinity and -Infinity deterministically', () => {
    expect(cacheKey(NaN, Infinity, -Infinity)).toBe(cacheKey(0 / 0, 1 / 0, -1 / 0))
    expect(new Set([cacheKey(NaN), cacheKey(Infinity), cacheKey(-Infinity)]).size).toBe(3)
  })

  it('uses what toJSON() returns, as JSON.stringify does', () => {
    const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5))
    expect(cacheKey(date)).toBe(cacheKey('2024-01-02T03:04:05.000Z'))
    expect(cacheKey(new Date(NaN))).toBe(cacheKey(null))
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      toJSON() {
        return { x: this.x, y: this.y }
      }
    }
    expect(cacheKey({ at: new Point(1, 2) })).toBe(cacheKey({ at: { y: 2, x: 1 } }))
  })

  it('passes toJSON the property name or index, as JSON.stringify does', () => {
    const names: string[] = []
    const probe = {
      toJSON(name: string) {
        names.push(name)
        return name
      },
    }
    expect(cacheKey({ field: probe }, [probe])).toBe(cacheKey({ field: 'field' }, ['0']))
    expect(names).toEqual(['field', '0'])
  })

  it('accepts one object reached twice without a cycle', () => {
    const shared = { id: 1 }
    expect(cacheKey({ a: shared, b: [shared] })).toBe(cacheKey({ a: { id: 1 }, b: [{ id: 1 }] }))
  })

  it('follows the documented encoding', () => {
    // Keys may outlive a process (logs, a shared tier), so the format is part of the contract.
    expect(cacheKey('user', 42, -0, 1n, true, false, null, undefined)).toBe('s4:usern42;n0;b1;tfzu')
    expect(cacheKey([1, 'a'], { b: [], a: {} })).toBe('[n1;s1:a]{1:a{}1:b[]}')
    expect(cacheKey()).toBe('')
  })
})

describe('cacheKey: different inputs give different keys', () => {
  it('keeps types apart: 1, "1", 1n, true, "true", null, "null", undefined, [], {}', () => {
    const inputs: unknown[] = [
      ...[1, '1', 1n, true, 'true', false, 0, '', null, 'null', undefined, 'undefined'],
      ...[[], {}, '[]', '{}', [[]], [{}], [null], [undefined]],
    ]
    const keys = inputs.map((input) => cacheKey(input))
    expect(new Set(keys).size).toBe(inputs.length)
  })

  it('is not fooled by strings holding its own delimiters and tags', () => {
    const inputs: unknown[][] = [
      ['a', 'b'],
      ['a:b'],
      ['ab'],
      ['a', 'b', ''],
      ['', 'a', 'b'],
      ['ab', ''],
      ['s1:a'],
      ['a', 's1:b'],
      ['s1:as1:b'],
      [['a', 'b']],
      ['[s1:as1:b]'],
      [{ a: 'b' }],
      [{ 'a:b': null }],
      [{ '1:a': 'b' }],
      [{ a: 's1:b' }],
      ['{1:as1:b}'],
      [{ a: 'b', c: 'd' }],
      [{ a: 'b1:cs1:d' }],
      [1, 2],
      ['n1;n2;'],
      [12],
      ['1', '2'],
      ['12'],
      ['n1;'],
      [null, null],
      ['zz'],
      [true],
      ['t'],
      ['#sha256:'],
      ['s2:ab'],
      ['s2:a', 'b'],
    ]
    const keys = inputs.map((parts) => cacheKey(...parts))
    expect(new Set(keys).size).toBe(inputs.length)
    for (const [i, parts] of inputs.entries()) expect(decode(keys[i]!)).toEqual(parts)
  })

  it('tells numbers apart however close: 0.1 + 0.2 and 0.3, 2**53 and 2**53 + 2', () => {
    expect(cacheKey(0.1 + 0.2)).not.toBe(cacheKey(0.3))
    expect(cacheKey(2 ** 53)).not.toBe(cacheKey(2 ** 53 + 2))
    expect(cacheKey(5e-324)).not.toBe(cacheKey(0))
    expect(cacheKey(1e21)).not.toBe(cacheKey('1e21'))
  })

  it('tells strings apart code unit by code unit, lone surrogates included', () => {
    expect(cacheKey('\uD800')).not.toBe(cacheKey('\uDBFF'))
    expect(cacheKey('é')).not.toBe(cacheKey('e\u0301'))
    expect(cacheKey('a\u0000')).not.toBe(cacheKey('a'))
  })

  it('keeps a 40-character git SHA whole, so commits sharing a prefix get different keys', () => {
    // The seed document's bug: a SHA cut to 7 characters let two commits share cached context.
    // Its fix was to key on the full 40-character SHA; cacheKey never shortens a string.
    const sha = '97a7bc3322ed1098f0e4c1d2b3a4958677a8b9c0'
    const sibling = '97a7bc3fffffffffffffffffffffffffffffffff'
    const key = cacheKey('context', { git: sha })
    expect(key).toContain(sha)
    expect(key).toBe(`s7:context{3:gits40:${sha}}`)
    expect(cacheKey('context', { git: sibling })).not.toBe(key)
  })

  it('keeps long strings whole', () => {
    const long = 'x'.repeat(100_000) + 'y'
    expect(cacheKey(long)).toBe(`s${long.length}:${long}`)
    expect(cacheKey(long)).not.toBe(cacheKey('x'.repeat(100_000) + 'z'))
  })

  it('keeps the number of parts: (a, undefined) is not (a)', () => {
    expect(cacheKey('a', undefined)).not.toBe(cacheKey('a'))
    expect(cacheKey(undefined)).not.toBe(cacheKey())
  })
})

describe('cacheKey: injectivity, by property', () => {
  it('decodes every key back into its parts, so no two different inputs share a key', () => {
    fc.assert(
      fc.property(partsArb, (parts) => {
        const decoded = decode(cacheKey(...parts))
        expect(sameInput(decoded, parts)).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })

  it('gives two inputs the same key exactly when they are structurally equal', () => {
    const pairArb = fc.oneof(
      fc.tuple(partsArb, partsArb),
      fc.tuple(partsArb, fc.integer(), fc.boolean()).map(([parts, seed, twist]) => {
        const random = randomFrom(seed)
        return [parts, parts.map((part) => variant(part, random, twist))] as const
      }),
    )
    let equalPairs = 0
    fc.assert(
      fc.property(pairArb, ([a, b]) => {
        const same = sameInput(a, b)
        if (same) equalPairs++
        expect(cacheKey(...a) === cacheKey(...b)).toBe(same)
      }),
      { numRuns: 1000 },
    )
    // Both sides of the equivalence were exercised.
    expect(equalPairs).toBeGreaterThan(100)
    expect(equalPairs).toBeLessThan(1000)
  })

  it('never starts a key with the hashed prefix', () => {
    fc.assert(
      fc.property(partsArb, (parts) => {
        expect(cacheKey(...parts).startsWith('#')).toBe(false)
      }),
      { numRuns: 1000 },
    )
  })
})

describe('cacheKey: unsupported inputs', () => {
  it('rejects a function, naming the path to it', () => {
    expectTypeError(
      () => cacheKey('a', { user: { tags: ['x', 'y', () => 1] } }),
      `cacheKey parts[1].user.tags[2] must be ${SUPPORTED}, received a function`,
    )
  })

  it('rejects a symbol, quoting names that are not identifiers', () => {
    expectTypeError(
      () => cacheKey({ 'a b': [Symbol('s')] }),
      `cacheKey parts[0]["a b"][0] must be ${SUPPORTED}, received a symbol`,
    )
  })

  it('rejects class instances without toJSON: Map, Set, boxed strings, own classes', () => {
    class Thing {}
    for (const [value, name] of [
      [new Map(), 'Map'],
      [new Set(), 'Set'],
      [new String('a'), 'String'],
      [new Thing(), 'Thing'],
    ] as const) {
      expectTypeError(
        () => cacheKey(value),
        `cacheKey parts[0] must be ${SUPPORTED}, received an instance of ${name}`,
      )
    }
  })

  it('rejects a toJSON() that answers with a class instance', () => {
    expectTypeError(
      () => cacheKey({ a: { toJSON: () => new Map() } }),
      `cacheKey parts[0].a must be ${SUPPORTED}, received an instance of Map`,
    )
  })

  it('rejects a cycle, naming where it closes', () => {
    const node: Record<string, unknown> = { name: 'n' }
    node.children = [{ parent: node }]
    expectTypeError(
      () => cacheKey('tree', node),
      'cacheKey parts[1].children[0].parent must not refer back to parts[1] (a cycle), received an object',
    )
    const list: unknown[] = []
    list.push(list)
    expectTypeError(
      () => cacheKey(list),
      /^cacheKey parts\[0\]\[0\] must not refer back to parts\[0\] /,
    )
  })

  it('rejects a toJSON() whose result refers back to its object', () => {
    const loop = {
      toJSON(): unknown {
        return { self: loop }
      },
    }
    expectTypeError(
      () => cacheKey(loop),
      /^cacheKey parts\[0\]\.self must not refer back to parts\[0\] /,
    )
  })

  it('rejects an enumerable symbol-keyed property, which would otherwise be ignored', () => {
    expectTypeError(
      () => cacheKey({ a: { [Symbol('k')]: 1 } }),
      'cacheKey parts[0].a must have only string keys, received a property keyed Symbol(k)',
    )
  })
})

describe('cacheKeyWith({ maxLength })', () => {
  const sha256 = (key: string) => createHash('sha256').update(key, 'utf16le').digest('hex')

  it('returns the canonical key when it fits', () => {
    expect(cacheKeyWith({ maxLength: 100 }, 'user', 42)).toBe(cacheKey('user', 42))
    const exact = 'x'.repeat(96) // s96: and 96 characters: 100 in all
    expect(cacheKeyWith({ maxLength: 100 }, exact)).toBe(cacheKey(exact))
  })

  it('hashes a longer key to the prefix and 64 hex digits of its SHA-256', () => {
    const long = 'x'.repeat(97)
    const key = cacheKeyWith({ maxLength: 100 }, long)
    expect(key).toBe(`${HASHED_KEY_PREFIX}${sha256(cacheKey(long))}`)
    expect(key).toMatch(/^#sha256:[0-9a-f]{64}$/)
    expect(key).toHaveLength(72)
    expect(cacheKeyWith({ maxLength: 100 }, long)).toBe(key)
    expect(cacheKeyWith({ maxLength: 100 }, 'y'.repeat(97))).not.toBe(key)
  })

  it('never returns a key longer than maxLength', () => {
    fc.assert(
      fc.property(partsArb, fc.integer({ min: 72, max: 120 }), (parts, maxLength) => {
        const key = cacheKeyWith({ maxLength }, ...parts)
        expect(key.length).toBeLessThanOrEqual(maxLength)
        const canonical = cacheKey(...parts)
        expect(key).toBe(
          canonical.length <= maxLength ? canonical : HASHED_KEY_PREFIX + sha256(canonical),
        )
      }),
      { numRuns: 1000 },
    )
  })

  it('hashes every code unit, so keys differing only in a lone surrogate stay apart', () => {
    // Hashing UTF-8 would turn both surrogates into U+FFFD and make these two keys one.
    const a = cacheKeyWith({ maxLength: 72 }, 'x'.repeat(80) + '\uD800')
    const b = cacheKeyWith({ maxLength: 72 }, 'x'.repeat(80) + '\uDBFF')
    expect(a.startsWith(HASHED_KEY_PREFIX)).toBe(true)
    expect(a).not.toBe(b)
  })

  it('cannot collide with an unhashed key, even one holding a hashed key as a string', () => {
    const hashed = cacheKeyWith({ maxLength: 72 }, 'x'.repeat(100))
    expect(cacheKey(hashed)).not.toBe(hashed)
    expect(cacheKeyWith({ maxLength: Infinity }, hashed)).toBe(`s72:${hashed}`)
  })

  it('never hashes with maxLength Infinity', () => {
    const long = 'x'.repeat(10_000)
    expect(cacheKeyWith({ maxLength: Infinity }, long)).toBe(cacheKey(long))
  })

  it('rejects bad options synchronously', () => {
    const expected = 'an integer of at least 72, or Infinity'
    expectTypeError(
      () => looseCacheKeyWith(undefined, 'a'),
      'options must be an object, received undefined',
    )
    expectTypeError(
      () => looseCacheKeyWith({}, 'a'),
      `maxLength must be ${expected}, received undefined`,
    )
    expectTypeError(
      () => looseCacheKeyWith({ maxLength: '100' }, 'a'),
      `maxLength must be ${expected}, received string '100'`,
    )
    for (const maxLength of [71, 72.5, 0, -1, NaN, -Infinity]) {
      const error = thrownBy(() => looseCacheKeyWith({ maxLength }, 'a'))
      expect(error.constructor).toBe(RangeError)
      expect(error.code).toBe('ERR_OUT_OF_RANGE')
      expect(error.message).toMatch(`maxLength must be ${expected}, received number`)
    }
    const unknown = thrownBy(() => looseCacheKeyWith({ maxLength: 100, maxlen: 5 }, 'a'))
    expect(unknown.constructor).toBe(TypeError)
    expect(unknown.code).toBe('ERR_HERDCACHE_UNKNOWN_OPTION')
    expect(unknown.message).toBe('options.maxlen is not an option; the options are maxLength')
  })

  it('names its parts in errors as cacheKey does', () => {
    expectTypeError(
      () => cacheKeyWith({ maxLength: 100 }, 'a', [() => 1]),
      `cacheKeyWith parts[1][0] must be ${SUPPORTED}, received a function`,
    )
  })
})
