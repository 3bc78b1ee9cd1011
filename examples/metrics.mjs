// @ts-check
// Metrics and tracing: cache.metrics() for a Prometheus scrape, the same metrics in a
// prom-client registry, and diagnostics_channel events for an APM tool.
//
// Run: node examples/metrics.mjs
// expect: channel: miss user:1
// expect: tracing: fetch start user:1
// expect: tracing: fetch end user:1
// expect: channel: coalesce user:1
// expect: tracing: fetch asyncStart user:1
// expect: tracing: fetch asyncEnd user:1 in 40 ms, stored true
// expect: channel: hit user:1
// expect: herdcache_coalesced_total{cache="users"} 1
// expect: herdcache_fetches_total{cache="users"} 1
// expect: herdcache_fetch_duration_seconds_bucket{cache="users",outcome="success",le="0.025"} 0
// expect: herdcache_fetch_duration_seconds_bucket{cache="users",outcome="success",le="0.05"} 1
// expect: prom-client scrape has the same herdcache_hits_total: herdcache_hits_total{cache="users"} 1
import diagnostics from 'node:diagnostics_channel'
import { Registry } from 'prom-client'
import { CacheManager, channels, collectCacheMetrics } from 'herdcache'

// A hand-driven clock, so the fetch duration printed is exact: the upstream "takes" 40 ms.
let now = 0
const cache = new CacheManager({ name: 'users', clock: () => now })

// An APM tool would subscribe like this; with no subscriber, nothing is published. Lookups and
// removals have plain channels; every fetch goes through one TracingChannel.
for (const name of [channels.hit, channels.miss, channels.coalesce, channels.evict]) {
  diagnostics.subscribe(name, (message) => {
    const { key } = /** @type {import('herdcache').LookupMessage} */ (message)
    console.log(`channel: ${name.slice('herdcache:'.length)} ${key}`)
  })
}
/** @param {string} event */
const traced = (event) => (/** @type {import('herdcache').FetchMessage} */ message) =>
  console.log(`tracing: fetch ${event} ${message.key}`)
/** @type {import('node:diagnostics_channel').TracingChannel<unknown, import('herdcache').FetchMessage>} */
const fetches = diagnostics.tracingChannel(channels.fetch)
fetches.subscribe({
  start: traced('start'),
  end: traced('end'),
  asyncStart: traced('asyncStart'),
  asyncEnd: ({ key, durationMs, stored }) => {
    console.log(`tracing: fetch asyncEnd ${key} in ${durationMs} ms, stored ${stored}`)
  },
  error: traced('error'),
})

/** @type {(value: unknown) => void} */
let answer = () => {}
const upstream = new Promise((resolve) => {
  answer = resolve
})
const first = cache.getOrFetch('user:1', () => upstream, 60_000)
const second = cache.getOrFetch('user:1', () => upstream, 60_000) // joins the first fetch
now += 40
answer({ name: 'Ada' })
await Promise.all([first, second])
await cache.getOrFetch('user:1', () => upstream, 60_000) // a hit

// What a /metrics endpoint would send (a few lines of it).
const text = cache.metrics()
const show = [
  'herdcache_fetches_total{',
  'herdcache_coalesced_total{',
  'herdcache_fetch_duration_seconds_bucket{cache="users",outcome="success",le="0.025"}',
  'herdcache_fetch_duration_seconds_bucket{cache="users",outcome="success",le="0.05"}',
]
for (const line of text.split('\n')) {
  if (show.some((start) => line.startsWith(start))) console.log(line)
}

// With prom-client: the cache reports in a registry, read at each scrape.
const register = new Registry()
collectCacheMetrics(cache, { register })
const scraped = (await register.metrics())
  .split('\n')
  .find((line) => line.startsWith('herdcache_hits_total'))
console.log(`prom-client scrape has the same herdcache_hits_total: ${scraped}`)
