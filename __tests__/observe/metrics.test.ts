// Issue 5, section 2: cache.metrics() in the Prometheus text format, the fetch-duration
// histogram and the in-flight gauge, and collectCacheMetrics() scraped through a real prom-client
// registry. Time comes from the `clock` option, fetches are settled by hand, nothing sleeps.
import {
  Counter,
  type OpenMetricsContentType,
  Registry,
  register as globalRegister,
} from 'prom-client'
import { describe, expect, it, vi } from 'vitest'
import {
  CacheManager,
  type CacheStats,
  collectCacheMetrics,
  DEFAULT_FETCH_DURATION_BUCKETS,
  TimeoutError,
} from '../../dist/index.js'
import { deferred, rejectionOf } from '../support/async.js'
import { manualClock } from '../support/clock.js'
import { isCollected } from '../support/gc.js'
import { type Exposition, parseExposition, seriesId } from '../support/prometheus.js'
import { thrownBy } from '../support/throws.js'
import { afterFakeTime } from '../support/timers.js'

// Every stats() counter and gauge of a cache without a tier, by its metric name.
type LocalStat = Exclude<keyof CacheStats, 'tier'>
const STAT_METRICS: Record<LocalStat, string> = {
  hits: 'herdcache_hits_total',
  misses: 'herdcache_misses_total',
  staleHits: 'herdcache_stale_hits_total',
  fetches: 'herdcache_fetches_total',
  refreshes: 'herdcache_refreshes_total',
  fetchErrors: 'herdcache_fetch_errors_total',
  refreshErrors: 'herdcache_refresh_errors_total',
  timeouts: 'herdcache_fetch_timeouts_total',
  aborts: 'herdcache_fetch_aborts_total',
  coalesced: 'herdcache_coalesced_total',
  evictions: 'herdcache_evictions_total',
  expirations: 'herdcache_expirations_total',
  size: 'herdcache_entries',
  inFlight: 'herdcache_in_flight_fetches',
  bytes: 'herdcache_bytes',
}

const HISTOGRAM = 'herdcache_fetch_duration_seconds'

function exposition(cache: CacheManager): Exposition {
  return parseExposition(cache.metrics())
}

function sample(parsed: Exposition, name: string, labels: Record<string, string> = {}): number {
  const value = parsed.samples.get(seriesId(name, labels))
  if (value === undefined) throw new Error(`no sample ${seriesId(name, labels)}`)
  return value
}

/** Every counter and gauge as metrics() reports it, in stats()'s shape. */
function statsFromMetrics(parsed: Exposition, labels: Record<string, string>): CacheStats {
  const out = {} as Record<LocalStat, number>
  for (const [stat, name] of Object.entries(STAT_METRICS)) {
    out[stat as LocalStat] = sample(parsed, name, labels)
  }
  return out
}

/** A workload that moves every counter: hits, stale hits, joins, errors, evictions, ... */
async function busyCache(name?: string) {
  const clock = manualClock()
  const cache = new CacheManager({ maxSize: 2, clock: clock.read, ...(name ? { name } : {}) })
  await cache.getOrFetch('a', () => 'A', 100)
  await cache.getOrFetch('a', () => 'unused') // hit
  const gate = deferred<string>()
  const first = cache.getOrFetch('b', () => gate.promise)
  const joined = cache.getOrFetch('b', () => 'unused') // coalesced
  gate.resolve('B')
  await Promise.all([first, joined])
  await rejectionOf(cache.getOrFetch('c', () => Promise.reject(new Error('down'))))
  await cache.getOrFetch('d', () => 'D') // evicts a
  await cache.getOrFetch('s', () => 'S', { ttlMs: 10, staleWhileRevalidateMs: 100 }) // evicts b
  clock.now += 20
  await cache.getOrFetch('s', () => 'S2', { ttlMs: 10, staleWhileRevalidateMs: 100 }) // stale hit
  await cache.get('gone') // miss
  await rejectionOf(
    afterFakeTime(1, () => cache.getOrFetch('t', () => new Promise(() => {}), { timeoutMs: 1 })),
  )
  const leaving = new AbortController()
  const abandoned = cache.getOrFetch('u', () => new Promise(() => {}), { signal: leaving.signal })
  leaving.abort(new Error('client left'))
  await rejectionOf(abandoned)
  return { cache, clock }
}

