/**
 * The cache's metrics as Prometheus metric families: the counters of `stats()`, a few gauges, and
 * a histogram of upstream fetch durations. `cache.metrics()` prints them in the text exposition
 * format; `collectCacheMetrics` hands the same families to a prom-client registry.
 */
import type { CacheStats } from '../types.js'
import { tierFamilies } from './tier_metrics.js'

/** How a fetch ended, as the histogram's `outcome` label tells it. */
export const OUTCOMES = ['success', 'error', 'timeout', 'abort'] as const
/** A fetch that produced a value; failures are the core's FailCause + 1 (error, timeout, abort). */
export const OUTCOME_SUCCESS = 0

/**
 * The default upper bounds, in seconds, of the fetch-duration buckets: from a 1 ms database read
 * to a minute-long LLM completion.
 */
export const DEFAULT_FETCH_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
])

/** One sample, in the shape prom-client's registry reads from its metrics' `get()`. */
export interface Sample {
  /** The sample's name when it differs from the family's (a histogram's `_bucket`, ...). */
  metricName?: string
  labels: Record<string, string | number>
  value: number
}

/** A metric family: its name, help and type, and this cache's samples. */
export interface MetricFamily {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'histogram'
  values: Sample[]
}

type Described = Omit<MetricFamily, 'values'>

type Counter = Described & { stat: Exclude<keyof CacheStats, 'tier'> }

function counter(stat: Counter['stat'], name: string, help: string): Counter {
  return { stat, name, help, type: 'counter' }
}

// The counters, in the order stats() lists them.
const COUNTERS: readonly Counter[] = [
  counter('hits', 'herdcache_hits_total', 'Lookups answered from the cache, fresh or stale.'),
  counter(
    'misses',
    'herdcache_misses_total',
    'Lookups that found nothing to answer with, coalesced ones included.',
  ),
  counter(
    'staleHits',
    'herdcache_stale_hits_total',
    'Hits answered with a stale value while it is refreshed.',
  ),
  counter(
    'coalesced',
    'herdcache_coalesced_total',
    'Misses that joined a fetch already in flight instead of calling the upstream.',
  ),
  counter(
    'fetches',
    'herdcache_fetches_total',
    'Upstream calls (fetcher calls), refreshes included.',
  ),
  counter(
    'refreshes',
    'herdcache_refreshes_total',
    'Upstream calls started in the background by stale hits.',
  ),
  counter('fetchErrors', 'herdcache_fetch_errors_total', 'Upstream calls that threw or rejected.'),
  counter(
    'refreshErrors',
    'herdcache_refresh_errors_total',
    'Background refreshes that failed or timed out.',
  ),
  counter(
    'timeouts',
    'herdcache_fetch_timeouts_total',
    'Upstream calls that did not settle within timeoutMs.',
  ),
  counter(
    'aborts',
    'herdcache_fetch_aborts_total',
    'Upstream calls abandoned because every caller waiting on them left.',
  ),
  counter('evictions', 'herdcache_evictions_total', 'Entries removed to make room for new ones.'),
  counter(
    'expirations',
    'herdcache_expirations_total',
    'Entries removed because their time ran out.',
  ),
]

function gauge(name: string, help: string): Described {
  return { name, help, type: 'gauge' }
}

const ENTRIES = gauge('herdcache_entries', 'Entries stored now.')
const BYTES = gauge(
  'herdcache_bytes',
  'Bytes stored now, by sizeOf (0 when sizes are not tracked).',
)
const IN_FLIGHT = gauge(
  'herdcache_in_flight_fetches',
  'Upstream calls in flight now whose results will be stored.',
)
const MAX_ENTRIES = gauge('herdcache_max_entries', 'The maxSize option: the most entries stored.')
const MAX_BYTES = gauge(
  'herdcache_max_bytes',
  'The maxBytes option: the most bytes stored (+Inf without one).',
)
const FETCH_DURATION: Described = {
  name: 'herdcache_fetch_duration_seconds',
  help: 'Upstream call durations, from the fetcher call to its value or failure, by outcome.',
  type: 'histogram',
}

/** Every family a cache reports, in output order. */
export const FAMILIES: readonly Described[] = [
  ...COUNTERS.map(({ name, help, type }) => ({ name, help, type })),
  ENTRIES,
  BYTES,
  IN_FLIGHT,
  MAX_ENTRIES,
  MAX_BYTES,
  FETCH_DURATION,
]

