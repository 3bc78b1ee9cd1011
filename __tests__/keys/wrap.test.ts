// Issue 5, section 1 (and issue 12, point 5): cache.wrap(fn, options) memoizes fn through
// getOrFetch, keyed by cacheKey(namespace, ...args) (namespace: fn.name by default) or
// options.key. Time comes from the `clock` option (`let now`), and fetches
// are settled by hand with deferreds, so nothing sleeps.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { CacheManager, cacheKey } from '../../dist/index.js'
import { type Deferred, deferred } from '../support/async.js'
import { expectThrown, thrownBy } from '../support/throws.js'

// wrap as JavaScript callers see it: any argument may arrive.
type LooseWrap = (fn: unknown, options?: unknown) => (...args: unknown[]) => Promise<unknown>
const looseWrap = (cache: CacheManager) => cache.wrap.bind(cache) as unknown as LooseWrap

let now = 1_000_000
const clock = () => now
beforeEach(() => {
  now = 1_000_000
})

/** A function that records its calls and answers each with a deferred the test settles. */
function upstream<A extends unknown[], T>() {
  const calls: { args: A; self: unknown; result: Deferred<T> }[] = []
  function fn(this: unknown, ...args: A): Promise<T> {
    const result = deferred<T>()
    calls.push({ args, self: this, result })
    return result.promise
  }
  return { fn, calls }
}

describe('wrap: coalescing and caching', () => {
  it('calls fn once for concurrent calls with equal arguments and returns the same Promise', async () => {
    const cache = new CacheManager<string>()
    const { fn, calls } = upstream<[string, { page: number; size: number }], string>()
    const search = cache.wrap(fn)

    const a = search('q', { page: 1, size: 10 })
    const b = search('q', { size: 10, page: 1 })

    expect(a).toBe(b)
    expect(calls).toHaveLength(1)
    expect(calls[0]!.args).toEqual(['q', { page: 1, size: 10 }])
    calls[0]!.result.resolve('found')
    await expect(a).resolves.toBe('found')
    expect(cache.stats()).toMatchObject({ fetches: 1, coalesced: 1, misses: 2 })
  })

  it('answers a later call with equal arguments from the cache', async () => {
    const cache = new CacheManager<string>()
    const { fn, calls } = upstream<[number], string>()
    const get = cache.wrap(fn)
    const first = get(1)
    calls[0]!.result.resolve('one')
    await first

    await expect(get(1)).resolves.toBe('one')
    expect(calls).toHaveLength(1)
    expect(cache.stats()).toMatchObject({ hits: 1, fetches: 1 })
  })

  it('calls fn separately for different arguments, types included', async () => {
    const cache = new CacheManager<string>()
    const { fn, calls } = upstream<[unknown], string>()
    const get = cache.wrap(fn)

    const results = [get(1), get('1'), get([1]), get({ id: 1 })]

    expect(calls.map((call) => call.args)).toEqual([[1], ['1'], [[1]], [{ id: 1 }]])
    for (const [i, call] of calls.entries()) call.result.resolve(`r${i}`)
    await expect(Promise.all(results)).resolves.toEqual(['r0', 'r1', 'r2', 'r3'])
  })

  it('stores each result under cacheKey(fn.name, ...args)', async () => {
    const cache = new CacheManager<string>()
    const get = cache.wrap(function page(id: string, n: number) {
      return `${id}@${n}`
    })
    await get('user', 2)
    expect(cache.peek(cacheKey('page', 'user', 2))).toBe('user@2')
  })

  it('wraps a function of no arguments under its namespace alone', async () => {
    const cache = new CacheManager<number>()
    let calls = 0
    const count = cache.wrap(() => ++calls, { namespace: 'count' })
    await expect(count()).resolves.toBe(1)
    await expect(count()).resolves.toBe(1)
    expect(cache.has(cacheKey('count'))).toBe(true)
  })

  it('answers a synchronous fn with a Promise of its value', async () => {
    const cache = new CacheManager<number>()
    const double = cache.wrap((n: number) => n * 2, { namespace: 'double' })
    const answer = double(21)
    expect(answer).toBeInstanceOf(Promise)
    await expect(answer).resolves.toBe(42)
  })
})

