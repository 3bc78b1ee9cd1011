// Issue 15, section 7: scripts/bench-charts.mjs draws SVG charts from the `series` of a
// `npm run bench -- --json` file and rewrites the marked section of a Markdown file. Driven as a
// command on a small fixture run, the way `npm run bench:charts` runs it.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DOMParser, type Element } from '@xmldom/xmldom'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

interface Bar {
  name: string
  role: string
}
interface Series {
  id: string
  label: string
  title: string
  quantity: string
  unit: string
  bars: Bar[]
}

const root = join(__dirname, '..')
const fixture = join(root, '__tests__', 'fixtures', 'bench-run.json')
const run = JSON.parse(readFileSync(fixture, 'utf8')) as { series: Series[] }
const START = '<!-- bench-charts:start (written by scripts/bench-charts.mjs) -->'
const END = '<!-- bench-charts:end -->'
const BEFORE = '# Benchmarks\n\nProse before the charts.\n\n## Charts\n\n'
const AFTER = '\n\n## Full run\n\nProse after the charts.\n'

let temp = ''
let charts = ''
let doc = ''
let output = ''

beforeAll(() => {
  temp = mkdtempSync(join(tmpdir(), 'herdcache-charts-'))
  charts = join(temp, 'charts')
  doc = join(temp, 'BENCHMARKS.md')
  writeFileSync(doc, `${BEFORE}${START}\nold charts\n${END}${AFTER}`)
  const script = join(root, 'scripts', 'bench-charts.mjs')
  const child = spawnSync(process.execPath, [script, fixture, '--out', charts, '--doc', doc], {
    encoding: 'utf8',
  })
  output = `${child.stdout}${child.stderr}`
  expect(child.status, output).toBe(0)
})

afterAll(() => {
  rmSync(temp, { recursive: true, force: true })
})

/** The SVG's root element, parsed strictly: any XML warning or error fails the test. */
function parseSvg(file: string): Element {
  const problems: string[] = []
  const document = new DOMParser({
    onError: (level, message) => {
      problems.push(`${level}: ${message}`)
    },
  }).parseFromString(readFileSync(join(charts, file), 'utf8'), 'image/svg+xml')
  expect(problems, file).toEqual([])
  const svg = document.documentElement
  if (!svg) throw new Error(`${file} has no root element`)
  return svg
}

function texts(svg: Element): string[] {
  return Array.from(svg.getElementsByTagName('text'), (node) => node.textContent ?? '')
}

const peers = ['lru-cache', 'p-memoize', 'promise-coalesce']

describe('bench-charts', () => {
  it('writes one bar chart per series and one ratio chart per peer, and no others', () => {
    expect(readdirSync(charts).sort()).toEqual(
      [...run.series.map((s) => `${s.id}.svg`), ...peers.map((p) => `ratio-${p}.svg`)].sort(),
    )
  })

  it('writes well-formed SVG documents with a size, a viewBox and a title', () => {
    for (const file of readdirSync(charts)) {
      const svg = parseSvg(file)
      expect(svg.tagName, file).toBe('svg')
      expect(svg.getAttribute('xmlns'), file).toBe('http://www.w3.org/2000/svg')
      expect(Number(svg.getAttribute('width')), file).toBeGreaterThan(0)
      expect(Number(svg.getAttribute('height')), file).toBeGreaterThan(0)
      expect(svg.getAttribute('viewBox'), file).toMatch(/^0 0 \d+ \d+$/)
      expect(svg.getElementsByTagName('title').length, file).toBeGreaterThan(0)
      expect(readFileSync(join(charts, file), 'utf8'), file).not.toMatch(/NaN|undefined|Infinity/)
    }
  })

  it('names the workload, every adapter and the axis quantity with its unit in each bar chart', () => {
    for (const series of run.series) {
      const labels = texts(parseSvg(`${series.id}.svg`))
      expect(labels).toContain(series.title)
      for (const bar of series.bars) expect(labels).toContain(bar.name)
      expect(labels).toContain(`${series.quantity} (${series.unit}), lower is better`)
      expect(labels).toContain('herdcache ÷ adapter')
    }
  })

  it('names the peer and every workload it ran in its ratio chart, with the 1.0 line labelled', () => {
    for (const peer of peers) {
      const labels = texts(parseSvg(`ratio-${peer}.svg`))
      expect(labels).toContain(`herdcache ÷ ${peer}, per workload`)
      expect(labels).toContain('1.0 (same)')
      const ran = run.series.filter((s) => s.bars.some((b) => b.name === peer))
      for (const series of ran) expect(labels).toContain(`${series.label}: ${series.quantity}`)
    }
  })

  it('labels ratios too small to draw, and negative ones, instead of drawing them as numbers', () => {
    expect(texts(parseSvg('storm-100000-heap.svg'))).toEqual(
      expect.arrayContaining(['< 0.01', 'negative (noise)']),
    )
  })

  it('replaces only the marked section of the Markdown, linking every chart', () => {
    const markdown = readFileSync(doc, 'utf8')
    expect(markdown.startsWith(`${BEFORE}${START}\n`)).toBe(true)
    expect(markdown.endsWith(`${END}${AFTER}`)).toBe(true)
    expect(markdown).not.toContain('old charts')
    for (const file of readdirSync(charts)) expect(markdown).toContain(`(charts/${file})`)
    expect(markdown).toContain('`npm run bench -- --quick --only hit,storm --json out.json`')
    expect(markdown).toContain('2026-11-29 12:00 UTC')
  })
})
