/**
 * The default codec: V8's serializer (`node:v8`), the structured-clone format Node uses for worker
 * messages, behind a check that refuses what it would not give back as stored.
 */
import { deserialize, serialize } from 'node:v8'
import { undecodableError, unstorableError } from '../errors.js'
import type { Codec } from './codec.js'
import { findUnstorable, type ObjectKind, type StorableRules } from './storable.js'

const TYPED_ARRAYS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float16Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'DataView',
]

// By prototype, not `instanceof`: a subclass instance would come back as its base class.
const KINDS = new Map<object | null, ObjectKind>([
  [Object.prototype, 'record'],
  // A null-prototype object comes back with Object.prototype: the same properties, and no
  // inherited member a dictionary's user could be relying on the absence of.
  [null, 'record'],
  [Array.prototype, 'array'],
  [Map.prototype, 'map'],
  [Set.prototype, 'set'],
  [Date.prototype, 'leaf'],
  [RegExp.prototype, 'leaf'],
  [ArrayBuffer.prototype, 'leaf'],
  [Buffer.prototype, 'leaf'],
  [Number.prototype, 'leaf'],
  [String.prototype, 'leaf'],
  [Boolean.prototype, 'leaf'],
  [BigInt.prototype, 'leaf'],
  [Error.prototype, 'error'],
  [EvalError.prototype, 'error'],
  [RangeError.prototype, 'error'],
  [ReferenceError.prototype, 'error'],
  [SyntaxError.prototype, 'error'],
  [TypeError.prototype, 'error'],
  [URIError.prototype, 'error'],
])
for (const name of TYPED_ARRAYS) {
  // Float16Array exists from Node 24 on.
  const constructor = (globalThis as Record<string, unknown>)[name]
  if (typeof constructor === 'function') KINDS.set(constructor.prototype as object, 'leaf')
}

const V8_RULES: StorableRules = {
  primitive(value) {
    if (typeof value === 'function') return 'is a function, which v8Codec cannot store'
    if (typeof value === 'symbol') return 'is a symbol, which v8Codec cannot store'
    return undefined
  },
  kindOf: (proto) => KINDS.get(proto),
  refusal:
    'which v8Codec would not give back as stored (it stores plain objects, arrays, and the ' +
    'built-in types Date, Map, Set, RegExp, ArrayBuffer, typed arrays, Buffer and Error)',
}

// V8 reads every format up to the one it writes, and refuses newer ones with "Unable to
// deserialize cloned data."; naming the versions says why a fleet in a rolling upgrade sees it.
const VERSION_TAG = 0xff
const WRITTEN_VERSION = serialize(null).readUInt8(1)

/**
 * V8's serializer (`v8.serialize`), name `'v8'`: the default codec. Values come back as they were
 * stored, or encoding throws.
 *
 * Stored as they are: plain objects and arrays (nested, sparse, with cycles and shared parts,
 * which come back shared), `undefined` and `null` anywhere, every number (NaN, ±Infinity, -0),
 * BigInt, strings with lone surrogates, Date, Map, Set, RegExp (its `lastIndex` is not kept),
 * ArrayBuffer, DataView, every typed array, Buffer (as a Buffer), boxed primitives, and Errors
 * of the built-in types with their message, stack and cause. A null-prototype object comes back
 * as a plain object.
 *
 * Encoding throws a TypeError with code `ERR_HERDCACHE_UNSTORABLE`, naming where the part sits
 * (`value.items[3].owner is an instance of User, ...`), for a function, a symbol, a class instance
 * (V8 would return a plain object), an instance of a subclass of a built-in type, a WeakMap, a
 * Promise, a SharedArrayBuffer, and an Error with own properties beyond those kept; V8 itself
 * throws for a Proxy and for a value nested too deep for the stack. Symbol-keyed and non-enumerable
 * properties are not stored, as in `structuredClone`.
 *
 * Decoded typed arrays and Buffers may share memory with the bytes given to `decode`.
 *
 * The format belongs to the V8 inside Node: Node promises that a newer Node reads what an older
 * one wrote, not the reverse. docs/codecs.md has what was measured across Node 20 to 26.
 */
export const v8Codec: Codec = {
  name: 'v8',
  encode(value) {
    const found = findUnstorable(value, V8_RULES)
    if (found) throw unstorableError(found.message)
    return serialize(value)
  },
  decode(bytes) {
    const version = bytes[1] ?? 0
    if (bytes[0] === VERSION_TAG && version > WRITTEN_VERSION) {
      // A version above 127 would take two bytes (a varint); none exists yet.
      const format = version < 0x80 ? `format ${version}` : 'a format above 127'
      throw undecodableError(
        `the payload is in V8 serialization ${format}, newer than format ${WRITTEN_VERSION}, ` +
          `the newest this Node (${process.version}) reads`,
      )
    }
    return deserialize(bytes) as unknown
  },
}
