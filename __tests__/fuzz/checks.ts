// The invariants the runner checks after every step, as functions of what the cache shows and
// what the model expects. Each throws a Fail whose kind stays stable, so shrinking can keep
// looking for the same failure.
import type { CacheManager } from '../../dist/index.js'
import { parseExposition } from '../support/prometheus.js'
import { COUNTERS, type Expectation, type Model, type Removal, type Waiter } from './model.js'
import { NO_VALUE, type Observed, type Observer, safeString, showKey } from './observe.js'

export class Fail extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message)
  }
}

/** A Promise the cache handed out, what it has settled to so far, and what it must. */
export interface Handed {
  label: string
  promise: Promise<unknown>
  waiter: Waiter
  actual:
    | { state: 'pending' }
    | { state: 'fulfilled'; value: unknown }
    | { state: 'rejected'; error: unknown }
}

/** Why `actual` does not meet `expect`, or undefined when it does. */
export function sameExpectation(expect: Expectation, actual: Handed['actual']): string | undefined {
  if (expect.state === 'pending') {
    return actual.state === 'pending'
      ? undefined
      : `settled (${actual.state}) but should be pending`
  }
  if (actual.state === 'pending') return `still pending but should be ${expect.state}`
  if (expect.state === 'fulfilled') {
    if (actual.state !== 'fulfilled')
      return `rejected with ${safeString(actual.error)}, expected a value`
    return Object.is(actual.value, expect.value)
      ? undefined
      : `fulfilled with ${safeString(actual.value)}, expected ${safeString(expect.value)}`
  }
  if (actual.state !== 'rejected')
    return `fulfilled with ${safeString(actual.value)}, expected a rejection`
  if ('error' in expect) {
    return Object.is(actual.error, expect.error)
      ? undefined
      : `rejected with ${safeString(actual.error)}, expected ${safeString(expect.error)}`
  }
  return expect.matches(actual.error)
    ? undefined
    : `rejected with ${safeString(actual.error)}, expected ${expect.describe}`
}

/**
 * stats() against the model, and against what the runner counted itself: lookups made and
 * fetcher calls seen. Also size, maxSize, maxBytes and bytes.
 */
export function checkCounters(
  cache: CacheManager,
  model: Model,
  counted: { lookups: number; fetcherCalls: number },
  what: string,
): void {
  const stats = cache.stats() as unknown as Record<string, number>
  const size = cache.size
  for (const counter of COUNTERS) {
    if (stats[counter] !== model.counters[counter]) {
      throw new Fail(
        `counter ${counter}`,
        `after ${what}: stats().${counter} is ${stats[counter]}, the model says ${model.counters[counter]}`,
      )
    }
  }
  if (stats.size !== size)
    throw new Fail('size', `stats().size ${stats.size} !== cache.size ${size}`)
  if (size !== model.size) {
    throw new Fail(
      'size',
      `after ${what}: size is ${size}, the model holds ${model.size} (${[...model.entries.keys()].map(showKey).join(', ')})`,
    )
  }
  const { maxSize, maxBytes } = model.variant
  if (size > maxSize) throw new Fail('maxSize', `size ${size} > maxSize ${maxSize}`)
  if (maxBytes !== undefined && stats.bytes! > maxBytes) {
    throw new Fail('maxBytes', `bytes ${stats.bytes} > maxBytes ${maxBytes}`)
  }
  // Past 2^53 the byte counter (a uint64 in C++) cannot be compared exactly as a double.
  if (model.bytes <= Number.MAX_SAFE_INTEGER && stats.bytes !== model.bytes) {
    throw new Fail(
      'counter bytes',
      `after ${what}: stats().bytes is ${stats.bytes}, the model says ${model.bytes}`,
    )
  }
  if (stats.inFlight !== model.current.size) {
    throw new Fail(
      'counter inFlight',
      `after ${what}: stats().inFlight is ${stats.inFlight}, the model says ${model.current.size}`,
    )
  }
  if (stats.hits! + stats.misses! !== counted.lookups) {
    throw new Fail(
      'counter lookups',
      `hits + misses is ${stats.hits! + stats.misses!}, but ${counted.lookups} lookups were made`,
    )
  }
  if (stats.fetches !== counted.fetcherCalls) {
    throw new Fail(
      'counter fetches',
      `stats().fetches ${stats.fetches} but the fetcher ran ${counted.fetcherCalls} times`,
    )
  }
}

