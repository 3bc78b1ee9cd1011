#!/usr/bin/env node
// How values become bytes for the fleet tier: encode and decode time and encoded size of the
// candidate codecs on four realistic values, and which kinds of value each gives back as stored.
// Prints Markdown (progress goes to stderr); measures, never fails on a number. docs/codecs.md
// shows a run and the choice made from it.
//
//   npm run build:ts && node bench/codec.mjs        the full run (about 2 minutes on 2 shared cores)
//   node bench/codec.mjs --quick                    fewer and shorter repetitions, about 15 seconds
//
// Every repetition times a batch of encodes (then decodes) long enough to read the clock well,
// candidates interleaved and rotated so none always runs first; the tables show the median time
// per operation over the repetitions, with the fastest and slowest repetition in brackets.

import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { performance } from 'node:perf_hooks'
import { isDeepStrictEqual, parseArgs } from 'node:util'
import { deserialize, serialize } from 'node:v8'
import { isNativeAccelerationEnabled, Packr } from 'msgpackr'
import { decodeEnvelope, encodeEnvelope } from '../dist/redis/envelope.js'
import { jsonCodec } from '../dist/codec/json_codec.js'
import { v8Codec } from '../dist/codec/v8_codec.js'
import { FIDELITY_CASES, fidelityRow } from './codec_fidelity.mjs'
import { benchValues } from './codec_values.mjs'
import { fresh, interleaved } from './harness.mjs'
import { fmt, median, plural, renderTable, spread } from './stats.mjs'

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } })
const config = args.quick ? { reps: 3, batchMs: 10 } : { reps: 11, batchMs: 40 }

// msgpackr's two sensible setups: `structuredClone` keeps the most (records for objects, so a
// Map stays a Map and an object an object); `useRecords: false` writes plain MessagePack that
// any MessagePack reader understands. `mapsAsObjects: false` would decode every object as a Map.
const structured = new Packr({ structuredClone: true })
const plain = new Packr({ useRecords: false, moreTypes: true })

const utf8 = new TextDecoder()

const CANDIDATES = [
  {
    name: 'v8Codec in envelope',
    encode: (value) => encodeEnvelope(v8Codec, value, 'bench'),
    decode: (bytes) => decodeEnvelope(v8Codec, bytes, 'bench'),
  },
  { name: 'v8Codec', encode: (value) => v8Codec.encode(value), decode: (bytes) => v8Codec.decode(bytes) },
  { name: 'v8.serialize', encode: (value) => serialize(value), decode: (bytes) => deserialize(bytes) },
  {
    name: 'msgpackr structuredClone',
    encode: (value) => structured.pack(value),
    decode: (bytes) => structured.unpack(bytes),
  },
  { name: 'msgpackr plain', encode: (value) => plain.pack(value), decode: (bytes) => plain.unpack(bytes) },
  { name: 'jsonCodec', encode: (value) => jsonCodec.encode(value), decode: (bytes) => jsonCodec.decode(bytes) },
  {
    name: 'JSON.stringify',
    encode: (value) => Buffer.from(JSON.stringify(value)),
    decode: (bytes) => JSON.parse(utf8.decode(bytes)),
  },
]

// A private copy per candidate and direction keeps each call site monomorphic (see harness.mjs).
function timedLoop() {
  return (operation, input, count) => {
    let sink = 0
    const start = performance.now()
    for (let i = 0; i < count; i++) sink ^= operation(input) === undefined ? 1 : 0
    return { ms: performance.now() - start, sink }
  }
}

/** How many operations fill one batch of `batchMs`, from a short trial. */
function calibrate(loop, operation, input) {
  let count = 1
  for (;;) {
    const { ms } = loop(operation, input, count)
    if (ms >= config.batchMs / 4) return Math.max(1, Math.round((count * config.batchMs) / ms))
    count *= 4
  }
}

function attempt(run) {
  try {
    return { ok: run() }
  } catch (error) {
    return { error }
  }
}

function prepare(candidate, value) {
  const encoded = attempt(() => candidate.encode(value))
  if (encoded.error) return { candidate, skipped: `refused (${encoded.error.code ?? encoded.error.name})` }
  const bytes = encoded.ok
  const kept = isDeepStrictEqual(candidate.decode(bytes), value)
  const encodeLoop = fresh(timedLoop)()
  const decodeLoop = fresh(timedLoop)()
  return {
    candidate,
    bytes,
    kept,
    encode: { loop: encodeLoop, count: calibrate(encodeLoop, candidate.encode, value), ns: [] },
    decode: { loop: decodeLoop, count: calibrate(decodeLoop, candidate.decode, bytes), ns: [] },
  }
}

function measure({ name, value }) {
  const runs = CANDIDATES.map((candidate) => prepare(candidate, value))
  const timed = runs.filter((run) => !run.skipped)
  for (let rep = 0; rep < config.reps; rep++) {
    for (const run of interleaved(timed, rep)) {
      const encoded = run.encode.loop(run.candidate.encode, value, run.encode.count)
      run.encode.ns.push((encoded.ms * 1e6) / run.encode.count)
      const decoded = run.decode.loop(run.candidate.decode, run.bytes, run.decode.count)
      run.decode.ns.push((decoded.ms * 1e6) / run.decode.count)
    }
    process.stderr.write(`  ${name}: repetition ${rep + 1}/${config.reps}\n`)
  }
  return runs
}

function micros(samples) {
  const { min, max } = spread(samples)
  const us = (ns) => fmt(ns / 1000, ns < 10_000 ? 2 : 1)
  return `${us(median(samples))} (${us(min)}–${us(max)})`
}

function timingTable(runs) {
  const rows = runs.map((run) =>
    run.skipped
      ? [run.candidate.name, run.skipped, '', '', '']
      : [
          run.candidate.name,
          micros(run.encode.ns),
          micros(run.decode.ns),
          fmt(run.bytes.length),
          run.kept ? 'yes' : 'no',
        ],
  )
  return renderTable(['codec', 'encode µs', 'decode µs', 'bytes', 'value back as stored'], rows)
}

function msgpackrVersion() {
  const url = new URL('../node_modules/msgpackr/package.json', import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8')).version
}

console.log('# Codec benchmark\n')
console.log(
  `Node ${process.version} (V8 ${process.versions.v8}), msgpackr ${msgpackrVersion()} (native string ` +
    `decoding ${isNativeAccelerationEnabled ? 'on' : 'off'}), ${cpus()[0]?.model ?? 'unknown CPU'}, ` +
    `${args.quick ? 'quick' : 'full'} run: ${plural(config.reps, 'repetition')} of ${config.batchMs} ms batches.\n`,
)
console.log('Median µs per operation (fastest–slowest repetition); bytes encoded; whether decoding gave back a')
console.log('value deep-strict-equal to the one stored (where not, the timings are of a lossy copy).\n')
for (const entry of benchValues()) {
  console.log(`## ${entry.name}\n`)
  console.log(`${timingTable(measure(entry))}\n`)
}

console.log('## What comes back\n')
console.log('`kept`: equal to what was stored (deep strict equality; identity of shared parts where shown);')
console.log('`throws`: encoding refuses it; `→ x`: it came back as x.\n')
const fidelityCandidates = CANDIDATES.filter((candidate) => candidate.name !== 'v8Codec in envelope')
const columns = fidelityCandidates.map(fidelityRow)
const rows = FIDELITY_CASES.map((entry, i) => [entry.name, ...columns.map((column) => column[i])])
console.log(renderTable(['value', ...fidelityCandidates.map((candidate) => candidate.name)], rows))
