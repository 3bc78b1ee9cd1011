/**
 * `context.options`: what a fetcher decides about how its result is stored. Made from the call
 * that started the fetch, and read back once, when the fetch succeeds, with the checks the
 * call's own options get.
 */
import { argumentTypeError, unknownOptionError } from '../errors.js'
import { NOT_STORED, type StoreTimes } from '../fetch/tier.js'
import type { FetcherOptions } from '../types.js'
import type { CallOptions } from './options.js'
import { checkTags, checkTtl } from './validate.js'

const FETCHER_OPTIONS = [
  'ttlMs',
  'staleWhileRevalidateMs',
  'staleIfErrorMs',
  'tags',
  'store',
] as const

/** How a fetch's result is stored, as its fetcher decided. */
export interface Decision {
  /** The entry's times; NOT_STORED when nothing is to be stored. */
  times: StoreTimes
  /** The entry's tags when they differ from the call's; undefined: the call's. */
  tags: readonly string[] | undefined
}

/** The `context.options` a fetch starts with: the call's settings, tags copied. */
export function fetcherOptionsFor(call: CallOptions): FetcherOptions {
  return {
    ttlMs: call.ttlMs,
    staleWhileRevalidateMs: call.staleWhileRevalidateMs,
    staleIfErrorMs: call.staleIfErrorMs,
    tags: call.tags === undefined ? [] : [...call.tags],
    store: true,
  }
}

/**
 * What `options` (undefined when the fetcher never read them) decided for a fetch started by
 * `call`.
 * @throws TypeError / RangeError, as for the call's options, for a bad value or an unknown name.
 */
export function decisionOf(options: FetcherOptions | undefined, call: CallOptions): Decision {
  if (options === undefined) return { times: call, tags: undefined }
  for (const name of Object.keys(options)) {
    if (!(FETCHER_OPTIONS as readonly string[]).includes(name)) {
      throw unknownOptionError(name, FETCHER_OPTIONS)
    }
  }
  const ttlMs = checkTtl('ttlMs', options.ttlMs)
  const staleWhileRevalidateMs = checkTtl('staleWhileRevalidateMs', options.staleWhileRevalidateMs)
  const staleIfErrorMs = checkTtl('staleIfErrorMs', options.staleIfErrorMs)
  const tags = checkTags(options.tags) ?? []
  const store = options.store
  if (typeof store !== 'boolean') throw argumentTypeError('store', 'a boolean', store)
  const sameTimes =
    ttlMs === call.ttlMs &&
    staleWhileRevalidateMs === call.staleWhileRevalidateMs &&
    staleIfErrorMs === call.staleIfErrorMs
  return {
    times: !store
      ? NOT_STORED
      : sameTimes
        ? call
        : { ttlMs, staleWhileRevalidateMs, staleIfErrorMs },
    tags: sameTags(tags, call.tags ?? []) ? undefined : tags,
  }
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((tag, i) => tag === b[i])
}
