// The codecs the fleet tier ships: each gives a value back as it was stored, or refuses it at
// encode with an error naming where the refused part sits. What each keeps, what it refuses,
// and the one or two losses each documents are asserted here, kind by kind.
import { serialize } from 'node:v8'
import { Packr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { checkCodec, type Codec, defaultCodec } from '../../dist/codec/codec.js'
import { decodeEnvelope, encodeEnvelope } from '../../dist/redis/envelope.js'
import { jsonCodec } from '../../dist/codec/json_codec.js'
import { v8Codec } from '../../dist/codec/v8_codec.js'
import { expectThrown, thrownBy } from '../support/throws.js'

const roundTrip = (codec: Codec, value: unknown) => codec.decode(codec.encode(value))

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

function withStack<E extends Error>(error: E): E {
  error.stack = `${error.name}: ${error.message}\n    at fixed (stack.js:1:1)`
  return error
}

/** Values v8Codec gives back equal (toStrictEqual: types, undefined properties, holes). */
const V8_KEPT: [string, () => unknown][] = [
  ['a Date', () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6))],
  ['an invalid Date', () => new Date(Number.NaN)],
  [
    'a Map with object keys',
    () =>
      new Map<unknown, unknown>([
        [{ id: 1 }, 'a'],
        ['b', [2]],
      ]),
  ],
  ['a Set', () => new Set([1, 'two', 3n])],
  ['a BigInt wider than 64 bits', () => -(2n ** 100n) + 7n],
  ['a Uint8Array', () => new Uint8Array([0, 127, 255])],
  ['a Float64Array holding NaN and -0', () => new Float64Array([1.5, Number.NaN, -0])],
  ['a BigInt64Array', () => new BigInt64Array([-1n, 2n ** 62n])],
  ['a DataView', () => new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2)],
  ['an ArrayBuffer', () => new Uint16Array([1, 65535]).buffer],
  ['a RegExp with its flags', () => /ab+c/giu],
  ['undefined at the top level', () => undefined],
  ['null at the top level', () => null],
  ['undefined and null properties', () => ({ a: undefined, b: null })],
  ['undefined and null elements', () => [undefined, null, 1]],
  ['NaN and ±Infinity', () => [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]],
  ['nested objects and arrays', () => ({ a: [{ b: { c: [1, [2, [3]]] } }], d: 'x' })],
  ['a sparse array, holes included', (): unknown[] => [1, , 3]],
  ['an array with extra properties', () => Object.assign([1, 2], { label: 'x' })],
  ['a string with lone surrogates', () => ['a\uD800b', '\uDC00']],
  [
    'boxed primitives',
    () => [new Number(1), new String('s'), new Boolean(false), Object(5n) as unknown],
  ],
  ['a property named __proto__', () => JSON.parse('{"__proto__": {"polluted": true}}') as unknown],
  [
    'an Error of a built-in type, with its cause',
    () => withStack(new RangeError('r', { cause: 1 })),
  ],
  [
    'an Error whose cause is an Error',
    () => withStack(new Error('outer', { cause: new Error('in') })),
  ],
]

