// @ts-check
// cache-manager's wrap() and herdcache's getOrFetch() side by side. Each line prints what
// cache-manager (v7, default in-memory store) does, then what herdcache does.
//
// cache-manager reads the time from Date.now(), so this program replaces Date.now with a
// hand-driven clock (and gives the same clock to herdcache) to print the same output every run.
//
// Run: node examples/from-cache-manager.mjs
// expect: the same lookup           cache-manager: Ada                              herdcache: Ada
// expect: 3 concurrent callers      cache-manager: 1 call                           herdcache: 1 call
// expect: t=0s   miss               cache-manager: v1                               herdcache: v1
// expect: t=30s  fresh              cache-manager: v1 (calls 1)                     herdcache: v1 (calls 1)
// expect: t=50s  refresh window     cache-manager: v1 (calls 2)                     herdcache: v1 (calls 2)
// expect: t=51s  refreshed          cache-manager: v2                               herdcache: v2
// expect: t=200s expired            cache-manager: v3                               herdcache: v3
// expect: failed refresh, next call cache-manager: v1, "refresh" event: down        herdcache: v1, stats().refreshErrors 1
// expect: fn answers undefined      cache-manager: 2 calls for 2 wraps              herdcache: 1 call for 2 getOrFetch
// expect: fn rejects                cache-manager: both rejected, same Error        herdcache: both rejected, same Error
import { createCache } from 'cache-manager'
import { CacheManager } from 'herdcache'

let now = 1_000_000
Date.now = () => now
const clock = () => now
const row = (label, cm, herd) => console.log(label.padEnd(26) + cm.padEnd(48) + herd)

// The same lookup both ways. `getUser` stands in for an upstream client.
async function getUser(id) {
  return { id, name: 'Ada' }
}
{
  // #region migration
  // cache-manager: TTL 60 s, refreshed in the background in its last 15 s.
  const cm = createCache()
  const before = await cm.wrap('user:42', () => getUser('42'), 60_000, 15_000)

  // herdcache: fresh for 45 s, then served for 15 s more while one refresh runs.
  const cache = new CacheManager({ maxSize: 10_000 })
  const after = await cache.getOrFetch('user:42', () => getUser('42'), {
    ttlMs: 45_000,
    staleWhileRevalidateMs: 15_000,
  })
  // #endregion migration
  row('the same lookup', `cache-manager: ${before.name}`, `herdcache: ${after.name}`)
}

// Both coalesce concurrent callers of a key into one call.
{
  const cm = createCache()
  const herd = new CacheManager({ maxSize: 1_000 })
  let cmCalls = 0
  let herdCalls = 0
  const slow = (count) => () => new Promise((resolve) => setTimeout(() => resolve(count()), 10))
  const cmFn = slow(() => ++cmCalls)
  const herdFn = slow(() => ++herdCalls)
  await Promise.all([1, 2, 3].map(() => cm.wrap('k', cmFn, 60_000)))
  await Promise.all([1, 2, 3].map(() => herd.getOrFetch('k', herdFn, 60_000)))
  row('3 concurrent callers', `cache-manager: ${cmCalls} call`, `herdcache: ${herdCalls} call`)
}

