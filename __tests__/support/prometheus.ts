// A strict reader of the Prometheus text exposition format (0.0.4), written from the format's
// description, so a test can check that output parses and compare two outputs sample by sample.

interface Family {
  help: string
  type: string
}

export interface Exposition {
  families: Map<string, Family>
  /** Sample value by `name{label="value",...}`, labels sorted by name, values unescaped. */
  samples: Map<string, number>
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** The series id `name{a="1",b="2"}` (labels sorted), as Exposition.samples keys it. */
export function seriesId(name: string, labels: Record<string, string> = {}): string {
  const parts = Object.keys(labels)
    .sort()
    .map((label) => `${label}=${JSON.stringify(labels[label])}`)
  return parts.length === 0 ? name : `${name}{${parts.join(',')}}`
}

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (text === 'NaN') return NaN
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
    throw new Error(`bad value '${text}' in: ${line}`)
  }
  return Number(text)
}

// Reads `{a="x",b="y"}` from `text` at `start`; returns the labels and the index after `}`.
function parseLabels(text: string, start: number, line: string) {
  const labels: Record<string, string> = {}
  let at = start + 1
  while (text[at] !== '}') {
    const eq = text.indexOf('=', at)
    const label = text.slice(at, eq)
    if (eq < 0 || !LABEL.test(label) || text[eq + 1] !== '"') {
      throw new Error(`bad label at ${at} in: ${line}`)
    }
    if (label in labels) throw new Error(`label ${label} twice in: ${line}`)
    let value = ''
    at = eq + 2
    for (;;) {
      const c = text[at]
      if (c === undefined || c === '\n') throw new Error(`unterminated label value in: ${line}`)
      if (c === '"') break
      if (c === '\\') {
        const next = text[at + 1]
        if (next === 'n') value += '\n'
        else if (next === '\\' || next === '"') value += next
        else throw new Error(`bad escape \\${next} in: ${line}`)
        at += 2
      } else {
        value += c
        at += 1
      }
    }
    labels[label] = value
    at += 1
    if (text[at] === ',') at += 1
    else if (text[at] !== '}') throw new Error(`expected , or } at ${at} in: ${line}`)
  }
  return { labels, end: at + 1 }
}

/** Parses `text`; throws on anything the format does not allow (or that a family repeats). */
export function parseExposition(text: string, { openMetrics = false } = {}): Exposition {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline')
  const families = new Map<string, Family>()
  const samples = new Map<string, number>()
  const lines = text.slice(0, -1).split('\n')
  if (openMetrics) {
    if (lines.pop() !== '# EOF') throw new Error('an OpenMetrics exposition ends with # EOF')
  }
  for (const line of lines) {
    if (line === '') continue
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
      if (match === null) continue // a comment
      const [, kind, name, rest] = match as unknown as [string, string, string, string]
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`)
      const family = families.get(name) ?? { help: '', type: '' }
      if (kind === 'HELP') {
        if (family.help !== '') throw new Error(`second HELP for ${name}`)
        family.help = rest.replace(/\\(n|\\)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'))
      } else {
        if (family.type !== '') throw new Error(`second TYPE for ${name}`)
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) {
          throw new Error(`bad type in: ${line}`)
        }
        family.type = rest
      }
      families.set(name, family)
      continue
    }
    const nameEnd = line.search(/[{ ]/)
    const name = line.slice(0, nameEnd)
    if (nameEnd < 0 || !NAME.test(name)) throw new Error(`bad sample: ${line}`)
    let labels: Record<string, string> = {}
    let at = nameEnd
    if (line[at] === '{') ({ labels, end: at } = parseLabels(line, at, line))
    if (line[at] !== ' ') throw new Error(`expected a space before the value in: ${line}`)
    const id = seriesId(name, labels)
    if (samples.has(id)) throw new Error(`sample ${id} twice`)
    samples.set(id, parseValue(line.slice(at + 1), line))
  }
  return { families, samples }
}