describe('v8Codec', () => {
  it('is the default codec', () => {
    expect(defaultCodec).toBe(v8Codec)
    expect(v8Codec.name).toBe('v8')
  })

  it.each(V8_KEPT)('gives back %s as stored', (_, make) => {
    const decoded = roundTrip(v8Codec, make())
    expect(decoded).toStrictEqual(make())
  })

  it('gives back -0 as -0, at the top level and inside objects', () => {
    expect(Object.is(roundTrip(v8Codec, -0), -0)).toBe(true)
    const decoded = roundTrip(v8Codec, { n: -0, list: [-0] }) as { n: number; list: number[] }
    expect(Object.is(decoded.n, -0) && Object.is(decoded.list[0], -0)).toBe(true)
  })

  it('gives back a Buffer as a Buffer, not only a Uint8Array', () => {
    const decoded = roundTrip(v8Codec, { buffer: Buffer.from('héllo') }) as { buffer: unknown }
    expect(Buffer.isBuffer(decoded.buffer)).toBe(true)
    expect(decoded.buffer).toStrictEqual(Buffer.from('héllo'))
  })

  it('gives back an Error with its type, message, stack and cause', () => {
    const error = withStack(new TypeError('upstream failed', { cause: { status: 503 } }))
    const decoded = roundTrip(v8Codec, error) as TypeError
    expect(decoded).toBeInstanceOf(TypeError)
    expect([decoded.message, decoded.stack, decoded.cause]).toStrictEqual([
      error.message,
      error.stack,
      { status: 503 },
    ])
  })

  it('gives back a cycle as a cycle', () => {
    const node: { name: string; self?: unknown } = { name: 'a' }
    node.self = node
    const decoded = roundTrip(v8Codec, node) as typeof node
    expect(decoded.self).toBe(decoded)
    expect(decoded.name).toBe('a')
  })

  it('gives back a part stored twice as one shared part', () => {
    const part = { n: 1 }
    const decoded = roundTrip(v8Codec, { left: part, right: new Map([['k', part]]) }) as {
      left: object
      right: Map<string, object>
    }
    expect(decoded.right.get('k')).toBe(decoded.left)
  })

  it('gives back a null-prototype object as a plain object with the same properties', () => {
    const decoded = roundTrip(v8Codec, Object.assign(Object.create(null) as object, { a: 1 }))
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(decoded).toStrictEqual({ a: 1 })
  })

  it("drops a RegExp's lastIndex, symbol-keyed and non-enumerable properties", () => {
    const pattern = /x/g
    pattern.lastIndex = 3
    const value = { pattern, [Symbol('s')]: 1 }
    Object.defineProperty(value, 'hidden', { value: 2, enumerable: false })
    const decoded = roundTrip(v8Codec, value) as { pattern: RegExp }
    expect(decoded.pattern.lastIndex).toBe(0)
    expect(Reflect.ownKeys(decoded)).toEqual(['pattern'])
  })

  it('writes exactly what v8.serialize writes for a value it accepts', () => {
    const value = { a: [1, 'x', new Date(0)], m: new Map([[1, 2]]) }
    expect(Buffer.from(v8Codec.encode(value))).toStrictEqual(serialize(value))
  })

  it.each<[string, () => unknown, RegExp]>([
    ['a function', () => () => 1, /^value is a function, which v8Codec cannot store$/],
    ['a symbol', () => Symbol('s'), /^value is a symbol, which v8Codec cannot store$/],
    [
      'a class instance',
      () => new Point(1, 2),
      /^value is an instance of Point, which v8Codec would not give back as stored/,
    ],
    [
      'a subclass of Map',
      () => new (class Registry extends Map {})(),
      /^value is an instance of Registry/,
    ],
    [
      'a subclass of Uint8Array',
      () => new (class Bytes extends Uint8Array {})(2),
      /^value is an instance of Bytes/,
    ],
    ['a WeakMap', () => new WeakMap(), /^value is an instance of WeakMap/],
    ['a Promise', () => Promise.resolve(1), /^value is an instance of Promise/],
    ['a URL', () => new URL('https://example.com/'), /^value is an instance of URL/],
    [
      'an Error subclass',
      () => new (class HttpError extends Error {})('x'),
      /^value is an instance of HttpError/,
    ],
    [
      'an AggregateError',
      () => new AggregateError([1], 'x'),
      /^value is an instance of AggregateError/,
    ],
    [
      'an Error with a code',
      () => Object.assign(new Error('x'), { code: 'E_X' }),
      /^value is an Error with own property 'code', which would be dropped/,
    ],
  ])('refuses %s with ERR_HERDCACHE_UNSTORABLE', (_, make, message) => {
    expectThrown(() => v8Codec.encode(make()), TypeError, 'ERR_HERDCACHE_UNSTORABLE', message)
  })

  it.each<[string, unknown, string]>([
    [
      'a nested property',
      { user: { owner: new Point(0, 0) } },
      'value.user.owner is an instance of Point',
    ],
    ['an array element', { items: [1, 2, () => 3] }, 'value.items[2] is a function'],
    [
      'a key that is no identifier',
      { 'odd key': [Symbol('s')] },
      'value["odd key"][0] is a symbol',
    ],
    ['a Map key', new Map([[new Point(0, 0), 1]]), 'value[Map key #0] is an instance of Point'],
    [
      'a Map value',
      new Map<string, unknown>([
        ['a', 1],
        ['b', new WeakSet()],
      ]),
      'value[Map value #1] is an instance of WeakSet',
    ],
    ['a Set item', new Set([1, () => 2]), 'value[Set item #1] is a function'],
    [
      'an Error cause',
      new Error('x', { cause: { retry: () => 1 } }),
      'value.cause.retry is a function',
    ],
  ])('names where a refused part sits: %s', (_, value, start) => {
    expect(thrownBy(() => v8Codec.encode(value)).message.slice(0, start.length)).toBe(start)
  })

  it('checks each part once, so cycles and heavily shared parts encode', () => {
    let layer: object = { leaf: true }
    // 40 layers that each hold the next twice: 2^40 paths, 40 objects.
    for (let i = 0; i < 40; i++) layer = { a: layer, b: layer }
    const decoded = roundTrip(v8Codec, layer) as { a: unknown; b: unknown }
    expect(decoded.a).toBe(decoded.b)
  })

  it("lets V8's own error through for what only V8 refuses (a Proxy)", () => {
    expect(thrownBy(() => v8Codec.encode(new Proxy({ a: 1 }, {}))).message).toMatch(
      /could not be cloned/,
    )
  })

  it('refuses a payload in a newer V8 format, naming both formats', () => {
    const newer = Uint8Array.from([0xff, 0x10, 0x49, 0x02])
    const error = thrownBy(() => v8Codec.decode(newer))
    expect(error.code).toBe('ERR_HERDCACHE_UNDECODABLE')
    expect(error.message).toBe(
      `the payload is in V8 serialization format 16, newer than format 15, the newest this Node (${process.version}) reads`,
    )
  })
})

