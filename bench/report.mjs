// Turns samples into the tables the runner prints.

import { fmt, fmtRange, fmtRatio, median, pairedRatio, spread } from './stats.mjs'

export const SUBJECT = 'herdcache'

/** samples[name] (one object per repetition) reduced to the values of one metric. */
function valuesOf(samples, name, metric) {
  return (samples[name] ?? []).map((sample) => sample[metric])
}

/** Median, spread and the paired ratio to herdcache of one metric, for every adapter. */
export function summarize(samples, metric) {
  const herdcache = valuesOf(samples, SUBJECT, metric)
  return Object.fromEntries(
    Object.keys(samples).map((name) => {
      const values = valuesOf(samples, name, metric)
      return [name, { median: median(values), ...spread(values), values, ratio: pairedRatio(herdcache, values) }]
    }),
  )
}

/**
 * One table: an adapter per row with the metric's median, its spread over the repetitions, and
 * herdcache's value divided by the adapter's (the median of per-repetition ratios, with their
 * spread). `extra` adds a column computed from an adapter's samples; `skipped` adds n/a rows.
 */
export function timedTable({ title, unit, metric, adapters, samples, skipped = [], extra, digits = 0 }) {
  const summary = summarize(samples, metric)
  const columns = ['adapter', `${unit} (median)`, 'spread (min – max)', 'herdcache ÷ adapter']
  if (extra) columns.push(extra.column)
  const rows = adapters.map((adapter) => {
    const s = summary[adapter.name]
    const row = [
      adapter.name,
      fmt(s.median, digits),
      fmtRange(s, digits),
      adapter.name === SUBJECT ? '1.00' : fmtRatio(s.ratio),
    ]
    if (extra) row.push(fmt(extra.of(samples[adapter.name])))
    return row
  })
  for (const { name } of skipped) rows.push([name, 'n/a'])
  return { title, columns, rows, notes: skippedNotes(skipped) }
}

/** One line per adapter that skipped the workload, saying why. */
export function skippedNotes(skipped) {
  return skipped.map(({ name, reason }) => `n/a: ${name}: ${reason}.`)
}

/** The peer (not a floor, not herdcache) with the lowest median of `metric`. */
export function bestPeer(adapters, summary) {
  let best
  for (const adapter of adapters) {
    if (adapter.role !== 'peer') continue
    const s = summary[adapter.name]
    if (s && Number.isFinite(s.median) && (best === undefined || s.median < summary[best].median)) {
      best = adapter.name
    }
  }
  return best
}
