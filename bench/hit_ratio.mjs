#!/usr/bin/env node
// Issue 13's hit-ratio benchmark: the miss ratio of herdcache's LRU, of herdcache's W-TinyLFU
// (`policy: 'tinylfu'`, where this build has it), of lru-cache (a sanity check: an LRU, so it
// must equal herdcache's LRU) and of Bélády's optimum, on synthetic traces (traces.mjs) at
// several cache sizes. Each cache is driven the way a user would: get, and set on a miss.
// Workload `hit-ratio` of bench/run.mjs, and runnable alone:
//
//   npm run bench:hit-ratio               100,000 keys, ~1,000,000 requests per trace
//   npm run bench:hit-ratio -- --quick    10,000 keys, ~100,000 requests per trace

import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { LRUCache } from 'lru-cache'
import { CacheManager } from '../dist/index.js'
import { fmt, renderTable } from './stats.mjs'
import { beladyMisses, loopTrace, topFrequencyMisses, withScans, zipfTrace } from './traces.mjs'

export const HIT_RATIO_FULL = { universe: 100_000, requests: 1_000_000 }
export const HIT_RATIO_QUICK = { universe: 10_000, requests: 100_000 }

const TINYLFU_NA = 'n/a: policy option not available in this build'
const SCANS_TARGET = 0.8
const ANY_TARGET = 1.05
const VALUE = { id: 0 }

/**
 * The traces at `universe` keys and about `requests` requests each: Zipf at three exponents,
 * Zipf 0.9 with scans of one-time keys (short frequent ones, long rare ones), and a loop over a
 * tenth of the universe (larger than every cache size below).
 */
function traces({ universe, requests }) {
  const zipf = (s, seed) => zipfTrace({ universe, requests, s, seed })
  const scans = (every, length) => withScans(zipf(0.9, 0x5ca9), { every, length, firstId: universe })
  const n = (count) => count.toLocaleString('en-US')
  const short = { every: Math.round(requests / 100), length: Math.round(universe / 100) }
  const long = { every: Math.round(requests / 10), length: Math.round(universe / 5) }
  const loopKeys = Math.round(universe / 10)
  return [
    { name: 'Zipf 0.7', scans: false, trace: zipf(0.7, 0x2170) },
    { name: 'Zipf 0.9', scans: false, trace: zipf(0.9, 0x2190) },
    { name: 'Zipf 1.1', scans: false, trace: zipf(1.1, 0x2111) },
    {
      name: `Zipf 0.9 + scans of ${n(short.length)} every ${n(short.every)}`,
      scans: true,
      trace: scans(short.every, short.length),
    },
    {
      name: `Zipf 0.9 + scans of ${n(long.length)} every ${n(long.every)}`,
      scans: true,
      trace: scans(long.every, long.length),
    },
    { name: `loop over ${n(loopKeys)} keys`, scans: false, trace: loopTrace({ keys: loopKeys, requests }) },
  ]
}

/** 0.1 %, 1 % and 5 % of the universe. */
function cacheSizes({ universe }) {
  return [universe / 1000, universe / 100, universe / 20].map(Math.round)
}

async function herdcacheMisses(cache, trace) {
  let misses = 0
  for (let i = 0; i < trace.length; i++) {
    const key = `k:${trace[i]}`
    if ((await cache.get(key)) === null) {
      misses++
      await cache.set(key, VALUE)
    }
  }
  return misses
}

function lruCacheMisses(cache, trace) {
  let misses = 0
  for (let i = 0; i < trace.length; i++) {
    const key = `k:${trace[i]}`
    if (cache.get(key) === undefined) {
      misses++
      cache.set(key, VALUE)
    }
  }
  return misses
}

/**
 * A W-TinyLFU herdcache, or undefined where this build refuses the policy option (an unknown
 * option, or a policy it does not know): errors about anything else are not swallowed.
 */
function tinyLfuCache(maxSize) {
  try {
    return new CacheManager({ maxSize, policy: 'tinylfu' })
  } catch (error) {
    if (error instanceof Error && /policy/.test(error.message)) return undefined
    throw error
  }
}

const ratioOf = (misses, trace) => misses / trace.length
const fmtRatio = (value) => (value === undefined ? 'n/a' : value.toFixed(4))

