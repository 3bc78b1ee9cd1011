#!/usr/bin/env node
// The shared-mode benchmark on its own: upstream calls and memory across worker threads, a hit
// from another thread against an object-mode hit, and a large cache off the V8 heap
// (workloads/shared.mjs says what is measured). Prints Markdown tables to stdout, progress to
// stderr; never fails on a number. Needs --expose-gc (npm run bench:shared passes it).
//
//   npm run bench:shared                          the full run
//   npm run bench:shared -- --quick               2 repetitions, small sizes (as in npm run bench)
//   npm run bench:shared -- --only calls,hit      some parts: calls, hit, scale
//   npm run bench:shared -- --reps 9              repetitions of a) and b) (default 7, quick 2)
//   npm run bench:shared -- --scale-gib 1 --scale-reps 3   c) at another size (default 4 GiB, once)
//   npm run bench:shared -- --json out.json       also write every sample as JSON

import { readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os'
import { parseArgs } from 'node:util'
import { renderTable } from './stats.mjs'
import { SECTIONS, SHARED_FULL, SHARED_QUICK, shared } from './workloads/shared.mjs'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    reps: { type: 'string' },
    'scale-gib': { type: 'string' },
    'scale-reps': { type: 'string' },
    json: { type: 'string' },
  },
})

const size = { ...(args.quick ? SHARED_QUICK : SHARED_FULL) }
if (args.reps !== undefined) size.reps = Number(args.reps)
if (args['scale-gib'] !== undefined) size.scaleBytes = Math.round(Number(args['scale-gib']) * 2 ** 30)
if (args['scale-reps'] !== undefined) size.scaleReps = Number(args['scale-reps'])
const only = args.only?.split(',').map((s) => s.trim()) ?? SECTIONS
const unknown = only.filter((id) => !SECTIONS.includes(id))
if (unknown.length > 0) {
  console.error(`unknown part ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')}`)
  process.exit(2)
}
if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc (npm run bench:shared does)')
  process.exit(2)
}

function cpuModel() {
  try {
    return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model
  } catch {
    return cpus()[0]?.model ?? 'unknown'
  }
}

function versionOf(name) {
  return JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version
}

const herdcache = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version
const command = `npm run bench:shared${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
const startedAt = new Date().toISOString()
const loadAtStart = loadavg()
const started = performance.now()

console.log(`# herdcache shared-mode benchmark (${args.quick ? 'quick' : 'full'} run)\n`)
console.log(`- command: ${command}`)
console.log(`- started: ${startedAt.slice(0, 16).replace('T', ' ')} UTC`)
console.log(
  `- machine: ${availableParallelism()} CPUs (${cpuModel()}), ${Math.round(totalmem() / 2 ** 30)} GiB, ${process.platform} ${process.arch}; Node ${process.version} (V8 ${process.versions.v8})`,
)
console.log(
  `- packages: herdcache ${herdcache} (working tree, dist/), lru-cache ${versionOf('lru-cache')}, msgpackr ${versionOf('msgpackr')}`,
)
console.log(`- load average at start: ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`)
console.log(
  '- every cache: ttl 60,000 ms; ratios are shared mode ÷ the other, the median of per-repetition ratios (min–max); below 1.00 shared mode is faster, smaller or calls less',
)

const result = await shared.run({ shared: size, sharedOnly: only })
for (const table of result.tables) {
  console.log(`\n## ${table.title}\n`)
  console.log(renderTable(table.columns, table.rows))
  if (table.notes?.length) console.log(`\n${table.notes.join('\n')}`)
}
const seconds = (performance.now() - started) / 1000
console.log(
  `\ntotal: ${seconds.toFixed(1)} s; load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)

if (args.json) {
  writeFileSync(
    args.json,
    `${JSON.stringify({ command, startedAt, size, seconds, samples: result.samples }, null, 2)}\n`,
  )
  process.stderr.write(`wrote ${args.json}\n`)
}
