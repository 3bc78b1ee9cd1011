// herdcache fleet demo: four instances of a service (four processes, as four servers would be)
// in front of one slow upstream, hit by bursts of concurrent requests, three times over:
//
//   no cache                 every request calls the upstream
//   herdcache per process    each instance coalesces and caches its own callers: up to one
//                            upstream call per key per instance
//   herdcache + redisTier    Redis is the shared L2 and the lease: one call per key, fleet-wide
//
// Then a delete on instance 1 reaches every instance's L1, and the next reads fetch once.
//
// Run with `npm run demo:fleet` (builds dist/ first). It starts its own redis-server on a free
// loopback port and stops it at the end (Ctrl-C included). `--json` prints the results as JSON
// instead of tables (the test reads them so).

import http from 'node:http'
import { createRequire } from 'node:module'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { killProcesses, startProcesses } from './processes.mjs'
import { INSTALL_HINT, onPath, startRedisServer } from './redis-server.mjs'
import { mulberry32 } from './seeded_random.mjs'

const { values: args } = parseArgs({
  options: { json: { type: 'boolean', default: false } },
})

// ---- Scenario ---------------------------------------------------------------------------------
const SEED = 7
const INSTANCES = 4
const KEYS = 20
const REQUESTS_PER_BURST = 1000
const BURSTS = 2 // the second comes once the first has been answered: the caches are warm
const UPSTREAM_MS = 100
const TTL_MS = 60_000
const REFETCH_REQUESTS = 40 // after the delete: concurrent reads of the deleted key
const MODES = [
  { id: 'none', label: 'no cache' },
  { id: 'local', label: 'herdcache per process' },
  { id: 'tier', label: 'herdcache + redisTier' },
]

const keys = Array.from({ length: KEYS }, (_, i) => `product:${String(i + 1).padStart(2, '0')}`)
const expectedValue = (key) => ({ key, text: `the slow answer for ${key}` })

// Request i goes to instance i mod 4, for a key drawn at random (seeded: every mode and every
// run gets the same plan).
const random = mulberry32(SEED)
const planOf = (names) =>
  Array.from({ length: REQUESTS_PER_BURST }, (_, i) => ({
    instance: i % INSTANCES,
    key: names[Math.floor(random() * KEYS)],
  }))
const plans = Array.from({ length: BURSTS }, () => planOf(keys))
// Each fleet first serves a burst on other keys, not measured: fresh processes compile their code
// (the cache's, the HTTP client's, the Redis client's) and open connections as they go, which
// would otherwise add to the first burst's latencies.
const warmUp = planOf(keys.map((key) => `warm-up:${key}`))

// ---- The slow upstream: an HTTP server in this process that counts calls per key -------------
function startUpstream() {
  const calls = new Map()
  const server = http.createServer((request, response) => {
    if (!request.url.startsWith('/item/')) return response.end('pong')
    const key = decodeURIComponent(request.url.slice('/item/'.length))
    calls.set(key, (calls.get(key) ?? 0) + 1)
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(expectedValue(key)))
    }, UPSTREAM_MS)
  })
  server.keepAliveTimeout = 30_000
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        calls,
        close: () => new Promise((done) => server.close(done)),
      })
    })
  })
}

// ---- The instances: forked processes (demo/fleet-instance.mjs) -----------------------------
const INSTANCE_SCRIPT = fileURLToPath(new URL('./fleet-instance.mjs', import.meta.url))

async function startFleet(mode, upstream, redis) {
  const argv = ['--mode', mode, '--upstream', upstream.url, '--redis-port', String(redis.port)]
  const { processes, close } = await startProcesses(
    INSTANCE_SCRIPT,
    [...argv, '--ttl-ms', String(TTL_MS)],
    INSTANCES,
  )
  return { instances: processes, close }
}

// ---- Requests ---------------------------------------------------------------------------------
function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

// Sends every instance its share of `plan` at once, and waits for all the answers.
async function burst(fleet, upstream, plan) {
  const before = new Map(upstream.calls)
  const shares = fleet.instances.map((_, i) =>
    plan.filter((r) => r.instance === i).map((r) => r.key),
  )
  const answered = await Promise.all(
    fleet.instances.map((instance, i) => instance.ask('burst', { keys: shares[i] })),
  )
  const results = answered.flatMap((answers, i) =>
    answers.map((answer, j) => ({
      ...answer,
      ok: answer.body === JSON.stringify(expectedValue(shares[i][j])),
    })),
  )
  const callsByKey = {}
  for (const key of new Set(plan.map((r) => r.key))) {
    callsByKey[key] = (upstream.calls.get(key) ?? 0) - (before.get(key) ?? 0)
  }
  const latencies = results.map((r) => r.ms).sort((a, b) => a - b)
  const wrong = results.filter((r) => !r.ok)
  return {
    requests: plan.length,
    keys: Object.keys(callsByKey).length,
    upstreamCalls: Object.values(callsByKey).reduce((sum, n) => sum + n, 0),
    callsByKey,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    wrong: wrong.length,
    firstWrong: wrong[0]?.body,
  }
}

