/**
 * Times as the tier sends them to Redis (milliseconds, -1 for never) and as it keeps a stale
 * value found there (deadlines on this process's clock).
 */
import type { StoreTimes } from '../fetch/tier.js'
import type { Found } from './found.js'
import type { Arg } from './link.js'

const NEVER = -1

/** Milliseconds as the scripts take them: whole, or -1 for never. */
export function ms(value: number): number {
  return value === Infinity ? NEVER : Math.ceil(value)
}

/** WRITE's arguments after the envelope. */
export function writeArgs(times: StoreTimes, tags: readonly string[]): Arg[] {
  return [
    ms(times.ttlMs),
    ms(times.staleWhileRevalidateMs),
    ms(times.staleIfErrorMs),
    JSON.stringify(tags),
  ]
}

/** A value found stale in Redis, with when (by this process's clock) its windows end. */
export interface Stale {
  value: unknown
  revalidateUntil: number
  ifErrorUntil: number
}

export function staleOf(value: unknown, found: Found): Stale {
  const now = performance.now()
  return {
    value,
    revalidateUntil: now + found.revalidateLeft,
    ifErrorUntil: now + found.ifErrorLeft,
  }
}
