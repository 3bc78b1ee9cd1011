// Shared mode (new CacheManager({ shared: name })): one store for every thread of the process,
// values encoded off the V8 heap. Measured, each part in its own module:
//
//   a) shared_calls.mjs  upstream calls per key and memory, 8 worker threads on one key set
//
// then the targets against what was measured. npm run bench:shared runs it in full
// (bench/shared.mjs).

import { startWorkers } from '../shared_pool.mjs'
import { fmt, median, spread } from '../stats.mjs'
import { callTables, measureCalls } from './shared_calls.mjs'

export const SECTIONS = ['calls']

const COMMON = { threads: 8, keys: 200, upstreamMs: 20, ttlMs: 60_000 }

export const SHARED_QUICK = { ...COMMON, reps: 2 }

export const SHARED_FULL = { ...COMMON, reps: 7 }

function targetRows(results, size) {
  const rows = []
  const calls = results.calls?.shared
  if (calls) {
    const perKey = calls.map((s) => s.callsPerKey)
    const most = Math.max(...calls.map((s) => s.maxCallsPerKey))
    rows.push([
      `a) upstream calls per key, ${size.threads} threads`,
      '-',
      '1',
      `${fmt(median(perKey), 2)} (${fmt(spread(perKey).min, 2)}–${fmt(spread(perKey).max, 2)}); most for one key ${most}`,
    ])
  }
  return rows
}

// Runs `part`, then says on stderr how long it took.
async function timed(label, part) {
  const start = performance.now()
  const result = await part()
  process.stderr.write(`  shared ${label}: ${((performance.now() - start) / 1000).toFixed(1)} s\n`)
  return result
}

export const shared = {
  id: 'shared',
  /** Sizes from `config.shared`, else SHARED_QUICK or SHARED_FULL by `config.mode`. */
  async run(config) {
    const size = config.shared ?? (config.mode === 'quick' ? SHARED_QUICK : SHARED_FULL)
    const only = config.sharedOnly ?? SECTIONS
    const results = {}
    const tables = []
    if (only.includes('calls')) {
      const calls = new Int32Array(new SharedArrayBuffer(4 * size.keys))
      const pool = startWorkers(size.threads, { calls })
      try {
        results.calls = await timed('a)', () => measureCalls(pool, calls, size))
        tables.push(...callTables(results.calls, size))
      } finally {
        await pool.close()
      }
    }
    tables.push({
      title: 'shared mode: the issue\'s targets, measured (see docs/BENCHMARKS.md, "Shared mode")',
      columns: ['measure', 'compared with', 'target', 'measured'],
      rows: targetRows(results, size),
    })
    return { tables, samples: results, size }
  },
}
