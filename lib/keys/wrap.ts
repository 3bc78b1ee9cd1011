/**
 * `cache.wrap(fn)`: a function memoized through a cache's getOrFetch. See CacheManager.wrap for
 * the contract.
 */
import { argumentTypeError } from '../errors.js'
import type { CallOptions } from '../options/options.js'
import { wrapOptions } from '../options/options.js'
import type { GetOrFetchOptions } from '../types.js'
import { encodeParts } from './cache_key.js'

/** The one method of a cache `wrap` calls. */
export interface Memoizer {
  getOrFetch(key: string, fetcher: () => unknown, options?: GetOrFetchOptions): Promise<unknown>
}

/** `fn` memoized through `cache`, with `options` checked (against `defaults`) and copied now. */
export function wrap(
  cache: Memoizer,
  fn: unknown,
  options: unknown,
  defaults: CallOptions,
): (this: unknown, ...args: unknown[]) => Promise<unknown> {
  if (typeof fn !== 'function') throw argumentTypeError('fn', 'a function', fn)
  const { key, fetchOptions } = wrapOptions(options, defaults)
  const call = fn as (this: unknown, ...args: unknown[]) => unknown
  const context = fn.name === '' ? 'the wrapped function' : fn.name
  const fetch = (name: string, self: unknown, args: unknown[]) =>
    cache.getOrFetch(name, () => call.apply(self, args), fetchOptions)
  return function wrapped(this: unknown, ...args: unknown[]): Promise<unknown> {
    const name = key === undefined ? encodeParts(args, context, 'arguments') : key.apply(this, args)
    if (typeof name !== 'string') throw argumentTypeError('options.key()', 'a string', name)
    return fetch(name, this, args)
  }
}