/**
 * The removals of one step against the model's. `onEvict` is what onEvict saw (undefined
 * without one); the channel must then agree with it, in order.
 */
export function checkRemovals(
  expected: Removal[],
  channel: Observed[],
  onEvict: Observed[] | undefined,
  what: string,
): void {
  const seen = onEvict ?? channel
  const order = (a: Observed, b: Observed) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0
  // Compared as multisets: the order within one call (invalidateTag, clear) is the core's.
  const actual = [...seen].sort(order)
  const wanted = [...expected].sort(order)
  const show = (list: Observed[]) =>
    list.map((r) => `${showKey(r.key)} ${r.reason}`).join(', ') || 'none'
  const differs =
    actual.length !== wanted.length ||
    actual.some((r, i) => {
      const e = wanted[i]!
      return (
        r.key !== e.key ||
        r.reason !== e.reason ||
        (r.value !== NO_VALUE && !Object.is(r.value, e.value))
      )
    })
  if (differs) {
    throw new Fail(
      'removals',
      `after ${what}: onEvict saw [${show(seen)}], the model expected [${show(expected)}]`,
    )
  }
  if (onEvict !== undefined) {
    if (
      channel.length !== onEvict.length ||
      channel.some((r, i) => r.key !== onEvict[i]!.key || r.reason !== onEvict[i]!.reason)
    ) {
      throw new Fail(
        'removals',
        `the evict channel saw [${show(channel)}] but onEvict saw [${show(onEvict)}]`,
      )
    }
  }
}

/** metrics() tells the same counters and gauges as stats(). */
export function checkMetrics(cache: CacheManager, maxSize: number): void {
  const stats = cache.stats() as unknown as Record<string, number>
  const { samples } = parseExposition(cache.metrics())
  const pairs: [string, number][] = [
    ['herdcache_hits_total', stats.hits!],
    ['herdcache_misses_total', stats.misses!],
    ['herdcache_fetches_total', stats.fetches!],
    ['herdcache_fetch_errors_total', stats.fetchErrors!],
    ['herdcache_evictions_total', stats.evictions!],
    ['herdcache_entries', stats.size!],
    ['herdcache_in_flight_fetches', stats.inFlight!],
    ['herdcache_max_entries', maxSize],
  ]
  for (const [name, expected] of pairs) {
    if (samples.get(name) !== expected) {
      throw new Fail(
        'metrics',
        `metrics() has ${name} ${samples.get(name)}, stats() says ${expected}`,
      )
    }
  }
}

/** One HERDCACHE_ON_EVICT_THREW warning per onEvict throw, and no other herdcache warning. */
export function checkWarnings(observer: Observer): void {
  const threw = observer.warnings.filter((w) => w.code === 'HERDCACHE_ON_EVICT_THREW').length
  if (threw !== observer.onEvictThrows) {
    throw new Fail(
      'onEvict warnings',
      `onEvict threw ${observer.onEvictThrows} times but ${threw} HERDCACHE_ON_EVICT_THREW warnings were emitted`,
    )
  }
  const other = observer.warnings.find(
    (w) => w.code?.startsWith('HERDCACHE_') && w.code !== 'HERDCACHE_ON_EVICT_THREW',
  )
  if (other !== undefined)
    throw new Fail('warning', `unexpected warning ${other.code}: ${other.message}`)
}
