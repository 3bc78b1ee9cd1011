// One hit-1m measurement for one adapter, in a process of its own (started by
// workloads/hit_large.mjs with --expose-gc), so no adapter's million entries weigh on another's
// collections: fill `entries` entries (1,000 concurrent misses at a time), then `ops` sequential
// awaited getOrFetch calls on keys drawn uniformly from all of them, built per call as in the hit
// workload. An untimed pass of a tenth as many calls comes first, to settle the JIT. Prints one
// JSON line.
//
// usage: node --expose-gc bench/hit_large_child.mjs <adapter> <entries> <ops> <seed> <ttlMs>

import { adapterNamed } from './adapters.mjs'
import { countingFetcher, gc, randomIds, timeNs } from './harness.mjs'
import { hitLoop } from './workloads/hit.mjs'

const BATCH = 1000
const PREFIX = 'user:'

const [name, entriesArg, opsArg, seedArg, ttlArg] = process.argv.slice(2)
const entries = Number(entriesArg)
const ops = Number(opsArg)
const adapter = adapterNamed(name)

async function fill(cache) {
  const out = new Array(BATCH).fill(undefined)
  for (let first = 0; first < entries; first += BATCH) {
    const n = Math.min(BATCH, entries - first)
    if (n < BATCH) out.length = n
    for (let j = 0; j < n; j++) {
      const value = { id: first + j }
      out[j] = cache.getOrFetch(PREFIX + value.id, () => Promise.resolve(value))
    }
    await Promise.all(out)
  }
}

const cache = adapter.create({ maxSize: entries, ttlMs: Number(ttlArg) })
await fill(cache)
const fetcher = countingFetcher({ id: -1 })
await hitLoop(cache, randomIds(Math.max(1, ops / 10), entries, Number(seedArg) ^ 0x77), PREFIX, fetcher)
const ids = randomIds(ops, entries, Number(seedArg))
fetcher.calls = 0
gc()
const ns = await timeNs(() => hitLoop(cache, ids, PREFIX, fetcher))
process.stdout.write(`${JSON.stringify({ adapter: name, entries, nsPerOp: ns / ops, misses: fetcher.calls })}\n`)
