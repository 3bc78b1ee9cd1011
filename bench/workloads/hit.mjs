// Workloads 1 and 2: hits on 1,000 warm keys, awaited one at a time (hit) or issued 1,000 at a
// time and awaited together (hit-batch); and hit-reused, the hit loop over key strings built once.
//
// In hit and hit-batch keys are built per call ('user:' + id), as a server builds them from a
// request, so no adapter benefits from V8 caching the hash of a string it has seen before.
// hit-reused looks up the same 1,000 string objects again and again, as code holding its keys in
// constants or a table does: every JavaScript Map then finds their hash cached in the string.

import { adaptersFor, skippedFor } from '../adapters.mjs'
import { countingFetcher, fresh, randomIds, repeat, timeNs } from '../harness.mjs'
import { timedTable } from '../report.mjs'
import { plural } from '../stats.mjs'

const WARM_KEYS = 1000
const MAX_SIZE = 10_000
const PREFIX = 'user:'

/** Sequential awaited hits on keys built per call; also hit_large_child.mjs's loop. */
export async function hitLoop(cache, ids, prefix, fetcher) {
  let sum = 0
  for (let i = 0; i < ids.length; i++) {
    const value = await cache.getOrFetch(prefix + ids[i], fetcher)
    sum += value.id
  }
  return sum
}

async function reusedLoop(cache, ids, keys, fetcher) {
  let sum = 0
  for (let i = 0; i < ids.length; i++) {
    const value = await cache.getOrFetch(keys[ids[i]], fetcher)
    sum += value.id
  }
  return sum
}

async function batchLoop(cache, ids, prefix, fetcher, out) {
  const batch = out.length
  let sum = 0
  for (let start = 0; start + batch <= ids.length; start += batch) {
    for (let j = 0; j < batch; j++) out[j] = cache.getOrFetch(prefix + ids[start + j], fetcher)
    const values = await Promise.all(out)
    sum += values[batch - 1].id
  }
  return sum
}

/** The warm keys, built once: hit-reused looks these very strings up. */
const KEYS = Array.from({ length: WARM_KEYS }, (_, id) => PREFIX + id)

async function warmCache(adapter, ttlMs) {
  const cache = adapter.create({ maxSize: MAX_SIZE, ttlMs })
  for (let id = 0; id < WARM_KEYS; id++) {
    const value = { id }
    await cache.getOrFetch(KEYS[id], () => Promise.resolve(value))
  }
  return cache
}

async function measure(workload, config, loopSource, runLoop) {
  const adapters = adaptersFor(workload)
  const loops = new Map(adapters.map((a) => [a.name, fresh(loopSource)]))
  const ids = randomIds(config.hitOps, WARM_KEYS, 0x5eed)
  const samples = await repeat({
    adapters,
    reps: config.reps,
    label: workload,
    async once(adapter, round) {
      const cache = await warmCache(adapter, config.ttlMs)
      // Hits never call the fetcher; a call would be a miss, reported as such.
      const fetcher = countingFetcher({ id: -1 })
      const opIds = round < 0 ? ids.subarray(0, Math.min(ids.length, 20_000)) : ids
      const ns = await timeNs(() => runLoop(loops.get(adapter.name), cache, opIds, fetcher))
      return { nsPerOp: ns / opIds.length, misses: fetcher.calls }
    },
  })
  return { adapters, samples, skipped: skippedFor(workload) }
}

/** A hit workload: `loopSource` timed by `runLoop`, reported as ns per call with the misses. */
function hitWorkload({ id, loopSource, runLoop, title }) {
  return {
    id,
    async run(config) {
      const { adapters, samples, skipped } = await measure(id, config, loopSource, runLoop)
      return {
        tables: [
          timedTable({
            title: title(config),
            unit: 'ns/call',
            metric: 'nsPerOp',
            adapters,
            samples,
            skipped,
            extra: { column: 'misses', of: (s) => s.reduce((sum, r) => sum + r.misses, 0) },
          }),
        ],
        samples,
      }
    },
  }
}

const callsPerRepetition = (config) =>
  `${config.hitOps.toLocaleString('en-US')} calls per repetition, ${plural(config.reps, 'repetition')}`

export const hit = hitWorkload({
  id: 'hit',
  loopSource: hitLoop,
  runLoop: (loop, cache, ids, fetcher) => loop(cache, ids, PREFIX, fetcher),
  title: (config) =>
    `hit, keys built per call: ${WARM_KEYS.toLocaleString('en-US')} warm keys, sequential await getOrFetch on random keys ('user:' + id per call), ${callsPerRepetition(config)}`,
})

export const hitReused = hitWorkload({
  id: 'hit-reused',
  loopSource: reusedLoop,
  runLoop: (loop, cache, ids, fetcher) => loop(cache, ids, KEYS, fetcher),
  title: (config) =>
    `hit, the same key strings reused: ${WARM_KEYS.toLocaleString('en-US')} warm keys built once, sequential await getOrFetch on random ones, ${callsPerRepetition(config)}`,
})

// One batch array for the whole run, reused by every adapter's loop.
const BATCH = new Array(1000).fill(undefined)

export const hitBatch = hitWorkload({
  id: 'hit-batch',
  loopSource: batchLoop,
  runLoop: (loop, cache, ids, fetcher) => loop(cache, ids, PREFIX, fetcher, BATCH),
  title: (config) =>
    `hit-batch: 1,000 un-awaited getOrFetch calls on random warm keys, then await Promise.all; ${callsPerRepetition(config)}`,
})
