#!/usr/bin/env node
// The benchmark suite: herdcache against its peers, workloads 1-6 of issue 4, the fleet tier
// (workload 7, at its quick sizes here; npm run bench:fleet runs it in full) and shared mode (at
// its quick sizes here; npm run bench:shared runs it in full). Prints Markdown
// tables to stdout (progress goes to stderr) and never fails on a number: it measures, it does
// not judge. See docs/BENCHMARKS.md.
//
//   npm run bench                      the full run (about 12 minutes on 2 shared cores)
//   npm run bench -- --quick           fewer repetitions and smaller sizes, under a minute
//   npm run bench -- --only hit,storm  some workloads: semantics, hit, hit-batch, storm,
//                                      miss-churn, scale, core, fleet, shared
//   npm run bench -- --json out.json   also write every sample as JSON, with the chart series
//                                      that scripts/bench-charts.mjs draws
//   npm run bench -- --reps 9          repetitions for workloads 1-4 (default 7, quick 3)

import { readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { adapters } from './adapters.mjs'
import { bestPeer, summarize } from './report.mjs'
import { chartSeries } from './series.mjs'
import { fmt, renderTable } from './stats.mjs'
import { churn } from './workloads/churn.mjs'
import { core } from './workloads/core.mjs'
import { FLEET_QUICK, fleet } from './workloads/fleet.mjs'
import { hit, hitBatch } from './workloads/hit.mjs'
import { scale } from './workloads/scale.mjs'
import { semantics } from './workloads/semantics.mjs'
import { SHARED_QUICK, shared } from './workloads/shared.mjs'
import { storm } from './workloads/storm.mjs'

const WORKLOADS = [semantics, hit, hitBatch, storm, churn, scale, core, fleet, shared]

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    json: { type: 'string' },
    reps: { type: 'string' },
  },
})

const TTL_MS = 60_000
const config = args.quick
  ? {
      mode: 'quick',
      reps: 2,
      hitOps: 10_000,
      storms: [
        { waiters: 10, storms: 100 },
        { waiters: 1000, storms: 4 },
        { waiters: 100_000, storms: 1 },
      ],
      heapWaiters: 20_000,
      churnKeys: 15_000,
      scale: { entries: 20_000, churn: 10_000, budgetMs: 1_500 },
      scaleReps: 1,
      coreReps: 1,
      coreMinTime: 0.01,
      coreFilter: '/1000$',
    }
  : {
      mode: 'full',
      reps: 7,
      hitOps: 200_000,
      storms: [
        { waiters: 10, storms: 2_000 },
        { waiters: 1000, storms: 40 },
        { waiters: 100_000, storms: 3 },
      ],
      heapWaiters: 100_000,
      churnKeys: 200_000,
      scale: { entries: 1_000_000, churn: 500_000, budgetMs: 10_000 },
      scaleReps: 5,
      coreReps: 5,
      coreMinTime: 0.2,
    }
config.ttlMs = TTL_MS
config.fleet = FLEET_QUICK
config.shared = SHARED_QUICK
if (args.reps !== undefined) config.reps = Number(args.reps)

const only = args.only?.split(',').map((s) => s.trim())
const unknown = only?.filter((id) => !WORKLOADS.some((w) => w.id === id)) ?? []
if (unknown.length > 0) {
  console.error(`unknown workload ${unknown.join(', ')}; choose from ${WORKLOADS.map((w) => w.id).join(', ')}`)
  process.exit(2)
}
if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc (npm run bench does)')
  process.exit(2)
}

function versionOf(name) {
  const url = new URL(`../node_modules/${name}/package.json`, import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8')).version
}

function machine() {
  let model = cpus()[0]?.model ?? 'unknown'
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model
  } catch {}
  return {
    nproc: availableParallelism(),
    cpu: model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
  }
}

const packages = Object.fromEntries(
  [
    'lru-cache',
    'p-memoize',
    'quick-lru',
    'async-cache-dedupe',
    'cache-manager',
    'keyv',
    '@cacheable/memory',
    'promise-coalesce',
  ].map((name) => [name, versionOf(name)]),
)
packages.herdcache = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version