export const hitRatio = {
  id: 'hit-ratio',
  async run(config) {
    const sizes = config.hitRatio
    const tinyLfuAvailable = tinyLfuCache(Math.min(...cacheSizes(sizes))) !== undefined
    const cells = []
    for (const { name, scans, trace } of traces(sizes)) {
      for (const maxSize of cacheSizes(sizes)) {
        const lru = ratioOf(await herdcacheMisses(new CacheManager({ maxSize }), trace), trace)
        const tinyLfuCacheOf = tinyLfuCache(maxSize)
        const tinyLfu = tinyLfuCacheOf && ratioOf(await herdcacheMisses(tinyLfuCacheOf, trace), trace)
        const lruCache = ratioOf(lruCacheMisses(new LRUCache({ max: maxSize }), trace), trace)
        const optimal = ratioOf(beladyMisses(trace, maxSize), trace)
        const topFrequency = ratioOf(topFrequencyMisses(trace, maxSize), trace)
        cells.push({
          trace: name,
          scans,
          requests: trace.length,
          maxSize,
          lru,
          tinyLfu,
          lruCache,
          optimal,
          topFrequency,
        })
        process.stderr.write(`  hit-ratio: ${name}, ${maxSize.toLocaleString('en-US')} entries\n`)
      }
    }
    const rows = cells.map((c) => [
      c.trace,
      fmt(c.requests),
      fmt(c.maxSize),
      fmtRatio(c.lru),
      tinyLfuAvailable ? fmtRatio(c.tinyLfu) : 'n/a',
      fmtRatio(c.lruCache),
      fmtRatio(c.topFrequency),
      fmtRatio(c.optimal),
      tinyLfuAvailable ? (c.tinyLfu / c.lru).toFixed(2) : 'n/a',
      (c.topFrequency / c.lru).toFixed(2),
    ])
    const differing = cells.filter((c) => c.lruCache !== c.lru)
    const notes = [
      ...(tinyLfuAvailable ? [] : [`W-TinyLFU: ${TINYLFU_NA} (new CacheManager({ policy: 'tinylfu' }) throws).`]),
      differing.length === 0
        ? 'lru-cache and herdcache LRU miss alike in every row, as two LRUs must.'
        : `lru-cache and herdcache LRU differ in ${differing.length} rows: one of them is not an exact LRU.`,
      'top-C by frequency: a cache that holds the C keys requested most often over the whole trace, and only those (each misses once). It knows every frequency in advance and nothing of order, so on these stationary traces it is about the best a policy guided by frequency can reach; top-C ÷ LRU is how far below LRU such a policy can get. Only Bélády, which knows the order of future requests, does clearly better.',
    ]
    const targets = hitRatioTargets(cells, tinyLfuAvailable)
    return {
      tables: [
        {
          title: `hit-ratio: miss ratio on synthetic traces over ${sizes.universe.toLocaleString('en-US')} keys (seeded), driven with get and, on a miss, set`,
          columns: [
            'trace',
            'requests',
            'cache size',
            'LRU (herdcache)',
            'W-TinyLFU (herdcache)',
            'lru-cache',
            'top-C by frequency (offline)',
            'Bélády (optimal)',
            'TinyLFU ÷ LRU',
            'top-C ÷ LRU',
          ],
          rows,
          notes,
        },
        {
          title: 'hit-ratio targets (issue 13): W-TinyLFU misses ÷ LRU misses, the worst row',
          columns: ['traces', 'target', 'measured (worst)', 'verdict'],
          rows: targets,
        },
      ],
      cells,
      targets,
    }
  },
}

/** The two targets, judged on the worst row each covers. */
function hitRatioTargets(cells, tinyLfuAvailable) {
  const worst = (list) => Math.max(...list.map((c) => c.tinyLfu / c.lru))
  const reachable = (list) => Math.max(...list.map((c) => c.topFrequency / c.lru))
  const row = (traces, target, list) => {
    if (!tinyLfuAvailable) return [traces, `≤ ${target.toFixed(2)}`, '-', 'n/a: no W-TinyLFU in this build']
    const measured = worst(list)
    return [traces, `≤ ${target.toFixed(2)}`, measured.toFixed(2), measured <= target ? 'pass' : 'miss']
  }
  const scans = cells.filter((c) => c.scans)
  return [
    row('Zipf + scans, every size', SCANS_TARGET, scans),
    [
      'Zipf + scans, every size: top-C by frequency ÷ LRU (the bound a frequency policy approaches)',
      '-',
      reachable(scans).toFixed(2),
      'for reference',
    ],
    row('every trace and size', ANY_TARGET, cells),
  ]
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } })
  const started = performance.now()
  const result = await hitRatio.run({ hitRatio: values.quick ? HIT_RATIO_QUICK : HIT_RATIO_FULL })
  console.log(`# herdcache hit ratio (${values.quick ? 'quick' : 'full'} run)`)
  for (const table of result.tables) {
    console.log(`\n## ${table.title}\n`)
    console.log(renderTable(table.columns, table.rows))
    if (table.notes?.length) console.log(`\n${table.notes.join('\n')}`)
  }
  console.log(`\ntotal: ${((performance.now() - started) / 1000).toFixed(1)} s`)
}
