/**
 * The bytes the fleet tier stores in Redis for one value: a header that says who wrote them and
 * how, then the codec's payload, so that a reader can tell a value of its own from a corrupt one,
 * from one written with another codec, and from one another program put under the same key.
 *
 *   offset 0   2 bytes   0xC1 0x48, herdcache's marker: 0xC1 occurs neither in UTF-8 text nor
 *                        in MessagePack, and V8's format starts with 0xFF, so no payload of
 *                        theirs is mistaken for an envelope
 *   offset 2   1 byte    the envelope version, 1
 *   offset 3   1 byte    n, the length of the codec's name (1 to 32)
 *   offset 4   n bytes   the codec's name, ASCII
 *   offset 4+n           the codec's payload
 */
import {
  argumentTypeError,
  describe,
  describeThrown,
  EncodeError,
  PayloadError,
  type PayloadProblem,
} from '../errors.js'
import { checkCodec, type Codec } from '../codec/codec.js'

const MAGIC = [0xc1, 0x48] as const
/** The envelope version this module writes, and the only one it reads. */
const VERSION = 1
const VERSION_AT = MAGIC.length
const NAME_LENGTH_AT = VERSION_AT + 1
const NAME_AT = NAME_LENGTH_AT + 1

// One header per codec object, built (and the codec checked) on its first use.
const headers = new WeakMap<Codec, Buffer>()

function headerOf(codec: Codec): Buffer {
  let header = headers.get(codec)
  if (header === undefined) {
    const name = checkCodec(codec, 'codec').name
    header = Buffer.alloc(NAME_AT + name.length)
    header.set(MAGIC, 0)
    header[VERSION_AT] = VERSION
    header[NAME_LENGTH_AT] = name.length
    header.write(name, NAME_AT, 'latin1')
    headers.set(codec, header)
  }
  return header
}

/**
 * The envelope of `value` encoded with `codec`: one Buffer holding the header and the payload,
 * made with one allocation and one copy of the payload.
 * @param key - the key the value is stored under, named in errors only
 * @throws {@link EncodeError} when `codec.encode` throws (its error is the `cause`, its message
 *   part of this one) or returns something other than a Uint8Array.
 * @throws TypeError with code `ERR_INVALID_ARG_TYPE` when `codec` is not a valid Codec (checked
 *   on its first use).
 */
export function encodeEnvelope(codec: Codec, value: unknown, key: string): Buffer {
  const header = headerOf(codec)
  let payload: unknown
  try {
    payload = codec.encode(value)
  } catch (cause) {
    throw new EncodeError(`${cannotEncode(codec, key)}: ${reasonOf(cause)}`, {
      key,
      codec: codec.name,
      cause,
    })
  }
  if (!(payload instanceof Uint8Array)) {
    throw new EncodeError(
      `${cannotEncode(codec, key)}: encode returned ${describe(payload)}, not a Uint8Array`,
      { key, codec: codec.name },
    )
  }
  const envelope = Buffer.allocUnsafe(header.length + payload.length)
  envelope.set(header, 0)
  envelope.set(payload, header.length)
  return envelope
}

/**
 * The value in envelope `bytes`, decoded with `codec`. Whatever the bytes, it returns a value or
 * throws a {@link PayloadError}, never anything else. The value may share memory with `bytes`
 * (a typed array in it may be a view of them), so the caller must not reuse `bytes`.
 * @param key - the key the bytes were stored under, named in errors only
 * @throws {@link PayloadError} when the bytes are not herdcache's, are of an envelope version
 *   other than 1, were written with another codec, end inside the header, or hold a payload the
 *   codec fails to decode (its error is the `cause`).
 * @throws TypeError with code `ERR_INVALID_ARG_TYPE` when `codec` is not a valid Codec or `bytes`
 *   is not a Uint8Array: programmer errors, not bad bytes.
 */
