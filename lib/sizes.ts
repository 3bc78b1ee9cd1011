/** Byte sizes of values under `maxBytes`. */
import { describe, sizeError } from './errors.js'

/**
 * The default size of a value: 2 bytes per UTF-16 code unit of a string (the most V8 spends on
 * it), and the byteLength of binary data. `undefined` for anything else.
 */
export function defaultSizeOf(value: unknown): number | undefined {
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
  if (typeof size !== 'number' || !(size >= 0) || size === Infinity) {
    throw sizeError(
      `sizeOf(value, key) must return a non-negative number, received ${describe(size)}`,
    )
  }
  return Math.ceil(size)
}