describe('wrap: the key option', () => {
  it('keys calls by what key returns, so calls that map to one key share one fn call', async () => {
    const cache = new CacheManager<string>()
    const { fn, calls } = upstream<[string, { verbose: boolean }], string>()
    const keysSeen: unknown[][] = []
    const get = cache.wrap(fn, {
      key: (id, options) => {
        keysSeen.push([id, options])
        return `user:${id}`
      },
    })

    const a = get('7', { verbose: true })
    const b = get('7', { verbose: false })

    expect(a).toBe(b)
    expect(calls).toHaveLength(1)
    expect(keysSeen).toEqual([
      ['7', { verbose: true }],
      ['7', { verbose: false }],
    ])
    calls[0]!.result.resolve('seven')
    await a
    expect(cache.peek('user:7')).toBe('seven')
  })

  it('lets wrapped functions share a cache when their keys name them', async () => {
    const cache = new CacheManager<string>()
    const user = cache.wrap((id: string) => `user ${id}`, { key: (id) => cacheKey('user', id) })
    const post = cache.wrap((id: string) => `post ${id}`, { key: (id) => cacheKey('post', id) })
    await expect(user('1')).resolves.toBe('user 1')
    await expect(post('1')).resolves.toBe('post 1')
  })

  it('refuses namespace and key together', () => {
    const cache = new CacheManager<string>()
    expectThrown(
      () => cache.wrap((id: string) => id, { namespace: 'n', key: (id) => id }),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      /^options\.namespace and options\.key cannot be given together/,
    )
  })

  it('throws synchronously, without calling fn, when key returns a non-string', () => {
    const cache = new CacheManager<string>()
    let calls = 0
    const get = looseWrap(cache)(() => String(++calls), { key: () => 5 })
    expectThrown(
      () => get(),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'options.key() must be a string, received number 5',
    )
    expect(calls).toBe(0)
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 0, fetches: 0 })
  })

  it('throws what key throws, synchronously, without calling fn', () => {
    const cache = new CacheManager<string>()
    let calls = 0
    const failure = new Error('no key')
    const get = cache.wrap(() => String(++calls), {
      key: () => {
        throw failure
      },
    })
    expect(thrownBy(() => get())).toBe(failure)
    expect(calls).toBe(0)
  })
})

describe('wrap: namespaces keep functions apart', () => {
  it('keeps two functions sharing a cache apart by their names', async () => {
    const cache = new CacheManager<string>()
    const user = cache.wrap(function user(id: string) {
      return `user ${id}`
    })
    const post = cache.wrap(function post(id: string) {
      return `post ${id}`
    })
    await expect(user('1')).resolves.toBe('user 1')
    await expect(post('1')).resolves.toBe('post 1')
  })

  it('refuses a second, different function of a name the cache already wraps', () => {
    const cache = new CacheManager<string>()
    const users = { get: (id: string) => `user ${id}` }
    const posts = { get: (id: string) => `post ${id}` }
    cache.wrap(users.get.bind(users))
    expectThrown(
      () => cache.wrap(posts.get.bind(posts)),
      TypeError,
      'ERR_HERDCACHE_NAMESPACE_IN_USE',
      /^another function named 'bound get' is already wrapped by this cache/,
    )
    // With namespaces of their own, both are fine.
    cache.wrap(posts.get.bind(posts), { namespace: 'posts.get' })
    expect(() => new CacheManager().wrap(posts.get.bind(posts))).not.toThrow()
  })

  it('lets the same function be wrapped again, sharing its entries', async () => {
    const cache = new CacheManager<string>()
    let calls = 0
    function load(id: string) {
      calls += 1
      return `v${id}`
    }
    await cache.wrap(load, { ttlMs: 1_000 })('1')
    await expect(cache.wrap(load)('1')).resolves.toBe('v1')
    expect(calls).toBe(1)
  })

  it('lets two wrappers share entries on purpose under one explicit namespace', async () => {
    const cache = new CacheManager<string>()
    const a = cache.wrap((id: string) => `a ${id}`, { namespace: 'shared' })
    const b = cache.wrap((id: string) => `b ${id}`, { namespace: 'shared' })
    await expect(a('1')).resolves.toBe('a 1')
    await expect(b('1')).resolves.toBe('a 1')
  })

  it('needs a namespace for a function without a name', () => {
    const cache = new CacheManager<string>()
    expectThrown(
      () => cache.wrap((id: string) => id),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      /^options\.namespace must be a non-empty string for a function without a name .*, received undefined$/,
    )
    expect(() => cache.wrap((id: string) => id, { key: (id) => id })).not.toThrow()
  })

  it('refuses a namespace that is not a non-empty string', () => {
    const cache = new CacheManager<string>()
    expectThrown(
      () => cache.wrap((id: string) => id, { namespace: '' }),
      RangeError,
      'ERR_OUT_OF_RANGE',
      "namespace must be a non-empty string, received string ''",
    )
    expectThrown(
      () => cache.wrap((id: string) => id, { namespace: 5 as never }),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'namespace must be a non-empty string, received number 5',
    )
  })

  it('records no name for a wrap that throws', () => {
    const cache = new CacheManager<string>()
    const first = function get(id: string) {
      return id
    }
    const second = function get(id: string) {
      return `${id}!`
    }
    expect(() => cache.wrap(first, { ttlMs: -1 })).toThrow(RangeError)
    expect(() => cache.wrap(second)).not.toThrow()
  })
})