export function decodeEnvelope(codec: Codec, bytes: Uint8Array, key: string): unknown {
  const header = headerOf(codec)
  if (!(bytes instanceof Uint8Array)) throw argumentTypeError('bytes', 'a Uint8Array', bytes)
  if (!startsWith(bytes, header)) throw headerError(codec, bytes, key)
  try {
    return codec.decode(bytes.subarray(header.length))
  } catch (cause) {
    throw payloadError(
      codec,
      key,
      'payload',
      `codec ${quote(codec.name)} could not decode the ${bytes.length - header.length}-byte ` +
        `payload: ${reasonOf(cause)}`,
      { cause },
    )
  }
}

function startsWith(bytes: Uint8Array, header: Buffer): boolean {
  if (bytes.length < header.length) return false
  for (let i = 0; i < header.length; i++) {
    if (bytes[i] !== header[i]) return false
  }
  return true
}

// The bytes differ from the header somewhere: say where, in the order a reader of a future
// envelope version would need (the version decides how the rest is laid out).
function headerError(codec: Codec, bytes: Uint8Array, key: string): PayloadError {
  for (let i = 0; i < MAGIC.length; i++) {
    if (i >= bytes.length) return truncatedError(codec, bytes, key, NAME_AT)
    if (bytes[i] !== MAGIC[i]) {
      const start = hex(bytes.subarray(0, MAGIC.length + 2))
      return payloadError(
        codec,
        key,
        'magic',
        `they are not a herdcache value (they start ` +
          `with ${start}, not ${hex(Uint8Array.from(MAGIC))})`,
      )
    }
  }
  const version = bytes[VERSION_AT]
  if (version === undefined) return truncatedError(codec, bytes, key, NAME_AT)
  if (version !== VERSION) {
    return payloadError(
      codec,
      key,
      'version',
      `they are in envelope version ${version}, and ` +
        `this herdcache reads version ${VERSION} only`,
    )
  }
  const nameLength = bytes[NAME_LENGTH_AT]
  if (nameLength === undefined) return truncatedError(codec, bytes, key, NAME_AT)
  if (bytes.length < NAME_AT + nameLength) {
    return truncatedError(codec, bytes, key, NAME_AT + nameLength)
  }
  const writer = Buffer.from(bytes.buffer, bytes.byteOffset + NAME_AT, nameLength)
  return payloadError(
    codec,
    key,
    'codec',
    `they were written by codec ` +
      `${quote(writer.toString('latin1'))}, and this cache reads codec ${quote(codec.name)}`,
  )
}

function truncatedError(codec: Codec, bytes: Uint8Array, key: string, needed: number) {
  const length = `${bytes.length} ${bytes.length === 1 ? 'byte' : 'bytes'}`
  return payloadError(
    codec,
    key,
    'truncated',
    `they end inside the envelope header (${length}, the header needs at least ${needed})`,
  )
}

function payloadError(
  codec: Codec,
  key: string,
  problem: PayloadProblem,
  reason: string,
  cause: { cause?: unknown } = {},
): PayloadError {
  return new PayloadError(`Cannot use the bytes stored for key ${quote(key)}: ${reason}`, {
    key,
    codec: codec.name,
    problem,
    ...cause,
  })
}

function cannotEncode(codec: Codec, key: string): string {
  return `Cannot encode the value for key ${quote(key)} with codec ${quote(codec.name)}`
}

/** A thrown value's message, whatever was thrown (a getter that throws included). */
function reasonOf(thrown: unknown): string {
  try {
    if (thrown instanceof Error) return thrown.message
  } catch {}
  return describeThrown(thrown)
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ')
}

const PLAIN = /^[\x20-\x26\x28-\x7e]*$/
const SHOWN = 100

/** `'user:1'`, or JSON's escapes for text with quotes or unprintable characters; cut at 100. */
function quote(text: string): string {
  const shown = text.length > SHOWN ? `${text.slice(0, SHOWN - 3)}...` : text
  return PLAIN.test(shown) ? `'${shown}'` : JSON.stringify(shown)
}
