// One instance of the fleet demo: a process of its own (demo/fleet.mjs forks four), as one server
// of a service would be, answering requests for keys from the slow upstream (an HTTP server in
// the parent) through
//
//   --mode none    no cache: every request calls the upstream
//   --mode local   herdcache in this process only
//   --mode tier    herdcache with the Redis fleet tier behind it
//
// Requests come from the parent over IPC, a burst at a time, and are answered concurrently; each
// one's latency is timed here, from the request to its answer, so the numbers are the cache's and
// the upstream's, not a load generator's. The parent also asks about the cache (stats, whether
// L1 holds a key) and has it delete a key (see demo/processes.mjs for how it asks).

import { parseArgs } from 'node:util'
import { CacheManager } from '../dist/index.js'
import { redisTier } from '../dist/redis/index.js'
import { serveParent } from './processes.mjs'

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string' },
    upstream: { type: 'string' },
    'redis-port': { type: 'string' },
    'ttl-ms': { type: 'string', default: '60000' },
  },
})
const TTL_MS = Number(args['ttl-ms'])

async function callUpstream(key) {
  const response = await fetch(`${args.upstream}/item/${encodeURIComponent(key)}`)
  if (!response.ok) throw new Error(`upstream answered ${response.status} for ${key}`)
  return response.json()
}

async function makeCache(mode) {
  if (mode === 'none') return { cache: undefined, close: async () => {} }
  if (mode === 'local')
    return { cache: new CacheManager({ maxSize: 10_000 }), close: async () => {} }
  const { Redis } = await import('ioredis')
  const client = new Redis(Number(args['redis-port']), '127.0.0.1')
  client.on('error', (error) =>
    process.stderr.write(`instance ${process.pid}: redis: ${error.message}\n`),
  )
  const tier = redisTier({ client, prefix: 'demo:', leaseMs: 10_000 })
  const cache = new CacheManager({ maxSize: 10_000, tier })
  await tier.ready()
  return {
    cache,
    async close() {
      await cache.close()
      await client.quit()
    },
  }
}

const { cache, close } = await makeCache(args.mode)
const serve =
  cache === undefined
    ? callUpstream
    : (key) => cache.getOrFetch(key, () => callUpstream(key), { ttlMs: TTL_MS })

// Resolves once `condition()` holds, or after `ms`: for what pub/sub delivers.
async function until(condition, ms) {
  const end = performance.now() + ms
  while (!condition() && performance.now() < end) await new Promise((r) => setTimeout(r, 1))
}

const received = () => cache?.stats().tier?.invalidationsReceived ?? 0
let receivedBefore = 0

// What the parent may ask (serveParent answers `op` with answers[op]).
const answers = {
  // Serves every key of `keys` at once; answers each request's latency and answer, in order.
  async burst({ keys }) {
    return Promise.all(
      keys.map(async (key) => {
        const started = performance.now()
        try {
          const value = await serve(key)
          return { ms: performance.now() - started, body: JSON.stringify(value) }
        } catch (error) {
          return { ms: performance.now() - started, body: `failed: ${error?.message ?? error}` }
        }
      }),
    )
  },
  // Whether L1 holds `key`; remembers how many invalidations had arrived, for `awaitDrop`.
  has({ key }) {
    receivedBefore = received()
    return { has: cache.has(key) }
  },
  async delete({ key }) {
    return { removed: await cache.delete(key), has: cache.has(key) }
  },
  // Waits (up to 2 s) for the next invalidation from another instance, then says whether L1
  // still holds `key`. The instance that sent it receives none: it answers at once.
  async awaitDrop({ key, sender }) {
    const started = performance.now()
    if (!sender) await until(() => received() > receivedBefore, 2_000)
    const arrived = sender || received() > receivedBefore
    return { has: cache.has(key), arrived, waitedMs: performance.now() - started }
  },
  stats() {
    return cache?.stats() ?? null
  },
  async close() {
    await close()
    return {}
  },
}

// The first fetch() loads Node's HTTP client and opens a connection: done now, so that the first
// burst's latencies are the upstream's.
await (await fetch(`${args.upstream}/ping`)).text()
serveParent(answers)
