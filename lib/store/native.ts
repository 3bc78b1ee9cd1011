/**
 * Loads the compiled addon and describes its surface. Internal: the public API is CacheManager.
 * See native/binding/store_handle.h for the binding's side of each contract.
 */
import type { CacheStats, EvictionPolicy } from '../types.js'
import { type AddonLocation, BUILD_COMMAND, locateAddon } from './addon_path.js'
import { FailCause } from './backend.js'

/** A store as JavaScript holds it: an opaque handle and the memory shared with the core. */
interface NativeStore {
  /** The binding's StoreHandle, passed as the first argument of every function below. */
  readonly handle: StoreHandle
  /** Shared result fields, at the IO_* positions. */
  readonly io: Int32Array
  /** Shared entry spec for set() and complete(), at the SPEC_* positions. */
  readonly spec: Float64Array
}

declare const storeHandle: unique symbol
/** An External wrapping the native store; only the functions below can use it. */
export type StoreHandle = { readonly [storeHandle]: true }

/**
 * The layout lib/ and the addon exchange results through, as the addon exports it (defined in
 * native/binding/protocol.h): register positions, return codes, and enum orders.
 */
export interface Protocol {
  /** Positions in NativeStore.io. */
  readonly io: Readonly<Record<string, number>>
  /** Positions in NativeStore.spec. */
  readonly spec: Readonly<Record<string, number>>
  /** Return codes below zero. */
  readonly codes: Readonly<Record<string, number>>
  /** Removal reasons, by the core's RemovalCause number. */
  readonly removalReasons: readonly string[]
  /** Fetch failure causes, by the core's FailCause number. */
  readonly failCauses: readonly string[]
}

declare const sharedHandle: unique symbol
/** An External wrapping a member of a shared store; only `binding.shared` can use it. */
export type SharedHandle = { readonly [sharedHandle]: true }

/**
 * A read's answer: a fresh value's bytes (their length when they were copied into `scratch`),
 * `[bytes]` for a stale one, or null.
 */
type SharedRead = number | Buffer | [Buffer] | null

/**
 * The shared store's functions (native/binding/shared_handle.cc). Values come and go as bytes;
 * `now` omitted: the monotonic clock.
 */