// The tier counters of every instance, summed, less what they were at `since`.
function sumTierStats(all, since) {
  const sum = {}
  const add = (statsOfAll, sign) => {
    for (const stats of statsOfAll) {
      for (const [name, value] of Object.entries(stats.tier)) {
        if (typeof value === 'number') sum[name] = (sum[name] ?? 0) + sign * value
      }
    }
  }
  add(all, 1)
  add(since, -1)
  return sum
}

// A delete on instance 1 while every instance holds the key in L1; then concurrent reads of it
// on every instance.
async function deleteAcrossFleet(fleet, upstream, key) {
  const { instances } = fleet
  const everyInstance = instances.map((_, i) => ({ instance: i, key }))
  await burst(fleet, upstream, everyInstance) // every L1 holds the key now
  const before = await Promise.all(instances.map((instance) => instance.ask('has', { key })))
  const deleted = await instances[0].ask('delete', { key })
  const after = await Promise.all(
    instances.map((instance, i) => instance.ask('awaitDrop', { key, sender: i === 0 })),
  )
  const refetchPlan = Array.from({ length: REFETCH_REQUESTS }, (_, i) => ({
    instance: i % INSTANCES,
    key,
  }))
  const refetch = await burst(fleet, upstream, refetchPlan)
  return {
    key,
    removed: deleted.removed,
    instances: instances.map((_, i) => ({
      instance: i + 1,
      sender: i === 0,
      before: before[i].has,
      after: after[i].has,
      arrived: after[i].arrived,
      waitedMs: after[i].waitedMs,
    })),
    refetch: {
      requests: refetch.requests,
      upstreamCalls: refetch.upstreamCalls,
      wrong: refetch.wrong,
    },
  }
}

async function runMode(mode, upstream, redis) {
  upstream.calls.clear()
  const fleet = await startFleet(mode.id, upstream, redis)
  try {
    await burst(fleet, upstream, warmUp)
    const stats = () => Promise.all(fleet.instances.map((i) => i.ask('stats')))
    const warm = mode.id === 'tier' ? await stats() : []
    const bursts = []
    for (const plan of plans) bursts.push(await burst(fleet, upstream, plan))
    const result = { id: mode.id, label: mode.label, bursts }
    if (mode.id === 'tier') {
      result.tier = sumTierStats(await stats(), warm)
      result.invalidation = await deleteAcrossFleet(fleet, upstream, plans[0][0].key)
    }
    return result
  } finally {
    await fleet.close()
  }
}

// ---- Report -----------------------------------------------------------------------------------
const int = (n) => n.toLocaleString('en-US')
const ms = (n) => `${n < 10 ? n.toFixed(1) : int(Math.round(n))} ms`

function perKey(callsByKey) {
  const counts = Object.values(callsByKey)
  const mean = counts.reduce((sum, n) => sum + n, 0) / counts.length
  const min = Math.min(...counts)
  const max = Math.max(...counts)
  return `${mean.toFixed(min === max ? 0 : 1)}${min === max ? '' : ` (${min}-${max})`}`
}

function table(rows) {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)))
  const line = (row) =>
    row
      .map((cell, col) => (col < 2 ? cell.padEnd(widths[col]) : cell.padStart(widths[col])))
      .join('   ')
  return [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join(
    '\n',
  )
}