/** A histogram of fetch durations by outcome, in seconds. */
export class FetchDurations {
  readonly bounds: readonly number[]
  // Per outcome, bounds.length + 1 slots of non-cumulative counts (the last is above every
  // bound), then the sum of the durations.
  readonly #cells: Float64Array
  readonly #stride: number

  constructor(bounds: readonly number[]) {
    this.bounds = bounds
    this.#stride = bounds.length + 2
    this.#cells = new Float64Array(this.#stride * OUTCOMES.length)
  }

  record(outcome: number, seconds: number): void {
    const bounds = this.bounds
    let bucket = 0
    while (bucket < bounds.length && seconds > bounds[bucket]!) bucket += 1
    const base = outcome * this.#stride
    this.#cells[base + bucket]! += 1
    this.#cells[base + this.#stride - 1]! += seconds
  }

  /** The histogram's samples, labelled with `labels` and each outcome. */
  samples(labels: Record<string, string>): Sample[] {
    const out: Sample[] = []
    const { name } = FETCH_DURATION
    OUTCOMES.forEach((outcome, index) => {
      const base = index * this.#stride
      const withOutcome = { ...labels, outcome }
      let count = 0
      for (let bucket = 0; bucket <= this.bounds.length; bucket += 1) {
        count += this.#cells[base + bucket]!
        const le = bucket < this.bounds.length ? this.bounds[bucket]! : '+Inf'
        out.push({ metricName: `${name}_bucket`, labels: { ...withOutcome, le }, value: count })
      }
      const sum = this.#cells[base + this.#stride - 1]!
      out.push({ metricName: `${name}_sum`, labels: withOutcome, value: sum })
      out.push({ metricName: `${name}_count`, labels: withOutcome, value: count })
    })
    return out
  }
}

/** A hook that lets prom-client collectors read one cache's families at scrape time. */
export const familiesSymbol: unique symbol = Symbol('herdcache.metricFamilies')

/** What a cache offers its collectors. */
export interface MetricsProvider {
  readonly name: string | undefined
  [familiesSymbol](): MetricFamily[]
}

/** What a cache reports about itself. */
export interface MetricsSource {
  name: string | undefined
  stats: CacheStats
  maxSize: number
  maxBytes: number | undefined
  durations: FetchDurations
}

/** A cache's metric families; a named cache's samples carry a `cache` label. */
export function familiesOf(source: MetricsSource): MetricFamily[] {
  const labels: Record<string, string> = source.name === undefined ? {} : { cache: source.name }
  const one = (family: Described, value: number): MetricFamily => ({
    ...family,
    values: [{ labels, value }],
  })
  const { stats } = source
  const families = COUNTERS.map(({ stat, name, help, type }) =>
    one({ name, help, type }, stats[stat]),
  )
  families.push(
    one(ENTRIES, stats.size),
    one(BYTES, stats.bytes),
    one(IN_FLIGHT, stats.inFlight),
    one(MAX_ENTRIES, source.maxSize),
  )
  families.push(one(MAX_BYTES, source.maxBytes ?? Infinity))
  families.push({ ...FETCH_DURATION, values: source.durations.samples(labels) })
  if (stats.tier !== undefined) families.push(...tierFamilies(stats.tier, labels))
  return families
}

/** A number as the exposition format writes it. */
function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value)
  if (Number.isNaN(value)) return 'NaN'
  return value > 0 ? '+Inf' : '-Inf'
}

function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))
}

function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'))
}

/** Families in the Prometheus text exposition format (version 0.0.4), ending with a newline. */
export function formatPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = []
  for (const family of families) {
    lines.push(
      `# HELP ${family.name} ${escapeHelp(family.help)}`,
      `# TYPE ${family.name} ${family.type}`,
    )
    for (const sample of family.values) {
      const labels = Object.entries(sample.labels)
        .map(([label, value]) => {
          const text = typeof value === 'number' ? formatValue(value) : value
          return `${label}="${escapeLabelValue(text)}"`
        })
        .join(',')
      const name = sample.metricName ?? family.name
      lines.push(`${name}${labels === '' ? '' : `{${labels}}`} ${formatValue(sample.value)}`)
    }
  }
  return `${lines.join('\n')}\n`
}
