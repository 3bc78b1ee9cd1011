// Workload 7, the fleet tier: each cache of bench/fleet_caches.mjs runs as a fleet of four
// processes (bench/fleet_child.mjs) over one redis-server this workload starts, and is measured
// for
//
//   a) upstream calls per key in a cold burst (N concurrent requests per key over the four
//      processes, several keys; ideal 1),
//   b) that burst's p50 and p99 latency,
//   c) the cost of an L1 hit (one process, sequential awaited hits on warm keys),
//   d) the cost of an L2 hit (a process reads keys another one wrote) against a raw ioredis GET
//      of the value's JSON in the same process, the two alternating in blocks.
//
// Repetitions interleave the caches (rotated each time, after an untimed warm-up round); tables
// give medians, spreads, and herdcache ÷ each cache taken within each repetition. Without
// redis-server or ioredis it prints n/a and measures nothing. npm run bench:fleet runs it alone.

import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { startProcesses } from '../../demo/processes.mjs'
import { INSTALL_HINT, onPath, startRedisServer } from '../../demo/redis-server.mjs'
import { caches } from '../fleet_caches.mjs'
import { interleaved } from '../harness.mjs'
import { SUBJECT } from '../report.mjs'
import { fmt, fmtRange, fmtRatio, median, pairedRatio, plural, quantile, spread } from '../stats.mjs'

const CHILD = fileURLToPath(new URL('../fleet_child.mjs', import.meta.url))
const PROCESSES = 4
const TTL_MS = 60_000
const SIGNALS = ['SIGINT', 'SIGTERM']

