#!/usr/bin/env node
// Copies code from examples/ into the guides in docs/guides/, so the code a guide shows is code
// that __tests__/examples.test.ts runs. In a guide, a line
//
//   <!-- include examples/express-route.mjs#app -->
//
// followed by a fenced code block marks that block as a copy of the region between
// `// #region app` and `// #endregion app` in that file, less the markers' indentation (or of
// the whole file, without `#app`; `#expect` stands for the example's `// expect: ` lines, that
// is, its output).
// This script rewrites each such block from its source; __tests__/docs.test.ts fails while any
// block differs. Run by `npm run docs`.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const guides = join(root, 'docs', 'guides')
const INCLUDE = /^<!-- include (\S+?)(?:#(\S+))? -->$/

function source(path, region) {
  const text = readFileSync(join(root, path), 'utf8').replace(/\n$/, '')
  if (region === undefined) return text
  if (region === 'expect') {
    // The example's `// expect: ` lines: what it prints.
    return text
      .split('\n')
      .filter((line) => line.startsWith('// expect: '))
      .map((line) => line.slice('// expect: '.length))
      .join('\n')
  }
  const lines = text.split('\n')
  const start = lines.findIndex((line) => line.trim() === `// #region ${region}`)
  const end = lines.findIndex((line) => line.trim() === `// #endregion ${region}`)
  if (start < 0 || end < start) throw new Error(`${path} has no region '${region}'`)
  // A region inside a block is shown without the block's indentation.
  const indent = lines[start].length - lines[start].trimStart().length
  return lines
    .slice(start + 1, end)
    .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)))
    .join('\n')
}

let changed = 0
for (const name of readdirSync(guides).filter((file) => file.endsWith('.md'))) {
  const file = join(guides, name)
  const lines = readFileSync(file, 'utf8').split('\n')
  const out = []
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i])
    const include = INCLUDE.exec(lines[i])
    if (!include) continue
    const open = lines[i + 1]
    const close = lines.indexOf('```', i + 2)
    if (!open?.startsWith('```') || close < 0) {
      throw new Error(`${name}:${i + 1}: an include must be followed by a fenced code block`)
    }
    out.push(open, source(include[1], include[2]), '```')
    i = close
  }
  const text = out.join('\n')
  if (text !== lines.join('\n')) {
    writeFileSync(file, text)
    changed += 1
    console.log(`updated ${join('docs', 'guides', name)}`)
  }
}
console.log(`guides: ${changed} updated`)
