/**
 * Deterministic cache keys from structured values: a canonical, self-delimiting encoding in
 * which every value carries a type tag and every string its length, so no two different inputs
 * share a key and no string is ever shortened.
 */
import { createHash } from 'node:crypto'
import {
  argumentRangeError,
  argumentTypeError,
  describe,
  invalidArgTypeError,
  unknownOptionError,
} from '../errors.js'

/** Options for `cacheKeyWith`. */
export interface CacheKeyOptions {
  /**
   * The longest key returned, in UTF-16 code units: a canonical key longer than this is replaced
   * by its SHA-256 digest (`HASHED_KEY_PREFIX` and 64 hex digits, 72 code units in all). An
   * integer of at least 72, or `Infinity` to never hash.
   */
  maxLength: number
}

/**
 * The start of every hashed key. No canonical key starts with `#` (each starts with a type tag),
 * so a hashed key never equals an unhashed one.
 */
export const HASHED_KEY_PREFIX = '#sha256:'
const HASHED_KEY_LENGTH = HASHED_KEY_PREFIX.length + 64
const SUPPORTED =
  'a string, number, bigint, boolean, null, undefined, array, plain object or object with toJSON()'
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/**
 * The canonical key of `parts`: equal inputs give equal keys and different inputs different
 * keys, so it can name a cache entry for a function's arguments.
 *
 * The key is the concatenation of each part's encoding:
 *
 * | value | encoding |
 * | --- | --- |
 * | string | `s` length `:` the string itself, whole (length in UTF-16 code units) |
 * | number | `n` `String(n)` `;` (`-0` is written as `0`; `NaN`, `Infinity`, `-Infinity`) |
 * | bigint | `b` decimal digits `;` |
 * | `true`, `false`, `null`, `undefined` | `t`, `f`, `z`, `u` |
 * | array | `[` each element `]` (a hole is `undefined`) |
 * | plain object | `{` for each name in code-unit order: length `:` name, value `}` |
 * | object with `toJSON()` | the encoding of what `toJSON(name)` returns, as in `JSON.stringify` |
 *
 * Each encoding is self-delimiting (its tag and length say where it ends), so the key decodes to
 * exactly one list of parts: that is why no two inputs collide, whatever characters their
 * strings hold. What counts as equal: `-0` and `0` (as `===` and `Map` keys have it); an object
 * property whose value is `undefined` and an absent one (as in JSON); an object with `toJSON()`
 * and what it returns (a `Date` and its ISO string). Types are never equal: `1`, `'1'`, `1n`,
 * `true`, `'true'`, `null`, `'null'`, `[]` and `{}` all differ. Plain objects are those whose
 * prototype is `Object.prototype` or `null`.
 *
 * Parts are typed `unknown` and checked at run time, because a value typed by an interface
 * cannot be checked against a recursive index-signature type.
 *
 * O(total size of the parts). The key is as long as its parts (a 40-character git SHA appears
 * whole); use `cacheKeyWith({ maxLength })` to bound it.
 *
 * @throws TypeError (code `ERR_INVALID_ARG_TYPE`) naming the path of the first unsupported
 *   value, such as `cacheKey parts[1].user.tags[2]`: functions, symbols, class instances without
 *   `toJSON()` (`Map`, `Set`, boxed primitives), symbol-keyed properties, and cycles.
 */
export function cacheKey(...parts: unknown[]): string {
  return encodeParts(parts, 'cacheKey', 'parts')
}

/**
 * `cacheKey(...parts)`, or, when that is longer than `options.maxLength`, a fixed-length key:
 * {@link HASHED_KEY_PREFIX} followed by the hex SHA-256 of the canonical key's UTF-16 code units
 * (72 code units). Hashed and unhashed keys never collide; two hashed keys collide only if
 * SHA-256 does.
 *
 * @throws TypeError / RangeError for bad options (`maxLength` must be an integer of at least 72,
 *   or `Infinity`), and as `cacheKey` for unsupported parts.
 */
export function cacheKeyWith(options: CacheKeyOptions, ...parts: unknown[]): string {
  const maxLength = checkMaxLength(options)
  const key = encodeParts(parts, 'cacheKeyWith', 'parts')
  if (key.length <= maxLength) return key
  // UTF-16LE keeps every code unit, lone surrogates included; UTF-8 would merge them into U+FFFD.
  return HASHED_KEY_PREFIX + createHash('sha256').update(key, 'utf16le').digest('hex')
}

