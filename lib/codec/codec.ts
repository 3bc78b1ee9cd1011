/**
 * How values become bytes and back: for Redis (the fleet tier) and for a shared store.
 */
import { argumentTypeError } from '../errors.js'
import { v8Codec } from './v8_codec.js'

/**
 * Encodes values for Redis and for shared stores. `name` goes into every Redis envelope, so a
 * reader can tell a payload written by another codec from a corrupt one.
 */
export interface Codec {
  /** A short ASCII name (1 to 32 characters), written into every envelope. */
  readonly name: string
  /** The bytes of `value`; throws for a value it cannot encode. */
  encode(value: unknown): Uint8Array
  /** The value `bytes` encodes; throws for bytes it did not write. */
  decode(bytes: Uint8Array): unknown
}

/** The codec a fleet tier or a shared store uses when given none: {@link v8Codec}. */
export const defaultCodec: Codec = v8Codec

// Printable ASCII without the space: the name is shown quoted in error messages.
const CODEC_NAME = /^[\x21-\x7e]{1,32}$/

/**
 * `codec`, once it is checked to be a Codec: an object with a `name` of 1 to 32 printable ASCII
 * characters (no space) and `encode` and `decode` functions.
 * @param argument - how the caller names the argument in the error, as `options.codec`
 * @throws TypeError with code `ERR_INVALID_ARG_TYPE` naming the member that is wrong.
 */
export function checkCodec(codec: unknown, argument: string): Codec {
  if (typeof codec !== 'object' || codec === null) {
    throw argumentTypeError(argument, 'a Codec object (name, encode, decode)', codec)
  }
  const { name, encode, decode } = codec as Record<string, unknown>
  if (typeof name !== 'string' || !CODEC_NAME.test(name)) {
    throw argumentTypeError(
      `${argument}.name`,
      'a string of 1 to 32 printable ASCII characters without spaces',
      name,
    )
  }
  if (typeof encode !== 'function') {
    throw argumentTypeError(`${argument}.encode`, 'a function', encode)
  }
  if (typeof decode !== 'function') {
    throw argumentTypeError(`${argument}.decode`, 'a function', decode)
  }
  return codec as Codec
}