describe('wrap: arguments and the wrapper', () => {
  it('gives f() and f(undefined) one entry: trailing undefined arguments are dropped', () => {
    const cache = new CacheManager<string>()
    const { fn, calls } = upstream<[string?, unknown?], string>()
    const get = cache.wrap(fn)
    const a = get()
    expect(get(undefined)).toBe(a)
    const b = get('x')
    expect(get('x', undefined)).toBe(b)
    expect(get(undefined, 'x')).not.toBe(a)
    expect(calls.map((call) => call.args)).toEqual([[], ['x'], [undefined, 'x']])
  })

  it("keeps fn's name and length", () => {
    const cache = new CacheManager<string>()
    const getUser = cache.wrap(function getUser(id: string, verbose = false) {
      return `${id} ${verbose}`
    })
    expect(getUser.name).toBe('getUser')
    expect(getUser.length).toBe(1)
    const anonymous = cache.wrap((a: string, b: string) => a + b, { namespace: 'n' })
    expect(anonymous.name).toBe('')
    expect(anonymous.length).toBe(2)
  })
})

describe('wrap: getOrFetch options pass through', () => {
  it('stores results for ttlMs on the cache clock', async () => {
    const cache = new CacheManager<string>({ clock })
    let calls = 0
    const get = cache.wrap((id: string) => `${id}:${++calls}`, { ttlMs: 1_000, namespace: 'get' })
    await expect(get('a')).resolves.toBe('a:1')

    now += 999
    await expect(get('a')).resolves.toBe('a:1')
    now += 2
    await expect(get('a')).resolves.toBe('a:2')
    expect(calls).toBe(2)
  })

  it('uses the constructor defaults when wrap gives no ttlMs', async () => {
    const cache = new CacheManager<number>({ clock, defaultTtlMs: 50 })
    let calls = 0
    const get = cache.wrap(() => ++calls, { namespace: 'get' })
    await get()
    now += 51
    await expect(get()).resolves.toBe(2)
  })

  it('stores nothing with ttlMs 0, and still coalesces', async () => {
    const cache = new CacheManager<string>()
    const { fn, calls } = upstream<[], string>()
    const get = cache.wrap(fn, { ttlMs: 0 })
    const a = get()
    expect(get()).toBe(a)
    calls[0]!.result.resolve('v')
    await a
    expect(cache.size).toBe(0)
    void get()
    expect(calls).toHaveLength(2)
    calls[1]!.result.resolve('w')
  })

  it('tags stored results, so invalidateTag removes them and the next call fetches anew', async () => {
    const cache = new CacheManager<string>()
    let calls = 0
    const get = cache.wrap((id: string) => `${id}:${++calls}`, { tags: ['users'], namespace: 'g' })
    await get('a')
    await get('b')

    await expect(cache.invalidateTag('users')).resolves.toBe(2)
    await expect(get('a')).resolves.toBe('a:3')
  })

  it('serves stale while revalidating, with the stale window given to wrap', async () => {
    const cache = new CacheManager<string>({ clock })
    const { fn, calls } = upstream<[], string>()
    const get = cache.wrap(fn, { ttlMs: 100, staleWhileRevalidateMs: 1_000 })
    const first = get()
    calls[0]!.result.resolve('old')
    await first

    now += 500
    await expect(get()).resolves.toBe('old')
    expect(calls).toHaveLength(2)
    calls[1]!.result.resolve('new')
    await calls[1]!.result.promise
    await Promise.resolve()
    await expect(get()).resolves.toBe('new')
  })

  it('gives each caller a Promise of its own, over one fn call, when options carry a signal', async () => {
    const cache = new CacheManager<string>()
    const { fn, calls } = upstream<[], string>()
    const get = cache.wrap(fn, { signal: new AbortController().signal })
    const a = get()
    const b = get()
    expect(a).not.toBe(b)
    expect(calls).toHaveLength(1)
    calls[0]!.result.resolve('v')
    await expect(Promise.all([a, b])).resolves.toEqual(['v', 'v'])
  })

  it('keeps the options as they were when wrap was called', async () => {
    const cache = new CacheManager<string>({ clock })
    const tags = ['a']
    const options = { ttlMs: 100, tags, namespace: 'get' }
    let calls = 0
    const get = cache.wrap(() => String(++calls), options)
    options.ttlMs = -1
    tags.push('b')

    await expect(get()).resolves.toBe('1')
    await expect(cache.invalidateTag('b')).resolves.toBe(0)
    now += 101
    await expect(get()).resolves.toBe('2')
  })
})