interface SharedBinding {
  /**
   * Opens (or joins) the process's store named `name`, whose values `codec` encodes: a handle,
   * or `[option, open, asked]` when it is open with other sizes, another codec or another
   * policy (then `open` and `asked` are the codecs' or policies' names). `policy` undefined takes
   * the open store's (a new store: 'lru'). `sink` is called on this thread when a fetch this member
   * waits for ends elsewhere: (flightSlot, generation, kind 0 value | 1 error | 2 orphaned, bytes).
   */
  open(
    name: string,
    maxSize: number | undefined,
    maxBytes: number | undefined,
    sink: (slot: number, generation: number, kind: number, bytes: Buffer | undefined) => void,
    codec: string,
    policy: EvictionPolicy | undefined,
  ): SharedHandle | [string, number | string, number | string]
  close(handle: SharedHandle): void
  /** While `waiting`, the sink is held and the thread kept alive. */
  hold(handle: SharedHandle, waiting: boolean): void
  /**
   * A fresh value's bytes (their length when they were copied into `scratch`), or [code 0
   * stale | 1 join | 2 start, flightSlot, generation, started, foreign, startedAt, bytes of the
   * stale or retained value].
   */
  acquire(
    handle: SharedHandle,
    key: string,
    now: number | undefined,
    forceRefresh: boolean,
    scratch: Buffer,
  ): number | Buffer | [number, number, number, boolean, boolean, number, Buffer | undefined]
  get(
    handle: SharedHandle,
    key: string,
    now: number | undefined,
    allowStale: boolean,
    scratch: Buffer,
  ): SharedRead
  peek(
    handle: SharedHandle,
    key: string,
    now: number | undefined,
    allowStale: boolean,
    scratch: Buffer,
  ): SharedRead
  remainingTtl(handle: SharedHandle, key: string, now: number | undefined): number | undefined
  /** [key, bytes, key, bytes, ...], most recently used first. */
  walk(handle: SharedHandle, allowStale: boolean, now: number | undefined): (string | Buffer)[]
  set(
    handle: SharedHandle,
    key: string,
    bytes: Uint8Array,
    ttlMs: number,
    staleWhileRevalidateMs: number,
    staleIfErrorMs: number,
    size: number,
    tags: readonly string[] | undefined,
    now: number | undefined,
  ): boolean
  /** [stored, the time it read]. */
  complete(
    handle: SharedHandle,
    flightSlot: number,
    generation: number,
    bytes: Uint8Array,
    ttlMs: number,
    staleWhileRevalidateMs: number,
    staleIfErrorMs: number,
    size: number,
    now: number | undefined,
  ): [boolean, number]
  /** [the fallback's bytes or undefined, the time it read]. */
  fail(
    handle: SharedHandle,
    flightSlot: number,
    generation: number,
    cause: FailCause,
    key: string,
    error: Uint8Array | undefined,
    now: number | undefined,
  ): [Buffer | undefined, number]
  tagFlight(
    handle: SharedHandle,
    flightSlot: number,
    generation: number,
    tags: readonly string[],
    replace?: boolean,
  ): void
  isCurrent(handle: SharedHandle, flightSlot: number, generation: number): boolean
  delete(handle: SharedHandle, key: string): boolean
  invalidateTag(handle: SharedHandle, tag: string): number
  clear(handle: SharedHandle): void
  /** [ms until the next expiry, how many it removed]. */
  sweep(handle: SharedHandle, limit: number, now: number | undefined): [number, number]
  recordKeys(handle: SharedHandle, record: boolean): void
  /** [key, cause, bytes (with `values`) or undefined, ...], oldest first. */
  takeRemovals(handle: SharedHandle, values: boolean): (string | number | Buffer | undefined)[]
  /** [maxSize, maxBytes] of the open store; maxBytes undefined when it has none. */
  limits(handle: SharedHandle): [number, number | undefined]
  size(handle: SharedHandle): number
  stats(handle: SharedHandle): CacheStats
  /** Shared stores alive in the process, and names open. */
  counts(): { stores: number; names: number }
}

