// Shared mode c): a large cache off the V8 heap. Each cache fills `bytes` of ~1 KB values in a
// fresh process (bench/shared_scale_child.mjs), which then reports its heap, RSS and full-GC
// time, and churns (misses that evict) while sampling event-loop delay and GC pauses. The
// claim tested: shared mode's heap and full GC stay as an empty cache's, where object mode's
// and lru-cache's grow with what they hold. Repetitions interleave the caches.

import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { v8Codec } from '../../dist/index.js'
import { interleaved } from '../harness.mjs'
import { bigObject } from '../shared_values.mjs'
import { fmt, fmtRange, fmtRatio, median, pairedRatio, plural, spread } from '../stats.mjs'

const CHILD = fileURLToPath(new URL('../shared_scale_child.mjs', import.meta.url))
const MIB = 2 ** 20

const SCALE_CACHES = [
  { name: 'empty', label: 'empty shared-mode cache (baseline)' },
  { name: 'shared', label: 'herdcache shared mode' },
  { name: 'object', label: 'herdcache object mode' },
  { name: 'lru-cache', label: 'lru-cache + fetchMethod' },
]

/** How many of the ~1 KB values make `bytes` once encoded by v8Codec. */
function entriesFor(bytes) {
  return Math.floor(bytes / v8Codec.encode(bigObject(1_000_000)).length)
}

function measureOnce(cache, size) {
  const entries = entriesFor(size.scaleBytes)
  // The caches that hold their values on the heap need room for them, twice over while filling.
  const heapMiB = Math.max(4096, Math.ceil((size.scaleBytes * 2.5) / MIB) + 1024)
  const args = ['--expose-gc', `--max-old-space-size=${heapMiB}`, CHILD, cache.name]
  args.push(String(entries), String(size.scaleBytes), String(size.churnMs), String(size.ttlMs))
  const child = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    timeout: 3_600_000,
  })
  const line = child.stdout?.trim().split('\n').pop()
  if (child.status !== 0 || !line) {
    process.stderr.write(`  shared c): ${cache.name} failed (${child.status ?? child.signal}): ${child.stderr}\n`)
    return { failed: true }
  }
  return JSON.parse(line)
}

/** samples[cache name] = one child's result per repetition. */
export function measureScale(size) {
  const samples = Object.fromEntries(SCALE_CACHES.map((c) => [c.name, []]))
  for (let rep = 0; rep < size.scaleReps; rep++) {
    for (const cache of interleaved(SCALE_CACHES, rep)) {
      process.stderr.write(`  shared c): ${cache.name}, repetition ${rep + 1}/${size.scaleReps}\n`)
      samples[cache.name].push(measureOnce(cache, size))
    }
  }
  return samples
}

// ---- Tables -----------------------------------------------------------------------------------

const values = (samples, name, metric) => samples[name].map((s) => s[metric] ?? Number.NaN)

function summary(samples, name, metric) {
  const v = values(samples, name, metric)
  return { median: median(v), ...spread(v), ratio: pairedRatio(values(samples, 'shared', metric), v) }
}

// Median and spread of one metric, scaled (bytes to MiB), and shared ÷ this cache.
function cells(samples, name, metric, { scale = 1, digits = 0, ratio = true } = {}) {
  const s = summary(samples, name, metric)
  if (!Number.isFinite(s.median)) return ['-', '-', ...(ratio ? ['-'] : [])]
  const range = { min: s.min / scale, max: s.max / scale }
  const out = [fmt(s.median / scale, digits), fmtRange(range, digits)]
  if (ratio) out.push(name === 'shared' ? '1.00' : name === 'empty' ? '-' : fmtRatio(s.ratio))
  return out
}

