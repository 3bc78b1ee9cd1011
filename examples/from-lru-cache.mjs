// @ts-check
// lru-cache's fetch() and herdcache's getOrFetch() side by side: where they agree, and where
// they differ. Each line prints what lru-cache (v11) does, then what herdcache does. Both caches
// get a hand-driven clock (lru-cache's `perf`, herdcache's `clock`) so the output never varies.
//
// Run: node examples/from-lru-cache.mjs
// expect: the same lookup             lru-cache: Ada                          herdcache: Ada
// expect: 3 concurrent callers        lru-cache: 1 call, 3 Promises           herdcache: 1 call, 1 Promise
// expect: caller 1 (starter) aborts   lru-cache: rejected rejected rejected   herdcache: rejected "v" "v"
// expect: caller 2 (joiner) aborts    lru-cache: "v" "v" "v"                  herdcache: "v" rejected "v"
// expect: delete during the fetch     lru-cache: caller rejected (deleted)    herdcache: caller got "v", not stored
// expect: fetcher answers undefined   lru-cache: not stored                   herdcache: stored
// expect: upstream down, 1 hour later lru-cache: "v1"                         herdcache: "v1"
// expect: upstream down, 1 day later  lru-cache: "v1"                         herdcache: "Error: down"
// expect: upstream down, no old value lru-cache: undefined                    herdcache: "Error: down"
// expect: TTL from the value (30 s)   lru-cache: fresh at 29 s, gone at 31 s  herdcache: fresh at 29 s, gone at 31 s
import { CacheManager } from 'herdcache'
import { LRUCache } from 'lru-cache'

let now = 1_000
const perf = { now: () => now } // lru-cache's injectable clock
const clock = () => now // herdcache's
const settle = (promises) =>
  Promise.allSettled(promises).then((outcomes) =>
    outcomes.map((o) => (o.status === 'fulfilled' ? o.value : o.reason)),
  )
function deferred() {
  /** @type {(value: unknown) => void} */
  let resolve = () => {}
  const promise = new Promise((r) => (resolve = r))
  return { promise, resolve }
}
const row = (label, lru, herd) => console.log(label.padEnd(28) + lru.padEnd(40) + herd)

// The same lookup both ways. `getUser` stands in for an upstream client that takes a signal.
const getUser = async (id, { signal }) => (signal.throwIfAborted(), { id, name: 'Ada' })
{
  // #region migration
  // lru-cache: one fetchMethod for the whole cache, keys of any type.
  /** @type {LRUCache<string, { id: string, name: string }>} */
  const users = new LRUCache({
    max: 10_000,
    ttl: 60_000,
    fetchMethod: (id, staleValue, { signal }) => getUser(id, { signal }),
  })
  const before = await users.fetch('42')

  // herdcache: string keys, and the fetcher goes with each call.
  /** @type {CacheManager<{ id: string, name: string }>} */
  const cache = new CacheManager({ maxSize: 10_000, defaultTtlMs: 60_000 })
  const after = await cache.getOrFetch('user:42', ({ signal }) => getUser('42', { signal }))
  // #endregion migration
  row('the same lookup', `lru-cache: ${before?.name}`, `herdcache: ${after.name}`)
}

// Coalescing: both call the upstream once for concurrent callers of one key. lru-cache hands
// each caller a Promise of its own; herdcache hands them all the same one.
{
  let lruCalls = 0
  let herdCalls = 0
  const lru = new LRUCache({ max: 100, fetchMethod: async () => (lruCalls++, 'v') })
  const herd = new CacheManager({ maxSize: 100 })
  const lruCallers = [lru.fetch('k'), lru.fetch('k'), lru.fetch('k')]
  const fetcher = async () => (herdCalls++, 'v')
  const herdCallers = [1, 2, 3].map(() => herd.getOrFetch('k', fetcher))
  await Promise.all([...lruCallers, ...herdCallers])
  const promises = (callers) => new Set(callers).size
  row(
    '3 concurrent callers',
    `lru-cache: ${lruCalls} call, ${promises(lruCallers)} Promises`,
    `herdcache: ${herdCalls} call, ${promises(herdCallers)} Promise`,
  )
}

// Signals: three callers, one of whom aborts its signal; each column shows the three outcomes.
// In lru-cache the signal of the caller that started the fetch aborts it for everyone, and a
// caller that joined a fetch in flight cannot leave it. In herdcache each caller's signal is its
// own; the upstream is aborted only when every caller has left.
for (const leaver of [0, 1]) {
  const upstream = deferred()
  const lru = new LRUCache({ max: 100, fetchMethod: () => upstream.promise })
  const herd = new CacheManager({ maxSize: 100 })
  const leaving = new AbortController()
  const signals = [0, 1, 2].map((i) => (i === leaver ? leaving.signal : undefined))
  const lruCallers = signals.map((signal) => lru.fetch('k', { signal }))
  const herdCallers = signals.map((signal) =>
    herd.getOrFetch('k', () => upstream.promise, { signal }),
  )
  leaving.abort(new Error('left'))
  upstream.resolve('v')
  const lruOut = await settle(lruCallers)
  const herdOut = await settle(herdCallers)
  const outcome = (out) => out.map((x) => (x instanceof Error ? 'rejected' : `"${x}"`)).join(' ')
  const label = leaver === 0 ? 'caller 1 (starter) aborts' : 'caller 2 (joiner) aborts'
  row(label, `lru-cache: ${outcome(lruOut)}`, `herdcache: ${outcome(herdOut)}`)
}

