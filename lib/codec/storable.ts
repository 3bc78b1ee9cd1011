/**
 * Finds the first part of a value that a codec would not give back as it was stored: a serializer
 * that silently turns a class instance into a plain object, or drops a function, hands the reader
 * a different value than the writer cached, and the bug shows far from its cause. The codecs
 * check with this before encoding and throw, naming where the part sits.
 */
import { describe } from '../errors.js'

/** How a codec stores an object, told from its prototype. */
export type ObjectKind =
  /** Own enumerable string-keyed properties, each checked. */
  | 'record'
  /** Elements (holes included, as `undefined`), each checked. */
  | 'array'
  /** Keys and values, each checked. */
  | 'map'
  /** Members, each checked. */
  | 'set'
  /** Stored whole (a Date, a typed array): nothing inside to check. */
  | 'leaf'
  /** An Error: stored only if it has no own enumerable properties; its `cause` is checked. */
  | 'error'

/** What one codec stores. */
export interface StorableRules {
  /** Why a value that is no object cannot be stored, or undefined if it can (null always can). */
  primitive(value: unknown): string | undefined
  /** How an object whose prototype is `proto` is stored, or undefined if it is not. */
  kindOf(proto: object | null): ObjectKind | undefined
  /** The ending of the reason an object of no known kind is refused, after `is <what>, `. */
  readonly refusal: string
}

/** The first part of a value that cannot be stored: where it sits, and why. */
export class Unstorable {
  // Innermost segment first: the walk adds them as it returns.
  readonly #segments: string[] = []

  constructor(readonly reason: string) {}

  /** Records that this part sits at `segment` (`.name`, `[3]`) of its parent; returns this. */
  under(segment: string): this {
    this.#segments.push(segment)
    return this
  }

  /** Where the part sits, from the top: `value.items[3].owner`. */
  get path(): string {
    return `value${this.#segments.slice().reverse().join('')}`
  }

  /** `value.items[3].owner is an instance of User, ...`. */
  get message(): string {
    return `${this.path} ${this.reason}`
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

function propertySegment(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
}

/**
 * The first part of `value` that `rules` does not store, depth first, or undefined if every part
 * is stored. Each object is visited once, so cycles and shared parts cost nothing extra.
 * Complexity: O(parts of the value). Getters are called, as the serializer calls them.
 */
export function findUnstorable(value: unknown, rules: StorableRules): Unstorable | undefined {
  return check(value, rules, new Set())
}

function check(value: unknown, rules: StorableRules, seen: Set<object>): Unstorable | undefined {
  if (value === null) return undefined
  if (typeof value !== 'object') {
    const reason = rules.primitive(value)
    return reason === undefined ? undefined : new Unstorable(reason)
  }
  const kind = rules.kindOf(Object.getPrototypeOf(value) as object | null)
  if (kind === 'leaf') return undefined
  // Only containers can lead back to themselves; leaves need no entry.
  if (seen.has(value)) return undefined
  seen.add(value)
  switch (kind) {
    case 'record':
      return checkRecord(value as Record<string, unknown>, rules, seen)
    case 'array':
      return checkArray(value as unknown[], rules, seen)
    case 'map':
      return checkMap(value as Map<unknown, unknown>, rules, seen)
    case 'set':
      return checkSet(value as Set<unknown>, rules, seen)
    case 'error':
      return checkError(value as Error, rules, seen)
    default:
      return new Unstorable(`is ${describe(value)}, ${rules.refusal}`)
  }
}

function checkRecord(
  value: Record<string, unknown>,
  rules: StorableRules,
  seen: Set<object>,
): Unstorable | undefined {
  for (const key of Object.keys(value)) {
    const found = check(value[key], rules, seen)
    if (found) return found.under(propertySegment(key))
  }
  return undefined
}

function checkArray(value: unknown[], rules: StorableRules, seen: Set<object>) {
  for (let i = 0; i < value.length; i++) {
    const item = value[i]
    // A hole reads as undefined: whether that is stored is the rule for undefined, and the
    // reason says which it was.
    const found = check(item, rules, seen)
    if (found) {
      return item === undefined && !(i in value)
        ? new Unstorable(`is an empty slot (a sparse array), ${rules.refusal}`).under(`[${i}]`)
        : found.under(`[${i}]`)
    }
  }
  return undefined
}

function checkMap(value: Map<unknown, unknown>, rules: StorableRules, seen: Set<object>) {
  let index = 0
  for (const [key, item] of value) {
    const found = check(key, rules, seen)
    if (found) return found.under(`[Map key #${index}]`)
    const foundInItem = check(item, rules, seen)
    if (foundInItem) return foundInItem.under(`[Map value #${index}]`)
    index++
  }
  return undefined
}

function checkSet(value: Set<unknown>, rules: StorableRules, seen: Set<object>) {
  let index = 0
  for (const item of value) {
    const found = check(item, rules, seen)
    if (found) return found.under(`[Set item #${index}]`)
    index++
  }
  return undefined
}

// V8 keeps an Error's type (for the built-in ones), message, stack and cause, and drops every
// other own property: an error with a `code` would come back without it.
function checkError(value: Error, rules: StorableRules, seen: Set<object>) {
  const extra = Object.keys(value)
  if (extra.length > 0) {
    return new Unstorable(
      `is an Error with own property '${extra[0]}', which would be dropped (only name, ` +
        'message, stack and cause are stored)',
    )
  }
  if (!Object.hasOwn(value, 'cause')) return undefined
  return check(value.cause, rules, seen)?.under('.cause')
}
