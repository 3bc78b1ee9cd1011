// Shared mode a): worker threads of one process ask for the same cold keys at once. How many
// upstream calls per key does each cache make, and how much memory holds the data afterwards?
//
// Every worker (bench/shared_worker.mjs) asks for every key concurrently, all workers released
// at the same instant; the upstream is a timer of `upstreamMs` that counts its calls per key in
// shared memory. Caches: shared mode (one store for all threads), herdcache object mode and
// lru-cache with fetchMethod (one cache per thread). Memory: each worker's heap growth since
// before its cache existed, after a full GC with the cache holding the values, added up over the
// workers; for shared mode also the encoded bytes its store holds off the heap (stats().bytes).

import { interleaved } from '../harness.mjs'
import { fmt, fmtRange, fmtRatio, median, pairedRatio, plural, spread } from '../stats.mjs'

const CACHES = [
  { name: 'shared', label: 'herdcache shared mode (one store)' },
  { name: 'object', label: 'herdcache object mode (one per thread)' },
  { name: 'lru-cache', label: 'lru-cache + fetchMethod (one per thread)' },
]

const KB = 1024

async function burstOnce(pool, calls, size, cache, round) {
  const name = `herdcache-bench-calls-${process.pid}-${round}`
  calls.fill(0)
  await Promise.all(pool.workers.map((w) => w.ask('prepare', { cache, name, keys: size.keys, ttlMs: size.ttlMs })))
  const prefix = `burst:${round}:`
  const answers = await pool.burst('burst', { keys: size.keys, prefix, upstreamMs: size.upstreamMs })
  const counts = Array.from(calls)
  const heapGrowth = answers.reduce((sum, a) => sum + a.heapGrowth, 0)
  // Every member reports the same store; one reading is the store's.
  const nativeBytes = answers[0].bytes ?? 0
  return {
    callsPerKey: counts.reduce((sum, n) => sum + n, 0) / size.keys,
    maxCallsPerKey: Math.max(...counts),
    slowestMs: Math.max(...answers.map((a) => a.ms)),
    heapGrowth,
    nativeBytes,
    held: heapGrowth + nativeBytes,
  }
}

/** samples[cache name] = one result per repetition, caches interleaved after a warm-up round. */
export async function measureCalls(pool, calls, size) {
  const samples = Object.fromEntries(CACHES.map((c) => [c.name, []]))
  for (let round = -1; round < size.reps; round++) {
    for (const cache of interleaved(CACHES, Math.max(round, 0))) {
      const sample = await burstOnce(pool, calls, size, cache.name, `${round + 1}-${cache.name}`)
      if (round >= 0) samples[cache.name].push(sample)
    }
    if (round >= 0) process.stderr.write(`  shared a): repetition ${round + 1}/${size.reps}\n`)
  }
  return samples
}

const values = (samples, name, metric) => samples[name].map((s) => s[metric])

function summary(samples, name, metric) {
  const v = values(samples, name, metric)
  return { median: median(v), ...spread(v), ratio: pairedRatio(values(samples, 'shared', metric), v) }
}

const ratioCell = (name, s) => (name === 'shared' ? '1.00' : fmtRatio(s.ratio))
const kb = (bytes) => bytes / KB

export function callTables(samples, size) {
  const threads = size.threads
  const what = `${threads} worker threads each ask for all ${size.keys} cold keys at once (${(size.keys * threads).toLocaleString('en-US')} concurrent requests); upstream ${size.upstreamMs} ms; ${plural(size.reps, 'repetition')}`
  const callRows = CACHES.map(({ name, label }) => {
    const s = summary(samples, name, 'callsPerKey')
    const slowest = summary(samples, name, 'slowestMs')
    return [
      label,
      fmt(s.median, 2),
      fmtRange(s, 2),
      fmt(Math.max(...values(samples, name, 'maxCallsPerKey'))),
      fmt(slowest.median, 1),
      ratioCell(name, s),
    ]
  })
  const memoryRows = CACHES.map(({ name, label }) => {
    const heap = summary(samples, name, 'heapGrowth')
    const held = summary(samples, name, 'held')
    const nativeBytes = median(values(samples, name, 'nativeBytes'))
    return [
      label,
      fmt(kb(heap.median)),
      `${fmt(kb(heap.min))} – ${fmt(kb(heap.max))}`,
      fmt(kb(heap.median) / threads),
      name === 'shared' ? fmt(kb(nativeBytes)) : '-',
      fmt(kb(held.median)),
      ratioCell(name, held),
    ]
  })
  return [
    {
      title: `shared a) upstream calls per key: ${what}`,
      columns: [
        'cache',
        'calls per key (median)',
        'spread (min – max)',
        'most for one key',
        'burst ms, slowest thread (median)',
        'shared ÷ cache',
      ],
      rows: callRows,
      notes: [
        `Ideal: 1. A cache per thread coalesces only its own thread's callers: ${threads} calls per key is its expected result, not a fault.`,
      ],
    },
    {
      title: `shared a) memory holding those ${size.keys} values (~1 KB objects) after the burst: ${plural(size.reps, 'repetition')}`,
      columns: [
        'cache',
        `heap growth KiB, sum of ${threads} threads (median)`,
        'spread',
        'KiB per thread',
        'off-heap KiB (stats().bytes)',
        'heap + off-heap KiB',
        'shared ÷ cache (heap + off-heap)',
      ],
      rows: memoryRows,
      notes: [
        "Heap growth: each thread's used V8 heap after two full GCs with its cache holding every value, minus the same before its cache existed; the sum over the threads. Off-heap: the encoded bytes (v8Codec) in shared mode's one store, which stats().bytes counts (the store's own bookkeeping per entry is not included).",
      ],
    },
  ]
}