/** The binding's functions; see native/binding/store_handle.cc. `now` omitted: monotonic clock. */
export interface Binding {
  /** The shared stores' functions. */
  readonly shared: SharedBinding
  /** The addon's layout; checked against {@link PROTOCOL} when the addon loads. */
  readonly protocol: Protocol
  createStore(
    maxEntries: number,
    maxBytes?: number,
    recordKeys?: boolean,
    policy?: EvictionPolicy,
  ): NativeStore
  /** A value slot on a fresh hit, else CODE_STALE, CODE_JOIN or CODE_START. With forceRefresh,
   * pass `now` (undefined for the monotonic clock). */
  acquire(store: StoreHandle, key: string, now?: number, forceRefresh?: boolean): number
  /**
   * A counted lookup: a fresh value slot, or CODE_MISS; with `allowStale`, CODE_STALE for a
   * stale entry still retained (its slot in io[IO_VALUE_SLOT]).
   */
  get(store: StoreHandle, key: string, now?: number, allowStale?: boolean): number
  /** An uncounted lookup that keeps recency: as `get`. */
  peek(store: StoreHandle, key: string, now?: number, allowStale?: boolean): number
  /**
   * Milliseconds the key's entry stays fresh (Infinity for never, 0 or less once stale), or
   * undefined when no entry is retained. Uncounted; an expired entry found is removed.
   */
  remainingTtl(store: StoreHandle, key: string, now?: number): number | undefined
  /**
   * The fresh entries (with `allowStale`, every retained one), most recently used first:
   * `[slot, ...]`, or with `keys`, `[slot, key, ...]`. Uncounted; changes nothing.
   */
  walk(store: StoreHandle, allowStale: boolean, keys: boolean, now?: number): (number | string)[]
  /** Stores the key per `spec`: the value slot to fill, or CODE_MISS when not stored. */
  set(store: StoreHandle, key: string, tags: readonly string[] | undefined, now?: number): number
  /** Ends a fetch with a value per `spec`: the value slot to fill, or CODE_MISS. */
  complete(store: StoreHandle, flightSlot: number, generation: number, now?: number): number
  /** Adds tags to a fetch in flight; with `replace`, its tags become exactly these. */
  tagFlight(
    store: StoreHandle,
    flightSlot: number,
    generation: number,
    tags: readonly string[],
    replace?: boolean,
  ): void
  /** Whether the fetch is still its key's current record (its result would be stored). */
  isCurrent(store: StoreHandle, flightSlot: number, generation: number): boolean
  /**
   * Ends a fetch of `key` without a value: a fallback value slot (the newest good value, see
   * Store::Fail), else CODE_MISS, or CODE_NOT_CURRENT for a fetch that was no longer current.
   */
  fail(
    store: StoreHandle,
    flightSlot: number,
    generation: number,
    cause: FailCause,
    key: string,
    now?: number,
  ): number
  /** Removes the key's entry and detaches its fetch; whether an entry was removed. */
  delete(store: StoreHandle, key: string): boolean
  /** Removes the tag's entries and detaches its fetches; how many entries it removed. */
  invalidateTag(store: StoreHandle, tag: string): number
  clear(store: StoreHandle): void
  /** Removes up to `limit` expired entries; milliseconds until the next expiry, or Infinity. */
  sweep(store: StoreHandle, limit: number, now?: number): number
  /** The last call's removals: [slot, cause, key, ...]; keys are '' unless recorded. */
  takeRemovals(store: StoreHandle): (number | string)[]
  /** Whether later removals carry their keys (for onEvict and the eviction channel). */
  recordKeys(store: StoreHandle, record: boolean): void
  size(store: StoreHandle): number
  /** The counters, exactly the public CacheStats. */
  stats(store: StoreHandle): CacheStats
  /**
   * The benchmarks' floor (native/binding/floor.h): copies `key` into a reused buffer as every
   * store function does, and returns. Never called by lib/.
   * @throws TypeError when `key` is not a string.
   */
  floor(key: string): undefined
}

/** Return codes below zero; zero and above is a value slot. */
const CODE_MISS = -1
export const CODE_JOIN = -2
const CODE_START = -3
export const CODE_STALE = -4
const CODE_NOT_CURRENT = -5

/** Positions in NativeStore.io. */
export const IO_FLIGHT_SLOT = 0
export const IO_GENERATION = 1
export const IO_VALUE_SLOT = 2
export const IO_REMOVALS = 3
export const IO_FIRST_SLOT = 4
export const IO_STARTED = 5

/** Positions in NativeStore.spec. */
export const SPEC_TTL = 0
export const SPEC_STALE_WHILE_REVALIDATE = 1
export const SPEC_STALE_IF_ERROR = 2
export const SPEC_BYTES = 3
/** Written by the binding: the clock's time at a fetch's start (acquire) and end (complete, fail). */
export const SPEC_NOW = 4

/** Why an entry was removed, by the core's RemovalCause number. */
export const REMOVAL_REASONS = ['evict', 'expire', 'delete', 'set', 'clear'] as const

