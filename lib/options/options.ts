/**
 * Checks and normalizes constructor and per-call options. Every check runs before the cache is
 * touched, so a rejected call leaves it exactly as it was.
 */
import {
  argumentRangeError,
  argumentTypeError,
  invalidArgTypeError,
  unknownOptionError,
} from '../errors.js'
import { DEFAULT_FETCH_DURATION_BUCKETS } from '../observe/metrics.js'
import type {
  CacheOptions,
  EvictionPolicy,
  GetOrFetchOptions,
  ReadOptions,
  SetOptions,
} from '../types.js'
import { isSize, SIZE_EXPECTED } from '../store/sizes.js'
import { isTier, type Tier } from '../fetch/tier.js'
import { checkCodec, defaultCodec } from '../codec/codec.js'
import type { SharedSettings } from '../store/shared_store.js'
import { checkPositiveInteger, checkTags, checkTtl } from './validate.js'

/**
 * The settled options of one getOrFetch or set call. Read only, so calls with the same options
 * can share one object (see {@link CallOptionsCache}).
 */
export interface CallOptions {
  readonly ttlMs: number
  readonly staleWhileRevalidateMs: number
  readonly staleIfErrorMs: number
  readonly timeoutMs: number
  readonly signal: AbortSignal | undefined
  readonly tags: readonly string[] | undefined
  readonly forceRefresh: boolean
  readonly size: number | undefined
}

/** Constructor options after checks, with defaults filled in. */
export interface Settings {
  maxSize: number
  maxBytes: number | undefined
  /** The policy asked for; undefined: LRU, or in shared mode the open store's. */
  policy: EvictionPolicy | undefined
  sizeOf: ((value: unknown, key: string) => number) | undefined
  /** Whether values are sized at all: under `maxBytes`, or when `sizeOf` feeds the counter. */
  sized: boolean
  onEvict: ((key: string, value: unknown, reason: string) => void) | undefined
  clock: (() => number) | undefined
  name: string | undefined
  fetchDurationBuckets: readonly number[]
  tier: Tier | undefined
  /** Shared mode: the store to open; undefined for object mode. */
  shared: SharedSettings | undefined
  defaults: CallOptions
}

const CONSTRUCTOR_OPTIONS = [
  'maxSize',
  'maxBytes',
  'policy',
  'sizeOf',
  'onEvict',
  'clock',
  'defaultTtlMs',
  'staleWhileRevalidateMs',
  'staleIfErrorMs',
  'timeoutMs',
  'name',
  'fetchDurationBuckets',
  'tier',
  'shared',
  'codec',
  'decodeEvicted',
] as const
const GET_OR_FETCH_OPTIONS = [
  'ttlMs',
  'staleWhileRevalidateMs',
  'staleIfErrorMs',
  'timeoutMs',
  'signal',
  'tags',
  'forceRefresh',
] as const
const WRAP_OPTIONS = ['key', 'namespace', ...GET_OR_FETCH_OPTIONS] as const
const SET_OPTIONS = ['ttlMs', 'staleWhileRevalidateMs', 'staleIfErrorMs', 'tags', 'size'] as const
const READ_OPTIONS = ['allowStale'] as const
const DEFAULT_MAX_SIZE = 1000
const POLICIES: readonly string[] = ['lru', 'tinylfu'] satisfies EvictionPolicy[]

/** Throws for an option not in `known`; `path` is where `options` sits, as `'breaker.'`. */
export function checkKnown(options: object, known: readonly string[], path = ''): void {
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) throw unknownOptionError(`${path}${name}`, known)
  }
}

function checkFunction<F>(name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function') throw argumentTypeError(name, 'a function', value)
  return value as F
}

/** A timeout: a positive number of milliseconds or Infinity. */
function checkTimeout(name: string, value: unknown): number {
  const expected = 'a positive number or Infinity'
  if (typeof value !== 'number') throw argumentTypeError(name, expected, value)
  if (!(value > 0)) throw argumentRangeError(name, expected, value)
  return value
}

function checkSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'object' && value !== null) {
    try {
      // AbortSignal's own `aborted` getter, run on `value`, checks its brand: it throws for
      // anything not made as an AbortSignal, Object.create(AbortSignal.prototype) included.
      Reflect.get(AbortSignal.prototype, 'aborted', value)
      return value as AbortSignal
    } catch {
      // not a real AbortSignal: reported below
    }
  }
  throw argumentTypeError('signal', 'an AbortSignal', value)
}

function checkNonEmpty(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw argumentTypeError(name, 'a non-empty string', value)
  if (value === '') throw argumentRangeError(name, 'a non-empty string', value)
  return value
}

function checkPolicy(value: unknown): EvictionPolicy | undefined {
  if (value === undefined) return undefined
  const expected = "'lru' or 'tinylfu'"
  if (typeof value !== 'string') throw argumentTypeError('policy', expected, value)
  if (!POLICIES.includes(value)) throw argumentRangeError('policy', expected, value)
  return value as EvictionPolicy
}

