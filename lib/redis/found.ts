/**
 * What the ACQUIRE script found for a key, read into numbers: whether the value is fresh, how
 * long its windows last from now, and how long the lease it lost to has left.
 */
import type { StoreTimes } from '../fetch/tier.js'
import type { Reply } from './link.js'
import { Acquired } from './scripts.js'

export interface Found {
  state: (typeof Acquired)[keyof typeof Acquired]
  envelope: Buffer | null
  /** Milliseconds until the value stops being fresh (Infinity for never); 0 or less: stale. */
  freshLeft: number
  /** Milliseconds until its stale-while-revalidate window ends (Infinity for never). */
  revalidateLeft: number
  /** Milliseconds until its stale-if-error window ends (Infinity for never). */
  ifErrorLeft: number
  /** Milliseconds the lease this fetch lost to has left. */
  leaseLeft: number
  /** The value's tags. */
  tags: string[]
}

function text(reply: Reply | undefined): string {
  return Buffer.isBuffer(reply) ? reply.toString('latin1') : String(reply)
}

// A server time stored by WRITE, as milliseconds from `now`; -1 means never.
function left(stored: Reply | undefined, now: number): number {
  const time = Number(text(stored))
  return time < 0 ? Infinity : time - now
}

/** Reads ACQUIRE's reply; throws for a reply the script cannot have given. */
export function readFound(reply: Reply): Found {
  if (!Array.isArray(reply) || reply.length !== 8) {
    throw new Error('unexpected reply to the acquire script')
  }
  const [state, envelope, now, f, s, e, lease, tags] = reply
  const nowMs = Number(now)
  return {
    state: Number(state) as Found['state'],
    envelope: Buffer.isBuffer(envelope) ? envelope : null,
    freshLeft: left(f, nowMs),
    revalidateLeft: left(s, nowMs),
    ifErrorLeft: left(e, nowMs),
    leaseLeft: Number(lease),
    tags: tagsOf(tags),
  }
}

function tagsOf(reply: Reply | undefined): string[] {
  try {
    const tags: unknown = JSON.parse(text(reply))
    return Array.isArray(tags) ? tags.filter((tag) => typeof tag === 'string') : []
  } catch {
    return []
  }
}

/** How long L1 may keep a value found fresh: what it has left, windows included. */
export function timesLeft(found: Found): StoreTimes {
  const { freshLeft, revalidateLeft, ifErrorLeft } = found
  return {
    ttlMs: freshLeft,
    staleWhileRevalidateMs: Math.max(revalidateLeft - freshLeft, 0) || 0,
    staleIfErrorMs: Math.max(ifErrorLeft - freshLeft, 0) || 0,
  }
}
