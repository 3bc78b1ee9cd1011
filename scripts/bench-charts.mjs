#!/usr/bin/env node
// Draws the benchmark charts: SVG files in docs/charts/ from the `series` that
// `npm run bench -- --json FILE` writes, and the section of docs/BENCHMARKS.md that shows them
// (between the bench-charts markers).
//
//   node scripts/bench-charts.mjs [results.json]   default docs/benchmarks.json
//     --out DIR     where the SVGs go (default docs/charts)
//     --doc FILE    the Markdown whose marked section is rewritten (default docs/BENCHMARKS.md);
//                   --doc '' leaves every Markdown file alone
//
// Two kinds of chart, hand-written SVG with no dependencies: per workload and metric, every
// adapter's median as a bar with its min–max spread as a whisker; per peer, herdcache ÷ that peer
// in every workload as a bar from the 1.0 line (log scale), so "left of 1.0" reads as "herdcache
// is faster or smaller" everywhere.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const SUBJECT = 'herdcache'
// Ratios past these are drawn at the edge and labelled: a heap ratio against herdcache's ~0 B per
// waiter can be 0.0005, which would squeeze every other bar into a corner.
const RATIO_DOMAIN = [0.01, 100]
const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"
const COLORS = {
  subject: '#d9480f',
  peer: '#4c6ef5',
  floor: '#adb5bd',
  better: '#2b8a3e',
  worse: '#c92a2a',
}
const WIDTH = 760
const LABEL_X = 178 // right edge of the adapter names
const PLOT = { left: 188, right: 600 }
const ROW = 26
const BAR = 16
export const MARK_START = '<!-- bench-charts:start (written by scripts/bench-charts.mjs) -->'
export const MARK_END = '<!-- bench-charts:end -->'

export function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** A number as the tables print it: thousands separators, 3 significant digits below 100. */
export function formatNumber(value) {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US')
  return Number(value.toPrecision(3)).toLocaleString('en-US', { maximumFractionDigits: 3 })
}

/** A ratio with two decimals; heap ratios near herdcache's ~0 B can be tiny or, by noise, negative. */
function formatRatio(value) {
  if (value < 0) return 'negative (noise)'
  if (value < RATIO_DOMAIN[0]) return `< ${RATIO_DOMAIN[0]}`
  if (value > RATIO_DOMAIN[1]) return `> ${RATIO_DOMAIN[1]}`
  return value >= 10 ? value.toFixed(1) : value.toFixed(2)
}

/** About `count` round tick values from 0 to at least `max` (steps of 1, 2 or 5 × 10^n). */
function linearTicks(max, count = 5) {
  const raw = max / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power
  const ticks = []
  for (let t = 0; t < max + step; t += step) ticks.push(Number(t.toPrecision(12)))
  return ticks
}

/**
 * Ticks covering [low, high] on a log scale: 1-2-5 steps over two decades or less, powers of ten
 * beyond (1-2-5 labels over four decades would overlap).
 */
function logTicks(low, high) {
  const multiples = Math.log10(high / low) > 2 ? [1] : [1, 2, 5]
  const ticks = []
  for (let e = Math.floor(Math.log10(low)); e <= Math.ceil(Math.log10(high)); e++) {
    for (const m of multiples) ticks.push(Number((m * 10 ** e).toPrecision(12)))
  }
  const below = ticks.filter((t) => t <= low).at(-1) ?? ticks[0]
  const above = ticks.find((t) => t >= high) ?? ticks.at(-1)
  return ticks.filter((t) => t >= below && t <= above)
}

function text(x, y, content, attrs = '') {
  return `<text x="${x}" y="${y}"${attrs ? ` ${attrs}` : ''}>${escapeXml(content)}</text>`
}

