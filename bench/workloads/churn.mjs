// Workload 4: distinct keys, each fetched once (awaited one at a time) through a cache bounded at
// 10,000 entries, so past the first 10,000 every call is a miss that stores and evicts.

import { adaptersFor, skippedFor } from '../adapters.mjs'
import { fresh, repeat, timeNs } from '../harness.mjs'
import { timedTable } from '../report.mjs'
import { fmt, plural } from '../stats.mjs'

const MAX_SIZE = 10_000

async function churnLoop(cache, count, prefix, counter) {
  let sum = 0
  for (let i = 0; i < count; i++) {
    const value = await cache.getOrFetch(prefix + i, () => {
      counter.calls++
      return Promise.resolve({ id: i })
    })
    sum += value.id
  }
  return sum
}

export const churn = {
  id: 'miss-churn',
  async run(config) {
    const adapters = adaptersFor('miss-churn')
    const loops = new Map(adapters.map((a) => [a.name, fresh(churnLoop)]))
    const count = config.churnKeys
    const samples = await repeat({
      adapters,
      reps: config.reps,
      label: 'miss-churn',
      async once(adapter, round) {
        const cache = adapter.create({ maxSize: MAX_SIZE, ttlMs: config.ttlMs })
        const counter = { calls: 0 }
        const n = round < 0 ? Math.min(count, 30_000) : count
        const ns = await timeNs(() => loops.get(adapter.name)(cache, n, 'churn:', counter))
        return { nsPerMiss: ns / n, fetches: counter.calls, keys: n }
      },
    })
    return {
      tables: [
        timedTable({
          title: `miss-churn: ${count.toLocaleString('en-US')} distinct keys each fetched once (sequential await), maxSize ${MAX_SIZE.toLocaleString('en-US')}; ${plural(config.reps, 'repetition')}`,
          unit: 'ns/miss',
          metric: 'nsPerMiss',
          adapters,
          samples,
          skipped: skippedFor('miss-churn'),
          extra: {
            column: 'fetches/keys',
            of: (s) => `${fmt(s.reduce((a, r) => a + r.fetches, 0))} / ${fmt(s.reduce((a, r) => a + r.keys, 0))}`,
          },
        }),
      ],
      samples,
    }
  },
}
