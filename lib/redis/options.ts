/**
 * Checks `redisTier`'s options and fills their defaults. Every check runs before anything
 * connects, so a rejected call changes nothing.
 */
import { argumentRangeError, argumentTypeError } from '../errors.js'
import { checkKnown, checkObject } from '../options/options.js'
import { checkPositiveInteger } from '../options/validate.js'
import { type Codec, checkCodec } from '../codec/codec.js'
import type { TierSettings } from './tier.js'

/** Options of `redisTier`. */
export interface RedisTierOptions {
  /**
   * An ioredis client (`new Redis()` or `new Cluster()`, ioredis 5 or 6) or a connected
   * node-redis client (`createClient()` or `createCluster()`, redis 5 or later). The tier runs
   * its commands on it and never closes it.
   */
  client: object
  /**
   * The connection the tier subscribes on. Default: `client.duplicate()`, made and closed by
   * the tier.
   */
  subscriber?: object
  /**
   * Prepended to every Redis key and to the channel: caches sharing a Redis need distinct
   * prefixes. No braces (`{`, `}`): the tier uses them as Redis Cluster hash tags. Default
   * `'herdcache:'`.
   */
  prefix?: string
  /**
   * How long a lease lasts unless renewed, in milliseconds: a fetch renews it every third of
   * this while it runs, and if its instance dies, another takes over within this long. Default
   * 10,000.
   */
  leaseMs?: number
  /**
   * The longest a Redis command may take; past it the command counts as failed and the fetch
   * goes on without Redis. Default 1,000.
   */
  commandTimeoutMs?: number
  /** When to stop asking Redis, and when to try again. */
  breaker?: {
    /** Failures in a row that open the breaker. Default 5. */
    failureThreshold?: number
    /** How long an open breaker waits before one probe goes to Redis. Default 5,000 ms. */
    retryAfterMs?: number
  }
  /** How values become bytes in Redis. Default: the v8 serializer (see docs/codecs.md). */
  codec?: Codec
}

const KNOWN = [
  'client',
  'subscriber',
  'prefix',
  'leaseMs',
  'commandTimeoutMs',
  'breaker',
  'codec',
] as const
const BREAKER_KNOWN = ['failureThreshold', 'retryAfterMs'] as const

function checkPrefix(value: unknown): string {
  if (value === undefined) return 'herdcache:'
  const expected = 'a string without braces'
  if (typeof value !== 'string') throw argumentTypeError('prefix', expected, value)
  if (/[{}]/.test(value)) throw argumentRangeError('prefix', expected, value)
  return value
}

/** The tier's settings, and its client and subscriber as given. */
export function tierSettings(
  options: unknown,
  defaultCodec: Codec,
): { client: object; subscriber: object | undefined; settings: TierSettings } {
  checkObject('options', options)
  checkKnown(options, KNOWN)
  const { client, subscriber, breaker = {} } = options
  checkObject('client', client)
  if (subscriber !== undefined) checkObject('subscriber', subscriber)
  checkObject('breaker', breaker)
  checkKnown(breaker, BREAKER_KNOWN, 'breaker.')
  const number = (name: string, value: unknown, fallback: number) =>
    value === undefined ? fallback : checkPositiveInteger(name, value)
  return {
    client,
    subscriber,
    settings: {
      prefix: checkPrefix(options.prefix),
      leaseMs: number('leaseMs', options.leaseMs, 10_000),
      commandTimeoutMs: number('commandTimeoutMs', options.commandTimeoutMs, 1_000),
      failureThreshold: number('breaker.failureThreshold', breaker.failureThreshold, 5),
      retryAfterMs: number('breaker.retryAfterMs', breaker.retryAfterMs, 5_000),
      codec: options.codec === undefined ? defaultCodec : checkCodec(options.codec, 'codec'),
    },
  }
}
