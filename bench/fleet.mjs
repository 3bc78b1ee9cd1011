#!/usr/bin/env node
// The fleet-tier benchmark on its own: herdcache + redisTier, bentocache and cache-manager, each
// as four processes over one local redis-server (workloads/fleet.mjs says what is measured).
// Prints Markdown tables to stdout, progress to stderr; never fails on a number.
//
//   npm run bench:fleet                    the full run
//   npm run bench:fleet -- --quick         fewer repetitions, smaller sizes (under a minute)
//   npm run bench:fleet -- --reps 9        repetitions (default 7, quick 2)
//   npm run bench:fleet -- --json out.json also write every sample as JSON

import { readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { renderTable } from './stats.mjs'
import { FLEET_FULL, FLEET_QUICK, fleet } from './workloads/fleet.mjs'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    json: { type: 'string' },
  },
})

const size = { ...(args.quick ? FLEET_QUICK : FLEET_FULL) }
if (args.reps !== undefined) size.reps = Number(args.reps)

function cpuModel() {
  try {
    return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model
  } catch {
    return cpus()[0]?.model ?? 'unknown'
  }
}

const herdcache = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version
const command = `npm run bench:fleet${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
const loadAtStart = loadavg()
const started = performance.now()

console.log(`# herdcache fleet benchmark (${args.quick ? 'quick' : 'full'} run)\n`)
console.log(`- command: ${command}`)
console.log(`- machine: ${availableParallelism()} CPUs (${cpuModel()}); Node ${process.version}`)
console.log(`- herdcache ${herdcache} (working tree, dist/); the peers' versions are under table a)`)
console.log(`- load average at start: ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`)
console.log(
  `- every cache: ttl 60,000 ms; a fleet of 4 processes per cache; ratios are herdcache ÷ cache, the median of per-repetition ratios (min–max); below 1.00 herdcache is faster or calls less`,
)

const result = await fleet.run({ fleet: size })
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
  writeFileSync(args.json, `${JSON.stringify({ command, size, seconds, samples: result.samples }, null, 2)}\n`)
  process.stderr.write(`wrote ${args.json}\n`)
}
