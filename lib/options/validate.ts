/**
 * Argument checks shared by the public methods. Each throws synchronously, before the cache is
 * touched, so a rejected call leaves the cache and its counters exactly as they were.
 */
import { argumentRangeError, argumentTypeError } from '../errors.js'

const TTL_EXPECTED = 'a non-negative number or Infinity'

export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw argumentTypeError('key', 'a string', key)
}

export function checkFetcher(fetcher: unknown): asserts fetcher is () => unknown {
  if (typeof fetcher !== 'function') throw argumentTypeError('fetcher', 'a function', fetcher)
}

/** A TTL in milliseconds: a non-negative number, `Infinity` for never, `0` for "do not store". */
export function checkTtl(name: string, ttlMs: unknown): number {
  if (typeof ttlMs !== 'number') throw argumentTypeError(name, TTL_EXPECTED, ttlMs)
  if (!(ttlMs >= 0)) throw argumentRangeError(name, TTL_EXPECTED, ttlMs)
  return ttlMs
}

/** A positive integer bound such as `maxSize`. */
export function checkPositiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number') throw argumentTypeError(name, 'a positive integer', value)
  if (!Number.isSafeInteger(value) || value < 1) {
    throw argumentRangeError(name, 'a positive integer', value)
  }
  return value
}

/** The clock option's reading, checked: a finite number of milliseconds. */
export function readClock(clock: () => number): number {
  const now = clock()
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw argumentTypeError('clock()', 'a finite number of milliseconds', now)
  }
  return now
}

/** Tags: undefined, or an array of strings, copied before it is checked. */
export function checkTags(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value)) throw argumentTypeError('tags', 'an array of strings', value)
  // Copied before it is checked: a Proxy (or a getter) could answer differently on a second read.
  const tags: unknown[] = Array.from(value as unknown[])
  for (const [index, tag] of tags.entries()) {
    if (typeof tag !== 'string') throw argumentTypeError(`tags[${index}]`, 'a string', tag)
  }
  return tags as string[]
}

/** `invalidateTag`'s argument as a list: a tag, or an array of tags (copied, then checked). */
export function tagList(tags: unknown): readonly string[] {
  if (typeof tags === 'string') return [tags]
  if (!Array.isArray(tags)) {
    throw argumentTypeError('tags', 'a string or an array of strings', tags)
  }
  return checkTags(tags)!
}
