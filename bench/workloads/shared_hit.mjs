// Shared mode b): the cost of a hit on a value another thread stored, against an object-mode hit
// of the same value in the same run, and where the shared hit's time goes.
//
// A worker thread stores `keys` values of each shape (bench/shared_values.mjs) into three shared
// stores, one per codec (v8Codec, jsonCodec, msgpackr), and closes its caches; the main thread,
// which opened the same stores first (so they outlive the worker's caches), reads them back:
// sequential `await getOrFetch` on random keys, as the hit workload does. An object-mode cache in
// the main thread holds the same values. Beside them, the parts of a shared hit timed alone:
//
//   lookup   binding.shared.remainingTtl: the lock, the key's conversion and the index lookup,
//            with no value copied (it does not move the entry in the LRU order)
//   get      binding.shared.get into a scratch Buffer, as a hit does (lookup, recency, the
//            value's bytes copied into the scratch)
//   bytes    get, then the bytes copied out of the scratch into a pooled Buffer, as a hit does
//            before decoding (lib/store/shared_store.ts, #hit): the native half of a hit
//   decode   codec.decode on the same stored bytes, each key's own
//
// Candidates are interleaved and rotated per repetition after a shorter warm-up round, each
// with its own copy of its loop (harness.mjs, fresh).

import { CacheManager, jsonCodec, v8Codec } from '../../dist/index.js'
import { binding } from '../../dist/store/native.js'
import { countingFetcher, fresh, randomIds, repeat, timeNs } from '../harness.mjs'
import { msgpackrCodec, SHAPES } from '../shared_values.mjs'
import { fmt, fmtRange, fmtRatio, median, pairedRatio, plural, spread } from '../stats.mjs'

const CODECS = [
  { id: 'v8', label: 'v8Codec', codec: v8Codec },
  { id: 'json', label: 'jsonCodec', codec: jsonCodec },
  { id: 'msgpackr', label: 'msgpackr', codec: msgpackrCodec },
]
const WARMUP_OPS = 10_000
// As lib/store/shared_store.ts's: every value here fits.
const SCRATCH_BYTES = 16 * 1024

async function hitLoop(cache, ids, prefix, fetcher) {
  let sum = 0
  for (let i = 0; i < ids.length; i++) {
    const value = await cache.getOrFetch(prefix + ids[i], fetcher)
    sum += typeof value === 'string' ? value.length : value.id
  }
  return sum
}

function getLoop(shared, handle, ids, prefix, scratch) {
  let sum = 0
  for (let i = 0; i < ids.length; i++) sum += shared.get(handle, prefix + ids[i], undefined, false, scratch)
  return sum
}

function bytesLoop(shared, handle, ids, prefix, scratch) {
  let sum = 0
  for (let i = 0; i < ids.length; i++) {
    const length = shared.get(handle, prefix + ids[i], undefined, false, scratch)
    const bytes = Buffer.allocUnsafe(length)
    scratch.copy(bytes, 0, 0, length)
    sum += bytes[0]
  }
  return sum
}

function lookupLoop(shared, handle, ids, prefix) {
  let sum = 0
  for (let i = 0; i < ids.length; i++) sum += shared.remainingTtl(handle, prefix + ids[i], undefined)
  return sum
}

function decodeLoop(codec, bytes, ids) {
  let sum = 0
  for (let i = 0; i < ids.length; i++) {
    const value = codec.decode(bytes[ids[i]])
    sum += typeof value === 'string' ? value.length : value.id
  }
  return sum
}

/** The caches and raw handles the main thread reads through, with the worker's values in them. */
async function openStores(pool, size) {
  const names = Object.fromEntries(CODECS.map(({ id }) => [id, `herdcache-bench-hit-${process.pid}-${id}`]))
  const shared = Object.fromEntries(
    CODECS.map(({ id, codec }) => [id, new CacheManager({ shared: names[id], maxSize: size.hitKeys * 4, codec })]),
  )
  await pool.workers[0].ask('fill', { stores: names, keys: size.hitKeys, ttlMs: size.ttlMs })
  const object = new CacheManager({ maxSize: size.hitKeys * 4 })
  for (const shape of SHAPES) {
    for (let i = 0; i < size.hitKeys; i++) await object.set(`${shape.id}:${i}`, shape.make(i), size.ttlMs)
  }
  const handles = Object.fromEntries(CODECS.map(({ id, codec }) => [id, rawHandle(names[id], codec)]))
  return { shared, object, handles }
}