describe('jsonCodec', () => {
  const JSON_KEPT: [string, unknown][] = [
    ['null', null],
    ['booleans, finite numbers and strings', [true, false, 0, -1.5, 1e300, 'x', '']],
    ['nested objects and arrays', { a: [{ b: { c: [1, [2, [3]]] } }], d: 'x' }],
    ['a string with a lone surrogate', 'a\uD800b'],
    ['a property named __proto__', JSON.parse('{"__proto__": {"polluted": true}}') as unknown],
  ]

  it.each(JSON_KEPT)('gives back %s as stored', (_, value) => {
    expect(roundTrip(jsonCodec, value)).toStrictEqual(value)
  })

  it('writes plain UTF-8 JSON text, for readers other than Node', () => {
    const value = { name: 'Zoë', tags: ['a'] }
    expect(Buffer.from(jsonCodec.encode(value)).toString('utf8')).toBe(
      '{"name":"Zoë","tags":["a"]}',
    )
  })

  it('gives back -0 as 0 and a part stored twice as two copies (its documented losses)', () => {
    expect(Object.is(roundTrip(jsonCodec, -0), 0)).toBe(true)
    const part = { n: 1 }
    const decoded = roundTrip(jsonCodec, { left: part, right: part }) as Record<string, object>
    expect(decoded.left).toStrictEqual(decoded.right)
    expect(decoded.left).not.toBe(decoded.right)
  })

  it.each<[string, unknown, RegExp]>([
    ['undefined at the top level', undefined, /^value is undefined, which JSON drops/],
    ['an undefined property', { a: undefined }, /^value\.a is undefined, which JSON drops/],
    ['an undefined element', [undefined], /^value\[0\] is undefined/],
    ['a hole', [1, , 3], /^value\[1\] is an empty slot \(a sparse array\)/],
    ['NaN', { n: Number.NaN }, /^value\.n is NaN, which JSON cannot store/],
    ['Infinity', [Number.POSITIVE_INFINITY], /^value\[0\] is Infinity/],
    ['a BigInt', 1n, /^value is a bigint, which JSON cannot store/],
    ['a function', { f: () => 1 }, /^value\.f is a function/],
    [
      'a Date',
      { at: new Date(0) },
      /^value\.at is an instance of Date, which JSON would not give back/,
    ],
    ['a Map', new Map(), /^value is an instance of Map/],
    ['a Buffer', Buffer.from('x'), /^value is an instance of Buffer/],
    ['an object with toJSON', { toJSON: () => 'x' }, /^value\.toJSON is a function/],
  ])('refuses %s with ERR_HERDCACHE_UNSTORABLE', (_, value, message) => {
    expectThrown(() => jsonCodec.encode(value), TypeError, 'ERR_HERDCACHE_UNSTORABLE', message)
  })

  it("lets JSON's own TypeError through for a cycle", () => {
    const node: Record<string, unknown> = {}
    node.self = node
    expect(thrownBy(() => jsonCodec.encode(node))).toBeInstanceOf(TypeError)
    expect(thrownBy(() => jsonCodec.encode(node)).message).toMatch(/circular/)
  })

  it('refuses bytes that are not UTF-8, rather than parse U+FFFD into the value', () => {
    // '"a\xff"': JSON text around a byte that is never valid UTF-8.
    expect(() => jsonCodec.decode(Uint8Array.from([0x22, 0x61, 0xff, 0x22]))).toThrow(TypeError)
  })

  it('refuses UTF-8 that is not JSON, a byte-order mark included', () => {
    expect(() => jsonCodec.decode(Buffer.from('{"a":'))).toThrow(SyntaxError)
    expect(() => jsonCodec.decode(Buffer.from('\uFEFF1'))).toThrow(SyntaxError)
  })
})

