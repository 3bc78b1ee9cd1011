// The numbers behind the charts (scripts/bench-charts.mjs): for each workload and metric, every
// adapter's median, spread and paired ratio to herdcache. run.mjs writes them into its --json
// output as `series`, so the chart script needs neither the adapters nor the raw samples' shapes.

import { SUBJECT, summarize } from './report.mjs'

/**
 * @typedef {{ median: number, min: number, max: number }} Range
 * @typedef {{ name: string, role: string, median: number, min: number, max: number, ratio: Range | null }} Bar
 * @typedef {{ id: string, workload: string, label: string, title: string, quantity: string, unit: string, repetitions: number, bars: Bar[] }} Series
 */

/** One series from a summary (adapter name to `summarize()` entry); adapters without a median are left out. */
function series(
  adapters,
  summary,
  { id, workload, label = workload, title, quantity, unit, repetitions, include = () => true },
) {
  const bars = []
  for (const adapter of adapters) {
    const s = summary?.[adapter.name]
    if (!s || !Number.isFinite(s.median) || !include(adapter)) continue
    const ratio = adapter.name !== SUBJECT && Number.isFinite(s.ratio?.median) ? s.ratio : null
    bars.push({
      name: adapter.name,
      role: adapter.role,
      median: s.median,
      min: s.min,
      max: s.max,
      ratio: ratio && { median: ratio.median, min: ratio.min, max: ratio.max },
    })
  }
  return bars.some((bar) => bar.name === SUBJECT)
    ? [{ id, workload, label, title, quantity, unit, repetitions, bars }]
    : []
}

/** Every chartable series of a run, in the order the run printed its tables. */
export function chartSeries(results, adapters, config) {
  const out = []
  const timed = (workload, metric, title, quantity, unit) => {
    const r = results[workload]
    if (!r?.samples) return
    out.push(
      ...series(adapters, summarize(r.samples, metric), {
        id: workload,
        workload,
        title,
        quantity,
        unit,
        repetitions: config.reps,
      }),
    )
  }
  timed('hit', 'nsPerOp', 'hit: sequential await getOrFetch on 1,000 warm keys', 'time per call', 'ns')
  timed(
    'hit-batch',
    'nsPerOp',
    'hit-batch: 1,000 un-awaited calls on warm keys, then Promise.all',
    'time per call',
    'ns',
  )
  for (const [k, r] of Object.entries(results.storm?.results ?? {})) {
    const waiters = Number(k).toLocaleString('en-US')
    const common = { workload: 'storm', label: `storm, K = ${waiters}`, repetitions: config.reps }
    out.push(
      ...series(adapters, r.time, {
        ...common,
        id: `storm-${k}-time`,
        title: `storm, K = ${waiters}: concurrent callers of one cold key`,
        quantity: 'time per waiter',
        unit: 'ns',
      }),
      ...series(adapters, r.heap, {
        ...common,
        id: `storm-${k}-heap`,
        title: `storm, K = ${waiters}: heap kept alive while the fetch is in flight`,
        quantity: 'heap per waiter',
        unit: 'B',
      }),
    )
  }
  timed(
    'miss-churn',
    'nsPerMiss',
    'miss-churn: distinct keys, maxSize 10,000 (every miss evicts)',
    'time per miss',
    'ns',
  )
  const scale = results.scale?.summary
  if (scale) {
    const entries = config.scale.entries.toLocaleString('en-US')
    const churns = (adapter) => adapter.scaleNoChurn === undefined
    const metrics = [
      ['heap', 'heapPerEntry', `scale: V8 heap with ${entries} entries`, 'heap per entry', 'B'],
      ['rss', 'rssPerEntry', `scale: resident memory with ${entries} entries`, 'RSS per entry', 'B'],
      ['gc', 'gcMs', `scale: full GC with ${entries} entries live`, 'full GC duration', 'ms'],
      ['churn', 'churnNsPerMiss', 'scale: misses while churning the full cache', 'time per miss', 'ns', churns],
      ['delay-p99', 'delayP99Ms', 'scale: event-loop delay while churning', 'event-loop delay p99', 'ms', churns],
    ]
    for (const [suffix, metric, title, quantity, unit, include] of metrics) {
      out.push(
        ...series(adapters, scale[metric], {
          id: `scale-${suffix}`,
          workload: 'scale',
          title,
          quantity,
          unit,
          repetitions: config.scaleReps,
          ...(include && { include }),
        }),
      )
    }
  }
  return out
}