// A handle of the binding's own on an open store, to time its native calls alone (opened with
// the store's codec name, as lib/ opens it).
function rawHandle(name, codec) {
  const handle = binding.shared.open(name, undefined, undefined, () => {}, codec.name)
  if (Array.isArray(handle)) throw new Error(`binding.shared.open('${name}') refused: ${handle.join(', ')}`)
  return handle
}

async function closeStores({ shared, handles }) {
  for (const handle of Object.values(handles)) binding.shared.close(handle)
  await Promise.all(Object.values(shared).map((cache) => cache.close()))
}

/** What one shape's repetitions compare: a name and a run(ids) per candidate. */
function candidatesFor(shape, stores, hitKeys) {
  const prefix = `${shape.id}:`
  const fetcher = countingFetcher(shape.make(-1))
  const hit = (cache) => {
    const loop = fresh(hitLoop)
    return (ids) => loop(cache, ids, prefix, fetcher)
  }
  const scratch = Buffer.allocUnsafe(SCRATCH_BYTES)
  const bytesOf = (id) =>
    Array.from({ length: hitKeys }, (_, i) => {
      const length = binding.shared.get(stores.handles[id], prefix + i, undefined, false, scratch)
      return Buffer.from(scratch.subarray(0, length))
    })
  const native = (loopSource) => {
    const loop = fresh(loopSource)
    return (ids) => loop(binding.shared, stores.handles.v8, ids, prefix, scratch)
  }
  const candidates = [
    { name: 'object', run: hit(stores.object) },
    ...CODECS.map(({ id }) => ({ name: `shared ${id}`, run: hit(stores.shared[id]) })),
    { name: 'lookup', run: native(lookupLoop) },
    { name: 'get', run: native(getLoop) },
    { name: 'bytes', run: native(bytesLoop) },
    ...CODECS.map(({ id, codec }) => {
      const loop = fresh(decodeLoop)
      const bytes = bytesOf(id)
      return { name: `decode ${id}`, run: (ids) => loop(codec, bytes, ids), bytes: median(bytes.map((b) => b.length)) }
    }),
  ]
  return { candidates, fetcher }
}

/** samples[shape id][candidate name] = [{ nsPerOp }] per repetition, and each codec's median size. */
export async function measureHits(pool, size) {
  const stores = await openStores(pool, size)
  const ids = randomIds(size.hitOps, size.hitKeys, 0x5eed)
  const warmIds = ids.subarray(0, Math.min(ids.length, WARMUP_OPS))
  const samples = {}
  const bytes = {}
  const misses = {}
  try {
    for (const shape of SHAPES) {
      const { candidates, fetcher } = candidatesFor(shape, stores, size.hitKeys)
      samples[shape.id] = await repeat({
        adapters: candidates,
        reps: size.reps,
        label: `shared b) ${shape.id}`,
        async once(candidate, round) {
          const opIds = round < 0 ? warmIds : ids
          const ns = await timeNs(() => candidate.run(opIds))
          return { nsPerOp: ns / opIds.length }
        },
      })
      bytes[shape.id] = Object.fromEntries(candidates.filter((c) => c.bytes).map((c) => [c.name, c.bytes]))
      misses[shape.id] = fetcher.calls
    }
  } finally {
    await closeStores(stores)
  }
  return { samples, bytes, misses }
}

// ---- Tables -----------------------------------------------------------------------------------

const nsOf = (samples, name) => samples[name].map((s) => s.nsPerOp)

function stat(samples, name, against = 'object') {
  const v = nsOf(samples, name)
  return { median: median(v), ...spread(v), ratio: pairedRatio(v, nsOf(samples, against)) }
}

