/**
 * A JSON codec, for values other programs read too: what is stored is plain UTF-8 JSON text.
 */
import { unstorableError } from '../errors.js'
import type { Codec } from './codec.js'
import { findUnstorable, type ObjectKind, type StorableRules } from './storable.js'

const STORES = 'JSON stores null, booleans, finite numbers, strings, arrays and plain objects'

const KINDS = new Map<object | null, ObjectKind>([
  [Object.prototype, 'record'],
  [null, 'record'],
  [Array.prototype, 'array'],
])

const JSON_RULES: StorableRules = {
  primitive(value) {
    switch (typeof value) {
      case 'number':
        return Number.isFinite(value)
          ? undefined
          : `is ${value}, which JSON cannot store (${STORES})`
      case 'string':
      case 'boolean':
        return undefined
      case 'undefined':
        return `is undefined, which JSON drops (${STORES})`
      default:
        return `is a ${typeof value}, which JSON cannot store (${STORES})`
    }
  },
  kindOf: (proto) => KINDS.get(proto),
  refusal: `which JSON would not give back as stored (${STORES})`,
}

// Invalid UTF-8 must fail the decode, not become U+FFFD inside a value that then parses.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * JSON text in UTF-8, name `'json'`: for values that are JSON already, when something other
 * than Node reads the cache too. Values come back as they were stored, or encoding throws.
 *
 * Stored: `null`, booleans, finite numbers (-0 comes back as 0), strings (lone surrogates are
 * kept, as `\ud800` escapes), and arrays and plain objects of those. Shared parts come back as
 * separate copies.
 *
 * Encoding throws a TypeError with code `ERR_HERDCACHE_UNSTORABLE`, naming where the part sits,
 * for `undefined` (at the top, in an object or an array), an empty slot of a sparse array, NaN,
 * ±Infinity, a BigInt, a function, a symbol, and every object that is not a plain object or an
 * array (Date, Map, Set, typed arrays, class instances, objects with `toJSON`); a cycle throws
 * JSON's own TypeError.
 *
 * Decoding throws for bytes that are not UTF-8 JSON text.
 */
export const jsonCodec: Codec = {
  name: 'json',
  encode(value) {
    const found = findUnstorable(value, JSON_RULES)
    if (found) throw unstorableError(found.message)
    return Buffer.from(JSON.stringify(value), 'utf8')
  },
  decode(bytes) {
    return JSON.parse(utf8.decode(bytes)) as unknown
  },
}
