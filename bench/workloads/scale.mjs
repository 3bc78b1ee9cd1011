// Workload 5: each adapter holding a large cache, each measurement in a fresh child process
// (scale_child.mjs) so no adapter inherits another's heap. Repetitions interleave the adapters.

import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { adaptersFor, skippedFor } from '../adapters.mjs'
import { interleaved } from '../harness.mjs'
import { skippedNotes, summarize } from '../report.mjs'
import { fmt, fmtRange, fmtRatio, plural } from '../stats.mjs'

const CHILD = fileURLToPath(new URL('../scale_child.mjs', import.meta.url))

function measureOnce(adapter, config) {
  const { entries, churn, budgetMs } = config.scale
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', CHILD, adapter.name, String(entries), String(churn), String(budgetMs), String(config.ttlMs)],
    { encoding: 'utf8', maxBuffer: 1 << 20, timeout: budgetMs * 4 + 600_000 },
  )
  const line = child.stdout?.trim().split('\n').pop()
  if (child.status !== 0 || !line) {
    process.stderr.write(`  scale: ${adapter.name} failed (${child.status ?? child.signal}): ${child.stderr}\n`)
    return { failed: true }
  }
  return JSON.parse(line)
}

function cell(summary, name, digits, ratio) {
  const s = summary[name]
  if (!s || !Number.isFinite(s.median)) return ['-', '-', '-']
  return [fmt(s.median, digits), fmtRange(s, digits), name === 'herdcache' ? '1.00' : ratio ? fmtRatio(s.ratio) : '']
}

export const scale = {
  id: 'scale',
  async run(config) {
    const adapters = adaptersFor('scale')
    const { entries, churn, budgetMs } = config.scale
    const samples = Object.fromEntries(adapters.map((a) => [a.name, []]))
    for (let rep = 0; rep < config.scaleReps; rep++) {
      for (const adapter of interleaved(adapters, rep)) samples[adapter.name].push(measureOnce(adapter, config))
      process.stderr.write(`  scale: repetition ${rep + 1}/${config.scaleReps}\n`)
    }
    const s = Object.fromEntries(
      [
        'heapPerEntry',
        'rssPerEntry',
        'gcMs',
        'fillNsPerEntry',
        'churnNsPerMiss',
        'delayP50Ms',
        'delayP99Ms',
        'delayMaxMs',
        'churned',
      ].map((metric) => [metric, summarize(samples, metric)]),
    )
    const memoryRows = adapters.map((a) => [
      a.name,
      ...cell(s.heapPerEntry, a.name, 0, true),
      ...cell(s.rssPerEntry, a.name, 0, true),
      ...cell(s.gcMs, a.name, 1, true),
      fmt(s.fillNsPerEntry[a.name].median),
    ])
    const churnRows = adapters.map((a) =>
      a.scaleNoChurn
        ? [a.name, 'n/a']
        : [
            a.name,
            `${fmt(s.churned[a.name].min)}${s.churned[a.name].min < churn ? ' (budget)' : ''}`,
            fmt(s.churnNsPerMiss[a.name].median),
            fmtRange(s.churnNsPerMiss[a.name]),
            fmt(s.delayP50Ms[a.name].median, 2),
            fmt(s.delayP99Ms[a.name].median, 2),
            fmtRange(s.delayP99Ms[a.name], 2),
            a.name === 'herdcache' ? '1.00' : fmtRatio(s.delayP99Ms[a.name].ratio),
            fmt(s.delayMaxMs[a.name].median, 1),
          ],
    )
    const skipped = skippedFor('scale')
    for (const { name } of skipped) {
      memoryRows.push([name, 'n/a'])
      churnRows.push([name, 'n/a'])
    }
    const churnNotes = adapters.filter((a) => a.scaleNoChurn).map((a) => `n/a: ${a.name}: ${a.scaleNoChurn}.`)
    const n = entries.toLocaleString('en-US')
    return {
      tables: [
        {
          title: `scale, memory: ${n} entries of small objects, one fresh process per adapter and repetition, after a full GC; ${plural(config.scaleReps, 'repetition')}`,
          columns: [
            'adapter',
            'heap B/entry',
            'spread',
            'herdcache ÷',
            'RSS B/entry',
            'spread',
            'herdcache ÷',
            'full GC ms',
            'spread',
            'herdcache ÷',
            'fill ns/entry',
          ],
          rows: memoryRows,
          notes: skippedNotes(skipped),
        },
        {
          title: `scale, churn: then ${churn.toLocaleString('en-US')} more misses (1,000 concurrent per batch, one event-loop turn between batches; stopped after ${(budgetMs / 1000).toLocaleString('en-US')} s) while sampling event-loop delay (monitorEventLoopDelay, 1 ms resolution)`,
          columns: [
            'adapter',
            'misses done (min)',
            'ns/miss (median)',
            'spread',
            'delay p50 ms',
            'delay p99 ms',
            'p99 spread',
            'herdcache ÷ (p99)',
            'delay max ms',
          ],
          rows: churnRows,
          notes: [...churnNotes, ...skippedNotes(skipped)],
        },
      ],
      samples,
      summary: s,
    }
  },
}
