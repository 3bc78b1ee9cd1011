// Two caches of one shared store in one thread are two members of it, as caches in two threads
// are: a fetch one runs is joined by the other and reaches it as a notice. These tests cross
// members in the main thread, where coverage is measured and fake timers reach both.
import { describe, expect, it, vi } from 'vitest'
import {
  CacheManager,
  type CacheOptions,
  type Codec,
  EncodeError,
  type EvictionReason,
  RemoteFetchError,
  TimeoutError,
  v8Codec,
} from '../../dist/index.js'
import * as redisEntry from '../../dist/redis/index.js'
import * as mainEntry from '../../dist/index.js'
import { deferred, rejectionOf } from '../support/async.js'
import { manualClock } from '../support/clock.js'
import { closedAfterEach } from '../support/shared_workers.js'

const { opened } = closedAfterEach(() => vi.useRealTimers())
let names = 0

/** Two caches of one new store, closed after the test. */
function members<V = unknown>(options: Omit<CacheOptions<V>, 'shared'> = {}) {
  names += 1
  const name = `members-${names}`
  const runner = new CacheManager<V>({ ...options, shared: name })
  const joiner = new CacheManager<V>({ ...options, shared: name })
  opened.push(runner, joiner)
  return { runner, joiner }
}

describe('a fetch run by one member and joined by another', () => {
  it('answers the joiner with a copy of the value', async () => {
    const { runner, joiner } = members<{ n: number }>()
    const upstream = deferred<{ n: number }>()
    const running = runner.getOrFetch('k', () => upstream.promise)
    const joined = joiner.getOrFetch('k', () => ({ n: 0 }))
    const fetched = { n: 1 }
    upstream.resolve(fetched)
    expect(await running).toBe(fetched)
    const copy = await joined
    expect(copy).toEqual({ n: 1 })
    expect(copy).not.toBe(fetched)
    expect(joiner.stats()).toMatchObject({ fetches: 1, coalesced: 1, size: 1 })
  })

  it('rejects the joiner with a TimeoutError when the runner’s fetch times out', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { runner, joiner } = members()
    const running = runner.getOrFetch('k', () => new Promise(() => {}), { timeoutMs: 50 })
    const joined = rejectionOf(joiner.getOrFetch('k', () => 'never'))
    vi.advanceTimersByTime(50)
    expect(await rejectionOf(running)).toBeInstanceOf(TimeoutError)
    const error = await joined
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ code: 'ERR_HERDCACHE_TIMEOUT' })
    expect((error as Error).message).toMatch(/^the fetch of 'k' did not settle within 50 ms$/)
  })

  it('rejects the joiner with an EncodeError naming the key when the value cannot be encoded', async () => {
    const { runner, joiner } = members()
    const upstream = deferred<unknown>()
    const running = rejectionOf(runner.getOrFetch('k', () => upstream.promise))
    const joined = rejectionOf(joiner.getOrFetch('k', () => 'never'))
    upstream.resolve({ f() {} })
    expect(await running).toBeInstanceOf(EncodeError)
    const error = await joined
    expect(error).toBeInstanceOf(EncodeError)
    expect(error).toMatchObject({ code: 'ERR_HERDCACHE_ENCODE', key: 'k', codec: 'v8' })
    expect(joiner.has('k')).toBe(false)
  })

  it('rejects the joiner with a RemoteFetchError that carries any other error', async () => {
    const { runner, joiner } = members()
    const boom = Object.assign(new RangeError('boom'), { code: 'E_BOOM' })
    const running = rejectionOf(runner.getOrFetch('k', () => Promise.reject(boom)))
    const joined = rejectionOf(joiner.getOrFetch('k', () => 'never'))
    expect(await running).toBe(boom)
    const error = (await joined) as RemoteFetchError
    expect(error).toBeInstanceOf(RemoteFetchError)
    expect(error.remote).toEqual({ name: 'RangeError', message: 'boom', code: 'E_BOOM' })
    expect(error.message).toBe("the fetch of 'k' failed in another thread: RangeError: boom")
  })

  it('carries a thrown value that is not an Error as its text', async () => {
    const { runner, joiner } = members()
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a non-Error on purpose
    const running = rejectionOf(runner.getOrFetch('k', () => Promise.reject(42)))
    const joined = rejectionOf(joiner.getOrFetch('k', () => 'never'))
    expect(await running).toBe(42)
    expect(((await joined) as RemoteFetchError).remote).toMatchObject({ name: 'Error' })
  })

  it('rejects the joiner when the value’s bytes do not decode there', async () => {
    // The two caches agree on the codec's name, but the joiner's decode fails.
    const failing: Codec = {
      name: 'v8',
      encode: (value) => v8Codec.encode(value),
      decode: () => {
        throw new Error('corrupt')
      },
    }
    names += 1
    const name = `members-${names}`
    const runner = new CacheManager({ shared: name })
    const joiner = new CacheManager({ shared: name, codec: failing })
    opened.push(runner, joiner)
    const upstream = deferred<string>()
    const running = runner.getOrFetch('k', () => upstream.promise)
    const joined = rejectionOf(joiner.getOrFetch('k', () => 'never'))
    upstream.resolve('value')
    expect(await running).toBe('value')
    expect(await joined).toMatchObject({ code: 'ERR_HERDCACHE_UNDECODABLE' })
  })

  it('is fetched anew by the joiner when the runner closes, and a clock that throws then rejects it', async () => {
    let broken = false
    const clock = () => {
      if (broken) throw new Error('clock broke')
      return 1
    }
    const { runner, joiner } = members({ clock })
    void runner.getOrFetch('k', () => new Promise(() => {}))
    const joined = rejectionOf(joiner.getOrFetch('k', () => 'fetched anew'))
    broken = true
    await runner.close()
    expect(await joined).toMatchObject({ message: 'clock broke' })
  })
})

