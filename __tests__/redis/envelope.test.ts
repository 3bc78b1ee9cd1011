// The bytes the fleet tier stores: a header (marker, envelope version, codec name) and the
// codec's payload. Encoding failures become an EncodeError naming the key and the codec;
// whatever bytes come back from Redis, decoding returns a value or throws a PayloadError that
// says what is wrong with them, and nothing else, as the property tests at the end check.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EncodeError, PayloadError } from '../../dist/errors.js'
import type { Codec } from '../../dist/codec/codec.js'
import { decodeEnvelope, encodeEnvelope } from '../../dist/redis/envelope.js'
import { jsonCodec } from '../../dist/codec/json_codec.js'
import { v8Codec } from '../../dist/codec/v8_codec.js'
import { thrownBy } from '../support/throws.js'

const V8_HEADER = [0xc1, 0x48, 0x01, 0x02, 0x76, 0x38] // marker, version 1, 'v8'

/** What decodeEnvelope threw for `bytes`, which must be a PayloadError. */
function payloadErrorFor(bytes: Uint8Array, codec: Codec = v8Codec, key = 'user:1') {
  const error = thrownBy(() => decodeEnvelope(codec, bytes, key))
  expect(error).toBeInstanceOf(PayloadError)
  return error as PayloadError
}

const failing = (name: string, thrown: unknown): Codec => ({
  name,
  encode: () => {
    throw thrown
  },
  decode: () => {
    throw thrown
  },
})

describe('encodeEnvelope', () => {
  it('writes the marker, version 1, the codec name, then exactly the codec payload', () => {
    const value = { a: [1, 'x'], m: new Map([[1, new Date(0)]]) }
    const stored = encodeEnvelope(v8Codec, value, 'k')
    expect([...stored.subarray(0, V8_HEADER.length)]).toEqual(V8_HEADER)
    expect(stored.subarray(V8_HEADER.length)).toStrictEqual(Buffer.from(v8Codec.encode(value)))
  })

  it('round-trips through decodeEnvelope with each shipped codec', () => {
    const value = { id: 1, tags: ['a', 'b'], nested: { ok: true } }
    for (const codec of [v8Codec, jsonCodec]) {
      expect(decodeEnvelope(codec, encodeEnvelope(codec, value, 'k'), 'k')).toStrictEqual(value)
    }
  })

  it('copies the payload, so a codec may reuse the buffer it returned', () => {
    const scratch = new Uint8Array(1)
    const reusing: Codec = {
      name: 'reuse',
      encode: (value) => scratch.fill(value as number),
      decode: (bytes) => bytes[0],
    }
    const first = encodeEnvelope(reusing, 1, 'a')
    encodeEnvelope(reusing, 2, 'b')
    expect(decodeEnvelope(reusing, first, 'a')).toBe(1)
  })

  it('wraps what the codec throws in an EncodeError naming the key, the codec and its reason', () => {
    const error = thrownBy(() => encodeEnvelope(v8Codec, { f: () => 1 }, 'user:1'))
    expect(error).toBeInstanceOf(EncodeError)
    expect(error).toMatchObject({
      name: 'EncodeError',
      code: 'ERR_HERDCACHE_ENCODE',
      key: 'user:1',
      codec: 'v8',
    })
    expect(error.message).toBe(
      "Cannot encode the value for key 'user:1' with codec 'v8': value.f is a function, which v8Codec cannot store",
    )
    expect((error.cause as { code?: string }).code).toBe('ERR_HERDCACHE_UNSTORABLE')
  })

  it('keeps a thrown non-Error as the cause and shows it as text', () => {
    const error = thrownBy(() => encodeEnvelope(failing('odd', 'no can do'), 1, 'k'))
    expect(error.message).toBe("Cannot encode the value for key 'k' with codec 'odd': no can do")
    expect(error.cause).toBe('no can do')
  })

  it('refuses a codec that returns something other than a Uint8Array', () => {
    const text: Codec = { name: 'text', encode: (value) => String(value) as never, decode: () => 1 }
    const error = thrownBy(() => encodeEnvelope(text, 42, 'k'))
    expect(error).toBeInstanceOf(EncodeError)
    expect(error.message).toBe(
      "Cannot encode the value for key 'k' with codec 'text': encode returned string '42', not a Uint8Array",
    )
  })

  it('quotes a key with quotes or control characters as JSON and cuts a long one', () => {
    const quoted = thrownBy(() => encodeEnvelope(v8Codec, Symbol('s'), "it's\n"))
    expect(quoted.message.startsWith('Cannot encode the value for key "it\'s\\n" with')).toBe(true)
    const long = thrownBy(() => encodeEnvelope(v8Codec, Symbol('s'), 'k'.repeat(500)))
    expect(long.message).toContain(`key '${'k'.repeat(97)}...' with`)
    expect((long as EncodeError).key).toBe('k'.repeat(500))
  })

  it('throws a TypeError, not an EncodeError, for a codec with an invalid name', () => {
    const error = thrownBy(() => encodeEnvelope({ ...v8Codec, name: '' }, 1, 'k'))
    expect(error.constructor).toBe(TypeError)
    expect(error.code).toBe('ERR_INVALID_ARG_TYPE')
    expect(error.message).toMatch(/^codec\.name must be/)
  })
})

