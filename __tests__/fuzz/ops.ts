// The fuzzer's vocabulary: a cache variant (constructor options) and a list of operations, both
// plain data drawn from one seed, so a run replays exactly and a failing list can be shrunk by
// dropping operations.
import { randomInts } from '../support/random.js'

/**
 * Generators that provoke the defects issue 14 lists. Each can be switched off alone, so the
 * fuzzer can be checked to pass without them and to catch each one with it.
 */
export const HOSTILE = [
  'loneSurrogateKeys', // '\ud800' keys: onEvict must get them back code unit for code unit
  'unprintableOnEvictThrow', // onEvict throws Object.create(null), which String() cannot print
  'throwingClock', // the clock throws on its n-th read during one call
  'promiseCtorGetter', // a fetcher returns a native Promise whose `constructor` getter throws
  'tagsProxy', // tags is a Proxy that answers strings when checked and numbers when copied
  'fakeSignal', // signal is Object.create(AbortSignal.prototype)
  'hugeSizeNoMaxBytes', // set(key, value, { size: 1e20 }) without maxBytes
  'quadraticTags', // one set with many tags must cost O(k), not O(k^2)
] as const
export type Hostile = (typeof HOSTILE)[number]

type OnEvictMode = 'none' | 'record' | 'reentrant' | 'throw' | 'throwUnprintable'
type ClockMode = 'plain' | 'reentrant'

export interface Variant {
  maxSize: number
  maxBytes: number | undefined
  /** Whether to pass sizeOf (the fuzzer's own, `sizeOfValue`). */
  sizeOf: boolean
  onEvict: OnEvictMode
  clock: ClockMode
  defaultTtlMs: number | undefined
  staleWhileRevalidateMs: number | undefined
  staleIfErrorMs: number | undefined
  timeoutMs: number | undefined
  /** The options every wrapped call passes on. */
  wrapTtlMs: number
  wrapTags: string[] | undefined
}

/** A value the fuzzer stores: an object known by identity, or a string sized by its length. */
export type FuzzValue = { id: number; size: number } | string | null

/** The fuzzer's sizeOf: what `sizeOf` returns when the variant passes one. */
export function sizeOfValue(value: unknown): number {
  if (typeof value === 'string') return value.length
  if (typeof value === 'object' && value !== null && 'size' in value) return value.size as number
  return 1
}

export type FetcherKind =
  | 'value' // returns a plain value
  | 'resolved' // returns an already resolved Promise
  | 'throw' // throws synchronously
  | 'rejected' // returns an already rejected Promise
  | 'deferred' // a Promise the fuzzer settles in a later `settle` step
  | 'never' // a Promise never settled: always paired with a timeoutMs
  | 'badCtor' // hostile: a native Promise whose constructor getter throws

export interface CallSpec {
  /** How the options are passed: none, a bare TTL number, or an object. */
  form: 'none' | 'number' | 'object'
  ttlMs?: number
  staleWhileRevalidateMs?: number
  staleIfErrorMs?: number
  timeoutMs?: number
  tags?: string[]
  forceRefresh?: boolean
  /** Index of the AbortController whose signal this caller passes (created on demand). */
  signal?: number
  /** Hostile: pass tags as a Proxy that changes between the check and the copy. */
  tagsProxy?: boolean
}

export type Op =
  | { op: 'getOrFetch'; key: string; fetcher: FetcherKind; call: CallSpec; value: ValueSpec }
  | { op: 'wrap'; key: string; fetcher: 'value' | 'deferred' | 'throw'; value: ValueSpec }
  | { op: 'settle'; pick: number; reject: boolean; value: ValueSpec }
  | { op: 'abort'; pick: number }
  | { op: 'set'; key: string; value: ValueSpec; call: CallSpec; size?: number }
  | { op: 'get' | 'peek' | 'has' | 'delete'; key: string }
  | { op: 'invalidateTag'; tag: string }
  | { op: 'clear' }
  | { op: 'advance'; ms: number }
  | { op: 'metrics' }
  | { op: 'badInput'; pick: number }
  | { op: 'brokenClock'; failOnRead: number; inner: Op }