function boundNote(samples) {
  const bounds = [...new Set(values(samples, 'shared', 'bound'))]
  if (bounds.length === 1 && bounds[0] === 'maxBytes')
    return 'Shared mode is bounded by maxBytes (the size in bytes above).'
  return 'Shared mode is bounded here by maxSize (the same number of entries as the others), not maxBytes: this build refuses an object value in shared mode under maxBytes (ERR_HERDCACHE_SIZE: "maxBytes needs the size of every value", while sizeOf and set\'s size are refused in shared mode). The values are all ~the same size, so the store holds the same bytes.'
}

export function scaleTables(samples, size) {
  const entries = entriesFor(size.scaleBytes)
  const gib = size.scaleBytes / 2 ** 30
  const amount = gib >= 1 ? `${fmt(gib, gib % 1 ? 2 : 0)} GiB` : `${fmt(size.scaleBytes / MIB)} MiB`
  const what = `${amount} of ~1 KB values (${entries.toLocaleString('en-US')} entries, ${fmt(size.scaleBytes / entries)} bytes each encoded by v8Codec), one fresh process per cache and repetition; ${plural(size.scaleReps, 'repetition')}`
  const memoryRows = SCALE_CACHES.map(({ name, label }) => [
    label,
    ...cells(samples, name, 'heapUsed', { scale: MIB, digits: 1 }),
    ...cells(samples, name, 'gcMs', { digits: 1 }),
    ...cells(samples, name, 'rssGrowth', { scale: MIB, ratio: false }),
    name === 'shared' ? fmt(median(values(samples, name, 'nativeBytes')) / MIB) : '-',
    name === 'empty' ? '-' : fmt(median(values(samples, name, 'fillS')), 1),
  ])
  const churnRows = SCALE_CACHES.filter(({ name }) => name !== 'empty').map(({ name, label }) => [
    label,
    fmt(Math.min(...values(samples, name, 'churned'))),
    fmt(median(values(samples, name, 'churnNsPerMiss')) / 1000, 1),
    ...cells(samples, name, 'delayP99Ms', { digits: 1 }),
    fmt(median(values(samples, name, 'delayMaxMs')), 1),
    fmt(median(values(samples, name, 'gcPauses'))),
    fmt(median(values(samples, name, 'gcPauseTotalMs'))),
    ...cells(samples, name, 'gcPauseMaxMs', { digits: 1 }),
  ])
  return [
    {
      title: `shared c) off-heap scale, memory: ${what}`,
      columns: [
        'cache',
        'V8 heap used MiB, after full GC (median)',
        'spread',
        'shared ÷',
        'full GC ms (median of 3)',
        'spread',
        'shared ÷',
        'RSS growth MiB',
        'spread',
        'off-heap MiB (stats().bytes)',
        'fill s',
      ],
      rows: memoryRows,
      notes: [
        'V8 heap used: process.memoryUsage().heapUsed after two full GCs with the cache full (the whole heap, not its growth, so the empty cache is the baseline). Full GC: one timed global.gc(), the median of three. RSS growth: since before the cache existed. Off-heap: the encoded bytes shared mode holds.',
        boundNote(samples),
      ],
    },
    {
      title: `shared c) off-heap scale, churn: then misses of new keys, each evicting one (1,000 concurrent per batch, one event-loop turn between batches) for ${fmt(size.churnMs / 1000, 1)} s, sampling event-loop delay (monitorEventLoopDelay, 1 ms resolution) and every GC pause (PerformanceObserver 'gc')`,
      columns: [
        'cache',
        'misses done (min)',
        'µs/miss (median)',
        'delay p99 ms (median)',
        'p99 spread',
        'shared ÷ (p99)',
        'delay max ms',
        'GC pauses',
        'GC pause total ms',
        'longest GC pause ms (median)',
        'spread',
        'shared ÷',
      ],
      rows: churnRows,
      notes: [
        "A batch's 1,000 misses complete in one run of microtasks, so the event loop is blocked for the batch's whole work (in shared mode, 1,000 encodes): the delay includes that, not only GC. The GC columns count every pause the process recorded while churning (scavenges and full GCs).",
      ],
    },
  ]
}
