// Issue 15, section 7: docs/grafana/herdcache-dashboard.json. Every PromQL query in it is parsed
// with the Prometheus project's own grammar, and every metric and label it names must be one that
// a real cache's metrics() output has, so a renamed or misspelled metric fails here instead of
// drawing an empty panel.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parser } from '@prometheus-io/lezer-promql'
import { describe, expect, it } from 'vitest'
import { CacheManager } from '../../dist/index.js'
import { parseExposition } from '../support/prometheus.js'

interface Target {
  refId: string
  expr: string
}
interface Panel {
  id: number
  type: string
  title: string
  description?: string
  gridPos: { h: number; w: number; x: number; y: number }
  targets?: Target[]
  fieldConfig?: { defaults: { unit?: string } }
}
interface Variable {
  name: string
  type: string
  definition?: string
  allValue?: string
}
interface Dashboard {
  uid: string
  title: string
  panels: Panel[]
  templating: { list: Variable[] }
}

const file = join(__dirname, '..', '..', 'docs', 'grafana', 'herdcache-dashboard.json')
const dashboard = JSON.parse(readFileSync(file, 'utf8')) as Dashboard
const queries = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
)

// What a real cache exports: sample names (a histogram's _bucket, _sum and _count, not its family
// name, are what Prometheus stores) and label names. Prometheus adds `job` and `instance` to every
// series it scrapes.
async function exported(): Promise<{ metrics: Set<string>; labels: Set<string> }> {
  const cache = new CacheManager<string>({ name: 'profiles', maxSize: 10 })
  await cache.getOrFetch('k', () => Promise.resolve('v'), 60_000)
  const { samples } = parseExposition(cache.metrics())
  const metrics = new Set<string>()
  const labels = new Set(['job', 'instance'])
  for (const id of samples.keys()) {
    metrics.add(id.replace(/\{.*$/, ''))
    for (const [, label] of id.matchAll(/[{,]([a-zA-Z_]\w*)=/g)) labels.add(label!)
  }
  return { metrics, labels }
}

// Grafana replaces its variables before the query reaches Prometheus; so does this test.
function interpolate(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$cache', '.*')
}

/** The metric names, label names and syntax errors of one PromQL expression. */
function analyse(expr: string) {
  const source = interpolate(expr)
  const metrics: string[] = []
  const labels: string[] = []
  const errors: string[] = []
  parser.parse(source).iterate({
    enter(node) {
      const text = source.slice(node.from, node.to)
      if (node.type.isError) errors.push(`syntax error at ${node.from}: '${text}'`)
      else if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        metrics.push(text)
      } else if (node.name === 'LabelName') labels.push(text)
    },
  })
  return { metrics, labels, errors }
}

describe('the Grafana dashboard', () => {
  it('has queries in every panel but the rows, each with a unit', () => {
    for (const panel of dashboard.panels) {
      if (panel.type === 'row') continue
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0)
      expect(panel.fieldConfig?.defaults.unit, panel.title).toBeTruthy()
      expect(panel.description, panel.title).toBeTruthy()
    }
  })

  it('parses every query as PromQL', () => {
    for (const { panel, expr } of queries) {
      expect(analyse(expr).errors, `${panel}: ${expr}`).toEqual([])
    }
  })

  it('names only metrics and labels that a cache exports', async () => {
    const { metrics, labels } = await exported()
    const named = new Set<string>()
    for (const { panel, expr } of queries) {
      const found = analyse(expr)
      expect(found.metrics.length, `${panel}: ${expr}`).toBeGreaterThan(0)
      for (const metric of found.metrics) {
        expect(metrics, `${panel} names ${metric}`).toContain(metric)
        named.add(metric)
      }
      for (const label of found.labels) expect(labels, `${panel} names ${label}`).toContain(label)
    }
    // Every exported metric has a panel, except the _sum/_count/_bucket trio read only in part.
    const unshown = [...metrics].filter((m) => !named.has(m) && !/_(sum|count|bucket)$/.test(m))
    expect(unshown).toEqual([])
  })

  it('selects caches through a multi-value `cache` variable that matches unnamed caches too', () => {
    const cache = dashboard.templating.list.find((v) => v.name === 'cache')
    expect(cache?.type).toBe('query')
    expect(cache?.allValue).toBe('.*')
    const source = /^label_values\((\w+), cache\)$/.exec(cache?.definition ?? '')
    expect(source, cache?.definition).not.toBeNull()
    for (const { panel, expr } of queries) {
      const selectors = expr.match(/herdcache_\w+(\{[^}]*\})?/g) ?? []
      for (const selector of selectors) expect(selector, panel).toContain('{cache=~"$cache"}')
    }
  })

  it('lays panels out on the 24-column grid without overlaps', () => {
    const cells = new Map<string, string>()
    for (const panel of dashboard.panels) {
      const { h, w, x, y } = panel.gridPos
      expect(x + w, panel.title).toBeLessThanOrEqual(24)
      for (let row = y; row < y + h; row++) {
        for (let col = x; col < x + w; col++) {
          const key = `${row},${col}`
          expect(cells.get(key), `${panel.title} overlaps`).toBeUndefined()
          cells.set(key, panel.title)
        }
      }
    }
    const ids = dashboard.panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
