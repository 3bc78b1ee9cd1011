// Calls that break the API's rules. Each must throw synchronously a TypeError or RangeError
// whose message starts with the argument's name (DESIGN.md, "Bad input"), and leave the cache
// exactly as it was; the runner checks the second part.
import { CacheManager } from '../../dist/index.js'
import type { Hostile, Variant } from './ops.js'

export interface BadCall {
  name: string
  type: typeof TypeError | typeof RangeError
  /** How the message must start: the argument named. */
  argument: string
  call: (cache: CacheManager, fetcher: () => unknown) => unknown
  hostile?: Hostile
  /** Whether the call applies to this cache variant. */
  applies?: (variant: Variant) => boolean
}

const fakeSignal = () => Object.create(AbortSignal.prototype) as AbortSignal
const asAny = (value: unknown) => value as never

const BAD_CALLS: readonly BadCall[] = [
  {
    name: 'getOrFetch key number',
    type: TypeError,
    argument: 'key',
    call: (c, f) => c.getOrFetch(asAny(5), f),
  },
  {
    name: 'getOrFetch key undefined',
    type: TypeError,
    argument: 'key',
    call: (c, f) => c.getOrFetch(asAny(undefined), f),
  },
  {
    name: 'getOrFetch key String object',
    type: TypeError,
    argument: 'key',
    call: (c, f) => c.getOrFetch(asAny(new String('a')), f),
  },
  {
    name: 'getOrFetch fetcher string',
    type: TypeError,
    argument: 'fetcher',
    call: (c) => c.getOrFetch('a', asAny('f')),
  },
  {
    name: 'getOrFetch fetcher missing',
    type: TypeError,
    argument: 'fetcher',
    call: (c) => c.getOrFetch('a', asAny(undefined)),
  },
  {
    name: 'getOrFetch ttl negative',
    type: RangeError,
    argument: 'ttlMs',
    call: (c, f) => c.getOrFetch('a', f, -5),
  },
  {
    name: 'getOrFetch ttl NaN',
    type: RangeError,
    argument: 'ttlMs',
    call: (c, f) => c.getOrFetch('a', f, NaN),
  },
  {
    name: 'getOrFetch ttl string',
    type: TypeError,
    argument: 'ttlMs',
    call: (c, f) => c.getOrFetch('a', f, asAny('5')),
  },
  {
    name: 'getOrFetch ttl bigint',
    type: TypeError,
    argument: 'ttlMs',
    call: (c, f) => c.getOrFetch('a', f, asAny(5n)),
  },
  {
    name: 'getOrFetch ttlMs -Infinity',
    type: RangeError,
    argument: 'ttlMs',
    call: (c, f) => c.getOrFetch('a', f, { ttlMs: -Infinity }),
  },
  {
    name: 'getOrFetch swr string',
    type: TypeError,
    argument: 'staleWhileRevalidateMs',
    call: (c, f) => c.getOrFetch('a', f, { staleWhileRevalidateMs: asAny('1') }),
  },
  {
    name: 'getOrFetch sie negative',
    type: RangeError,
    argument: 'staleIfErrorMs',
    call: (c, f) => c.getOrFetch('a', f, { staleIfErrorMs: -1 }),
  },
  {
    name: 'getOrFetch timeout 0',
    type: RangeError,
    argument: 'timeoutMs',
    call: (c, f) => c.getOrFetch('a', f, { timeoutMs: 0 }),
  },
  {
    name: 'getOrFetch timeout string',
    type: TypeError,
    argument: 'timeoutMs',
    call: (c, f) => c.getOrFetch('a', f, { timeoutMs: asAny('1') }),
  },
  {
    name: 'getOrFetch signal object',
    type: TypeError,
    argument: 'signal',
    call: (c, f) => c.getOrFetch('a', f, { signal: asAny({ aborted: false }) }),
  },
  {
    name: 'getOrFetch signal string',
    type: TypeError,
    argument: 'signal',
    call: (c, f) => c.getOrFetch('a', f, { signal: asAny('s') }),
  },
  {
    name: 'getOrFetch tags string',
    type: TypeError,
    argument: 'tags',
    call: (c, f) => c.getOrFetch('a', f, { tags: asAny('t1') }),
  },
  {
    name: 'getOrFetch tags[1] number',
    type: TypeError,
    argument: 'tags[1]',
    call: (c, f) => c.getOrFetch('a', f, { tags: asAny(['t1', 3]) }),
  },
  {
    name: 'getOrFetch forceRefresh 1',
    type: TypeError,
    argument: 'forceRefresh',
    call: (c, f) => c.getOrFetch('a', f, { forceRefresh: asAny(1) }),
  },
  {
    name: 'getOrFetch unknown option',
    type: TypeError,
    argument: 'options.ttl',
    call: (c, f) => c.getOrFetch('a', f, asAny({ ttl: 5 })),
  },
  {
    name: 'set key symbol',
    type: TypeError,
    argument: 'key',
    call: (c) => c.set(asAny(Symbol('k')), 1),
  },
  { name: 'set ttl negative', type: RangeError, argument: 'ttlMs', call: (c) => c.set('a', 1, -1) },
  {
    name: 'set size negative',
    type: RangeError,
    argument: 'size',
    call: (c) => c.set('a', 1, { size: -1 }),
  },
  {
    name: 'set size Infinity',
    type: RangeError,
    argument: 'size',
    call: (c) => c.set('a', 1, { size: Infinity }),
  },
  {
    name: 'set size string',
    type: TypeError,
    argument: 'size',
    call: (c) => c.set('a', 1, { size: asAny('3') }),
  },
  {
    name: 'set tags[0] null',
    type: TypeError,
    argument: 'tags[0]',
    call: (c) => c.set('a', 1, { tags: asAny([null]) }),
  },
  {
    name: 'set unknown option',
    type: TypeError,
    argument: 'options.signal',
    call: (c) => c.set('a', 1, asAny({ signal: undefined })),
  },
  {
    name: 'set unsizable value under maxBytes',
    type: TypeError,
    argument: 'maxBytes',
    call: (c) => c.set('a', { id: -1 }, 10),
    applies: (v) => v.maxBytes !== undefined && !v.sizeOf,
  },
  { name: 'get key number', type: TypeError, argument: 'key', call: (c) => c.get(asAny(1)) },
  { name: 'peek key null', type: TypeError, argument: 'key', call: (c) => c.peek(asAny(null)) },
  { name: 'has key object', type: TypeError, argument: 'key', call: (c) => c.has(asAny({})) },
  {
    name: 'delete key array',
    type: TypeError,
    argument: 'key',
    call: (c) => c.delete(asAny(['a'])),
  },
  {
    name: 'invalidateTag number',
    type: TypeError,
    argument: 'tags',
    call: (c) => c.invalidateTag(asAny(3)),
  },
  { name: 'wrap fn string', type: TypeError, argument: 'fn', call: (c) => c.wrap(asAny('f')) },
  {
    name: 'wrap ttl negative',
    type: RangeError,
    argument: 'ttlMs',
    call: (c, f) => c.wrap(asAny(f), { ttlMs: -1 }),
  },
  {
    name: 'wrap unknown option',
    type: TypeError,
    argument: 'options.size',
    call: (c, f) => c.wrap(asAny(f), asAny({ size: 1 })),
  },
  {
    name: 'wrapped key() returns a number',
    type: TypeError,
    argument: 'options.key()',
    call: (c, f) => (c.wrap(asAny(f), { key: asAny(() => 5) }) as unknown as () => unknown)(),
  },
  {
    name: 'constructor maxSize 0',
    type: RangeError,
    argument: 'maxSize',
    call: () => new CacheManager({ maxSize: 0 }),
  },
  {
    name: 'constructor maxBytes string',
    type: TypeError,
    argument: 'maxBytes',
    call: () => new CacheManager({ maxBytes: asAny('10') }),
  },
  {
    name: 'getOrFetch fake AbortSignal',
    type: TypeError,
    argument: 'signal',
    call: (c, f) => c.getOrFetch('a', f, { signal: fakeSignal() }),
    hostile: 'fakeSignal',
  },
  {
    name: 'wrap fake AbortSignal',
    type: TypeError,
    argument: 'signal',
    call: (c, f) => (c.wrap(asAny(f), { signal: fakeSignal() }) as unknown as () => unknown)(),
    hostile: 'fakeSignal',
  },
]

/** The bad calls this run may make. */
export function badCallsFor(variant: Variant, hostile: ReadonlySet<Hostile>): BadCall[] {
  return BAD_CALLS.filter(
    (bad) =>
      (bad.hostile === undefined || hostile.has(bad.hostile)) &&
      (bad.applies === undefined || bad.applies(variant)),
  )
}
