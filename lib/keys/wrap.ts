/**
 * `cache.wrap(fn)`: a function memoized through a cache's getOrFetch. See CacheManager.wrap for
 * the contract.
 */
import { argumentTypeError, namespaceInUseError } from '../errors.js'
import type { CallOptions } from '../options/options.js'
import { wrapOptions } from '../options/options.js'
import type { GetOrFetchOptions } from '../types.js'
import { cacheKey, encodeParts } from './cache_key.js'

/** The one method of a cache `wrap` calls. */
export interface Memoizer {
  getOrFetch(key: string, fetcher: () => unknown, options?: GetOrFetchOptions): Promise<unknown>
}

/**
 * The functions a cache wraps under default namespaces (their names), so that a second,
 * different function of the same name is refused rather than sharing the first one's entries.
 */
export type WrapRegistry = Map<string, unknown>

/**
 * `fn` memoized through `cache`, with `options` checked (against `defaults`) and copied now, and
 * its default namespace recorded in `registry`.
 */
export function wrap(
  cache: Memoizer,
  registry: WrapRegistry,
  fn: unknown,
  options: unknown,
  defaults: CallOptions,
): (this: unknown, ...args: unknown[]) => Promise<unknown> {
  if (typeof fn !== 'function') throw argumentTypeError('fn', 'a function', fn)
  const { key, namespace, fetchOptions } = wrapOptions(options, defaults)
  const call = fn as (this: unknown, ...args: unknown[]) => unknown
  const name = typeof fn.name === 'string' ? fn.name : ''
  const length = typeof fn.length === 'number' ? fn.length : 0
  const context = name === '' ? 'the wrapped function' : name
  let prefix = ''
  if (key === undefined) {
    const ns = namespace ?? defaultNamespace(registry, fn, name)
    prefix = cacheKey(ns)
  }
  const fetch = (id: string, self: unknown, args: unknown[]) =>
    cache.getOrFetch(id, () => call.apply(self, args), fetchOptions)
  const wrapped = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    const id =
      key === undefined
        ? prefix + encodeParts(withoutTrailingUndefined(args), context, 'arguments')
        : key.apply(this, args)
    if (typeof id !== 'string') throw argumentTypeError('options.key()', 'a string', id)
    return fetch(id, this, args)
  }
  Object.defineProperty(wrapped, 'name', { value: name, configurable: true })
  Object.defineProperty(wrapped, 'length', { value: length, configurable: true })
  return wrapped
}

// fn's name, recorded as taken by fn; checked last, so a wrap that throws records nothing.
function defaultNamespace(registry: WrapRegistry, fn: unknown, name: string): string {
  if (name === '') {
    throw argumentTypeError(
      'options.namespace',
      'a non-empty string for a function without a name (the default namespace is its name)',
      undefined,
    )
  }
  const holder = registry.get(name)
  if (holder !== undefined && holder !== fn) throw namespaceInUseError(name)
  registry.set(name, fn)
  return name
}

// f() and f(undefined) are one call to most functions, and share one entry.
function withoutTrailingUndefined(args: unknown[]): unknown[] {
  let length = args.length
  while (length > 0 && args[length - 1] === undefined) length -= 1
  return length === args.length ? args : args.slice(0, length)
}