describe('checkCodec', () => {
  const codec = (name: unknown) => ({ name, encode: () => new Uint8Array(), decode: () => 1 })

  it('returns a valid codec as it is', () => {
    const valid = codec('msgpackr-2')
    expect(checkCodec(valid, 'options.codec')).toBe(valid)
    expect(checkCodec(v8Codec, 'options.codec')).toBe(v8Codec)
  })

  it.each<[string, unknown, RegExp]>([
    [
      'not an object',
      'v8',
      /^options\.codec must be a Codec object \(name, encode, decode\), received string 'v8'$/,
    ],
    ['null', null, /^options\.codec must be a Codec object .*, received null$/],
    [
      'an empty name',
      codec(''),
      /^options\.codec\.name must be a string of 1 to 32 printable ASCII characters without spaces, received string ''$/,
    ],
    [
      'a name of 33 characters',
      codec('x'.repeat(33)),
      /^options\.codec\.name must be .*, received string 'x{33}'$/,
    ],
    [
      'a name with a space',
      codec('my codec'),
      /^options\.codec\.name must be .*, received string 'my codec'$/,
    ],
    [
      'a name that is not ASCII',
      codec('cödec'),
      /^options\.codec\.name must be .*, received string 'cödec'$/,
    ],
    [
      'a name that is not a string',
      codec(7),
      /^options\.codec\.name must be .*, received number 7$/,
    ],
    [
      'no encode',
      { name: 'x', decode: () => 1 },
      /^options\.codec\.encode must be a function, received undefined$/,
    ],
    [
      'no decode',
      { name: 'x', encode: () => 1 },
      /^options\.codec\.decode must be a function, received undefined$/,
    ],
  ])('refuses %s, naming the member and the value', (_, value, message) => {
    expectThrown(
      () => checkCodec(value, 'options.codec'),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      message,
    )
  })
})

describe('a custom codec', () => {
  it('works as docs/codecs.md shows it, msgpackr writing the payload', () => {
    // The example in docs/codecs.md, verbatim but for the tier option around it.
    const packr = new Packr({ structuredClone: true })
    const msgpackCodec: Codec = {
      name: 'msgpackr',
      encode: (value) => packr.pack(value),
      decode: (bytes) => packr.unpack(bytes) as unknown,
    }
    const value = { at: new Date(0), tags: new Set(['a']), rows: [{ id: 1 }, { id: 2 }] }
    const stored = encodeEnvelope(msgpackCodec, value, 'k')
    expect(stored.subarray(4, 12).toString('latin1')).toBe('msgpackr')
    expect(decodeEnvelope(msgpackCodec, stored, 'k')).toStrictEqual(value)
  })
})