describe('decodeEnvelope', () => {
  const stored = encodeEnvelope(v8Codec, { n: 1 }, 'user:1')

  it('reads an envelope that is a view into a larger buffer, as a client reply may be', () => {
    const reply = Buffer.concat([Buffer.from('junk'), stored, Buffer.from('more')])
    const view = reply.subarray(4, 4 + stored.length)
    expect(decodeEnvelope(v8Codec, view, 'user:1')).toStrictEqual({ n: 1 })
    const written = encodeEnvelope(jsonCodec, 1, 'k')
    const jsonView = Buffer.concat([Buffer.from('xy'), written]).subarray(2)
    expect(payloadErrorFor(jsonView).message).toContain("written by codec 'json'")
  })

  it.each([
    ['JSON text another client wrote', Buffer.from('{"n":1}'), '7b 22 6e 22'],
    ['a bare V8 payload', Buffer.from(v8Codec.encode(1)), 'ff 0f 49 02'],
    [
      'a first byte that matches and a second that does not',
      Buffer.from([0xc1, 0x00, 1]),
      'c1 00 01',
    ],
  ])('refuses %s as not a herdcache value, showing its first bytes', (_, bytes, start) => {
    const error = payloadErrorFor(bytes)
    expect(error).toMatchObject({
      code: 'ERR_HERDCACHE_PAYLOAD',
      problem: 'magic',
      key: 'user:1',
      codec: 'v8',
    })
    expect(error.message).toBe(
      `Cannot use the bytes stored for key 'user:1': they are not a herdcache value (they start with ${start}, not c1 48)`,
    )
  })

  it.each([0, 2, 255])('refuses envelope version %i, naming the version it reads', (version) => {
    const bytes = Buffer.from(stored)
    bytes[2] = version
    const error = payloadErrorFor(bytes)
    expect(error.problem).toBe('version')
    expect(error.message).toBe(
      `Cannot use the bytes stored for key 'user:1': they are in envelope version ${version}, and this herdcache reads version 1 only`,
    )
  })

  it("refuses another codec's value, naming the codec that wrote it and the one reading", () => {
    const error = payloadErrorFor(encodeEnvelope(jsonCodec, { n: 1 }, 'user:1'))
    expect(error.problem).toBe('codec')
    expect(error.message).toBe(
      "Cannot use the bytes stored for key 'user:1': they were written by codec 'json', and this cache reads codec 'v8'",
    )
    const back = payloadErrorFor(stored, jsonCodec)
    expect(back.message).toContain("written by codec 'v8', and this cache reads codec 'json'")
  })

  it('refuses a codec name that differs only in length or case', () => {
    const v8x = encodeEnvelope({ ...v8Codec, name: 'v8x' }, 1, 'k')
    expect(payloadErrorFor(v8x).message).toContain("written by codec 'v8x'")
    const upper = encodeEnvelope({ ...v8Codec, name: 'V8' }, 1, 'k')
    expect(payloadErrorFor(upper).message).toContain("written by codec 'V8'")
  })

  it('escapes a codec name of unprintable bytes', () => {
    const bytes = Buffer.from([0xc1, 0x48, 1, 2, 0x00, 0x0a, 0x49, 0x02])
    expect(payloadErrorFor(bytes).message).toContain('written by codec "\\u0000\\n"')
  })

  it.each([0, 1, 2, 3, 4, 5])('refuses the first %i bytes of a header as truncated', (length) => {
    const error = payloadErrorFor(stored.subarray(0, length))
    expect(error.problem).toBe('truncated')
    const needed = length < 4 ? 4 : 6
    const bytes = length === 1 ? '1 byte' : `${length} bytes`
    expect(error.message).toBe(
      `Cannot use the bytes stored for key 'user:1': they end inside the envelope header (${bytes}, the header needs at least ${needed})`,
    )
  })

  it('refuses a payload the codec cannot decode, with the codec error as cause', () => {
    const cut = stored.subarray(0, stored.length - 2)
    const error = payloadErrorFor(cut)
    expect(error.problem).toBe('payload')
    expect(error.message).toBe(
      `Cannot use the bytes stored for key 'user:1': codec 'v8' could not decode the ${cut.length - 6}-byte payload: Unable to deserialize cloned data.`,
    )
    expect(error.cause).toBeInstanceOf(Error)
  })

  it('refuses an empty payload after a whole header', () => {
    expect(payloadErrorFor(stored.subarray(0, 6)).problem).toBe('payload')
    expect(
      payloadErrorFor(encodeEnvelope(jsonCodec, 1, 'k').subarray(0, 8), jsonCodec).problem,
    ).toBe('payload')
  })

  it('wraps whatever a codec throws on decode, a non-Error included', () => {
    const odd = failing('odd', 42)
    const bytes = Buffer.from([0xc1, 0x48, 1, 3, 0x6f, 0x64, 0x64, 0x00])
    const error = payloadErrorFor(bytes, odd)
    expect(error.message).toBe(
      "Cannot use the bytes stored for key 'user:1': codec 'odd' could not decode the 1-byte payload: 42",
    )
    expect(error.cause).toBe(42)
  })

  it('throws a TypeError, not a PayloadError, when given no bytes at all', () => {
    const error = thrownBy(() => decodeEnvelope(v8Codec, 'c148' as never, 'k'))
    expect(error.constructor).toBe(TypeError)
    expect(error.message).toBe("bytes must be a Uint8Array, received string 'c148'")
  })
})

