// herdcache demo: a burst of concurrent requests against a slow, paid upstream,
// once without a cache and once through herdcache's getOrFetch.
//
// Run with `npm run demo` (builds dist/ first). Seeded, so the numbers repeat run to run.

import { CacheManager } from '../dist/index.js'
import { mulberry32 } from './seeded_random.mjs'

// ---- Scenario ---------------------------------------------------------------------------------
const SEED = 42
const KEYS = 300
const ZIPF_S = 1.0 // popularity skew: key rank r is requested with weight 1 / r^s
const UPSTREAM_MS = 200 // latency of one upstream call
const COST_PER_CALL = 0.002 // dollars per upstream call, like a paid LLM API
const TTL_MS = 60_000
const MAX_SIZE = 1000
// Waves chosen around the 200 ms upstream latency: wave 2 lands while wave 1's fetches are in
// flight (it coalesces), wave 3 after wave 1's have finished but during wave 2's (hits and
// coalesces), wave 4 after everything has finished (hits, plus fetches of keys not yet seen).
const WAVES = [
  { atMs: 0, requests: 1500 },
  { atMs: 100, requests: 1500 },
  { atMs: 250, requests: 1000 },
  { atMs: 600, requests: 1000 },
]

// ---- A Zipf-like key sampler over the seeded generator --------------------------------------
function zipfSampler(n, s, random) {
  const cdf = []
  let total = 0
  for (let rank = 1; rank <= n; rank++) cdf.push((total += 1 / rank ** s))
  return () => {
    const u = random() * total
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid] < u) lo = mid + 1
      else hi = mid
    }
    return `prompt-${String(lo + 1).padStart(3, '0')}`
  }
}

// The same request plan for both runs: which key each request asks for, wave by wave.
const sample = zipfSampler(KEYS, ZIPF_S, mulberry32(SEED))
const plan = WAVES.map((wave) => ({ ...wave, keys: Array.from({ length: wave.requests }, sample) }))
const totalRequests = plan.reduce((n, wave) => n + wave.requests, 0)
const distinctKeys = new Set(plan.flatMap((wave) => wave.keys)).size

// ---- The slow, paid upstream -------------------------------------------------------------------
const expectedValue = (key) => `completion for ${key}`

function makeUpstream() {
  const upstream = {
    calls: 0,
    call(key) {
      upstream.calls++
      return new Promise((resolve) => setTimeout(resolve, UPSTREAM_MS, expectedValue(key)))
    },
  }
  return upstream
}

// ---- One run: fire every wave at its time, wait for all answers, check them -------------------
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function run(serve) {
  const started = performance.now()
  const answers = []
  let latencyTotal = 0
  await Promise.all(
    plan.map(async (wave) => {
      // Behind schedule the delay is negative; Node 23+ warns of that (TimeoutNegativeWarning).
      await sleep(Math.max(0, wave.atMs - (performance.now() - started)))
      for (const key of wave.keys) {
        const askedAt = performance.now()
        answers.push(
          serve(key).then((value) => {
            latencyTotal += performance.now() - askedAt
            return { key, value }
          }),
        )
      }
    }),
  )
  const results = await Promise.all(answers)
  const wallMs = performance.now() - started
  const wrong = results.filter(({ key, value }) => value !== expectedValue(key))
  return { served: results.length, wrong, wallMs, meanLatencyMs: latencyTotal / results.length }
}

const failures = []
function check(condition, message) {
  if (!condition) failures.push(message)
}

// Run 1: every request goes straight to the upstream (unlimited upstream concurrency).
const directUpstream = makeUpstream()
const direct = await run((key) => directUpstream.call(key))

// Run 2: every request goes through herdcache.
const cachedUpstream = makeUpstream()
const cache = new CacheManager({ maxSize: MAX_SIZE })
const cached = await run((key) => cache.getOrFetch(key, () => cachedUpstream.call(key), TTL_MS))
const stats = cache.stats()

// ---- Report ------------------------------------------------------------------------------------
const int = (n) => n.toLocaleString('en-US')
const pct = (part, whole) => `${((100 * part) / whole).toFixed(1)}%`
const dollars = (calls) => `$${(calls * COST_PER_CALL).toFixed(3)}`
const ms = (n) => `${int(Math.round(n))} ms`