function checkBuckets(value: unknown): readonly number[] {
  if (value === undefined) return DEFAULT_FETCH_DURATION_BUCKETS
  const expected = 'an array of increasing positive finite numbers of seconds'
  if (!Array.isArray(value) || value.length === 0) {
    throw argumentTypeError('fetchDurationBuckets', expected, value)
  }
  let previous = 0
  for (const [index, bound] of value.entries()) {
    const name = `fetchDurationBuckets[${index}]`
    if (typeof bound !== 'number') throw argumentTypeError(name, expected, bound)
    if (!(bound > previous) || bound === Infinity) throw argumentRangeError(name, expected, bound)
    previous = bound
  }
  return Object.freeze([...(value as number[])])
}

function checkTier(value: unknown): Tier | undefined {
  if (value === undefined || isTier(value)) return value
  throw argumentTypeError('tier', "a tier made by redisTier() from 'herdcache/redis'", value)
}

export function checkObject(
  name: string,
  value: unknown,
): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) {
    throw argumentTypeError(name, 'an object', value)
  }
}

// Shared mode's options: undefined unless `shared` names a store.
function sharedSettings(
  o: CacheOptions,
  maxBytes: number | undefined,
  policy: EvictionPolicy | undefined,
): SharedSettings | undefined {
  const name = checkNonEmpty('shared', o.shared)
  if (name === undefined) {
    for (const option of ['codec', 'decodeEvicted'] as const) {
      if (o[option] !== undefined) {
        throw invalidArgTypeError(`${option} applies to shared mode only: give shared a name`)
      }
    }
    return undefined
  }
  if (o.sizeOf !== undefined) {
    throw invalidArgTypeError(
      'sizeOf does not apply to shared mode: maxBytes counts the encoded bytes of each value',
    )
  }
  const decodeEvicted = o.decodeEvicted ?? false
  if (typeof decodeEvicted !== 'boolean') {
    throw argumentTypeError('decodeEvicted', 'a boolean', decodeEvicted)
  }
  return {
    name,
    codec: o.codec === undefined ? defaultCodec : checkCodec(o.codec, 'codec'),
    maxSize: o.maxSize === undefined ? undefined : checkPositiveInteger('maxSize', o.maxSize),
    maxBytes,
    policy,
    decodeEvicted,
  }
}

export function settingsFrom(options: unknown): Settings {
  if (options === undefined) options = {}
  checkObject('options', options)
  checkKnown(options, CONSTRUCTOR_OPTIONS)
  const o = options as CacheOptions
  const maxBytes =
    o.maxBytes === undefined ? undefined : checkPositiveInteger('maxBytes', o.maxBytes)
  const policy = checkPolicy(o.policy)
  const sizeOf = checkFunction<Settings['sizeOf']>('sizeOf', o.sizeOf)
  const shared = sharedSettings(o, maxBytes, policy)
  return {
    shared,
    maxSize:
      o.maxSize === undefined ? DEFAULT_MAX_SIZE : checkPositiveInteger('maxSize', o.maxSize),
    maxBytes,
    policy,
    sizeOf,
    // A shared store sizes each value itself, by its encoded bytes.
    sized: shared === undefined && (maxBytes !== undefined || sizeOf !== undefined),
    onEvict: checkFunction('onEvict', o.onEvict),
    clock: checkFunction('clock', o.clock),
    // A shared cache is named after its store unless given a name.
    name: checkNonEmpty('name', o.name) ?? shared?.name,
    fetchDurationBuckets: checkBuckets(o.fetchDurationBuckets),
    tier: checkTier(o.tier),
    defaults: {
      ttlMs: o.defaultTtlMs === undefined ? Infinity : checkTtl('defaultTtlMs', o.defaultTtlMs),
      staleWhileRevalidateMs:
        o.staleWhileRevalidateMs === undefined
          ? 0
          : checkTtl('staleWhileRevalidateMs', o.staleWhileRevalidateMs),
      staleIfErrorMs:
        o.staleIfErrorMs === undefined ? 0 : checkTtl('staleIfErrorMs', o.staleIfErrorMs),
      timeoutMs: o.timeoutMs === undefined ? Infinity : checkTimeout('timeoutMs', o.timeoutMs),
      signal: undefined,
      tags: undefined,
      forceRefresh: false,
      size: undefined,
    },
  }
}

/**
 * The options of a getOrFetch call: `undefined` for the defaults, a number for `ttlMs`, or an
 * options object. Anything else is reported as a bad `ttlMs`, the 0.1 form of this argument.
 */
