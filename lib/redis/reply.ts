/**
 * Turns what a client library decoded into a {@link Reply}. Both adapters ask their library for
 * Buffers in place of strings; this keeps the shape the same whichever library and protocol
 * (RESP2 or RESP3) produced it.
 */
import { describe, redisReplyError } from '../errors.js'
import type { Reply } from './link.js'

/**
 * `raw` as a Reply: Buffers and numbers as they are, `null` or `undefined` as null, strings as
 * their UTF-8 bytes, a boolean as RESP2 gives a Lua boolean (true as 1, false as null), arrays
 * converted item by item.
 * @throws the Error an array carries in place of an item (a script's nested error reply), or a
 *   TypeError with code `ERR_HERDCACHE_REDIS_REPLY` for a value no reply converts to.
 */
export function toReply(raw: unknown): Reply {
  if (raw === null || raw === undefined) return null
  if (Buffer.isBuffer(raw) || typeof raw === 'number') return raw
  if (typeof raw === 'string') return Buffer.from(raw, 'utf8')
  if (typeof raw === 'boolean') return raw ? 1 : null
  if (Array.isArray(raw)) return raw.map(toReply)
  if (raw instanceof Error) throw raw
  throw redisReplyError(`the Redis client returned a reply herdcache cannot use: ${describe(raw)}`)
}

/** Whether `error` is Redis's answer to EVALSHA for a script it has not loaded. */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT')
}