describe('decodeEnvelope on arbitrary bytes (property)', () => {
  /** Decodes `bytes`; anything thrown other than a PayloadError fails the property. */
  function decodesOrRefuses(codec: Codec, bytes: Uint8Array) {
    try {
      decodeEnvelope(codec, bytes, 'k')
    } catch (error) {
      if (!(error instanceof PayloadError)) throw error
    }
  }

  // Values the shipped codecs store, so the mutations start from real envelopes.
  const v8Values = fc.anything({
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withSparseArray: true,
    withBoxedValues: true,
    stringUnit: 'binary',
  })
  const mutation = fc.oneof(
    fc.record({
      kind: fc.constant('set' as const),
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
    }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
    }),
  )

  function mutate(bytes: Buffer, mutations: { kind: string; at: number; byte?: number }[]) {
    let out = Buffer.from(bytes)
    for (const { kind, at, byte = 0 } of mutations) {
      const i = at % (out.length + 1)
      if (kind === 'set' && i < out.length) out[i] = byte
      else if (kind === 'cut') out = out.subarray(0, i)
      else if (kind === 'insert')
        out = Buffer.concat([out.subarray(0, i), Buffer.from([byte]), out.subarray(i)])
    }
    return out
  }

  it('returns a value or throws a PayloadError for random bytes, for each codec', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        decodesOrRefuses(v8Codec, bytes)
        decodesOrRefuses(jsonCodec, bytes)
      }),
      { numRuns: 2000 },
    )
  })

  it('returns a value or throws a PayloadError for a valid v8 header before random bytes', () => {
    const payload = fc
      .uint8Array({ maxLength: 48 })
      .map((tail) => Uint8Array.from([0xff, 0x0f, ...tail]))
    fc.assert(
      fc.property(payload, (tail) => {
        decodesOrRefuses(v8Codec, Buffer.concat([Buffer.from(V8_HEADER), tail]))
      }),
      { numRuns: 2000 },
    )
  })

  it('returns a value or throws a PayloadError for mutated v8 envelopes', () => {
    fc.assert(
      fc.property(
        v8Values,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (value, mutations) => {
          decodesOrRefuses(v8Codec, mutate(encodeEnvelope(v8Codec, value, 'k'), mutations))
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('returns a value or throws a PayloadError for mutated json envelopes', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (value, mutations) => {
          decodesOrRefuses(jsonCodec, mutate(encodeEnvelope(jsonCodec, value, 'k'), mutations))
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('gives back every value the generator makes, unmutated, through a v8 envelope', () => {
    fc.assert(
      fc.property(v8Values, (value) => {
        expect(decodeEnvelope(v8Codec, encodeEnvelope(v8Codec, value, 'k'), 'k')).toStrictEqual(
          value,
        )
      }),
      { numRuns: 500 },
    )
  })
})