const rows = [
  ['', 'without cache', 'with herdcache'],
  ['requests served', int(direct.served), int(cached.served)],
  ['upstream calls', int(directUpstream.calls), int(cachedUpstream.calls)],
  [
    'calls saved',
    `${int(totalRequests - directUpstream.calls)} (${pct(totalRequests - directUpstream.calls, totalRequests)})`,
    `${int(totalRequests - cachedUpstream.calls)} (${pct(totalRequests - cachedUpstream.calls, totalRequests)})`,
  ],
  ['upstream cost', dollars(directUpstream.calls), dollars(cachedUpstream.calls)],
  ['wall time', ms(direct.wallMs), ms(cached.wallMs)],
  ['mean latency', ms(direct.meanLatencyMs), ms(cached.meanLatencyMs)],
]
const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)))
const line = (row) =>
  row
    .map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col])))
    .join('   ')

console.log('herdcache demo: a slow, paid upstream under a burst of concurrent requests')
console.log(
  `${int(totalRequests)} requests over ${KEYS} keys (Zipf s=${ZIPF_S}, ${distinctKeys} keys asked for), ` +
    `${WAVES.length} waves at ${WAVES.map((w) => w.atMs).join('/')} ms; seed ${SEED}`,
)
console.log(
  `upstream: ${UPSTREAM_MS} ms and $${COST_PER_CALL} per call; ` +
    `cache: maxSize ${MAX_SIZE}, getOrFetch TTL ${int(TTL_MS)} ms`,
)
console.log('')
console.log(line(rows[0]))
console.log(line(widths.map((w) => '-'.repeat(w))))
for (const row of rows.slice(1)) console.log(line(row))
console.log('')

const statNames = [
  'hits',
  'misses',
  'fetches',
  'coalesced',
  'fetchErrors',
  'evictions',
  'size',
  'inFlight',
]
const statWidth = Math.max(...statNames.map((name) => int(stats[name]).length))
console.log('cache.stats():')
for (let i = 0; i < statNames.length; i += 4) {
  const group = statNames.slice(i, i + 4)
  console.log(
    '  ' +
      group.map((name) => `${name.padEnd(11)} ${int(stats[name]).padStart(statWidth)}`).join('   '),
  )
}
console.log('')
console.log(
  `${int(stats.hits)} hits + ${int(stats.coalesced)} coalesced + ${int(stats.fetches)} fetches = ` +
    `${int(stats.hits + stats.coalesced + stats.fetches)} requests ` +
    '(answered from cache / joined a call in flight / called upstream)',
)

// ---- Verification ------------------------------------------------------------------------------
check(
  direct.served === totalRequests,
  `without cache: ${direct.served} of ${totalRequests} requests served`,
)
check(
  cached.served === totalRequests,
  `with herdcache: ${cached.served} of ${totalRequests} requests served`,
)
for (const [label, result] of [
  ['without cache', direct],
  ['with herdcache', cached],
]) {
  for (const { key, value } of result.wrong.slice(0, 3)) {
    check(false, `${label}: request for ${key} got ${JSON.stringify(value)}`)
  }
  if (result.wrong.length > 3)
    check(false, `${label}: ... ${result.wrong.length} wrong answers in all`)
}
check(
  directUpstream.calls === totalRequests,
  `without cache: ${directUpstream.calls} upstream calls`,
)
check(
  stats.hits + stats.coalesced + stats.fetches === totalRequests,
  'stats: hits + coalesced + fetches is not the number of requests',
)
check(
  stats.hits + stats.misses === totalRequests,
  'stats: hits + misses is not the number of requests',
)
check(
  stats.fetches === cachedUpstream.calls,
  `stats: ${stats.fetches} fetches but ${cachedUpstream.calls} upstream calls`,
)
check(stats.fetchErrors === 0, `stats: ${stats.fetchErrors} fetch errors`)
check(stats.inFlight === 0, `stats: ${stats.inFlight} fetches still in flight`)
check(
  stats.size === distinctKeys,
  `stats: size ${stats.size}, expected ${distinctKeys} (one entry per key asked for)`,
)
check(
  cachedUpstream.calls === distinctKeys,
  `with herdcache: ${cachedUpstream.calls} upstream calls for ${distinctKeys} keys; expected one per key`,
)

if (failures.length > 0) {
  console.error('')
  for (const message of failures) console.error(`DEMO FAILED: ${message}`)
  process.exit(1)
}
console.log(
  `verified: all ${int(totalRequests)} answers correct in both runs; one upstream call per key.`,
)