describe('tags a fetcher decides', () => {
  it('tag the entry it stores, for every member', async () => {
    const { runner, joiner } = members()
    await runner.getOrFetch('k', (context) => {
      context.options.tags.push('t')
      return 'v'
    })
    expect(await joiner.invalidateTag('t')).toBe(1)
    expect(runner.has('k')).toBe(false)
  })

  it('change nothing once the cache that runs the fetch is closed', async () => {
    const { runner, joiner } = members()
    const upstream = deferred<string>()
    const running = runner.getOrFetch('k', (context) => {
      context.options.tags.push('t')
      return upstream.promise
    })
    await runner.close()
    upstream.resolve('v')
    expect(await running).toBe('v') // its own callers still get it; nothing is stored
    expect(joiner.has('k')).toBe(false)
  })
})

describe('a shared cache and time', () => {
  it('sweeps entries whose time ran out, by its timer, and reports them', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const clock = manualClock()
    const removed: [string, EvictionReason][] = []
    const { runner } = members({
      clock: clock.read,
      onEvict: (key, _value, reason) => removed.push([key, reason]),
    })
    await runner.set('k', 'v', 100)
    clock.now += 100
    vi.advanceTimersByTime(1_000)
    expect(removed).toEqual([['k', 'expire']])
    expect(runner.stats()).toMatchObject({ size: 0, expirations: 1 })
  })

  it('stops sweeping once closed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const clock = manualClock()
    const { runner, joiner } = members({ clock: clock.read })
    await runner.set('k', 'v', 100)
    await runner.close()
    clock.now += 100
    vi.advanceTimersByTime(1_000)
    expect(joiner.stats()).toMatchObject({ expirations: 0 })
  })
})

describe('set in shared mode', () => {
  it('refuses a size, since maxBytes counts the encoded bytes', () => {
    const { runner } = members()
    expect(() => runner.set('k', 'v', { size: 10 })).toThrow(
      'size does not apply to shared mode: maxBytes counts the encoded bytes of each value',
    )
    expect(runner.has('k')).toBe(false)
  })
})

describe('the entry points', () => {
  it('export the same codec and error classes from herdcache and herdcache/redis', () => {
    for (const name of ['EncodeError', 'RemoteFetchError', 'v8Codec', 'jsonCodec'] as const) {
      expect(redisEntry[name]).toBe(mainEntry[name])
    }
    expect(redisEntry.PayloadError).toBeTypeOf('function')
  })
})