function report(results, redisPort) {
  console.log(
    `herdcache fleet demo: ${INSTANCES} instances (processes) in front of one slow upstream`,
  )
  console.log(
    `${BURSTS} bursts of ${int(REQUESTS_PER_BURST)} concurrent requests over ${KEYS} keys, ` +
      `spread over the ${INSTANCES} instances; upstream (HTTP): ${UPSTREAM_MS} ms per call; ` +
      `redis-server on 127.0.0.1:${redisPort}; seed ${SEED}`,
  )
  console.log('')
  const rows = [['mode', 'burst', 'requests', 'upstream calls', 'calls per key', 'p50', 'p99']]
  for (const mode of results.modes) {
    mode.bursts.forEach((b, i) => {
      rows.push([
        mode.label,
        i === 0 ? '1 (cold)' : `${i + 1} (same keys)`,
        int(b.requests),
        int(b.upstreamCalls),
        perKey(b.callsByKey),
        ms(b.p50Ms),
        ms(b.p99Ms),
      ])
    })
  }
  console.log(table(rows))
  const tier = results.modes.find((m) => m.id === 'tier')
  const t = tier.tier
  console.log('')
  console.log(
    `redisTier over the ${INSTANCES} instances: ${t.leasesWon} leases won (one upstream call each), ` +
      `${t.leasesWaited} fetches waited for another instance's lease, ${t.l2Hits} answered from Redis, ` +
      `${t.localFetches} fetched without Redis, ${t.redisErrors} Redis errors`,
  )
  const inv = tier.invalidation
  console.log('')
  console.log(
    `cache.delete('${inv.key}') on instance 1, with every instance holding the key in L1:`,
  )
  const yesNo = (b) => (b ? 'yes' : 'no')
  const invRows = [['instance', 'in L1 before', 'in L1 after the delete reached it']]
  for (const i of inv.instances) {
    const how = i.sender
      ? `${yesNo(i.after)} (it deleted the key)`
      : `${yesNo(i.after)}${i.arrived ? '' : ' (no message within 2 s)'}`
    invRows.push([`instance ${i.instance}`, yesNo(i.before), how])
  }
  console.log(table(invRows))
  console.log(
    `then ${inv.refetch.requests} concurrent reads of ${inv.key} over the ${INSTANCES} instances: ` +
      `${inv.refetch.upstreamCalls} upstream call${inv.refetch.upstreamCalls === 1 ? '' : 's'}`,
  )
}

function verify(results) {
  const failures = []
  const check = (condition, message) => condition || failures.push(message)
  const byId = Object.fromEntries(results.modes.map((m) => [m.id, m]))
  for (const mode of results.modes) {
    for (const [i, b] of mode.bursts.entries()) {
      check(
        b.wrong === 0,
        `${mode.label}, burst ${i + 1}: ${b.wrong} wrong answers (first: ${b.firstWrong})`,
      )
    }
  }
  const [cold, warm] = byId.tier.bursts
  check(
    cold.upstreamCalls === cold.keys,
    `redisTier: ${cold.upstreamCalls} upstream calls for ${cold.keys} keys`,
  )
  check(
    warm.upstreamCalls === 0,
    `redisTier: ${warm.upstreamCalls} upstream calls in the warm burst`,
  )
  const local = byId.local.bursts[0]
  check(
    Object.values(local.callsByKey).every((n) => n <= INSTANCES),
    'herdcache per process: more than one upstream call per key per instance',
  )
  const inv = byId.tier.invalidation
  check(
    inv.instances.every((i) => i.before && !i.after && i.arrived),
    `delete: ${JSON.stringify(inv.instances)}`,
  )
  check(
    inv.refetch.upstreamCalls === 1,
    `after the delete: ${inv.refetch.upstreamCalls} upstream calls`,
  )
  check(inv.refetch.wrong === 0, `after the delete: ${inv.refetch.wrong} wrong answers`)
  return failures
}

// ---- Main -------------------------------------------------------------------------------------
if (!onPath('redis-server')) {
  console.error(INSTALL_HINT)
  process.exit(1)
}
try {
  createRequire(import.meta.url).resolve('ioredis')
} catch {
  console.error('ioredis is not installed: npm install --no-save ioredis')
  process.exit(1)
}

const redis = await startRedisServer()
const upstream = await startUpstream()
let stopping
function shutdown() {
  stopping ??= Promise.allSettled([killProcesses(), upstream.close(), redis.stop()])
  return stopping
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: stopping the instances and redis-server\n`)
    shutdown().then(() => process.exit(128 + os.constants.signals[signal]))
  })
}

try {
  const results = {
    config: {
      instances: INSTANCES,
      keys: KEYS,
      requestsPerBurst: REQUESTS_PER_BURST,
      bursts: BURSTS,
      upstreamMs: UPSTREAM_MS,
    },
    modes: [],
  }
  for (const mode of MODES) results.modes.push(await runMode(mode, upstream, redis))
  results.failures = verify(results)
  if (args.json) console.log(JSON.stringify(results, null, 2))
  else report(results, redis.port)
  if (results.failures.length > 0) {
    for (const message of results.failures) console.error(`DEMO FAILED: ${message}`)
    process.exitCode = 1
  } else if (!args.json) {
    console.log('')
    console.log(
      'verified: every answer correct; with redisTier, one upstream call per key for the whole fleet.',
    )
  }
} catch (error) {
  // After Ctrl-C, the instances' exits are no news.
  if (stopping === undefined) console.error(error)
  process.exitCode = 1
} finally {
  await shutdown()
}