// wrap(key, fn, ttl, refreshThreshold) serves the value for `ttl` and refreshes it in the
// background once less than `refreshThreshold` remains. herdcache counts the other way: fresh
// for ttlMs, then served stale while one refresh runs for staleWhileRevalidateMs. So
// wrap(key, fn, 60_000, 15_000) is getOrFetch(key, fn, { ttlMs: 45_000, staleWhileRevalidateMs:
// 15_000 }): the same value at every moment, and the same calls.
const counter = () => {
  const fn = () => (fn.last = Promise.resolve(`v${++fn.calls}`))
  fn.calls = 0
  /** @type {Promise<string> | undefined} */
  fn.last = undefined
  return fn
}
// Resolves with cache-manager's next "refresh" event: its background refresh has been stored.
const nextRefresh = (cm) =>
  new Promise((resolve) => {
    const listener = (event) => {
      cm.off('refresh', listener)
      resolve(event)
    }
    cm.on('refresh', listener)
  })
{
  const cm = createCache()
  const herd = new CacheManager({ maxSize: 1_000, clock })
  const cmFn = counter()
  const herdFn = counter()
  const start = now
  const step = async (seconds, label, withCalls) => {
    now = start + seconds * 1000
    const cmValue = await cm.wrap('price', cmFn, 60_000, 15_000)
    const herdValue = await herd.getOrFetch('price', herdFn, {
      ttlMs: 45_000,
      staleWhileRevalidateMs: 15_000,
    })
    const calls = (fn) => (withCalls ? ` (calls ${fn.calls})` : '')
    row(
      `t=${seconds}s`.padEnd(7) + label,
      `cache-manager: ${cmValue}${calls(cmFn)}`,
      `herdcache: ${herdValue}${calls(herdFn)}`,
    )
  }
  await step(0, 'miss')
  await step(30, 'fresh', true)
  const refreshed = nextRefresh(cm)
  await step(50, 'refresh window', true)
  await Promise.all([refreshed, herdFn.last])
  await step(51, 'refreshed')
  await step(200, 'expired')
}

// A refresh that fails: cache-manager emits a "refresh" event carrying the error; herdcache
// counts it in stats().refreshErrors. Both go on serving the old value.
{
  const cm = createCache()
  const herd = new CacheManager({ maxSize: 1_000, clock })
  /** @type {Promise<never> | undefined} */
  let lastDown
  const down = () => (lastDown = Promise.reject(new Error('down')))
  await cm.wrap('k', async () => 'v1', 60_000, 15_000)
  await herd.getOrFetch('k', async () => 'v1', { ttlMs: 45_000, staleWhileRevalidateMs: 15_000 })
  now += 50_000
  const refreshed = nextRefresh(cm)
  await cm.wrap('k', down, 60_000, 15_000)
  await herd.getOrFetch('k', down, { ttlMs: 45_000, staleWhileRevalidateMs: 15_000 })
  const { error } = await refreshed
  await lastDown?.catch(() => {})
  const { refreshErrors } = herd.stats()
  const cmNext = await cm.wrap('k', down, 60_000, 15_000)
  const herdNext = await herd.getOrFetch('k', down, {
    ttlMs: 45_000,
    staleWhileRevalidateMs: 15_000,
  })
  row(
    'failed refresh, next call',
    `cache-manager: ${cmNext}, "refresh" event: ${error.message}`,
    `herdcache: ${herdNext}, stats().refreshErrors ${refreshErrors}`,
  )
}

// undefined: cache-manager reads it as "not cached" and calls fn again; herdcache stores it.
{
  const cm = createCache()
  const herd = new CacheManager({ maxSize: 1_000 })
  const cmFn = async () => void cmFn.calls++
  const herdFn = async () => void herdFn.calls++
  cmFn.calls = herdFn.calls = 0
  for (let i = 0; i < 2; i++) {
    await cm.wrap('k', cmFn, 60_000)
    await herd.getOrFetch('k', herdFn, 60_000)
  }
  row(
    'fn answers undefined',
    `cache-manager: ${cmFn.calls} calls for 2 wraps`,
    `herdcache: ${herdFn.calls} call for 2 getOrFetch`,
  )
}

// Failures: every waiting caller gets the same error, and nothing is stored, in both.
{
  const cm = createCache()
  const herd = new CacheManager({ maxSize: 1_000 })
  const fail = () => new Promise((resolve, reject) => setTimeout(reject, 10, new Error('boom')))
  const outcome = async (calls) => {
    const [a, b] = (await Promise.allSettled(calls)).map((o) => o.status === 'rejected' && o.reason)
    const same = a === b ? 'same' : 'different'
    return `${a && b ? 'both rejected' : 'NOT both rejected'}, ${same} Error`
  }
  row(
    'fn rejects',
    `cache-manager: ${await outcome([cm.wrap('k', fail), cm.wrap('k', fail)])}`,
    `herdcache: ${await outcome([herd.getOrFetch('k', fail), herd.getOrFetch('k', fail)])}`,
  )
}
