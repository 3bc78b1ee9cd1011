// @ts-check
// The fleet tier: two instances of a server (here two caches in one process, each with its own
// Redis connection, as two processes would have) share one upstream call per key and hear each
// other's deletes.
//
// Run: REDIS_URL=redis://127.0.0.1:6379 node examples/fleet.mjs (a redis-server you can flush)
// expect: upstream calls for 10 concurrent requests on 2 instances: 1
// expect: instance b answered from the value instance a fetched: { answer: 42 }
// expect: after a.delete: b still has it in L1? false
// expect: leases won by the fleet: 1; invalidations a sent: 2
import { Redis } from 'ioredis'
import { CacheManager } from 'herdcache'
import { redisTier } from 'herdcache/redis'

// #region setup
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

function instance() {
  const client = new Redis(url)
  const tier = redisTier({ client, prefix: 'example:', leaseMs: 10_000 })
  return { client, tier, cache: new CacheManager({ maxSize: 10_000, tier }) }
}
// #endregion setup

const a = instance()
const b = instance()
await Promise.all([a.tier.ready(), b.tier.ready()])
await a.cache.clear() // a clean start: also an invalidation the fleet hears

// #region burst
let upstreamCalls = 0
async function askUpstream() {
  upstreamCalls += 1
  await new Promise((resolve) => setTimeout(resolve, 50)) // a slow, paid API
  return { answer: 42 }
}

const requests = [a, b, a, b, a, b, a, b, a, b].map(({ cache }) =>
  cache.getOrFetch('question:1', askUpstream, { ttlMs: 60_000 }),
)
const answers = await Promise.all(requests)
// #endregion burst
console.log(`upstream calls for 10 concurrent requests on 2 instances: ${upstreamCalls}`)
console.log('instance b answered from the value instance a fetched:', answers[1])

// #region delete
await a.cache.delete('question:1') // resolves once Redis holds the delete and it is published
// The message reaches b within the pub/sub delay.
while (b.cache.stats().tier?.invalidationsReceived === 0) {
  await new Promise((resolve) => setTimeout(resolve, 1))
}
console.log(`after a.delete: b still has it in L1? ${b.cache.has('question:1')}`)
// #endregion delete

const won = [a, b].reduce((sum, { cache }) => sum + (cache.stats().tier?.leasesWon ?? 0), 0)
console.log(
  `leases won by the fleet: ${won}; invalidations a sent: ${a.cache.stats().tier?.invalidationsSent}`,
)

// #region close
for (const { cache, client } of [a, b]) {
  await cache.close() // stops listening; the client is still ours
  await client.quit()
}
// #endregion close
