/**
 * The Lua scripts the tier runs. Each touches the keys of one cache key (or one tag) only, so it
 * runs on Redis Cluster, and each is atomic, which is what makes a lease exclusive and a write
 * conditional on still holding it.
 *
 * Times are the Redis server's (TIME), so instances whose clocks disagree still agree on when a
 * value expires: the scripts hand back durations, never a client's timestamp. A value hash holds
 * `d` (the envelope); `f`, `s`, `e`: the server times its freshness, stale-while-revalidate
 * and stale-if-error windows end, or -1 for never; and `t`, its tags as a JSON array (so every
 * instance's L1 copy carries them, for invalidateTag).
 */
import { defineScript } from './clients.js'

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`

/** What `acquire` found (its reply's first element). */
export const Acquired = { Fresh: 1, Won: 2, Lost: 3, Missing: 4 } as const

/**
 * KEYS: value, lease. ARGV: token, lease ms, mode ('lease', 'force' to pass over a fresh value,
 * 'read' to take no lease).
 * Reply: {state, envelope or false, now, f, s, e, lease pttl, tags as a JSON array}.
 */
export const ACQUIRE = defineScript(`${NOW}
local h = redis.call('HMGET', KEYS[1], 'd', 'f', 's', 'e', 't')
local f = tonumber(h[2])
if h[1] and ARGV[3] ~= 'force' and f and (f < 0 or f > now) then
  return {1, h[1], now, h[2], h[3], h[4], 0, h[5] or '[]'}
end
if ARGV[3] == 'read' then return {4, h[1] or false, now, h[2] or '-1', h[3] or '-1', h[4] or '-1', 0, h[5] or '[]'} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {2, h[1] or false, now, h[2] or '-1', h[3] or '-1', h[4] or '-1', 0, h[5] or '[]'}
end
return {3, h[1] or false, now, h[2] or '-1', h[3] or '-1', h[4] or '-1',
  redis.call('PTTL', KEYS[2]), h[5] or '[]'}`)

/**
 * KEYS: value, lease. ARGV: token ('' to write unconditionally), envelope, ttl ms, stale-while-
 * revalidate ms, stale-if-error ms (-1 for never), tags as a JSON array. Writes only if the lease still holds `token`,
 * and ends the key's lease either way it writes: a `set` detaches a fetch in flight, as in one
 * process. Reply: 1 if written, 0 if the lease was lost.
 */
export const WRITE =
  defineScript(`if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
${NOW}
local ttl, swr, sie = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local f, s, e, life = -1, -1, -1, -1
if ttl >= 0 then
  f = now + ttl
  if swr >= 0 then s = f + swr end
  if sie >= 0 then e = f + sie end
  if s >= 0 and e >= 0 then life = math.max(s, e) - now end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'd', ARGV[2], 'f', string.format('%.0f', f),
  's', string.format('%.0f', s), 'e', string.format('%.0f', e), 't', ARGV[6])
if life >= 0 then redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.max(life, 1))) end
redis.call('DEL', KEYS[2])
return 1`)

/** KEYS: lease. ARGV: token, lease ms. Extends the lease if `token` still holds it; 1 or 0. */
export const RENEW = defineScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`)

/** KEYS: lease. ARGV: token. Ends the lease if `token` still holds it; 1 or 0. */
export const RELEASE = defineScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

/**
 * KEYS: value, lease. Removes the value and ends the lease, so a fetch in flight anywhere cannot
 * write its result. Reply: 1 if a value was removed.
 */
export const DROP = defineScript(`local removed = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
return removed`)

/** KEYS: value. ARGV: envelope. Removes the value if it still holds exactly that envelope. */
export const DROP_IF = defineScript(`if redis.call('HGET', KEYS[1], 'd') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

/**
 * KEYS: tag set. ARGV: member, lifetime ms (-1 for never). Adds the member, and keeps the set at
 * least as long as the entry it names.
 */
export const TAG = defineScript(`local existed = redis.call('EXISTS', KEYS[1])
redis.call('SADD', KEYS[1], ARGV[1])
local life = tonumber(ARGV[2])
if life < 0 then
  redis.call('PERSIST', KEYS[1])
else
  local left = redis.call('PTTL', KEYS[1])
  if existed == 0 or (left >= 0 and left < life) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
end
return 1`)