const started = performance.now()
const startedAt = new Date().toISOString()
const loadAtStart = loadavg()
const info = machine()
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
console.log(`# herdcache benchmarks (${config.mode} run)\n`)
console.log(`- command: ${command}`)
console.log(
  `- machine: ${info.nproc} CPUs (${info.cpu}), ${info.memoryGiB} GiB, ${info.platform}; Node ${info.node} (V8 ${info.v8})`,
)
console.log(
  `- packages: ${Object.entries(packages)
    .map(([n, v]) => `${n} ${v}`)
    .join(', ')}`,
)
console.log(`- load average at start: ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`)
console.log(
  `- every cache: ttl ${TTL_MS.toLocaleString('en-US')} ms; ratios are herdcache ÷ adapter, the median of per-repetition ratios (min–max); below 1.00 herdcache is faster or smaller`,
)

const results = {}
for (const workload of WORKLOADS) {
  if (only && !only.includes(workload.id)) continue
  process.stderr.write(`${workload.id}...\n`)
  const t0 = performance.now()
  const result = await workload.run(config)
  results[workload.id] = result
  for (const table of result.tables) {
    console.log(`\n## ${table.title}\n`)
    console.log(renderTable(table.columns, table.rows))
    if (table.notes?.length) console.log(`\n${table.notes.join('\n')}`)
  }
  process.stderr.write(`${workload.id}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
}

const targets = measuredTargets(results)
if (targets.length > 0) {
  console.log('\n## issue 4 targets, measured (herdcache ÷ the peer named; see docs/BENCHMARKS.md for pass/miss)\n')
  console.log(renderTable(['workload', 'compared with', 'target', 'measured'], targets))
}
const seconds = (performance.now() - started) / 1000
const loadAtEnd = loadavg()
console.log(`\ntotal: ${seconds.toFixed(1)} s; load average at end: ${loadAtEnd.map((l) => l.toFixed(2)).join(' ')}`)

if (args.json) {
  const series = chartSeries(results, adapters, config)
  const load = { start: loadAtStart, end: loadAtEnd }
  const run = { command, startedAt, config, machine: info, packages, seconds, load, series, results }
  writeFileSync(args.json, `${JSON.stringify(run, null, 2)}\n`)
  process.stderr.write(`wrote ${args.json}\n`)
}

function ratioText(ratio) {
  return Number.isFinite(ratio?.median)
    ? `${ratio.median.toFixed(2)} (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})`
    : '-'
}

function measuredTargets(all) {
  const rows = []
  const timed = (id, metric) => {
    const r = all[id]
    return r ? summarize(r.samples, metric) : undefined
  }
  const hitSummary = timed('hit', 'nsPerOp')
  if (hitSummary) rows.push(['hit', 'lru-cache', '≤ 1.0, aim 0.75', ratioText(hitSummary['lru-cache'].ratio)])
  const batchSummary = timed('hit-batch', 'nsPerOp')
  if (batchSummary) rows.push(['hit-batch', 'lru-cache', '≤ 1.0', ratioText(batchSummary['lru-cache'].ratio)])
  const stormK = all.storm?.results[100_000]
  if (stormK) {
    const best = bestPeer(adapters, stormK.time)
    rows.push(['storm, K = 100,000: ns/waiter', `best peer (${best})`, '≤ 1.0', ratioText(stormK.time[best].ratio)])
    rows.push(['storm, K = 100,000: heap B/waiter', '-', '≤ 8 B', `${fmt(stormK.heap.herdcache.median, 1)} B`])
  }
  const churnSummary = timed('miss-churn', 'nsPerMiss')
  if (churnSummary) {
    const best = bestPeer(adapters, churnSummary)
    rows.push(['miss-churn', `best peer (${best})`, '≤ 1.0', ratioText(churnSummary[best].ratio)])
  }
  const s = all.scale?.summary
  if (s) {
    rows.push(['scale: heap bytes/entry', 'lru-cache', '≤ 0.6', ratioText(s.heapPerEntry['lru-cache'].ratio)])
    rows.push(['scale: full GC duration', 'lru-cache', '≤ 0.6', ratioText(s.gcMs['lru-cache'].ratio)])
    const best = bestPeer(adapters, s.delayP99Ms)
    if (best)
      rows.push([
        'scale: event-loop delay p99 while churning',
        `best peer (${best})`,
        '≤ 1.0',
        ratioText(s.delayP99Ms[best].ratio),
      ])
  }
  const lookup = all.core?.rows.find((r) => r.name === 'BM_Lookup/1000000')
  if (lookup) rows.push(['core lookup at 1M entries', '-', '≤ 60 ns median', `${fmt(lookup.median, 1)} ns`])
  return rows
}
