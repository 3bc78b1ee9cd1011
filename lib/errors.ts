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
    default:
      return describeObject(value)
  }
}

// A Proxy's traps or a throwing `constructor` getter must not turn a report into a new throw.
function describeObject(value: object): string {
  try {
    if (Array.isArray(value)) return 'an array'
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)
      ?.constructor?.name
    return typeof name === 'string' && name !== 'Object' && name !== ''
      ? `an instance of ${name}`
      : 'an object'
  } catch {
    return 'an object'
  }
}

/**
 * A thrown value as text for a warning: `String(thrown)` when that works, else a description.
 * Never throws, whatever was thrown (a null-prototype object, a `toString` that throws).
 */
export function describeThrown(thrown: unknown): string {
  try {
    return String(thrown)
  } catch {
    return describe(thrown)
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

/** A `RangeError` with code `ERR_OUT_OF_RANGE` whose message does not fit the form above. */
export function outOfRangeError(message: string) {
  return withCode(new RangeError(message), 'ERR_OUT_OF_RANGE')
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

/** An error as it crosses from where a fetch ran: another instance, or another thread. */
export interface RemoteError {
  /** The error's `name` (`'Error'` for a thrown value that was not an Error). */
  name: string
  /** The error's `message` (the thrown value as text, for one that was not an Error). */
  message: string
  /** The error's `code`, if it had a string one. */
  code: string | undefined
}

/**
 * The error a fetch's waiters reject with when the fetcher they waited for ran elsewhere and
 * failed: on another instance of the fleet (the fleet tier), or in another thread (a shared
 * store). Code `ERR_HERDCACHE_REMOTE_FETCH`; `remote` is what the error was there (its name,
 * message and code): the error object itself cannot cross.
 */
export class RemoteFetchError extends Error {
  /** Always `'RemoteFetchError'`. */
  override readonly name = 'RemoteFetchError'
  /** Always `'ERR_HERDCACHE_REMOTE_FETCH'`. */
  readonly code = 'ERR_HERDCACHE_REMOTE_FETCH'
  /** The error the fetcher failed with on the other instance. */
  readonly remote: RemoteError

  /** @param where - where the fetch ran, as the message says it */
  constructor(key: string, remote: RemoteError, where = 'on another instance') {
    super(`the fetch of '${key}' failed ${where}: ${remote.name}: ${remote.message}`)
    this.remote = remote
  }
}

/**
 * A shared store opened with sizes or a codec other than those it is open with, with code
 * `ERR_HERDCACHE_SHARED_MISMATCH`.
 */
export function sharedMismatchError(
  name: string,
  option: string,
  open: number | string,
  asked: number | string,
) {
  // Codecs and policies are names, quoted; sizes are numbers.
  const named = option === 'codec' || option === 'policy'
  // A store opened without maxBytes holds the largest bound there is.
  const openAs =
    option === 'maxBytes' && typeof open === 'number' && open >= 2 ** 64
      ? 'without maxBytes'
      : named
        ? `with ${option} '${open}'`
        : `with ${option} ${open}`
  const askedAs = named ? `${option} '${asked}'` : `${option} ${asked}`
  const hint =
    option === 'codec'
      ? 'every cache of one shared store must use the same codec'
      : option === 'policy'
        ? "every cache of one shared store has its policy (leave policy out to take the open one's)"
        : `every cache of one shared store has its sizes (leave ${option} out to take the open one's)`
  return withCode(
    new RangeError(`shared store '${name}' is open ${openAs}, received ${askedAs}: ${hint}`),
    'ERR_HERDCACHE_SHARED_MISMATCH',
  )
}

/** A call on a shared cache after its close(), with code `ERR_HERDCACHE_CLOSED`. */
export function sharedClosedError(name: string) {
  return withCode(
    new Error(`this cache of shared store '${name}' is closed`),
    'ERR_HERDCACHE_CLOSED',
  )
}

/**
 * A waiter of a fetch whose thread closed its cache or exited before the fetch ended, when no
 * caller here could fetch anew; code `ERR_HERDCACHE_ORPHANED`.
 */
export function sharedOrphanedError(key: string, name: string) {
  return withCode(
    new Error(
      `the fetch of '${key}' in shared store '${name}' was given up by the thread that ran it`,
    ),
    'ERR_HERDCACHE_ORPHANED',
  )
}

/** A tier given to a second cache, with code `ERR_HERDCACHE_TIER_IN_USE`. */
export function tierInUseError() {
  return withCode(
    new TypeError('tier is already attached to a cache: make one tier per CacheManager'),
    'ERR_HERDCACHE_TIER_IN_USE',
  )
}

/**
 * A second function wrapped by one cache under a default namespace another function already has,
 * with code `ERR_HERDCACHE_NAMESPACE_IN_USE`: the two would answer with each other's results.
 */
export function namespaceInUseError(namespace: string) {
  return withCode(
    new TypeError(
      `another function named '${namespace}' is already wrapped by this cache, and the two ` +
        "would answer with each other's results; give this one its own options.namespace (or " +
        'the same namespace to both, to share their entries on purpose)',
    ),
    'ERR_HERDCACHE_NAMESPACE_IN_USE',
  )
}

/** A value whose size cannot be told under `maxBytes`, with code `ERR_HERDCACHE_SIZE`. */
export function sizeError(message: string) {
  return withCode(new TypeError(message), 'ERR_HERDCACHE_SIZE')
}

/** What `watchFiles` was doing when a {@link WatchError} happened. */
export type WatchOperation =
  /** Mapping a changed path to its tags: `tagsFor` threw, rejected or returned a bad value. */
  | 'tagsFor'
  /** Invalidating one of a changed path's tags: `cache.invalidateTag` threw or rejected. */
  | 'invalidateTag'
  /** Watching a directory: it could not be watched, was removed, or its watcher failed. */
  | 'watch'

/**
 * A failure while watching files, with code `ERR_HERDCACHE_WATCH`. The watcher reports it (an
 * `'error'` event, or a process warning) and keeps watching; the original error is its `cause`.
 */
export class WatchError extends Error {
  /** Always `'WatchError'`. */
  override readonly name = 'WatchError'
  /** Always `'ERR_HERDCACHE_WATCH'`. */
  readonly code = 'ERR_HERDCACHE_WATCH'
  /** The changed path being invalidated, or the path that could not be watched. */
  readonly path: string
  /** What the watcher was doing. */
  readonly operation: WatchOperation
  /** The tag whose invalidation failed, for operation `'invalidateTag'`. */
  readonly tag: string | undefined

  constructor(
    message: string,
    details: { path: string; operation: WatchOperation; tag?: string; cause?: unknown },
  ) {
    super(message, 'cause' in details ? { cause: details.cause } : undefined)
    this.path = details.path
    this.operation = details.operation
    this.tag = details.tag
  }
}

/**
 * A value a codec refuses to encode because it would not decode as stored (a function, a class
 * instance), with code `ERR_HERDCACHE_UNSTORABLE`. The message says where the part sits.
 */
export function unstorableError(message: string) {
  return withCode(new TypeError(message), 'ERR_HERDCACHE_UNSTORABLE')
}

/** Bytes a codec recognises but cannot decode here, with code `ERR_HERDCACHE_UNDECODABLE`. */
export function undecodableError(message: string) {
  return withCode(new Error(message), 'ERR_HERDCACHE_UNDECODABLE')
}

/**
 * A value a codec could not encode, for Redis (the fleet tier) or a shared store, with code
 * `ERR_HERDCACHE_ENCODE`: the codec threw (it cannot store the value as it is) or returned
 * something other than bytes. The message names the key, the codec and the codec's reason;
 * `cause` is what the codec threw.
 */
export class EncodeError extends Error {
  /** Always `'EncodeError'`. */
  override readonly name = 'EncodeError'
  /** Always `'ERR_HERDCACHE_ENCODE'`. */
  readonly code = 'ERR_HERDCACHE_ENCODE'
  /** The key whose value could not be encoded. */
  readonly key: string
  /** The name of the codec that failed. */
  readonly codec: string

  constructor(message: string, details: { key: string; codec: string; cause?: unknown }) {
    super(message, 'cause' in details ? { cause: details.cause } : undefined)
    this.key = details.key
    this.codec = details.codec
  }
}

/** Why bytes read from Redis are not a value this cache can use. */
export type PayloadProblem =
  /** They do not start with herdcache's marker: not written by herdcache. */
  | 'magic'
  /** An envelope format this version of herdcache does not read. */
  | 'version'
  /** Shorter than the header they announce. */
  | 'truncated'
  /** Written with another codec than the one this cache reads with. */
  | 'codec'
  /** The codec failed to decode the payload; its error is the `cause`. */
  | 'payload'

/**
 * Bytes read from Redis that are not a value this cache can use, with code
 * `ERR_HERDCACHE_PAYLOAD`: corrupt, truncated, from another program, or written with another
 * codec or a newer format. The message names the key and says which; so does `problem`.
 */
export class PayloadError extends Error {
  /** Always `'PayloadError'`. */
  override readonly name = 'PayloadError'
  /** Always `'ERR_HERDCACHE_PAYLOAD'`. */
  readonly code = 'ERR_HERDCACHE_PAYLOAD'
  /** The key whose bytes could not be used. */
  readonly key: string
  /** The name of the codec this cache reads with. */
  readonly codec: string
  /** What is wrong with the bytes. */
  readonly problem: PayloadProblem

  constructor(
    message: string,
    details: { key: string; codec: string; problem: PayloadProblem; cause?: unknown },
  ) {
    super(message, 'cause' in details ? { cause: details.cause } : undefined)
    this.key = details.key
    this.codec = details.codec
    this.problem = details.problem
  }
}

/**
 * A Redis client that cannot serve the call in the state it is in (closed, or a cluster that
 * has not discovered its masters yet), with code `ERR_HERDCACHE_REDIS_NOT_CONNECTED`.
 */
export function redisNotConnectedError(message: string) {
  return withCode(new Error(message), 'ERR_HERDCACHE_REDIS_NOT_CONNECTED')
}

/** A reply a Redis client decoded into a value herdcache cannot use, with code `ERR_HERDCACHE_REDIS_REPLY`. */
export function redisReplyError(message: string) {
  return withCode(new TypeError(message), 'ERR_HERDCACHE_REDIS_REPLY')
}
