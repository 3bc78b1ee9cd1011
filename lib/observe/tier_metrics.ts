/**
 * The fleet tier's metric families: its counters, and the breaker's state as a gauge per state
 * (1 for the current one), which alerts can match on.
 */
import type { TierStats } from '../fetch/tier.js'
import type { MetricFamily } from './metrics.js'

type TierCounter = Exclude<keyof TierStats, 'breaker'>

const COUNTERS: readonly [TierCounter, string, string][] = [
  ['l2Hits', 'herdcache_tier_l2_hits_total', 'L1 misses answered with a fresh value from Redis.'],
  ['l2Misses', 'herdcache_tier_l2_misses_total', 'L1 misses Redis had no fresh value for.'],
  [
    'leasesWon',
    'herdcache_tier_leases_won_total',
    'Leases this instance won: each is one fetcher call for the fleet.',
  ],
  [
    'leasesWaited',
    'herdcache_tier_leases_waited_total',
    "Fetches that waited for another instance's lease.",
  ],
  [
    'takeovers',
    'herdcache_tier_takeovers_total',
    'Leases won after the holder waited on let its lease run out.',
  ],
  [
    'localFetches',
    'herdcache_tier_local_fetches_total',
    'Fetcher calls made without Redis (unavailable, or the breaker open).',
  ],
  [
    'invalidationsSent',
    'herdcache_tier_invalidations_sent_total',
    'Deletes, sets, tag invalidations and clears published to the fleet.',
  ],
  [
    'invalidationsReceived',
    'herdcache_tier_invalidations_received_total',
    'Invalidations from other instances applied here.',
  ],
  ['redisErrors', 'herdcache_tier_redis_errors_total', 'Redis commands that failed or timed out.'],
  [
    'payloadErrors',
    'herdcache_tier_payload_errors_total',
    'Payloads in Redis that could not be decoded (treated as misses).',
  ],
]

const BREAKER_STATES = ['closed', 'open', 'half-open'] as const

export function tierFamilies(stats: TierStats, labels: Record<string, string>): MetricFamily[] {
  const families: MetricFamily[] = COUNTERS.map(([stat, name, help]) => ({
    name,
    help,
    type: 'counter',
    values: [{ labels, value: stats[stat] }],
  }))
  families.push({
    name: 'herdcache_tier_breaker_state',
    help: "The breaker's state: 1 for the current one (closed: Redis is asked).",
    type: 'gauge',
    values: BREAKER_STATES.map((state) => ({
      labels: { ...labels, state },
      value: stats.breaker === state ? 1 : 0,
    })),
  })
  return families
}