/** The layout the constants above describe: what this lib/ expects the addon to export. */
export const PROTOCOL: Protocol = {
  io: {
    flightSlot: IO_FLIGHT_SLOT,
    generation: IO_GENERATION,
    valueSlot: IO_VALUE_SLOT,
    removals: IO_REMOVALS,
    firstSlot: IO_FIRST_SLOT,
    started: IO_STARTED,
  },
  spec: {
    ttl: SPEC_TTL,
    staleWhileRevalidate: SPEC_STALE_WHILE_REVALIDATE,
    staleIfError: SPEC_STALE_IF_ERROR,
    bytes: SPEC_BYTES,
    now: SPEC_NOW,
  },
  codes: {
    miss: CODE_MISS,
    join: CODE_JOIN,
    start: CODE_START,
    stale: CODE_STALE,
    notCurrent: CODE_NOT_CURRENT,
  },
  removalReasons: REMOVAL_REASONS,
  // By number, from FailCause above: ['error', 'timeout', 'abort'].
  failCauses: Object.entries(FailCause)
    .sort(([, a], [, b]) => a - b)
    .map(([name]) => name.toLowerCase()),
}

/** A value in a mismatch message: strings quoted, lists and objects as JSON. */
function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  if (typeof value === 'object' && value !== null) return JSON.stringify(value)
  return String(value)
}

// The first field where `actual` differs from `expected`, by its path; lists compare whole.
function firstMismatch(
  expected: unknown,
  actual: unknown,
  path: string,
): { path: string; expected: unknown; actual: unknown } | undefined {
  if (Array.isArray(expected)) {
    const same =
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((item, i) => Object.is(item, actual[i]))
    return same ? undefined : { path, expected, actual }
  }
  if (typeof expected !== 'object' || expected === null) {
    return Object.is(expected, actual) ? undefined : { path, expected, actual }
  }
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) {
    return { path, expected, actual }
  }
  const want = expected as Record<string, unknown>
  const got = actual as Record<string, unknown>
  for (const key of new Set([...Object.keys(want), ...Object.keys(got)])) {
    const found = firstMismatch(want[key], got[key], `${path}.${key}`)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * Throws unless the addon's `protocol` (`actual`) is exactly the layout lib/ was written against
 * (`expected`): same fields, same numbers, same lists in the same order. A mismatch means the
 * addon file comes from another version of herdcache (a stale build or prebuild), which would
 * misread every result.
 * @throws Error with code `ERR_HERDCACHE_ADDON_MISMATCH`, naming the first field that differs,
 *   both values, and the addon file.
 */
export function checkProtocol(expected: Protocol, actual: unknown, addonPath: string): void {
  const mismatch = firstMismatch(expected, actual, 'protocol')
  if (mismatch === undefined) return
  const error = new Error(
    `the herdcache addon at ${addonPath} does not match this version of herdcache: ` +
      `${mismatch.path} is ${show(mismatch.actual)} in the addon, expected ` +
      `${show(mismatch.expected)}; reinstall herdcache, or rebuild it (${BUILD_COMMAND})`,
  )
  throw Object.assign(error, { code: 'ERR_HERDCACHE_ADDON_MISMATCH' })
}

/** Loads the addon `location` names; a file that cannot load says where it came from. */
function load(location: AddonLocation): Binding {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(location.path) as Binding
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
    const failure = new Error(
      `the herdcache addon ${location.path} (from ${location.from}) does not load on this ` +
        `machine: ${reason}; build it from source with \`${BUILD_COMMAND}\``,
      { cause: error },
    )
    throw Object.assign(failure, { code: 'ERR_HERDCACHE_ADDON_LOAD' })
  }
}

const location = locateAddon()

/**
 * The addon file this process loaded (see addon_path.ts for the order it is looked for in).
 * HERDCACHE_ADDON, when set, names the file to load instead: the test suite uses it to run
 * against an AddressSanitizer build (scripts/run-tests.mjs) and the Node matrix against the
 * platform package's file (scripts/node-matrix.mjs).
 */
export const addonPath: string = location.path
const loaded = load(location)
/**
 * The addon's functions, copied into plain objects: the exports object a Node-API addon fills is
 * in V8's dictionary mode, so every `binding.acquire` read went through a generic property
 * lookup instead of an inline cache, on every cache call.
 */
export const binding: Binding = { ...loaded, shared: { ...loaded.shared } }
checkProtocol(PROTOCOL, binding.protocol, addonPath)
