/**
 * Errors for programmer mistakes. Each names the argument and the value received, and carries a
 * stable `code` (Node's own `ERR_INVALID_ARG_TYPE` and `ERR_OUT_OF_RANGE`, or an
 * `ERR_HERDCACHE_*` code), so callers can branch on the code rather than the wording.
 */

/** Describes a value for an error message: `number -5`, `string 'a'`, `an instance of Map`. */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'undefined':
      return 'undefined'
    case 'number':
      return Object.is(value, -0) ? 'number -0' : `number ${value}`
    case 'bigint':
      return `bigint ${value}n`
    case 'boolean':
      return `boolean ${value}`
    case 'string':
      return `string '${value.length > 40 ? `${value.slice(0, 37)}...` : value}'`
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
    default: {
      if (Array.isArray(value)) return 'an array'
      const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)
        ?.constructor?.name
      return typeof name === 'string' && name !== 'Object' && name !== ''
        ? `an instance of ${name}`
        : 'an object'
    }
  }
}

function withCode<E extends Error>(error: E, code: string): E & { code: string } {
  return Object.assign(error, { code })
}

/** `TypeError: <name> must be <expected>, received <value>` with code `ERR_INVALID_ARG_TYPE`. */
export function argumentTypeError(name: string, expected: string, received: unknown) {
  return withCode(
    new TypeError(`${name} must be ${expected}, received ${describe(received)}`),
    'ERR_INVALID_ARG_TYPE',
  )
}

/** A `TypeError` with code `ERR_INVALID_ARG_TYPE` whose message does not fit the form above. */
export function invalidArgTypeError(message: string) {
  return withCode(new TypeError(message), 'ERR_INVALID_ARG_TYPE')
}

/** `RangeError: <name> must be <expected>, received <value>` with code `ERR_OUT_OF_RANGE`. */
export function argumentRangeError(name: string, expected: string, received: unknown) {
  return withCode(
    new RangeError(`${name} must be ${expected}, received ${describe(received)}`),
    'ERR_OUT_OF_RANGE',
  )
}

/** A misspelt or unsupported option, with code `ERR_HERDCACHE_UNKNOWN_OPTION`. */
export function unknownOptionError(name: string, known: readonly string[]) {
  return withCode(
    new TypeError(`options.${name} is not an option; the options are ${known.join(', ')}`),
    'ERR_HERDCACHE_UNKNOWN_OPTION',
  )
}

/**
 * The error a fetch's waiters reject with when it has not settled within `timeoutMs` (unless a
 * stale value is served instead). Its `name` is `'TimeoutError'`, as for `AbortSignal.timeout()`.
 */
export class TimeoutError extends Error {
  /** Always `'TimeoutError'`, the name `AbortSignal.timeout()` gives its reason too. */
  override readonly name = 'TimeoutError'
  /** Always `'ERR_HERDCACHE_TIMEOUT'`, to branch on instead of the message. */
  readonly code = 'ERR_HERDCACHE_TIMEOUT'
}

/** A value whose size cannot be told under `maxBytes`, with code `ERR_HERDCACHE_SIZE`. */
export function sizeError(message: string) {
  return withCode(new TypeError(message), 'ERR_HERDCACHE_SIZE')
}
