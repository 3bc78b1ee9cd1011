// @ts-check
// An Express 5 route that caches a slow upstream per request parameter: concurrent requests for
// one city share one upstream call, an expired forecast is served at once while it refreshes,
// upstream failures answer 502 and timeouts 504, and /health reports the cache's counters.
//
// The program starts the server on a free port, sends itself requests, prints what came back
// and exits. To move time without waiting, it gives the cache a hand-driven `clock`; a real
// server leaves `clock` out (the default is a monotonic clock).
//
// Run: node examples/express-route.mjs
// expect: 10 concurrent GET /forecast/oslo: 200 x10, upstream calls 1
// expect: GET /forecast/oslo: 200 {"city":"oslo","tempC":12,"fetchedAt":0}, upstream calls 1
// expect: 90 s later, GET /forecast/oslo: 200 {"city":"oslo","tempC":12,"fetchedAt":0}, upstream calls 2
// expect: after the refresh, GET /forecast/oslo: 200 {"city":"oslo","tempC":12,"fetchedAt":90000}
// expect: GET /forecast/atlantis: 502 {"error":"upstream failed: no forecast for atlantis"}
// expect: GET /forecast/slow: 504 {"error":"upstream did not answer within 200 ms"}
// expect: GET /health: 200 fetches=4 staleHits=1 fetchErrors=1 timeouts=1 size=1 inFlight=0
import { once } from 'node:events'
import { setTimeout as delay } from 'node:timers/promises'
import express from 'express'
import { CacheManager, TimeoutError } from 'herdcache'

// ---- A stand-in upstream: 20 ms per call, fails for one city, never answers for another ----
let now = 0
let upstreamCalls = 0
/** @type {Promise<{ city: string, tempC: number, fetchedAt: number }> | undefined} */
let lastCall
function fetchForecast(city, signal) {
  upstreamCalls += 1
  lastCall = (async () => {
    if (city === 'slow') await delay(60_000, undefined, { signal })
    await delay(20, undefined, { signal })
    if (city === 'atlantis') throw new Error(`no forecast for ${city}`)
    return { city, tempC: city.length * 3, fetchedAt: now }
  })()
  return lastCall
}

// #region app
const UPSTREAM_TIMEOUT_MS = 200

const forecasts = new CacheManager({
  maxSize: 10_000,
  timeoutMs: UPSTREAM_TIMEOUT_MS, // then give up on the upstream: 504
  staleWhileRevalidateMs: 10 * 60_000, // after the TTL, answer stale for 10 min while refreshing
  staleIfErrorMs: 60 * 60_000, // and for an hour when the upstream fails
  clock: () => now, // only so this demo can move time: leave it out in a server
})

const app = express()

app.get('/forecast/:city', async (req, res) => {
  const city = req.params.city.toLowerCase()
  // This request's own signal: a client that hangs up stops waiting. The upstream call is
  // aborted only when every request waiting on it has gone.
  const left = new AbortController()
  res.on('close', () => left.abort())
  try {
    const forecast = await forecasts.getOrFetch(
      `forecast:${city}`,
      ({ signal }) => fetchForecast(city, signal),
      { ttlMs: 60_000, signal: left.signal },
    )
    res.json(forecast)
  } catch (error) {
    if (left.signal.aborted) return // the client has gone; nobody to answer
    if (error instanceof TimeoutError) {
      res.status(504).json({ error: `upstream did not answer within ${UPSTREAM_TIMEOUT_MS} ms` })
    } else {
      res
        .status(502)
        .json({ error: `upstream failed: ${error instanceof Error ? error.message : error}` })
    }
  }
})

app.get('/health', (req, res) => {
  res.json({ status: 'ok', cache: forecasts.stats() })
})
// #endregion app

// ---- The demo: start on a free port, send requests, print, stop ----
const server = app.listen(0)
await once(server, 'listening')
const base = `http://127.0.0.1:${server.address().port}`
/** @type {(path: string) => Promise<{ status: number, body: any }>} */
const get = async (path) => {
  const response = await fetch(base + path)
  return { status: response.status, body: await response.json() }
}
const show = (label, { status, body }, extra = '') =>
  console.log(`${label}: ${status} ${JSON.stringify(body)}${extra}`)

const burst = await Promise.all(Array.from({ length: 10 }, () => get('/forecast/oslo')))
const statuses = [...new Set(burst.map((r) => r.status))].join(',')
console.log(`10 concurrent GET /forecast/oslo: ${statuses} x10, upstream calls ${upstreamCalls}`)

show('GET /forecast/oslo', await get('/forecast/oslo'), `, upstream calls ${upstreamCalls}`)

now = 90_000 // past the 60 s TTL, inside the stale window
const stale = await get('/forecast/oslo')
show('90 s later, GET /forecast/oslo', stale, `, upstream calls ${upstreamCalls}`)
await lastCall // the background refresh
show('after the refresh, GET /forecast/oslo', await get('/forecast/oslo'))

show('GET /forecast/atlantis', await get('/forecast/atlantis'))
show('GET /forecast/slow', await get('/forecast/slow'))

const { body } = await get('/health')
const { fetches, staleHits, fetchErrors, timeouts, size, inFlight } = body.cache
console.log(
  `GET /health: 200 fetches=${fetches} staleHits=${staleHits} fetchErrors=${fetchErrors} ` +
    `timeouts=${timeouts} size=${size} inFlight=${inFlight}`,
)

server.close()