describe('cache.metrics()', () => {
  it('reports every counter and gauge of stats(), under a cache label from the name option', async () => {
    const { cache } = await busyCache('api')
    const parsed = exposition(cache)
    const stats = cache.stats()
    expect(statsFromMetrics(parsed, { cache: 'api' })).toEqual(stats)
    // The workload moved every counter it was written to move.
    expect(stats).toMatchObject({
      hits: 2,
      staleHits: 1,
      coalesced: 1,
      fetchErrors: 1,
      timeouts: 1,
      aborts: 1,
      evictions: 2,
      refreshes: 1,
    })
    expect(sample(parsed, 'herdcache_max_entries', { cache: 'api' })).toBe(2)
    expect(sample(parsed, 'herdcache_max_bytes', { cache: 'api' })).toBe(Infinity)
  })

  it('declares each family once, with HELP and TYPE, names prefixed herdcache_', async () => {
    const { cache } = await busyCache('api')
    const parsed = exposition(cache)
    for (const [name, family] of parsed.families) {
      expect(name).toMatch(/^herdcache_/)
      expect(family.help.length).toBeGreaterThan(10)
      expect(family.type).toBe(
        name.endsWith('_total') ? 'counter' : name === HISTOGRAM ? 'histogram' : 'gauge',
      )
    }
    for (const id of parsed.samples.keys()) {
      const family = /^(\w+?)(_bucket|_sum|_count)?(\{|$)/.exec(id)!
      const name = parsed.families.has(family[1]!) ? family[1]! : id.split('{')[0]!
      expect(parsed.families.has(name), id).toBe(true)
    }
  })

  it('has no labels without a name, and escapes a name that needs it', async () => {
    const plain = new CacheManager()
    await plain.getOrFetch('k', () => 1)
    expect(sample(exposition(plain), 'herdcache_fetches_total')).toBe(1)

    const name = 'a "quoted" \\ name\nwith a newline'
    const odd = new CacheManager({ name })
    expect(odd.name).toBe(name)
    await odd.getOrFetch('k', () => 1)
    expect(sample(exposition(odd), 'herdcache_fetches_total', { cache: name })).toBe(1)
  })

  it('reports maxBytes and the bytes stored when sizes are tracked', async () => {
    const cache = new CacheManager({ name: 'b', maxBytes: 1000 })
    await cache.set('k', 'abcd')
    const parsed = exposition(cache)
    expect(sample(parsed, 'herdcache_max_bytes', { cache: 'b' })).toBe(1000)
    expect(sample(parsed, 'herdcache_bytes', { cache: 'b' })).toBe(8)
  })

  it('gauges the fetches in flight', async () => {
    const cache = new CacheManager({ name: 'f' })
    const gates = [deferred<number>(), deferred<number>()]
    const pending = gates.map((gate, i) => cache.getOrFetch(`k${i}`, () => gate.promise))
    cache.getOrFetch('k0', () => 0).catch(() => undefined) // joins: still two fetches
    expect(sample(exposition(cache), 'herdcache_in_flight_fetches', { cache: 'f' })).toBe(2)
    gates[0]!.resolve(0)
    await pending[0]
    expect(sample(exposition(cache), 'herdcache_in_flight_fetches', { cache: 'f' })).toBe(1)
    gates[1]!.resolve(1)
    await pending[1]
    expect(sample(exposition(cache), 'herdcache_in_flight_fetches', { cache: 'f' })).toBe(0)
  })
})

describe('the fetch-duration histogram', () => {
  it('times each fetch by the cache clock, from the fetcher call to its outcome', async () => {
    const clock = manualClock()
    const cache = new CacheManager({ name: 'h', clock: clock.read })
    const timed = async (key: string, ms: number, fail = false) => {
      const gate = deferred<string>()
      const answer = cache.getOrFetch(key, () => gate.promise)
      clock.now += ms
      if (fail) gate.reject(new Error('down'))
      else gate.resolve(key)
      await answer.catch(() => undefined)
    }
    await timed('a', 3) // le 0.005
    await timed('b', 30) // le 0.05
    await timed('c', 30) // le 0.05
    await timed('d', 2000) // le 2.5
    await timed('e', 70, true) // an error, le 0.1
    const leaving = new AbortController()
    const abandoned = cache.getOrFetch('f', () => new Promise(() => {}), {
      signal: leaving.signal,
    })
    clock.now += 120_000 // past every bound: only +Inf
    leaving.abort(new Error('gone'))
    await rejectionOf(abandoned)

    const parsed = exposition(cache)
    const bucket = (outcome: string, le: string) =>
      sample(parsed, `${HISTOGRAM}_bucket`, { cache: 'h', outcome, le })
    const cumulative = DEFAULT_FETCH_DURATION_BUCKETS.map((bound) => bucket('success', `${bound}`))
    expect(cumulative).toEqual([0, 0, 1, 1, 1, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4])
    expect(bucket('success', '+Inf')).toBe(4)
    expect(sample(parsed, `${HISTOGRAM}_count`, { cache: 'h', outcome: 'success' })).toBe(4)
    expect(sample(parsed, `${HISTOGRAM}_sum`, { cache: 'h', outcome: 'success' })).toBeCloseTo(
      2.063,
      9,
    )
    expect(bucket('error', '0.05')).toBe(0)
    expect(bucket('error', '0.1')).toBe(1)
    expect(sample(parsed, `${HISTOGRAM}_sum`, { cache: 'h', outcome: 'error' })).toBeCloseTo(0.07)
    expect(bucket('abort', '60')).toBe(0)
    expect(bucket('abort', '+Inf')).toBe(1)
    expect(sample(parsed, `${HISTOGRAM}_count`, { cache: 'h', outcome: 'timeout' })).toBe(0)
  })

  it('counts every ended fetch once: the counts add up to the fetches that ended', async () => {
    const { cache } = await busyCache('sum')
    const parsed = exposition(cache)
    const count = (outcome: string) =>
      sample(parsed, `${HISTOGRAM}_count`, { cache: 'sum', outcome })
    const stats = cache.stats()
    expect(count('error')).toBe(stats.fetchErrors)
    expect(count('timeout')).toBe(stats.timeouts)
    expect(count('abort')).toBe(stats.aborts)
    expect(count('success') + count('error') + count('timeout') + count('abort')).toBe(
      stats.fetches - stats.inFlight,
    )
  })

  it('times fetches by the native monotonic clock without a clock option', async () => {
    const cache = new CacheManager({ name: 'real' })
    // A lower bound only: a 30 ms timer never fires in much under 30 ms.
    await cache.getOrFetch('k', () => new Promise((resolve) => setTimeout(resolve, 30, 1)))
    const parsed = exposition(cache)
    const sum = sample(parsed, `${HISTOGRAM}_sum`, { cache: 'real', outcome: 'success' })
    expect(sum).toBeGreaterThanOrEqual(0.025)
    expect(sum).toBeLessThan(60) // a duration, not a timestamp
    expect(
      sample(parsed, `${HISTOGRAM}_bucket`, { cache: 'real', outcome: 'success', le: '0.025' }),
    ).toBe(0)
  })

  it('times a fetch that timed out as a timeout', async () => {
    const cache = new CacheManager({ name: 't' })
    const error = await rejectionOf(
      afterFakeTime(1, () => cache.getOrFetch('k', () => new Promise(() => {}), { timeoutMs: 1 })),
    )
    expect(error).toBeInstanceOf(TimeoutError)
    const parsed = exposition(cache)
    expect(sample(parsed, `${HISTOGRAM}_count`, { cache: 't', outcome: 'timeout' })).toBe(1)
    expect(sample(parsed, `${HISTOGRAM}_count`, { cache: 't', outcome: 'error' })).toBe(0)
  })

  it('takes its buckets from fetchDurationBuckets', async () => {
    const clock = manualClock()
    const cache = new CacheManager({ name: 'c', clock: clock.read, fetchDurationBuckets: [1, 90] })
    const gate = deferred<number>()
    const answer = cache.getOrFetch('k', () => gate.promise)
    clock.now += 5000
    gate.resolve(1)
    await answer
    const parsed = exposition(cache)
    const buckets = [...parsed.samples.keys()].filter(
      (id) => id.startsWith(`${HISTOGRAM}_bucket{cache="c",le=`) && id.includes('"success"'),
    )
    expect(buckets).toEqual([
      seriesId(`${HISTOGRAM}_bucket`, { cache: 'c', outcome: 'success', le: '1' }),
      seriesId(`${HISTOGRAM}_bucket`, { cache: 'c', outcome: 'success', le: '90' }),
      seriesId(`${HISTOGRAM}_bucket`, { cache: 'c', outcome: 'success', le: '+Inf' }),
    ])
    expect(buckets.map((id) => parsed.samples.get(id))).toEqual([0, 1, 1])
  })

  it.each([
    [[], TypeError, /^fetchDurationBuckets must be an array of increasing positive/],
    ['1,2', TypeError, /^fetchDurationBuckets must be .* received string '1,2'$/],
    [[1, '2'], TypeError, /^fetchDurationBuckets\[1\] must be .* received string '2'$/],
    [[0.5, 0.5], RangeError, /^fetchDurationBuckets\[1\] must be .* received number 0.5$/],
    [[-1], RangeError, /^fetchDurationBuckets\[0\] must be .* received number -1$/],
    [[1, Infinity], RangeError, /^fetchDurationBuckets\[1\] must be .* received number Infinity$/],
    [[NaN], RangeError, /^fetchDurationBuckets\[0\] must be .* received number NaN$/],
  ])('rejects fetchDurationBuckets %j', (buckets, type, message) => {
    expect(() => new CacheManager({ fetchDurationBuckets: buckets as number[] })).toThrow(type)
    expect(() => new CacheManager({ fetchDurationBuckets: buckets as number[] })).toThrow(message)
  })

  it.each([
    ['', RangeError, "name must be a non-empty string, received string ''"],
    [7, TypeError, 'name must be a non-empty string, received number 7'],
  ])('rejects name %j', (name, type, message) => {
    expect(() => new CacheManager({ name: name as string })).toThrow(type)
    expect(() => new CacheManager({ name: name as string })).toThrow(message)
  })
})

describe('collectCacheMetrics() with a prom-client registry', () => {
  it('scrapes the same samples as cache.metrics()', async () => {
    const { cache } = await busyCache('api')
    const register = new Registry()
    collectCacheMetrics(cache, { register })
    const scraped = parseExposition(await register.metrics())
    expect(scraped.samples).toEqual(exposition(cache).samples)
    expect(scraped.families).toEqual(exposition(cache).families)
    expect(statsFromMetrics(scraped, { cache: 'api' })).toEqual(cache.stats())
  })

  it('reads the cache at each scrape', async () => {
    const cache = new CacheManager({ name: 'live' })
    const register = new Registry()
    collectCacheMetrics(cache, { register })
    const fetches = async () =>
      sample(parseExposition(await register.metrics()), 'herdcache_fetches_total', {
        cache: 'live',
      })
    expect(await fetches()).toBe(0)
    await cache.getOrFetch('k', () => 1)
    await cache.getOrFetch('j', () => 1)
    expect(await fetches()).toBe(2)
  })

  it('reads each cache once per scrape, not once per metric family', async () => {
    const register = new Registry()
    const a = new CacheManager({ name: 'a' })
    const b = new CacheManager({ name: 'b' })
    collectCacheMetrics(a, { register })
    collectCacheMetrics(b, { register })
    const reads = { a: vi.spyOn(a, 'stats'), b: vi.spyOn(b, 'stats') }
    const text = await register.metrics()
    expect(text).toContain('herdcache_fetch_duration_seconds_bucket')
    expect([reads.a.mock.calls.length, reads.b.mock.calls.length]).toEqual([1, 1])
    await register.getMetricsAsJSON()
    expect([reads.a.mock.calls.length, reads.b.mock.calls.length]).toEqual([2, 2])
    await a.getOrFetch('k', () => 1) // a later scrape reads anew
    expect(
      sample(parseExposition(await register.metrics()), 'herdcache_fetches_total', { cache: 'a' }),
    ).toBe(1)
  })

  it('reports several caches in one registry, told apart by name, and stops each', async () => {
    const register = new Registry()
    const a = new CacheManager({ name: 'a' })
    const b = new CacheManager({ name: 'b' })
    const stopA = collectCacheMetrics(a, { register })
    const stopB = collectCacheMetrics(b, { register })
    await a.getOrFetch('k', () => 1)
    await b.getOrFetch('k', () => 1)
    await b.getOrFetch('j', () => 1)
    let scraped = parseExposition(await register.metrics())
    expect(sample(scraped, 'herdcache_fetches_total', { cache: 'a' })).toBe(1)
    expect(sample(scraped, 'herdcache_fetches_total', { cache: 'b' })).toBe(2)

    stopA()
    stopA() // twice is harmless
    scraped = parseExposition(await register.metrics())
    expect(scraped.samples.has(seriesId('herdcache_fetches_total', { cache: 'a' }))).toBe(false)
    expect(sample(scraped, 'herdcache_fetches_total', { cache: 'b' })).toBe(2)

    stopB()
    expect(await register.metrics()).toBe('\n')
    expect(register.getSingleMetric('herdcache_hits_total')).toBeUndefined()
    collectCacheMetrics(a, { register }) // and it can start again
    expect(
      sample(parseExposition(await register.metrics()), 'herdcache_hits_total', {
        cache: 'a',
      }),
    ).toBe(0)
  })

  it('refuses a second cache of the same name, and accepts the same cache twice', () => {
    const register = new Registry()
    const first = new CacheManager({ name: 'x' })
    collectCacheMetrics(first, { register })
    expect(() => collectCacheMetrics(first, { register })).not.toThrow()
    const error = thrownBy(() => collectCacheMetrics(new CacheManager({ name: 'x' }), { register }))
    expect(error.code).toBe('ERR_HERDCACHE_DUPLICATE_NAME')
    expect(error.message).toMatch(/a cache named 'x' already reports in this registry/)
    collectCacheMetrics(new CacheManager(), { register })
    expect(() => collectCacheMetrics(new CacheManager(), { register })).toThrow(
      /an unnamed cache already reports in this registry/,
    )
  })

  it('leaves the registry as it was when a metric name is taken', () => {
    const register = new Registry()
    new Counter({ name: 'herdcache_hits_total', help: 'mine', registers: [register] })
    expect(() => collectCacheMetrics(new CacheManager({ name: 'x' }), { register })).toThrow(
      /herdcache_hits_total has already been registered/,
    )
    expect(register.getMetricsAsArray().map((metric) => metric.name)).toEqual([
      'herdcache_hits_total',
    ])
  })

  it('works with OpenMetrics registries, default labels, JSON and resets', async () => {
    const register = new Registry<OpenMetricsContentType>()
    register.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)
    register.setDefaultLabels({ service: 'checkout' })
    const cache = new CacheManager({ name: 'om' })
    collectCacheMetrics(cache, { register })
    await cache.getOrFetch('k', () => 1)
    const text = await register.metrics()
    expect(text).toContain('# TYPE herdcache_fetches counter\n')
    const scraped = parseExposition(text, { openMetrics: true })
    expect(sample(scraped, 'herdcache_fetches_total', { cache: 'om', service: 'checkout' })).toBe(1)

    const json = await register.getMetricsAsJSON()
    const entries = json.find((metric) => metric.name === 'herdcache_entries')
    expect(entries?.values).toEqual([{ labels: { cache: 'om', service: 'checkout' }, value: 1 }])

    register.resetMetrics() // the counters are the cache's own: a reset leaves them
    expect(cache.stats().fetches).toBe(1)
  })

  it("uses prom-client's global registry by default", async () => {
    const cache = new CacheManager({ name: 'global-default' })
    const stop = collectCacheMetrics(cache)
    try {
      await cache.getOrFetch('k', () => 1)
      const scraped = parseExposition(await globalRegister.metrics())
      expect(sample(scraped, 'herdcache_fetches_total', { cache: 'global-default' })).toBe(1)
    } finally {
      stop()
    }
    expect(globalRegister.getSingleMetric('herdcache_fetches_total')).toBeUndefined()
  })

  it('holds the cache weakly: a collected cache stops reporting', async () => {
    const register = new Registry()
    const kept = new CacheManager({ name: 'kept' })
    collectCacheMetrics(kept, { register })
    const ref = (() => {
      const dropped = new CacheManager({ name: 'dropped' })
      collectCacheMetrics(dropped, { register })
      return new WeakRef(dropped)
    })()
    expect(await isCollected(ref)).toBe(true)
    const scraped = parseExposition(await register.metrics())
    const caches = new Set([...scraped.samples.keys()].map((id) => /cache="([^"]*)"/.exec(id)?.[1]))
    expect(caches).toEqual(new Set([kept.name]))
  })

  it('names the bad argument', () => {
    const register = new Registry()
    expect(() => collectCacheMetrics({} as never, { register })).toThrow(
      'cache must be a CacheManager, received an object',
    )
    expect(() => collectCacheMetrics(new CacheManager(), { register: {} as never })).toThrow(
      'options.register must be a prom-client Registry, received an object',
    )
    expect(() =>
      collectCacheMetrics(new CacheManager(), { register, prefix: 'x' } as never),
    ).toThrow('options.prefix is not an option; the options are register')
    expect(() => collectCacheMetrics(new CacheManager(), null as never)).toThrow(
      'options must be an object, received null',
    )
    expect(register.getMetricsAsArray()).toEqual([])
  })
})