function checkMaxLength(options: unknown): number {
  if (typeof options !== 'object' || options === null) {
    throw argumentTypeError('options', 'an object', options)
  }
  for (const name of Object.keys(options)) {
    if (name !== 'maxLength') throw unknownOptionError(name, ['maxLength'])
  }
  const { maxLength } = options as { maxLength?: unknown }
  const expected = `an integer of at least ${HASHED_KEY_LENGTH}, or Infinity`
  if (typeof maxLength !== 'number') throw argumentTypeError('maxLength', expected, maxLength)
  if (maxLength !== Infinity && !(Number.isInteger(maxLength) && maxLength >= HASHED_KEY_LENGTH)) {
    throw argumentRangeError('maxLength', expected, maxLength)
  }
  return maxLength
}

/**
 * The canonical key of `parts`. Errors name the caller (`context`) and the path of the bad value
 * from `root`, as in `getUser arguments[0].tags[2]`.
 */
export function encodeParts(parts: readonly unknown[], context: string, root: string): string {
  const encoder = new Encoder(context, root)
  for (let i = 0; i < parts.length; i++) {
    encoder.path.push(`[${i}]`)
    encoder.value(parts[i], String(i))
    encoder.path.pop()
  }
  return encoder.out
}

class Encoder {
  out = ''
  // The path from the root to the value being encoded, one segment per level.
  readonly path: string[] = []
  // The objects being encoded, each with its depth in `path`, to tell a cycle from sharing.
  readonly #open = new Map<object, number>()
  readonly #context: string
  readonly #root: string

  constructor(context: string, root: string) {
    this.#context = context
    this.#root = root
  }

  value(value: unknown, name: string): void {
    switch (typeof value) {
      case 'string':
        this.out += `s${value.length}:${value}`
        return
      case 'number':
        // String() is the shortest round-trip form, so distinct numbers print differently.
        this.out += `n${value === 0 ? '0' : String(value)};`
        return
      case 'bigint':
        this.out += `b${value};`
        return
      case 'boolean':
        this.out += value ? 't' : 'f'
        return
      case 'undefined':
        this.out += 'u'
        return
      case 'object':
        if (value === null) {
          this.out += 'z'
          return
        }
        this.#object(value, name)
        return
      default:
        throw argumentTypeError(this.#where(), SUPPORTED, value)
    }
  }

  #object(value: object, name: string): void {
    this.#enter(value)
    const toJSON: unknown = (value as { toJSON?: unknown }).toJSON
    this.#plain(typeof toJSON === 'function' ? toJSON.call(value, name) : value, value)
    this.#open.delete(value)
  }

  // Encodes `value` without looking for toJSON (it is `owner` itself or its toJSON() result).
  #plain(value: unknown, owner: object): void {
    if (typeof value !== 'object' || value === null) return this.value(value, '')
    if (value !== owner) {
      // A toJSON() that answers with another object: encode it as if it stood here.
      if (this.#open.has(value)) throw this.#cycle(value)
      this.#open.set(value, this.path.length)
    }
    if (Array.isArray(value)) this.#array(value)
    else this.#record(value)
    if (value !== owner) this.#open.delete(value)
  }

  #array(value: readonly unknown[]): void {
    this.out += '['
    for (let i = 0; i < value.length; i++) {
      this.path.push(`[${i}]`)
      this.value(value[i], String(i))
      this.path.pop()
    }
    this.out += ']'
  }

  #record(value: object): void {
    const prototype: unknown = Object.getPrototypeOf(value)
    if (prototype !== Object.prototype && prototype !== null) {
      throw argumentTypeError(this.#where(), SUPPORTED, value)
    }
    for (const symbol of Object.getOwnPropertySymbols(value)) {
      if (Object.prototype.propertyIsEnumerable.call(value, symbol)) {
        const where = this.#where()
        throw invalidArgTypeError(
          `${where} must have only string keys, received a property keyed ${String(symbol)}`,
        )
      }
    }
    const record = value as Record<string, unknown>
    this.out += '{'
    // The default sort compares UTF-16 code units: one order for any insertion order.
    for (const name of Object.keys(record).sort()) {
      const item = record[name]
      if (item === undefined) continue
      this.out += `${name.length}:${name}`
      this.path.push(IDENTIFIER.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`)
      this.value(item, name)
      this.path.pop()
    }
    this.out += '}'
  }

  #enter(value: object): void {
    if (this.#open.has(value)) throw this.#cycle(value)
    this.#open.set(value, this.path.length)
  }

  #cycle(value: object): TypeError {
    const depth = this.#open.get(value) ?? 0
    const target = this.#root + this.path.slice(0, depth).join('')
    return invalidArgTypeError(
      `${this.#where()} must not refer back to ${target} (a cycle), received ${describe(value)}`,
    )
  }

  #where(): string {
    return `${this.#context} ${this.#root}${this.path.join('')}`
  }
}
