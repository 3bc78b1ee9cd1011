// What every timed workload shares: a private copy of each measuring loop per adapter, the
// interleaved repetitions, and the heap probe.

import { performance } from 'node:perf_hooks'
import { mulberry32 } from '../demo/seeded_random.mjs'

/**
 * A private copy of `fn` (which must not close over anything). Loops shared by all adapters
 * would see every adapter's getOrFetch at the same call site and go megamorphic, slowing
 * whichever adapter runs after the first; a copy per adapter keeps each call site monomorphic.
 */
export function fresh(fn) {
  return new Function(`return (${fn.toString()})`)()
}

export function gc() {
  if (typeof globalThis.gc !== 'function') {
    throw new Error('run with node --expose-gc (npm run bench does)')
  }
  globalThis.gc()
}

/** Heap bytes in use after a full collection. */
export function settledHeap() {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** The adapters rotated by `rep`, so no adapter always runs first (or right after another). */
export function interleaved(adapters, rep) {
  const shift = rep % adapters.length
  return [...adapters.slice(shift), ...adapters.slice(0, shift)]
}

/**
 * Runs `once(adapter, rep)` for every adapter in every repetition, adapters interleaved, after
 * `warmups` untimed rounds that let the JIT settle. Returns samples[name] = [result per rep].
 */
export async function repeat({ adapters, reps, warmups = 1, once, label }) {
  const samples = Object.fromEntries(adapters.map((a) => [a.name, []]))
  for (let round = -warmups; round < reps; round++) {
    for (const adapter of interleaved(adapters, Math.max(round, 0))) {
      gc()
      const result = await once(adapter, round)
      if (round >= 0) samples[adapter.name].push(result)
    }
    if (label && round >= 0) process.stderr.write(`  ${label}: repetition ${round + 1}/${reps}\n`)
  }
  return samples
}

/** Times `run()` (which may be async) in nanoseconds. */
export async function timeNs(run) {
  const start = performance.now()
  await run()
  return (performance.now() - start) * 1e6
}

/** `count` ids drawn uniformly from [0, range) by a seeded generator (mulberry32). */
export function randomIds(count, range, seed) {
  const random = mulberry32(seed)
  const ids = new Int32Array(count)
  for (let i = 0; i < count; i++) ids[i] = Math.floor(random() * range)
  return ids
}

/** A fetcher that counts its calls and answers `value` at once. */
export function countingFetcher(value) {
  const fetcher = () => {
    fetcher.calls++
    return Promise.resolve(value)
  }
  fetcher.calls = 0
  return fetcher
}