export function hitTables({ samples, bytes, misses }, size) {
  const what = `${size.hitKeys.toLocaleString('en-US')} keys per shape stored by another thread, sequential await getOrFetch on random keys, ${size.hitOps.toLocaleString('en-US')} calls per repetition, ${plural(size.reps, 'repetition')}`
  const comparison = SHAPES.map((shape) => {
    const s = samples[shape.id]
    const object = stat(s, 'object')
    const shared = stat(s, 'shared v8')
    return [
      shape.label,
      fmt(bytes[shape.id]['decode v8']),
      fmt(object.median),
      fmt(shared.median),
      fmtRange(shared),
      fmtRatio(shared.ratio),
      fmt(misses[shape.id]),
    ]
  })
  const parts = SHAPES.map((shape) => {
    const s = samples[shape.id]
    const hit = nsOf(s, 'shared v8')
    const bytes = nsOf(s, 'bytes')
    const decode = nsOf(s, 'decode v8')
    const rest = hit.map((ns, i) => ns - bytes[i] - decode[i])
    return [
      shape.label,
      fmt(median(hit)),
      fmt(median(nsOf(s, 'lookup'))),
      fmt(median(nsOf(s, 'get'))),
      fmt(median(bytes)),
      fmt(median(decode)),
      fmt(median(rest)),
      fmt(median(nsOf(s, 'object'))),
    ]
  })
  const codecs = SHAPES.flatMap((shape) =>
    CODECS.map(({ id, label }) => {
      const s = samples[shape.id]
      const shared = stat(s, `shared ${id}`)
      const decode = nsOf(s, `decode ${id}`)
      const share = decode.map((ns, i) => ns / nsOf(s, `shared ${id}`)[i])
      return [
        shape.label,
        label,
        fmt(bytes[shape.id][`decode ${id}`]),
        fmt(shared.median),
        fmtRange(shared),
        fmt(median(decode)),
        `${fmt(median(share) * 100)} %`,
        fmtRatio(shared.ratio),
      ]
    }),
  )
  return [
    {
      title: `shared b) hit on a value another thread stored, against an object-mode hit of the same value: ${what}`,
      columns: [
        'value',
        'bytes (v8Codec)',
        'object-mode ns/hit (median)',
        'shared ns/hit (median)',
        'shared spread (min – max)',
        'shared ÷ object',
        'misses',
      ],
      rows: comparison,
      notes: [
        'Target (the issue): shared ÷ object at most 2. Shared mode here with its default codec, v8Codec. shared ÷ object is the median of per-repetition ratios (min–max).',
      ],
    },
    {
      title: `shared b) where a shared hit's time goes (v8Codec), ns per call, medians over ${plural(size.reps, 'repetition')}`,
      columns: [
        'value',
        'shared hit',
        'lookup (no copy)',
        'get into scratch',
        'get + copy out',
        'decode',
        'the rest',
        'object-mode hit',
      ],
      rows: parts,
      notes: [
        "lookup: binding.shared.remainingTtl (lock, key, index; no value copied, recency untouched). get into scratch: binding.shared.get with the cache's scratch Buffer (lookup, recency, the bytes copied into the scratch). get + copy out: that, then the bytes copied into a pooled Buffer (Buffer.allocUnsafe), as a hit does before decoding: the native half of a hit. decode: v8Codec.decode of the same stored bytes. The rest: shared hit − (get + copy out) − decode, per repetition: getOrFetch's JavaScript around them and the `await`. Each part is timed in its own loop, so the parts add up only roughly.",
      ],
    },
    {
      title: `shared b) the codec's share: the same shared hits through each codec, ${plural(size.reps, 'repetition')}`,
      columns: [
        'value',
        'codec',
        'bytes',
        'shared ns/hit (median)',
        'spread (min – max)',
        'decode alone ns',
        'decode ÷ hit',
        'shared ÷ object',
      ],
      rows: codecs,
      notes: [
        'msgpackr: `new Packr({ useRecords: false, moreTypes: true })` (bench/codec.mjs\'s "msgpackr plain") as a { name, encode, decode } codec. decode ÷ hit is the median of per-repetition ratios; shared ÷ object as above, against the object-mode hit of the same value.',
      ],
    },
  ]
}
