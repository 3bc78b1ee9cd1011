/**
 * `herdcache/redis`: the fleet tier. One upstream call per key across every instance of a fleet,
 * with Redis as the shared L2, the lease, and the invalidation bus.
 *
 * ```ts
 * import { CacheManager } from 'herdcache'
 * import { redisTier } from 'herdcache/redis'
 * const cache = new CacheManager({ tier: redisTier({ client: new Redis(url) }) })
 * ```
 * @packageDocumentation
 */
import { serialize, deserialize } from 'node:v8'
import { linkTo } from './clients.js'
import type { Codec } from './codec.js'
import { type RedisTierOptions, tierSettings } from './options.js'
import { RedisTier } from './tier.js'

export type { Codec } from './codec.js'
export type { RedisTierOptions } from './options.js'
export type { RedisTier } from './tier.js'
export type { TierStats } from '../fetch/tier.js'
export { RemoteFetchError } from '../errors.js'

// TEMPORARY until the codec branch lands.
const v8Codec: Codec = { name: 'v8', encode: (v) => serialize(v), decode: (b) => deserialize(b) }

/**
 * A fleet tier for `new CacheManager({ tier })`. It uses `options.client` for commands and a
 * duplicate of it (or `options.subscriber`) for the invalidation channel; `cache.close()` stops
 * it. A tier serves one cache.
 * @throws TypeError / RangeError for a bad option, before anything connects.
 */
export function redisTier(options: RedisTierOptions): RedisTier {
  const { client, subscriber, settings } = tierSettings(options, v8Codec)
  return new RedisTier(linkTo(client, subscriber), settings)
}
