// Which kinds of value each codec gives back as stored: bench/codec.mjs round-trips one value of
// each kind through every candidate and prints what came back. Measured, not asserted (the
// tests in __tests__/redis/codec.test.ts assert the shipped codecs).

import { inspect, isDeepStrictEqual } from 'node:util'

class Point {
  constructor(x, y) {
    this.x = x
    this.y = y
  }
}

function cycle() {
  const node = { name: 'a' }
  node.self = node
  return node
}

function shared() {
  const part = { n: 1 }
  return { left: part, right: part }
}

function errorWithCause() {
  const error = new TypeError('upstream failed', { cause: { status: 503 } })
  error.stack = 'TypeError: upstream failed\n    at fixed (stack.js:1:1)'
  return error
}

const sameError = (a, b) =>
  b instanceof Error &&
  a.constructor === b.constructor &&
  a.message === b.message &&
  a.stack === b.stack &&
  isDeepStrictEqual(a.cause, b.cause)

/** One value per kind, and how to tell it came back (deep strict equality unless said). */
export const FIDELITY_CASES = [
  { name: 'Date', make: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)) },
  {
    name: 'Map (object keys)',
    make: () =>
      new Map([
        [{ id: 1 }, 'a'],
        ['b', [2]],
      ]),
  },
  { name: 'Set', make: () => new Set([1, 'two', 3n]) },
  { name: 'BigInt (> 64 bits)', make: () => 2n ** 100n + 7n },
  { name: 'Buffer', make: () => Buffer.from('héllo') },
  { name: 'Uint8Array', make: () => new Uint8Array([0, 127, 255]) },
  { name: 'Float64Array', make: () => new Float64Array([1.5, Number.NaN, -0]) },
  { name: 'ArrayBuffer', make: () => new Uint16Array([1, 65535]).buffer },
  { name: 'RegExp', make: () => /ab+c/giu },
  { name: 'undefined (top level)', make: () => undefined },
  { name: 'undefined in object', make: () => ({ a: undefined, b: 1 }) },
  { name: 'undefined in array', make: () => [undefined, null, 1] },
  { name: 'null', make: () => null },
  { name: 'NaN, ±Infinity', make: () => [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY] },
  { name: 'negative zero', make: () => -0 },
  { name: 'nested objects/arrays', make: () => ({ a: [{ b: { c: [1, [2, [3]]] } }], d: 'x' }) },
  { name: 'sparse array', make: () => [1, , 3] },
  { name: 'lone surrogate', make: () => 'a\uD800b' },
  { name: 'cycle', make: cycle },
  {
    name: 'shared reference',
    make: shared,
    same: (a, b) => b?.left !== undefined && b.left === b.right && isDeepStrictEqual(a, b),
  },
  { name: 'class instance', make: () => new Point(1, 2) },
  { name: 'null-prototype object', make: () => Object.assign(Object.create(null), { a: 1 }) },
  { name: 'Error (with cause)', make: errorWithCause, same: sameError },
  { name: 'function', make: () => ({ f: () => 1 }) },
  { name: 'symbol', make: () => ({ s: Symbol('s') }) },
  { name: 'WeakMap', make: () => ({ w: new WeakMap() }) },
  { name: 'Promise', make: () => ({ p: Promise.resolve(1) }) },
]

/** A short description of what came back, for a table cell. */
function brief(value) {
  const text = inspect(value, {
    depth: 1,
    breakLength: Number.POSITIVE_INFINITY,
    maxArrayLength: 4,
    maxStringLength: 10,
  })
  const name = typeof value === 'object' && value !== null ? value.constructor?.name : undefined
  const shown = text.length > 28 ? `${text.slice(0, 25)}...` : text
  return (name && !shown.startsWith(name) && name !== 'Object' && name !== 'Array' ? `${name} ${shown}` : shown)
    .replaceAll('|', '\\|')
    .replaceAll('\n', ' ')
}

/** `kept`, `throws`, or `→ <what came back>`, for each case through `candidate`. */
export function fidelityRow(candidate) {
  return FIDELITY_CASES.map(({ make, same = isDeepStrictEqual }) => {
    const original = make()
    let decoded
    try {
      decoded = candidate.decode(candidate.encode(original))
    } catch {
      return 'throws'
    }
    return same(original, decoded) ? 'kept' : `→ ${brief(decoded)}`
  })
}
