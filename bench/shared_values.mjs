// What the shared-mode benchmark stores (bench/workloads/shared_*.mjs, its worker and its child):
// three value shapes, built the same way on every run, and the msgpackr codec it compares with
// herdcache's own two.

import { Packr } from 'msgpackr'

const LOREM =
  'A cache that many threads share keeps one copy of each value outside the V8 heap, and every ' +
  'read decodes a fresh copy: the garbage collector never walks the stored values, and a ' +
  'thread that asks for a key another thread is already fetching waits for that fetch instead ' +
  'of calling the upstream again. '

// A string whose characters are its own: concatenations and slices would make V8 keep a rope or
// a view into a shared string, and an object-mode cache would then hold far less than the bytes
// the value encodes to. A Buffer round trip builds a new flat string.
function flat(text) {
  return Buffer.from(text, 'latin1').toString('latin1')
}

/** The description of item `i`: 800 characters of text, distinct per item. */
function description(i) {
  const start = i % LOREM.length
  const text = `item ${i}: ${LOREM.slice(start)}${LOREM.repeat(4)}`
  return flat(text.slice(0, 800))
}

/**
 * The value shapes of the hit comparison, each with `make(i)`, the value stored under key i.
 * `id` is i for the objects, so a read can be checked; a string answers its length.
 */
export const SHAPES = [
  {
    id: 'string',
    label: 'short string (~20 chars)',
    make: (i) => `session:${i}:active`,
  },
  {
    id: 'small',
    label: 'small object (10 fields)',
    make: (i) => ({
      id: i,
      name: `User ${i}`,
      email: `user${i}@example.com`,
      active: i % 3 !== 0,
      score: (i * 7.25) % 100,
      roles: ['reader', 'editor'],
      createdAt: '2026-01-01T09:30:00.000Z',
      plan: 'team',
      country: 'NZ',
      visits: i * 3,
    }),
  },
  {
    id: '1kb',
    label: '1 KB object (9 fields, 800-char text)',
    make: bigObject,
  },
]

/** A catalogue item of about 1 KB (JSON or V8 serialization), with 800 characters of its own. */
export function bigObject(i) {
  return {
    id: i,
    sku: `SKU-${String(i).padStart(8, '0')}`,
    title: `Product number ${i}`,
    price: Math.round((i * 7.31) % 500) / 4,
    stock: (i * 37) % 120,
    available: i % 5 !== 0,
    tags: ['sale', 'new', 'featured'],
    updatedAt: '2026-01-01T09:30:00.000Z',
    description: description(i),
  }
}

// msgpackr as bench/codec.mjs's "msgpackr plain": MessagePack that any reader understands.
const packr = new Packr({ useRecords: false, moreTypes: true })

/** A herdcache Codec over msgpackr (msgpackr's pack answers a Buffer, a Uint8Array). */
export const msgpackrCodec = {
  name: 'msgpackr',
  encode: (value) => packr.pack(value),
  decode: (bytes) => packr.unpack(bytes),
}