/** A value to create: an object of a given size, a string of a given length, or null. */
export type ValueSpec =
  | { kind: 'object'; size: number }
  | { kind: 'string'; length: number }
  | { kind: 'null' }

const TAGS = ['t1', 't2', 't3'] as const
const PLAIN_KEYS = ['a', 'b', 'c', 'd', '', 'é', '😀']
const SURROGATE_KEYS = ['\ud800', 'x\udfff']

class Rand {
  readonly #next: (bound: number) => number
  constructor(seed: number) {
    this.#next = randomInts(seed)
  }
  int(bound: number): number {
    return this.#next(bound)
  }
  chance(percent: number): boolean {
    return this.#next(100) < percent
  }
  pick<T>(items: readonly T[]): T {
    return items[this.#next(items.length)] as T
  }
}

function generateVariant(rand: Rand, hostile: ReadonlySet<Hostile>): Variant {
  const onEvictModes: OnEvictMode[] = ['none', 'record', 'record', 'reentrant', 'throw']
  if (hostile.has('unprintableOnEvictThrow')) onEvictModes.push('throwUnprintable')
  const maxBytes = rand.chance(35) ? 20 + rand.int(200) : undefined
  return {
    maxSize: 1 + rand.int(8),
    maxBytes,
    sizeOf: rand.chance(50),
    onEvict: rand.pick(onEvictModes),
    clock: rand.chance(25) ? 'reentrant' : 'plain',
    defaultTtlMs: rand.chance(30) ? rand.pick([0, 10, 100, Infinity]) : undefined,
    staleWhileRevalidateMs: rand.chance(20) ? rand.pick([0, 50, 500]) : undefined,
    staleIfErrorMs: rand.chance(20) ? rand.pick([0, 50, 500]) : undefined,
    timeoutMs: rand.chance(15) ? rand.pick([20, 200]) : undefined,
    wrapTtlMs: rand.pick([0, 30, Infinity]),
    wrapTags: rand.chance(50) ? ['t2'] : undefined,
  }
}

function valueSpec(rand: Rand): ValueSpec {
  const roll = rand.int(10)
  if (roll < 6) return { kind: 'object', size: rand.int(60) }
  if (roll < 9) return { kind: 'string', length: rand.int(40) }
  return { kind: 'null' }
}

function ttl(rand: Rand): number {
  return rand.pick([0, 1, 10, 50, 100, 1000, Infinity])
}

function tags(rand: Rand): string[] | undefined {
  if (!rand.chance(40)) return undefined
  const count = rand.int(3) + 1
  return Array.from({ length: count }, () => rand.pick(TAGS))
}

function callSpec(rand: Rand, hostile: ReadonlySet<Hostile>, withSignal: boolean): CallSpec {
  const roll = rand.int(10)
  if (roll === 0) return { form: 'none' }
  if (roll === 1) return { form: 'number', ttlMs: ttl(rand) }
  const call: CallSpec = { form: 'object' }
  if (rand.chance(70)) call.ttlMs = ttl(rand)
  if (rand.chance(50)) call.staleWhileRevalidateMs = rand.pick([0, 20, 200, 5000])
  if (rand.chance(40)) call.staleIfErrorMs = rand.pick([0, 20, 200, 5000])
  const t = tags(rand)
  if (t !== undefined) call.tags = t
  if (withSignal) {
    if (rand.chance(15)) call.timeoutMs = rand.pick([5, 40, 300])
    if (rand.chance(15)) call.forceRefresh = true
    if (rand.chance(25)) call.signal = rand.int(4)
  }
  if (hostile.has('tagsProxy') && rand.chance(4)) call.tagsProxy = true
  return call
}

function keyOf(rand: Rand, hostile: ReadonlySet<Hostile>): string {
  if (hostile.has('loneSurrogateKeys') && rand.chance(20)) return rand.pick(SURROGATE_KEYS)
  return rand.pick(PLAIN_KEYS.slice(0, 4 + rand.int(PLAIN_KEYS.length - 3)))
}

function fetcherKind(rand: Rand, hostile: ReadonlySet<Hostile>): FetcherKind {
  if (hostile.has('promiseCtorGetter') && rand.chance(3)) return 'badCtor'
  return rand.pick([
    'value',
    'resolved',
    'throw',
    'rejected',
    'deferred',
    'deferred',
    'deferred',
    'deferred',
    'never',
  ] as const)
}

/** One operation, from `rand`. The variant decides which hostile sizes make sense. */
function generateOp(rand: Rand, variant: Variant, hostile: ReadonlySet<Hostile>): Op {
  const roll = rand.int(100)
  const key = keyOf(rand, hostile)
  if (roll < 24) {
    const fetcher = fetcherKind(rand, hostile)
    const call = callSpec(rand, hostile, true)
    if (fetcher === 'never' && call.timeoutMs === undefined && variant.timeoutMs === undefined) {
      if (call.form !== 'object') call.form = 'object'
      call.timeoutMs = rand.pick([5, 40, 300])
    }
    if (fetcher === 'badCtor') {
      // A forced miss, so the fetch has a caller whose Promise shows how it ended.
      call.form = 'object'
      call.forceRefresh = true
      delete call.signal
    }
    return { op: 'getOrFetch', key, fetcher, call, value: valueSpec(rand) }
  }
  if (roll < 30) {
    return {
      op: 'wrap',
      key,
      fetcher: rand.pick(['value', 'deferred', 'throw'] as const),
      value: valueSpec(rand),
    }
  }
  if (roll < 42)
    return { op: 'settle', pick: rand.int(1000), reject: rand.chance(30), value: valueSpec(rand) }
  if (roll < 45) return { op: 'abort', pick: rand.int(1000) }
  if (roll < 56) {
    const op: Op = { op: 'set', key, value: valueSpec(rand), call: callSpec(rand, hostile, false) }
    if (rand.chance(15)) op.size = rand.pick([0, 1, 7.5, 30, 500])
    if (rand.chance(3) && (variant.maxBytes !== undefined || hostile.has('hugeSizeNoMaxBytes'))) {
      op.size = 1e20
    }
    if (rand.chance(2)) {
      op.call = { form: 'object', tags: Array.from({ length: 300 }, (_, i) => `many${i}`) }
      op.call.tags!.push(rand.pick(TAGS))
    }
    return op
  }
  if (roll < 62) return { op: 'get', key }
  if (roll < 65) return { op: 'peek', key }
  if (roll < 68) return { op: 'has', key }
  if (roll < 72) return { op: 'delete', key }
  if (roll < 75) return { op: 'invalidateTag', tag: rand.pick([...TAGS, 'many7']) }
  if (roll < 76) return { op: 'clear' }
  if (roll < 86) return { op: 'advance', ms: rand.pick([1, 5, 10, 30, 60, 200, 1000, 5000]) }
  if (roll < 88) return { op: 'metrics' }
  if (roll < 96) return { op: 'badInput', pick: rand.int(1000) }
  if (hostile.has('throwingClock')) {
    // Only calls whose whole effect happens before they return: how often a call reads the
    // clock is the implementation's, so the check is "a call that throws changed nothing".
    const inner = rand.pick([
      { op: 'get', key } as const,
      { op: 'peek', key } as const,
      { op: 'has', key } as const,
      { op: 'set', key, value: valueSpec(rand), call: callSpec(rand, hostile, false) } as const,
      {
        op: 'getOrFetch',
        key,
        fetcher: 'deferred',
        call: { form: 'object', ttlMs: ttl(rand) },
        value: valueSpec(rand),
      } as const,
    ])
    return { op: 'brokenClock', failOnRead: 1 + rand.int(3), inner }
  }
  return { op: 'has', key }
}

/** The variant and `steps` operations of `seed`; a longer run of a seed extends a shorter one. */
export function generateRun(seed: number, steps: number, hostile: ReadonlySet<Hostile>) {
  const rand = new Rand(seed)
  const variant = generateVariant(rand, hostile)
  const ops = Array.from({ length: steps }, () => generateOp(rand, variant, hostile))
  return { variant, ops }
}

/** An operation as one line, with lone surrogates and other odd characters escaped. */
export function formatOp(op: Op): string {
  return JSON.stringify(op, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? String(value) : value,
  )
}
