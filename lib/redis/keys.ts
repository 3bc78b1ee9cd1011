/**
 * Where the tier keeps things in Redis. One cache key has two Redis keys, its value (a hash) and
 * its lease, and one tag has a set of the keys written with it. Each is named
 * `<prefix>{<part>}<suffix>` so that the keys of one cache key share a Redis Cluster hash slot
 * (the braces are the hash tag), which the tier's scripts need.
 *
 * Names are injective: two cache keys never share a Redis key. A key that is well-formed UTF-16
 * is written as its UTF-8 text; one with lone surrogates (which UTF-8 cannot carry, and which
 * would otherwise become U+FFFD and collide) is written as the hex of its code units, under a
 * namespace letter no text key uses.
 */

/** The Redis keys of one cache key. */
export interface KeyNames {
  /** The value hash: envelope and times. */
  value: string
  /** The lease: the token of the instance fetching the key. */
  lease: string
}

function utf16Hex(text: string): string {
  let hex = ''
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).padStart(4, '0')
  return hex
}

// `<prefix>{<letter>:<text>}`: the letter keeps names of keys and tags, text and hex apart.
function slotted(prefix: string, letter: string, hexLetter: string, text: string): string {
  return text.isWellFormed()
    ? `${prefix}{${letter}:${text}}`
    : `${prefix}{${hexLetter}:${utf16Hex(text)}}`
}

export function keyNames(prefix: string, key: string): KeyNames {
  const value = slotted(prefix, 'k', 'K', key)
  return { value, lease: `${value}:lease` }
}

/** The set of keys written with `tag`. */
export function tagName(prefix: string, tag: string): string {
  return slotted(prefix, 't', 'T', tag)
}

/** The pub/sub channel of one prefix. */
export function channelName(prefix: string): string {
  return `${prefix}herdcache:bus`
}

/** A SCAN pattern matching exactly the keys under `prefix`. */
export function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\^]/g, (c) => `\\${c}`)}{*`
}