function svgDocument(height, title, body) {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="title" font-family="${escapeXml(FONT)}" font-size="12" fill="#212529">`,
    `<title id="title">${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n')
}

function heading(title, subtitle) {
  return [
    text(16, 24, title, 'font-size="15" font-weight="600"'),
    text(16, 42, subtitle, 'font-size="11.5" fill="#495057"'),
  ]
}

function legend(y, entries) {
  let x = PLOT.left
  const out = []
  for (const [color, label] of entries) {
    out.push(
      `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${color}"/>`,
      text(x + 17, y, label),
    )
    x += 30 + label.length * 6.5
  }
  return out
}

/**
 * One workload's metric: an adapter per row, its median as a bar and its min–max as a whisker,
 * herdcache first and in its own colour, then the ratio column the tables print.
 * @param {import('../bench/series.mjs').Series} series
 */
export function barChart(series) {
  const bars = series.bars
  const top = 78
  const max = Math.max(...bars.map((b) => (Number.isFinite(b.max) ? b.max : b.median)))
  const ticks = linearTicks(max)
  const domain = ticks.at(-1) || 1
  const x = (v) => PLOT.left + (Math.max(0, v) / domain) * (PLOT.right - PLOT.left)
  const bottom = top + bars.length * ROW
  const body = heading(
    series.title,
    `median of ${series.repetitions} repetition${series.repetitions === 1 ? '' : 's'}; whiskers: min – max; lower is better`,
  )
  body.push(text(PLOT.right + 24, top - 10, 'herdcache ÷ adapter', 'font-size="11" fill="#495057"'))
  for (const t of ticks) {
    body.push(
      `<line x1="${x(t)}" y1="${top - 4}" x2="${x(t)}" y2="${bottom}" stroke="#e9ecef"/>`,
      text(
        x(t),
        bottom + 16,
        formatNumber(t),
        'text-anchor="middle" font-size="11" fill="#495057"',
      ),
    )
  }
  bars.forEach((bar, i) => {
    const y = top + i * ROW
    const mid = y + BAR / 2
    const color =
      bar.name === SUBJECT ? COLORS.subject : bar.role === 'floor' ? COLORS.floor : COLORS.peer
    body.push(
      text(
        LABEL_X,
        mid + 4,
        bar.name,
        `text-anchor="end"${bar.name === SUBJECT ? ' font-weight="600"' : ''}`,
      ),
      `<rect x="${PLOT.left}" y="${y}" width="${(x(bar.median) - PLOT.left).toFixed(1)}" height="${BAR}" fill="${color}"><title>${escapeXml(`${bar.name}: ${formatNumber(bar.median)} ${series.unit}`)}</title></rect>`,
    )
    let end = x(bar.median)
    if (Number.isFinite(bar.min) && Number.isFinite(bar.max) && bar.max > bar.min) {
      const [a, b] = [x(bar.min), x(bar.max)]
      body.push(
        `<path d="M${a.toFixed(1)} ${mid}H${b.toFixed(1)}M${a.toFixed(1)} ${mid - 4}V${mid + 4}M${b.toFixed(1)} ${mid - 4}V${mid + 4}" stroke="#212529" stroke-width="1.2" fill="none"/>`,
      )
      end = Math.max(end, b)
    }
    body.push(
      text(end + 5, mid + 4, `${formatNumber(bar.median)} ${series.unit}`, 'font-size="11"'),
    )
    const ratio = bar.name === SUBJECT ? '1.00' : bar.ratio ? formatRatio(bar.ratio.median) : '-'
    body.push(text(PLOT.right + 24, mid + 4, ratio, 'font-size="11"'))
  })
  body.push(
    `<line x1="${PLOT.left}" y1="${bottom}" x2="${PLOT.right}" y2="${bottom}" stroke="#495057"/>`,
    text(
      (PLOT.left + PLOT.right) / 2,
      bottom + 34,
      `${series.quantity} (${series.unit}), lower is better`,
      'text-anchor="middle"',
    ),
    ...legend(bottom + 58, [
      [COLORS.subject, 'herdcache'],
      [COLORS.peer, 'peer'],
      ...(bars.some((b) => b.role === 'floor')
        ? [[COLORS.floor, 'floor (context, not a cache)']]
        : []),
    ]),
  )
  return svgDocument(bottom + 72, `${series.title}: ${series.quantity} (${series.unit})`, body)
}

/**
 * herdcache ÷ one peer across every series that has both: a bar from the 1.0 line to the median
 * ratio (log scale) with the min–max of the per-repetition ratios as a whisker.
 */
export function ratioChart(peer, allSeries) {
  const rows = allSeries
    .map((series) => ({ series, bar: series.bars.find((b) => b.name === peer) }))
    .filter(({ bar }) => bar?.ratio && Number.isFinite(bar.ratio.median))
  const [lowest, highest] = RATIO_DOMAIN
  const values = rows
    .flatMap(({ bar }) => [bar.ratio.median, bar.ratio.min, bar.ratio.max])
    .filter((v) => v > 0)
    .map((v) => Math.min(highest, Math.max(lowest, v)))
  const ticks = logTicks(Math.min(0.5, ...values), Math.max(2, ...values))
  const [low, high] = [ticks[0], ticks.at(-1)]
  const left = 290
  const right = 660
  const x = (v) => {
    const clamped = Math.min(high, Math.max(low, v))
    return (
      left +
      ((Math.log10(clamped) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) *
        (right - left)
    )
  }
  const top = 84
  const bottom = top + rows.length * ROW
  const body = heading(
    `herdcache ÷ ${peer}, per workload`,
    'median of the per-repetition ratios; whiskers: min – max; log scale; left of 1.0: herdcache is faster or smaller',
  )
  body.push(
    text(x(1), top - 12, '1.0 (same)', 'text-anchor="middle" font-size="11" fill="#495057"'),
  )
  for (const t of ticks) {
    body.push(
      `<line x1="${x(t).toFixed(1)}" y1="${top - 4}" x2="${x(t).toFixed(1)}" y2="${bottom}" stroke="#e9ecef"/>`,
      text(
        x(t).toFixed(1),
        bottom + 16,
        String(t),
        'text-anchor="middle" font-size="11" fill="#495057"',
      ),
    )
  }
  rows.forEach(({ series, bar }, i) => {
    const y = top + i * ROW
    const mid = y + BAR / 2
    const { median, min, max } = bar.ratio
    body.push(text(left - 10, mid + 4, `${series.label}: ${series.quantity}`, 'text-anchor="end"'))
    // A negative ratio (heap noise around 0 B) has no place on a log scale: its row keeps the label.
    if (median > 0) {
      const color = median <= 1 ? COLORS.better : COLORS.worse
      const [from, to] = [Math.min(x(1), x(median)), Math.max(x(1), x(median))]
      body.push(
        `<rect x="${from.toFixed(1)}" y="${y}" width="${Math.max(1, to - from).toFixed(1)}" height="${BAR}" fill="${color}" fill-opacity="0.85"><title>${escapeXml(`${series.title}: herdcache ÷ ${peer} = ${formatRatio(median)}`)}</title></rect>`,
      )
    }
    if (max > min && min > 0) {
      const [a, b] = [x(min).toFixed(1), x(max).toFixed(1)]
      body.push(
        `<path d="M${a} ${mid}H${b}M${a} ${mid - 4}V${mid + 4}M${b} ${mid - 4}V${mid + 4}" stroke="#212529" stroke-width="1.2" fill="none"/>`,
      )
    }
    body.push(text(right + 12, mid + 4, formatRatio(median), 'font-size="11"'))
  })
  body.push(
    `<line x1="${x(1).toFixed(1)}" y1="${top - 4}" x2="${x(1).toFixed(1)}" y2="${bottom}" stroke="#212529" stroke-width="1.5"/>`,
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#495057"/>`,
    text(
      (left + right) / 2,
      bottom + 34,
      `herdcache ÷ ${peer} (ratio, log scale), lower is better`,
      'text-anchor="middle"',
    ),
    ...legend(bottom + 58, [
      [COLORS.better, 'herdcache faster or smaller'],
      [COLORS.worse, 'herdcache slower or larger'],
    ]),
  )
  return svgDocument(bottom + 72, `herdcache ÷ ${peer}, per workload`, body)
}

function slug(name) {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
}

/** Every chart of a run: `{ file, title, svg }`, the per-peer ratio charts first. */
export function renderCharts(run) {
  const series = run.series ?? []
  const peers = [
    ...new Set(series.flatMap((s) => s.bars.filter((b) => b.role === 'peer').map((b) => b.name))),
  ]
  return [
    ...peers.map((peer) => ({
      file: `ratio-${slug(peer)}.svg`,
      title: `herdcache ÷ ${peer}`,
      svg: ratioChart(peer, series),
    })),
    ...series.map((s) => ({
      file: `${slug(s.id)}.svg`,
      title: `${s.title}: ${s.quantity}`,
      svg: barChart(s),
    })),
  ]
}

/** The Markdown between the markers: where the numbers come from, then every chart. */
export function chartsMarkdown(run, charts, chartsDir, dataFile) {
  const date = run.startedAt
    ? run.startedAt.slice(0, 16).replace('T', ' ') + ' UTC'
    : 'an unrecorded date'
  const load = run.load
    ? ` Load average ${run.load.start[0].toFixed(1)} at the start, ${run.load.end[0].toFixed(1)} at the end (on ${run.machine?.nproc ?? '?'} CPUs).`
    : ''
  const lines = [
    `Drawn by \`npm run bench:charts\` from [\`${basename(dataFile)}\`](${dataFile}), written by`,
    `\`${run.command ?? 'npm run bench'}\` (a ${run.config?.mode ?? '?'} run) started ${date}, which took`,
    `${Math.round(run.seconds ?? 0)} s on Node ${run.machine?.node ?? '?'}.${load}`,
    '',
    '### herdcache ÷ each peer',
    '',
  ]
  const link = (chart) => `![${chart.title}](${chartsDir}/${chart.file})`
  for (const chart of charts.filter((c) => c.file.startsWith('ratio-'))) lines.push(link(chart), '')
  lines.push('### Each workload', '')
  for (const chart of charts.filter((c) => !c.file.startsWith('ratio-')))
    lines.push(link(chart), '')
  return lines.join('\n')
}

/** `markdown` with the text between the markers replaced by `section`. */
export function replaceSection(markdown, section) {
  const start = markdown.indexOf(MARK_START)
  const end = markdown.indexOf(MARK_END)
  if (start < 0 || end < start)
    throw new Error(`no ${MARK_START} ... ${MARK_END} section to replace`)
  return `${markdown.slice(0, start + MARK_START.length)}\n\n${section}\n${markdown.slice(end)}`
}

function main() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..')
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, doc: { type: 'string' } },
  })
  const input = resolve(positionals[0] ?? join(root, 'docs', 'benchmarks.json'))
  const out = resolve(values.out ?? join(root, 'docs', 'charts'))
  const doc = values.doc ?? join(root, 'docs', 'BENCHMARKS.md')
  const run = JSON.parse(readFileSync(input, 'utf8'))
  if (!Array.isArray(run.series) || run.series.length === 0) {
    throw new Error(`${input} has no chart series: write it with npm run bench -- --json FILE`)
  }
  const charts = renderCharts(run)
  mkdirSync(out, { recursive: true })
  for (const chart of charts) writeFileSync(join(out, chart.file), chart.svg)
  console.log(
    `bench-charts: wrote ${charts.length} charts to ${relative(process.cwd(), out) || '.'}`,
  )
  if (doc) {
    const docDir = dirname(resolve(doc))
    const section = chartsMarkdown(run, charts, relative(docDir, out), relative(docDir, input))
    writeFileSync(doc, replaceSection(readFileSync(doc, 'utf8'), section))
    console.log(`bench-charts: updated ${relative(process.cwd(), doc)}`)
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
