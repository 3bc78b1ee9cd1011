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
import { linkTo } from './clients.js'
import { defaultCodec } from '../codec/codec.js'
import { type RedisTierOptions, tierSettings } from './options.js'
import { RedisTier } from './tier.js'
import type { CacheTier } from '../fetch/tier.js'

export type { Codec } from '../codec/codec.js'
export type { RedisTierOptions } from './options.js'
export type { CacheTier, TierStats } from '../fetch/tier.js'
export {
  EncodeError,
  PayloadError,
  type PayloadProblem,
  type RemoteError,
  RemoteFetchError,
} from '../errors.js'
export { jsonCodec } from '../codec/json_codec.js'
export { v8Codec } from '../codec/v8_codec.js'

/**
 * A fleet tier for `new CacheManager({ tier })`. It uses `options.client` for commands and a
 * duplicate of it (or `options.subscriber`) for the invalidation channel; `cache.close()` stops
 * it. A tier serves one cache.
 * @throws TypeError / RangeError for a bad option, before anything connects.
 */
export function redisTier(options: RedisTierOptions): CacheTier {
  const { client, subscriber, settings } = tierSettings(options, defaultCodec)
  return new RedisTier(linkTo(client, subscriber), settings)
}