describe('wrap: failures', () => {
  it('rejects every concurrent caller with the error fn rejects with, and caches nothing', async () => {
    const cache = new CacheManager<string>()
    const { fn, calls } = upstream<[string], string>()
    const get = cache.wrap(fn)
    const a = get('k')
    const b = get('k')
    const failure = new Error('upstream down')
    calls[0]!.result.reject(failure)

    await expect(a).rejects.toBe(failure)
    await expect(b).rejects.toBe(failure)
    expect(cache.size).toBe(0)
    const retry = get('k')
    expect(calls).toHaveLength(2)
    calls[1]!.result.resolve('back')
    await expect(retry).resolves.toBe('back')
  })

  it('turns a synchronous throw from fn into a rejection, and caches nothing', async () => {
    const cache = new CacheManager<string>()
    const failure = new Error('sync')
    let calls = 0
    const get = cache.wrap(function get(): string {
      calls++
      throw failure
    })
    const answer = get()
    expect(answer).toBeInstanceOf(Promise)
    await expect(answer).rejects.toBe(failure)
    await expect(get()).rejects.toBe(failure)
    expect(calls).toBe(2)
  })

  it('throws synchronously for arguments cacheKey rejects, naming the function and the path', () => {
    const cache = new CacheManager<string>()
    let calls = 0
    const getUser = cache.wrap(function getUser(query: { tags: unknown[] }) {
      calls++
      return String(query.tags.length)
    })
    expectThrown(
      () => getUser({ tags: ['a', new Map()] }),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      /^getUser arguments\[0\]\.tags\[1\] must be a string, .*, received an instance of Map$/,
    )
    expectThrown(
      () => cache.wrap((f: () => void) => String(f), { namespace: 'show' })(() => undefined),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      /^the wrapped function arguments\[0\] must be .*, received a function$/,
    )
    expect(calls).toBe(0)
    expect(cache.stats()).toMatchObject({ misses: 0, fetches: 0 })
  })
})

