// One scale measurement for one adapter, in a process of its own (started by workloads/scale.mjs
// with --expose-gc): fill `entries` small objects, measure heap and RSS per entry after a full
// GC and the full GC's duration, then churn `churn` more misses (1,000 concurrent at a time,
// yielding to the event loop between batches) while sampling event-loop delay. Stops churning
// after `budgetMs`. Prints one JSON line.
//
// usage: node --expose-gc bench/scale_child.mjs <adapter> <entries> <churn> <budgetMs> <ttlMs>

import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { adapterNamed } from './adapters.mjs'
import { gc } from './harness.mjs'

const BATCH = 1000
const GC_TIMINGS = 3

const [name, entriesArg, churnArg, budgetArg, ttlArg] = process.argv.slice(2)
const entries = Number(entriesArg)
const churn = Number(churnArg)
const budgetMs = Number(budgetArg)
const adapter = adapterNamed(name)

// Misses for keys [first, first + count), BATCH concurrent calls at a time. Between batches,
// `between` runs (to yield to the event loop) and may end the run by returning false.
async function misses(cache, first, count, between) {
  const out = new Array(BATCH).fill(undefined)
  let done = 0
  while (done < count) {
    const n = Math.min(BATCH, count - done)
    if (n < BATCH) out.length = n
    for (let j = 0; j < n; j++) {
      const id = first + done + j
      out[j] = cache.getOrFetch(`k:${id}`, () => Promise.resolve({ id }))
    }
    await Promise.all(out)
    done += n
    if (between !== undefined && !(await between())) break
  }
  return done
}

function settle() {
  gc()
  gc()
  return process.memoryUsage()
}

const base = settle()
const cache = adapter.create({ maxSize: entries, ttlMs: Number(ttlArg) })
const fillStart = performance.now()
await misses(cache, 0, entries)
const fillNs = ((performance.now() - fillStart) * 1e6) / entries

const filled = settle()
const gcMs = []
for (let i = 0; i < GC_TIMINGS; i++) {
  const start = performance.now()
  gc()
  gcMs.push(performance.now() - start)
}
gcMs.sort((a, b) => a - b)

const result = {
  adapter: name,
  entries,
  fillNsPerEntry: fillNs,
  heapPerEntry: (filled.heapUsed - base.heapUsed) / entries,
  rssPerEntry: (filled.rss - base.rss) / entries,
  gcMs: gcMs[GC_TIMINGS >> 1],
}

if (adapter.scaleNoChurn === undefined && churn > 0) {
  const delay = monitorEventLoopDelay({ resolution: 1 })
  const start = performance.now()
  delay.enable()
  const done = await misses(cache, entries, churn, async () => {
    await nextTurn()
    return performance.now() - start < budgetMs
  })
  delay.disable()
  const elapsed = performance.now() - start
  Object.assign(result, {
    churned: done,
    churnNsPerMiss: (elapsed * 1e6) / done,
    delayP50Ms: delay.percentile(50) / 1e6,
    delayP99Ms: delay.percentile(99) / 1e6,
    delayMaxMs: delay.max / 1e6,
  })
}

process.stdout.write(`${JSON.stringify(result)}\n`)
