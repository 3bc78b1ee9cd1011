// @ts-check
// Stale-while-revalidate and stale-if-error: after its TTL, an entry is still served at once
// while one background refresh runs, and served instead of an error while the upstream is down.
//
// The cache's `clock` option lets this program move time by hand, so the output is the same on
// every run; a server leaves `clock` out (the default is a monotonic clock).
//
// Run: node examples/stale-while-revalidate.mjs
// expect: t=0s      v1  (miss: fetched)
// expect: t=30s     v1  (fresh hit)
// expect: t=90s     v1  (stale hit, answered at once; a refresh started: upstream calls 2)
// expect: t=90s     v2  (the refresh has landed)
// expect: t=1000s   v2  (upstream down, stale-if-error serves the last value)
// expect: t=4000s   Error: upstream down  (past every window: the error reaches the caller)
// expect: stats: {"staleHits":1,"refreshes":1,"fetchErrors":2,"refreshErrors":0}
import { CacheManager } from 'herdcache'

let now = 0
const cache = new CacheManager({ clock: () => now })

let upstreamCalls = 0
let version = 0
let upstreamUp = true
/** @type {Promise<string> | undefined} */
let lastCall
function fetchPrice() {
  upstreamCalls += 1
  lastCall = (async () => {
    if (!upstreamUp) throw new Error('upstream down')
    version += 1
    return `v${version}`
  })()
  return lastCall
}

const options = {
  ttlMs: 60_000, // fresh for a minute
  staleWhileRevalidateMs: 5 * 60_000, // then served stale for 5 minutes while refreshing
  staleIfErrorMs: 60 * 60_000, // and for an hour if the upstream fails
}
const price = () => cache.getOrFetch('price:widget', fetchPrice, options)
const show = (note, value) => console.log(`t=${now / 1000}s`.padEnd(10) + `${value}  (${note})`)

show('miss: fetched', await price())

now = 30_000
show('fresh hit', await price())

now = 90_000
const stale = await price()
show(`stale hit, answered at once; a refresh started: upstream calls ${upstreamCalls}`, stale)
// A server would just carry on; here we wait for the refresh, which is the upstream's Promise.
await lastCall
show('the refresh has landed', await price())

// v2 was stored at 90 s: fresh until 150 s, served stale until 450 s, kept for errors until
// 3,750 s. After 450 s a call waits for a fetch again, and gets v2 if that fetch fails.
upstreamUp = false
now = 1_000_000
show('upstream down, stale-if-error serves the last value', await price())

now = 4_000_000
show('past every window: the error reaches the caller', await price().catch(String))

const { staleHits, refreshes, fetchErrors, refreshErrors } = cache.stats()
console.log(`stats: ${JSON.stringify({ staleHits, refreshes, fetchErrors, refreshErrors })}`)
