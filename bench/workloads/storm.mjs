// Workload 3: K concurrent callers of one cold key, whose fetcher resolves on setImmediate. Reports
// fetcher calls per storm (must be 1), time per waiter, and heap bytes per waiter while the fetch
// is in flight (after a full GC, so only what the waiters keep alive counts; the array holding
// the Promises is allocated before the baseline).

import { adaptersFor, skippedFor } from '../adapters.mjs'
import { fresh, repeat, settledHeap, timeNs } from '../harness.mjs'
import { skippedNotes, summarize } from '../report.mjs'
import { fmt, fmtRange, fmtRatio, plural } from '../stats.mjs'

// Larger than everything a run stores or has in flight, so no adapter evicts during a storm.
const MAX_SIZE = 100_000

async function stormLoop(cache, storms, prefix, fetcher, out) {
  const waiters = out.length
  for (let s = 0; s < storms; s++) {
    const key = prefix + s
    for (let i = 0; i < waiters; i++) out[i] = cache.getOrFetch(key, fetcher)
    await Promise.all(out)
  }
}

function slowFetcher() {
  const value = { id: 1 }
  const fetcher = () => {
    fetcher.calls++
    return new Promise((resolve) => setImmediate(resolve, value))
  }
  fetcher.calls = 0
  return fetcher
}

// Heap bytes per waiter: `storms` concurrent storms of out.length / storms waiters each, on
// distinct keys, so that small K is measured over enough waiters to rise above the noise; each
// storm's fixed cost (its in-flight record, its one fetch) is shared by its K waiters, as in a
// single storm.
async function heapPerWaiter(cache, prefix, storms, out) {
  const fetcher = slowFetcher()
  const waiters = out.length / storms
  out.fill(undefined)
  const before = settledHeap()
  for (let s = 0, i = 0; s < storms; s++) {
    const key = prefix + s
    for (let w = 0; w < waiters; w++) out[i++] = cache.getOrFetch(key, fetcher)
  }
  const during = settledHeap()
  await Promise.all(out)
  out.fill(undefined)
  return { bytes: (during - before) / out.length, calls: fetcher.calls / storms }
}

let stormRun = 0

export const storm = {
  id: 'storm',
  async run(config) {
    const adapters = adaptersFor('storm')
    const skipped = skippedFor('storm')
    const tables = []
    const results = {}
    for (const { waiters, storms } of config.storms) {
      const loops = new Map(adapters.map((a) => [a.name, fresh(stormLoop)]))
      const out = new Array(waiters).fill(undefined)
      const heapStorms = Math.max(1, Math.floor(config.heapWaiters / waiters))
      const heapOut = new Array(heapStorms * waiters).fill(undefined)
      // The untimed warm-up round storms with at most 10,000 waiters: enough to settle the JIT.
      const warmOut = new Array(Math.min(waiters, 10_000)).fill(undefined)
      const samples = await repeat({
        adapters,
        reps: config.reps,
        label: `storm K=${waiters}`,
        async once(adapter, round) {
          const cache = adapter.create({ maxSize: MAX_SIZE, ttlMs: config.ttlMs })
          const prefix = `storm:${stormRun++}:`
          const fetcher = slowFetcher()
          if (round < 0) {
            await loops.get(adapter.name)(cache, Math.max(1, Math.ceil(storms / 4)), prefix, fetcher, warmOut)
            return undefined
          }
          const ns = await timeNs(() => loops.get(adapter.name)(cache, storms, prefix, fetcher, out))
          const heap = await heapPerWaiter(cache, `${prefix}heap:`, heapStorms, heapOut)
          return {
            nsPerWaiter: ns / (storms * waiters),
            callsPerStorm: Math.max(fetcher.calls / storms, heap.calls),
            heapPerWaiter: heap.bytes,
          }
        },
      })
      const time = summarize(samples, 'nsPerWaiter')
      const heap = summarize(samples, 'heapPerWaiter')
      const calls = summarize(samples, 'callsPerStorm')
      results[waiters] = { samples, time, heap }
      const rows = adapters.map((a) => [
        a.name,
        fmt(Math.max(...calls[a.name].values), 2),
        fmt(time[a.name].median),
        fmtRange(time[a.name]),
        a.name === 'herdcache' ? '1.00' : fmtRatio(time[a.name].ratio),
        fmt(heap[a.name].median, 1),
        fmtRange(heap[a.name], 1),
      ])
      for (const { name } of skipped) rows.push([name, 'n/a'])
      tables.push({
        title: `storm, K = ${waiters.toLocaleString('en-US')}: ${waiters.toLocaleString('en-US')} concurrent callers of one cold key, fetcher resolves on setImmediate; ${storms.toLocaleString('en-US')} storms per repetition, ${plural(config.reps, 'repetition')}`,
        columns: [
          'adapter',
          'fetcher calls/storm (max)',
          'ns/waiter (median)',
          'spread',
          'herdcache ÷ adapter',
          'heap B/waiter (median)',
          'spread',
        ],
        rows,
        notes: skippedNotes(skipped),
      })
    }
    return { tables, results }
  },
}
