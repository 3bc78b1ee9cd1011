// Summaries of repeated measurements, and the Markdown tables the runner prints.

export function median(values) {
  return quantile(values, 0.5)
}

/** Linear-interpolated quantile of the finite values; NaN when there are none. */
export function quantile(values, q) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const at = (sorted.length - 1) * q
  const low = Math.floor(at)
  const high = Math.ceil(at)
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low)
}

export function spread(values) {
  const finite = values.filter(Number.isFinite)
  if (finite.length === 0) return { min: Number.NaN, max: Number.NaN }
  return { min: Math.min(...finite), max: Math.max(...finite) }
}

/**
 * herdcache's measurement divided by `other`'s, repetition by repetition (so drift during the run
 * hits both alike), then the median of those ratios. Below 1.0: herdcache is faster or smaller.
 */
export function pairedRatio(herdcache, other) {
  const ratios = []
  for (let i = 0; i < Math.min(herdcache.length, other.length); i++) {
    if (Number.isFinite(herdcache[i]) && Number.isFinite(other[i]) && other[i] !== 0) {
      ratios.push(herdcache[i] / other[i])
    }
  }
  return { median: median(ratios), ...spread(ratios), n: ratios.length }
}

/** A number with thousands separators and `digits` decimals (fewer for large values). */
export function fmt(value, digits = 0) {
  if (value === undefined || value === null) return '-'
  if (typeof value === 'string') return value
  if (!Number.isFinite(value)) return Number.isNaN(value) ? '-' : String(value)
  const places = Math.abs(value) >= 100 ? Math.min(digits, 0) : digits
  return value.toLocaleString('en-US', { minimumFractionDigits: places, maximumFractionDigits: places })
}

export function fmtRange({ min, max }, digits = 0) {
  if (!Number.isFinite(min)) return '-'
  return `${fmt(min, digits)} – ${fmt(max, digits)}`
}

export function fmtRatio(ratio) {
  if (!Number.isFinite(ratio.median)) return '-'
  return `${ratio.median.toFixed(2)} (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})`
}

/** A Markdown table with padded columns; numeric-looking cells are right-aligned. */
export function renderTable(columns, rows) {
  const cells = [columns, ...rows].map((row) => columns.map((_, i) => String(row[i] ?? '')))
  const widths = columns.map((_, i) => Math.max(3, ...cells.map((row) => row[i].length)))
  const right = columns.map((_, i) =>
    rows.some((row) => /^[\d.,\s–()-]+$/.test(String(row[i])) && /\d/.test(String(row[i]))),
  )
  const line = (row) =>
    `| ${row.map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join(' | ')} |`
  const rule = `| ${widths.map((w, i) => (right[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n')
}

/** "1 repetition", "7 repetitions". */
export function plural(count, noun) {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`
}