export const FLEET_QUICK = {
  reps: 2,
  keys: 10,
  requestsPerKey: 40,
  upstreamMs: 50,
  warmKeys: 1_000,
  hitOps: 20_000,
  l2Keys: 300,
}
export const FLEET_FULL = {
  reps: 7,
  keys: 20,
  requestsPerKey: 100,
  upstreamMs: 50,
  warmKeys: 1_000,
  hitOps: 200_000,
  l2Keys: 1_000,
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function versionOf(name) {
  try {
    return JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version
  } catch {
    return 'not installed'
  }
}

/** The versions the fleet workload runs: its peers, their Redis clients, and redis-server. */
function packages() {
  const server = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  const names = ['bentocache', 'cache-manager', 'keyv', '@keyv/redis', '@cacheable/memory', 'ioredis']
  return [
    ...names.map((name) => `${name} ${versionOf(name)}`),
    `redis-server ${/v=(\S+)/.exec(server.stdout ?? '')?.[1] ?? 'not found'}`,
  ].join(', ')
}

// Why the workload cannot run here, or undefined.
function missing() {
  if (!onPath('redis-server')) return INSTALL_HINT.split('\n').join(' ')
  try {
    createRequire(import.meta.url).resolve('ioredis')
  } catch {
    return 'ioredis is not installed (npm install --no-save ioredis)'
  }
  return undefined
}

// a) and b): the four processes start their share of the burst at the same moment.
async function coldBurst(fleet, size, round) {
  const perKey = size.requestsPerKey / PROCESSES
  const startAt = Date.now() + 50
  const question = { prefix: `burst:${round}:`, keys: size.keys, perKey, startAt, upstreamMs: size.upstreamMs }
  const answers = await Promise.all(fleet.processes.map((p) => p.ask('burst', question)))
  const calls = new Array(size.keys).fill(0)
  for (const answer of answers) answer.calls.forEach((n, k) => (calls[k] += n))
  const latencies = answers.flatMap((answer) => answer.latencies)
  return {
    callsPerKey: calls.reduce((sum, n) => sum + n, 0) / size.keys,
    maxCallsPerKey: Math.max(...calls),
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
  }
}

// c): in one process of the fleet.
function l1Hits(fleet, size, round) {
  return fleet.processes[0].ask('hits', {
    prefix: `hit:${round}:`,
    warm: size.warmKeys,
    ops: size.hitOps,
    seed: 0x5eed + round,
  })
}

// d): process 2 writes, process 1 reads (its L1 has none of the keys), alternating with raw GETs.
async function l2Hits(fleet, size, round) {
  const prefix = `l2:${round}:`
  await fleet.processes[1].ask('write', { prefix, count: size.l2Keys })
  await sleep(100) // lets bentocache's bus messages about those writes arrive first
  return fleet.processes[0].ask('readL2', { prefix, count: size.l2Keys, rawPrefix: `raw:${round}:` })
}

const SECTIONS = [
  { id: 'burst', measure: coldBurst, runs: () => true },
  { id: 'hit', measure: l1Hits, runs: () => true },
  { id: 'l2', measure: l2Hits, runs: (cache) => cache.l2 },
]

async function measureAll(fleets, size) {
  const samples = Object.fromEntries(SECTIONS.map((s) => [s.id, Object.fromEntries(caches.map((c) => [c.name, []]))]))
  for (let round = -1; round < size.reps; round++) {
    for (const section of SECTIONS) {
      for (const cache of interleaved(caches, Math.max(round, 0))) {
        if (!section.runs(cache)) continue
        let sample
        try {
          sample = await section.measure(fleets[cache.name], size, round)
        } catch (error) {
          process.stderr.write(`  fleet: ${cache.name}, ${section.id}: ${error.message}\n`)
          sample = { error: error.message }
        }
        if (round >= 0) samples[section.id][cache.name].push(sample)
      }
    }
    if (round >= 0) process.stderr.write(`  fleet: repetition ${round + 1}/${size.reps}\n`)
  }
  return samples
}

// ---- Tables -----------------------------------------------------------------------------------

function values(samples, name, metric) {
  return (samples[name] ?? []).map((s) => s[metric] ?? Number.NaN)
}

function summary(samples, name, metric) {
  const v = values(samples, name, metric)
  return { median: median(v), ...spread(v), ratio: pairedRatio(values(samples, SUBJECT, metric), v) }
}

const ratioCell = (cache, s) => (cache.name === SUBJECT ? '1.00' : fmtRatio(s.ratio))

function burstTables(samples, size) {
  const what = `${size.requestsPerKey} concurrent requests per key for ${size.keys} cold keys, spread over ${PROCESSES} processes; upstream ${size.upstreamMs} ms; ${plural(size.reps, 'repetition')}`
  const callRows = caches.map((cache) => {
    const s = summary(samples, cache.name, 'callsPerKey')
    const max = Math.max(...values(samples, cache.name, 'maxCallsPerKey'))
    return [cache.label, fmt(s.median, 2), fmtRange(s, 2), fmt(max), ratioCell(cache, s)]
  })
  const latencyRows = caches.map((cache) => {
    const p50 = summary(samples, cache.name, 'p50Ms')
    const p99 = summary(samples, cache.name, 'p99Ms')
    return [
      cache.label,
      fmt(p50.median, 1),
      fmt(p99.median, 1),
      fmtRange(p99, 1),
      ratioCell(cache, p50),
      ratioCell(cache, p99),
    ]
  })
  return [
    {
      title: `fleet a) upstream calls per key, cold burst: ${what}`,
      columns: ['cache', 'calls per key (median)', 'spread (min – max)', 'most for one key', 'herdcache ÷ cache'],
      rows: callRows,
      notes: [
        'Ideal: 1. "herdcache, no tier" runs the same four processes with no Redis at all: one call per key per process.',
        `Versions: ${packages()}.`,
      ],
    },
    {
      title: `fleet b) latency of the cold burst, from each request to its answer: ${what}`,
      columns: [
        'cache',
        'p50 ms (median)',
        'p99 ms (median)',
        'p99 spread',
        'herdcache ÷ cache, p50',
        'herdcache ÷ cache, p99',
      ],
      rows: latencyRows,
      notes: [`The upstream alone takes ${size.upstreamMs} ms.`],
    },
  ]
}

function hitTable(samples, size) {
  const rows = caches.map((cache) => {
    const s = summary(samples, cache.name, 'nsPerOp')
    const misses = values(samples, cache.name, 'misses').reduce((sum, n) => sum + n, 0)
    return [cache.label, fmt(s.median), fmtRange(s), ratioCell(cache, s), fmt(misses)]
  })
  return {
    title: `fleet c) L1 hit: ${size.warmKeys.toLocaleString('en-US')} warm keys, sequential await getOrFetch on random keys in one process of the fleet, ${size.hitOps.toLocaleString('en-US')} calls per repetition, ${plural(size.reps, 'repetition')}`,
    columns: ['cache', 'ns/call (median)', 'spread (min – max)', 'herdcache ÷ cache', 'misses'],
    rows,
    notes: ['An L1 hit touches no Redis in any of them; herdcache with and without its tier run the same hit path.'],
  }
}

function l2Table(samples, size) {
  const rows = caches.map((cache) => {
    if (!cache.l2) return [cache.label, 'n/a']
    const s = summary(samples, cache.name, 'usPerOp')
    const raw = values(samples, cache.name, 'rawUsPerOp')
    const own = values(samples, cache.name, 'usPerOp').map((v, i) => v / raw[i])
    const misses = values(samples, cache.name, 'misses').reduce((sum, n) => sum + n, 0)
    return [
      cache.label,
      fmt(s.median, 1),
      fmtRange(s, 1),
      fmt(median(raw), 1),
      fmt(median(own), 2),
      ratioCell(cache, s),
      fmt(misses),
    ]
  })
  return {
    title: `fleet d) L2 hit: one process reads ${size.l2Keys.toLocaleString('en-US')} keys another wrote (each an L1 miss answered by Redis), sequential await getOrFetch, ${plural(size.reps, 'repetition')}`,
    columns: [
      'cache',
      'µs/read (median)',
      'spread (min – max)',
      'raw GET µs (median)',
      'cache ÷ raw GET',
      'herdcache ÷ cache',
      'misses',
    ],
    rows,
    notes: [
      'raw GET: `JSON.parse(await redis.get(key))` of the same value on a plain ioredis client of the reading process, in blocks of 50 alternating with the cache\'s reads; "cache ÷ raw GET" is the median of per-repetition ratios.',
      'n/a: herdcache, no tier: it has no L2.',
    ],
  }
}

function unavailable(reason) {
  return { tables: [{ title: 'fleet: n/a', columns: ['workload', 'result'], rows: [['fleet', `n/a: ${reason}`]] }] }
}

export const fleet = {
  id: 'fleet',
  /** Sizes from `config.fleet`, else FLEET_QUICK or FLEET_FULL by `config.mode`. */
  async run(config) {
    const reason = missing()
    if (reason) return unavailable(reason)
    const size = config.fleet ?? (config.mode === 'quick' ? FLEET_QUICK : FLEET_FULL)
    let redis
    try {
      redis = await startRedisServer()
    } catch (error) {
      return unavailable(error.message)
    }
    const fleets = {}
    // A signal's default death skips exit hooks, and with them the kill of redis-server.
    const exitOnSignal = (signal) => process.exit(128 + os.constants.signals[signal])
    for (const signal of SIGNALS) process.on(signal, exitOnSignal)
    try {
      for (const cache of caches) {
        process.stderr.write(`  fleet: starting ${PROCESSES} processes of ${cache.name}\n`)
        fleets[cache.name] = await startProcesses(CHILD, [cache.name, String(redis.port), String(TTL_MS)], PROCESSES)
      }
      const samples = await measureAll(fleets, size)
      return {
        tables: [...burstTables(samples.burst, size), hitTable(samples.hit, size), l2Table(samples.l2, size)],
        samples,
        size,
      }
    } finally {
      await Promise.all(Object.values(fleets).map((f) => f.close()))
      await redis.stop()
      for (const signal of SIGNALS) process.off(signal, exitOnSignal)
    }
  },
}