// A delete (or set) during a fetch: lru-cache aborts the fetch and its callers reject;
// herdcache lets the fetch finish for its callers but does not store the result.
{
  const upstream = deferred()
  const lru = new LRUCache({ max: 100, fetchMethod: () => upstream.promise })
  const herd = new CacheManager({ maxSize: 100 })
  const lruCaller = settle([lru.fetch('k')])
  const herdCaller = herd.getOrFetch('k', () => upstream.promise)
  lru.delete('k')
  await herd.delete('k')
  upstream.resolve('v')
  const [lruOut] = await lruCaller
  row(
    'delete during the fetch',
    `lru-cache: caller rejected (${lruOut.message})`,
    `herdcache: caller got "${await herdCaller}", ${herd.has('k') ? 'stored' : 'not stored'}`,
  )
}

// undefined: lru-cache treats it as "no value"; herdcache stores it like any other value.
{
  const lru = new LRUCache({ max: 100, fetchMethod: async () => undefined })
  const herd = new CacheManager({ maxSize: 100 })
  await lru.fetch('k')
  await herd.getOrFetch('k', async () => undefined)
  const stored = (cache) => (cache.has('k') ? 'stored' : 'not stored')
  row('fetcher answers undefined', `lru-cache: ${stored(lru)}`, `herdcache: ${stored(herd)}`)
}

// Serving stale data when the upstream fails: lru-cache's allowStaleOnFetchRejection serves the
// old value for as long as it stays in the cache; herdcache's staleIfErrorMs for a set window.
{
  let up = true
  const upstream = async () => {
    if (!up) throw new Error('down')
    return 'v1'
  }
  const hour = 3_600_000
  const lru = new LRUCache({
    max: 100,
    ttl: 60_000,
    allowStaleOnFetchRejection: true,
    fetchMethod: upstream,
    perf,
    ttlResolution: 0,
  })
  const herd = new CacheManager({
    maxSize: 100,
    defaultTtlMs: 60_000,
    staleIfErrorMs: 2 * hour,
    clock,
  })
  await lru.fetch('k')
  await herd.getOrFetch('k', upstream)
  up = false
  for (const [later, label] of /** @type {const} */ ([
    [hour, '1 hour'],
    [24 * hour, '1 day'],
  ])) {
    now += later
    const lruOut = await lru.fetch('k').catch(String)
    const herdOut = await herd.getOrFetch('k', upstream).catch(String)
    row(`upstream down, ${label} later`, `lru-cache: "${lruOut}"`, `herdcache: "${herdOut}"`)
  }
  // With nothing stale to serve, lru-cache resolves undefined: the error is swallowed.
  const lruNew = await lru.fetch('new').catch(String)
  const herdNew = await herd.getOrFetch('new', upstream).catch(String)
  row('upstream down, no old value', `lru-cache: ${lruNew}`, `herdcache: "${herdNew}"`)
}

// A TTL that depends on the value (a DNS record's own TTL): lru-cache lets fetchMethod change
// options.ttl; herdcache's fetcher changes context.options.ttlMs.
{
  // A stand-in DNS client whose records carry their own TTL.
  const resolveName = async (name) => ({ name, address: '192.0.2.1', ttlSeconds: 30 })
  const lru = new LRUCache({
    max: 100,
    ttl: 60_000,
    fetchMethod: async (name, stale, { options }) => {
      const record = await resolveName(name)
      options.ttl = record.ttlSeconds * 1000
      return record
    },
    perf,
    ttlResolution: 0,
  })
  const cache = new CacheManager({ maxSize: 100, defaultTtlMs: 60_000, clock })
  await lru.fetch('example.com')
  // #region ttl-from-value
  await cache.getOrFetch('example.com', async ({ key, options }) => {
    const record = await resolveName(key)
    options.ttlMs = record.ttlSeconds * 1000
    return record
  })
  // #endregion ttl-from-value
  const start = now
  const lifetime = (either) => {
    now = start + 29_000
    const fresh = either.has('example.com')
    now = start + 31_000
    return fresh && !either.has('example.com') ? 'fresh at 29 s, gone at 31 s' : 'other'
  }
  row('TTL from the value (30 s)', `lru-cache: ${lifetime(lru)}`, `herdcache: ${lifetime(cache)}`)
}
