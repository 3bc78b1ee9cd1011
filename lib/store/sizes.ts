/** Byte sizes of values under `maxBytes`. */
import { describe, sizeError } from '../errors.js'

/** How a size is described in errors. */
export const SIZE_EXPECTED = 'a non-negative number of bytes up to Number.MAX_SAFE_INTEGER'

/**
 * Whether `size` is a byte size the cache can add up exactly: a number from 0 to
 * Number.MAX_SAFE_INTEGER once rounded up.
 */
export function isSize(size: unknown): size is number {
  return typeof size === 'number' && size >= 0 && Math.ceil(size) <= Number.MAX_SAFE_INTEGER
}

/**
 * The default size of a value: 2 bytes per UTF-16 code unit of a string (the most V8 spends on
 * it), and the byteLength of binary data. `undefined` for anything else.
 */
function defaultSizeOf(value: unknown): number | undefined {
  if (typeof value === 'string') return value.length * 2
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength
  return undefined
}

/** The size of `value` under `key`, or a clear error when it cannot be told. */
export function sizeFor(
  value: unknown,
  key: string,
  sizeOf: ((value: unknown, key: string) => number) | undefined,
): number {
  if (sizeOf === undefined) {
    const size = defaultSizeOf(value)
    if (size === undefined) {
      throw sizeError(
        `maxBytes needs the size of every value: pass sizeOf to the constructor (or size to set) ` +
          `for ${describe(value)} stored under key '${key}'`,
      )
    }
    return size
  }
  const size: unknown = sizeOf(value, key)
  if (!isSize(size)) {
    throw sizeError(`sizeOf(value, key) must return ${SIZE_EXPECTED}, received ${describe(size)}`)
  }
  return Math.ceil(size)
}
