// hit-1m: the hit workload at 1,000,000 warm entries, driven from JavaScript. Each adapter holds
// its million entries in a fresh process per repetition (hit_large_child.mjs), adapters
// interleaved across repetitions; random keys over all the entries make every lookup pay the
// memory latency a large cache does. herdcache against lru-cache (issue 13's target) and the
// Map floor; the other peers would add a minute of filling each for no target.

import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { adapterNamed } from '../adapters.mjs'
import { interleaved } from '../harness.mjs'
import { timedTable } from '../report.mjs'
import { plural } from '../stats.mjs'

const CHILD = fileURLToPath(new URL('../hit_large_child.mjs', import.meta.url))
const ADAPTERS = ['herdcache', 'lru-cache', 'floor: Map']

function measureOnce(adapter, config, rep) {
  const { entries, ops } = config.hitLarge
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', CHILD, adapter.name, String(entries), String(ops), String(0x1e6 + rep), String(config.ttlMs)],
    { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 300_000 },
  )
  const line = child.stdout?.trim().split('\n').pop()
  if (child.status !== 0 || !line) {
    process.stderr.write(`  hit-1m: ${adapter.name} failed (${child.status ?? child.signal}): ${child.stderr}\n`)
    return { nsPerOp: Number.NaN, misses: Number.NaN }
  }
  return JSON.parse(line)
}

export const hitLarge = {
  id: 'hit-1m',
  async run(config) {
    const adapters = ADAPTERS.map(adapterNamed)
    const { entries, ops, reps } = config.hitLarge
    const samples = Object.fromEntries(adapters.map((a) => [a.name, []]))
    for (let rep = 0; rep < reps; rep++) {
      for (const adapter of interleaved(adapters, rep)) samples[adapter.name].push(measureOnce(adapter, config, rep))
      process.stderr.write(`  hit-1m: repetition ${rep + 1}/${reps}\n`)
    }
    const n = entries.toLocaleString('en-US')
    return {
      tables: [
        timedTable({
          title: `hit at ${n} entries, from JavaScript: ${n} warm entries (maxSize ${n}), sequential await getOrFetch on keys drawn uniformly from all of them, built per call; ${ops.toLocaleString('en-US')} calls per repetition, one fresh process per adapter and repetition, ${plural(reps, 'repetition')}`,
          unit: 'ns/call',
          metric: 'nsPerOp',
          adapters,
          samples,
          extra: { column: 'misses', of: (s) => s.reduce((sum, r) => sum + r.misses, 0) },
        }),
      ],
      samples,
    }
  },
}