function getOrFetchOptions(options: unknown, defaults: CallOptions): CallOptions {
  if (options === undefined) return defaults
  if (typeof options !== 'object' || options === null) {
    return { ...defaults, ttlMs: checkTtl('ttlMs', options) }
  }
  checkKnown(options, GET_OR_FETCH_OPTIONS)
  const o = options as GetOrFetchOptions
  const forceRefresh = o.forceRefresh === undefined ? false : o.forceRefresh
  if (typeof forceRefresh !== 'boolean') {
    throw argumentTypeError('forceRefresh', 'a boolean', forceRefresh)
  }
  return {
    ...entryTimes(o, defaults),
    timeoutMs:
      o.timeoutMs === undefined ? defaults.timeoutMs : checkTimeout('timeoutMs', o.timeoutMs),
    signal: checkSignal(o.signal),
    tags: checkTags(o.tags),
    forceRefresh,
    size: undefined,
  }
}

/**
 * getOrFetchOptions for one cache's calls, keeping the options the last `ttlMs` given as a
 * number made: a server passes the same ttl on every call, and copying the defaults for each
 * call cost a fifth of a joining caller's time.
 */
export class CallOptionsCache {
  #byTtl: CallOptions | undefined

  constructor(private readonly defaults: CallOptions) {}

  /** As getOrFetchOptions; the same object for the same number, so never to be changed. */
  of(options: unknown): CallOptions {
    if (typeof options !== 'number') return getOrFetchOptions(options, this.defaults)
    const last = this.#byTtl
    // Object.is keeps -0 apart from 0, exactly as the copy would have.
    if (last !== undefined && Object.is(last.ttlMs, options)) return last
    this.#byTtl = getOrFetchOptions(options, this.defaults)
    return this.#byTtl
  }
}

/** The options of a set call: `undefined`, a number for `ttlMs`, or an options object. */
export function setOptions(options: unknown, defaults: CallOptions): CallOptions {
  if (options === undefined) return defaults
  if (typeof options !== 'object' || options === null) {
    return { ...defaults, ttlMs: checkTtl('ttlMs', options) }
  }
  checkKnown(options, SET_OPTIONS)
  const o = options as SetOptions
  let size: number | undefined
  if (o.size !== undefined) {
    if (typeof o.size !== 'number') throw argumentTypeError('size', SIZE_EXPECTED, o.size)
    if (!isSize(o.size)) throw argumentRangeError('size', SIZE_EXPECTED, o.size)
    size = Math.ceil(o.size)
  }
  return {
    ...entryTimes(o, defaults),
    timeoutMs: defaults.timeoutMs,
    signal: undefined,
    tags: checkTags(o.tags),
    forceRefresh: false,
    size,
  }
}

/** The options of a read (`get`, `peek`, iteration): whether it may answer stale values. */
export function readOptions(options: unknown): boolean {
  if (options === undefined) return false
  checkObject('options', options)
  checkKnown(options, READ_OPTIONS)
  const { allowStale } = options as ReadOptions
  if (allowStale === undefined) return false
  if (typeof allowStale !== 'boolean') {
    throw argumentTypeError('allowStale', 'a boolean', allowStale)
  }
  return allowStale
}

function entryTimes(o: GetOrFetchOptions | SetOptions, defaults: CallOptions) {
  return {
    ttlMs: o.ttlMs === undefined ? defaults.ttlMs : checkTtl('ttlMs', o.ttlMs),
    staleWhileRevalidateMs:
      o.staleWhileRevalidateMs === undefined
        ? defaults.staleWhileRevalidateMs
        : checkTtl('staleWhileRevalidateMs', o.staleWhileRevalidateMs),
    staleIfErrorMs:
      o.staleIfErrorMs === undefined
        ? defaults.staleIfErrorMs
        : checkTtl('staleIfErrorMs', o.staleIfErrorMs),
  }
}

/** The options of a wrap call after checks. */
export interface WrapSettings {
  key: ((this: unknown, ...args: unknown[]) => unknown) | undefined
  /** The `namespace` option, or undefined (then the default key is named after fn). */
  namespace: string | undefined
  /** What each call passes to getOrFetch: a checked copy, or undefined for the defaults. */
  fetchOptions: GetOrFetchOptions | undefined
}

/**
 * The options of a wrap call, checked once (with the checks getOrFetch makes) and copied, so a
 * later change to the caller's object can neither change nor break the wrapper.
 */
export function wrapOptions(options: unknown, defaults: CallOptions): WrapSettings {
  if (options === undefined)
    return { key: undefined, namespace: undefined, fetchOptions: undefined }
  checkObject('options', options)
  checkKnown(options, WRAP_OPTIONS)
  const { key, namespace, ...rest } = options
  const fetchOptions: GetOrFetchOptions = rest
  getOrFetchOptions(fetchOptions, defaults)
  if (fetchOptions.tags !== undefined) fetchOptions.tags = [...fetchOptions.tags]
  const settings = {
    key: checkFunction<WrapSettings['key']>('key', key),
    namespace: checkNonEmpty('namespace', namespace),
    fetchOptions: Object.keys(fetchOptions).length === 0 ? undefined : fetchOptions,
  }
  if (settings.key !== undefined && settings.namespace !== undefined) {
    throw invalidArgTypeError(
      'options.namespace and options.key cannot be given together: key makes the whole key, so ' +
        'name the function in what it returns',
    )
  }
  return settings
}