describe('wrap: bad options throw synchronously at wrap time', () => {
  const fn = () => 1
  const typeError = (message: string) => [TypeError, 'ERR_INVALID_ARG_TYPE', message] as const
  const rangeError = (message: string) => [RangeError, 'ERR_OUT_OF_RANGE', message] as const
  const unknownOption = (message: string) =>
    [TypeError, 'ERR_HERDCACHE_UNKNOWN_OPTION', message] as const
  const TTL = 'must be a non-negative number or Infinity'
  const cases = [
    [
      'a non-function fn',
      'getUser',
      undefined,
      typeError("fn must be a function, received string 'getUser'"),
    ],
    [
      'options that are not an object',
      fn,
      5,
      typeError('options must be an object, received number 5'),
    ],
    ['a null options', fn, null, typeError('options must be an object, received null')],
    [
      'a non-function key',
      fn,
      { key: 'id' },
      typeError("key must be a function, received string 'id'"),
    ],
    ['a negative ttlMs', fn, { ttlMs: -1 }, rangeError(`ttlMs ${TTL}, received number -1`)],
    ['a string ttlMs', fn, { ttlMs: '5' }, typeError(`ttlMs ${TTL}, received string '5'`)],
    [
      'a zero timeoutMs',
      fn,
      { timeoutMs: 0 },
      rangeError('timeoutMs must be a positive number or Infinity, received number 0'),
    ],
    [
      'a non-string tag',
      fn,
      { tags: ['a', 3] },
      typeError('tags[1] must be a string, received number 3'),
    ],
    [
      'a signal that is not an AbortSignal',
      fn,
      { signal: {} },
      typeError('signal must be an AbortSignal, received an object'),
    ],
    [
      'a non-boolean forceRefresh',
      fn,
      { forceRefresh: 1 },
      typeError('forceRefresh must be a boolean, received number 1'),
    ],
    [
      'a misspelt option',
      fn,
      { ttl: 5 },
      unknownOption(
        'options.ttl is not an option; the options are key, namespace, ttlMs, staleWhileRevalidateMs, ' +
          'staleIfErrorMs, timeoutMs, signal, tags, forceRefresh',
      ),
    ],
    ['a set-only option', fn, { size: 5 }, unknownOption('options.size is not an option;')],
  ] as const
  for (const [name, wrapped, options, [type, code, message]] of cases) {
    it(`rejects ${name}`, () => {
      const cache = new CacheManager()
      expectThrown(() => looseWrap(cache)(wrapped, options), type, code, message)
      expect(cache.stats()).toMatchObject({ hits: 0, misses: 0, fetches: 0, size: 0 })
    })
  }
})

describe('wrap: this', () => {
  it("calls fn with the wrapper's this, so a wrapped method sees its object", async () => {
    const cache = new CacheManager<string>()
    const repo = {
      table: 'users',
      find: cache.wrap(function find(this: { table: string }, id: number) {
        return `${this.table}/${id}`
      }),
    }
    await expect(repo.find(1)).resolves.toBe('users/1')
  })

  it("calls key with the wrapper's this, so keys can tell objects apart", async () => {
    const cache = new CacheManager<string>()
    const { fn, calls } = upstream<[number], string>()
    const find = cache.wrap(fn, {
      key(this: unknown, id) {
        return cacheKey((this as { table: string }).table, id)
      },
    })
    const users = { table: 'users', find }
    const posts = { table: 'posts', find }

    void users.find(1)
    void posts.find(1)

    expect(calls.map((call) => call.self)).toEqual([users, posts])
    calls[0]!.result.resolve('u')
    calls[1]!.result.resolve('p')
    await Promise.all(calls.map((call) => call.result.promise))
    expect(cache.peek(cacheKey('users', 1))).toBe('u')
    expect(cache.peek(cacheKey('posts', 1))).toBe('p')
  })

  it('leaves this out of the default key: objects calling one wrapper share entries', async () => {
    const cache = new CacheManager<string>()
    const find = cache.wrap(function find(this: { table: string }, id: number) {
      return `${this.table}/${id}`
    })
    const users = { table: 'users', find }
    const posts = { table: 'posts', find }
    await expect(users.find(1)).resolves.toBe('users/1')
    await expect(posts.find(1)).resolves.toBe('users/1')
  })
})

describe('wrap: types', () => {
  it("keeps fn's parameters and awaited return type for a TypeScript consumer", () => {
    const root = join(__dirname, '..', '..')
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
    const fixture = join(root, '__tests__', 'fixtures', 'typed-wrap.ts')
    const args = ['--noEmit', '--ignoreConfig', '--strict', '--module', 'nodenext', fixture]
    // tsc fails on any type error, including an unused @ts-expect-error, so both the accepted
    // and the rejected usages are checked.
    const result = spawnSync(process.execPath, [tsc, ...args], { cwd: root, encoding: 'utf8' })
    expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({
      status: 0,
      output: '',
    })
  })
})
