// The caches the fleet benchmark (bench/fleet.mjs) runs, one per process, each over the same
// redis-server, behind one shape: create({ redisPort, ttlMs, maxSize }) resolves to
// { getOrFetch(key, fetcher), close() }. Each is set up the way its documentation shows for a
// fleet of instances (an in-memory L1, Redis as L2, and where the library has one, a bus that
// tells the other instances of a change); docs/BENCHMARKS.md ("Fleet tier") says what each does.
//
// Libraries are imported when a cache is created, so a process loads only its own.

const HOST = '127.0.0.1'

async function ioredis(port) {
  const { Redis } = await import('ioredis')
  const client = new Redis(port, HOST)
  client.on('error', (error) => process.stderr.write(`fleet bench: redis: ${error.message}\n`))
  return client
}

export const caches = [
  {
    name: 'herdcache',
    label: 'herdcache + redisTier',
    role: 'subject',
    l2: true,
    async create({ redisPort, ttlMs, maxSize }) {
      const { CacheManager } = await import('../dist/index.js')
      const { redisTier } = await import('../dist/redis/index.js')
      const client = await ioredis(redisPort)
      const tier = redisTier({ client, prefix: 'hc:' })
      const cache = new CacheManager({ maxSize, tier })
      await tier.ready()
      return {
        getOrFetch: (key, fetcher) => cache.getOrFetch(key, fetcher, ttlMs),
        async close() {
          await cache.close()
          await client.quit()
        },
      }
    },
  },
  {
    // The L1 alone, for the L1-hit comparison: a tier must not slow the hit down.
    name: 'herdcache, no tier',
    label: 'herdcache, no tier',
    role: 'reference',
    l2: false,
    async create({ ttlMs, maxSize }) {
      const { CacheManager } = await import('../dist/index.js')
      const cache = new CacheManager({ maxSize })
      return { getOrFetch: (key, fetcher) => cache.getOrFetch(key, fetcher, ttlMs), close: async () => {} }
    },
  },
  {
    // memoryDriver as L1, redisDriver as L2, redisBusDriver to drop other instances' L1 copies:
    // bentocache's multi-tier setup, with its defaults. (serialize: false, which would keep L1
    // values by reference as herdcache does, crashes 1.6.1 on the first bus message: a TypeError
    // in LocalCache.logicallyExpire. So L1 holds JSON, encoded on write and decoded on each hit.)
    name: 'bentocache',
    label: 'bentocache',
    role: 'peer',
    l2: true,
    async create({ redisPort, ttlMs, maxSize }) {
      const { BentoCache, bentostore } = await import('bentocache')
      const { memoryDriver } = await import('bentocache/drivers/memory')
      const { redisDriver, redisBusDriver } = await import('bentocache/drivers/redis')
      const connection = { host: HOST, port: redisPort }
      const bento = new BentoCache({
        default: 'fleet',
        prefix: 'bento',
        stores: {
          fleet: bentostore()
            .useL1Layer(memoryDriver({ maxItems: maxSize }))
            .useL2Layer(redisDriver({ connection }))
            .useBus(redisBusDriver({ connection })),
        },
      })
      return {
        getOrFetch: (key, fetcher) => bento.getOrSet({ key, factory: fetcher, ttl: ttlMs }),
        close: () => bento.disconnect(),
      }
    },
  },
  {
    // Two Keyv stores, tried in order by wrap(): @cacheable/memory (the bounded LRU store the
    // other benchmarks give cache-manager, values kept by identity) and @keyv/redis. cache-manager
    // has no bus: another instance's L1 copy lives until its TTL.
    name: 'cache-manager',
    label: 'cache-manager + @keyv/redis',
    role: 'peer',
    l2: true,
    async create({ redisPort, ttlMs, maxSize }) {
      const { createCache } = await import('cache-manager')
      const { createKeyv: memoryStore } = await import('@cacheable/memory')
      const { createKeyv: redisStore } = await import('@keyv/redis')
      const cache = createCache({
        stores: [
          memoryStore({ ttl: ttlMs, lruSize: maxSize, useClone: false }),
          redisStore(`redis://${HOST}:${redisPort}`, { namespace: 'cm' }),
        ],
      })
      return {
        getOrFetch: (key, fetcher) => cache.wrap(key, fetcher, ttlMs),
        close: () => cache.disconnect(),
      }
    },
  },
]

export function cacheNamed(name) {
  const cache = caches.find((c) => c.name === name)
  if (cache === undefined) throw new Error(`no fleet cache named ${name}`)
  return cache
}

/** A plain ioredis client, for the raw GET the L2 hits are compared with. */
export const rawClient = ioredis
