// The parts of the contract that cross threads: failures (RemoteFetchError, EncodeError,
// stale-if-error, timeouts), counters, onEvict, recency, TTLs, wrap and the codec, each between
// the main thread and workers sharing one store. A shared clock (an Int32Array every thread reads)
// moves time for all of them at once.
import { serialize } from 'node:v8'
import { describe, expect, it, vi } from 'vitest'
import {
  CacheManager,
  type CacheOptions,
  EncodeError,
  jsonCodec,
  RemoteFetchError,
} from '../../dist/index.js'
import { type BuiltValue, builtValue } from '../fixtures/built_value.cjs'
import { rejectionOf } from '../support/async.js'
import {
  closedAfterEach,
  sharedInts,
  type SharedWorker,
  startWorkers,
} from '../support/shared_workers.js'

const { opened, started } = closedAfterEach(() => vi.useRealTimers())

interface Setup {
  workers?: number
  /** The main thread's options; the workers open with `workerOptions` (default: none). */
  options?: Omit<CacheOptions<unknown>, 'shared'>
  workerOptions?: Record<string, unknown>
  logEvictions?: boolean
}

/** The main thread's cache and `workers` workers, all opened on store `name`. */
async function setUp(name: string, setup: Setup = {}) {
  const clock = sharedInts(1)
  const calls = sharedInts(4)
  const cache = new CacheManager({
    shared: name,
    clock: () => Atomics.load(clock, 0),
    ...setup.options,
  })
  opened.push(cache)
  const list = await startWorkers(setup.workers ?? 2, { clock, calls })
  started.push(...list)
  await Promise.all(
    list.map((worker) =>
      worker.open(
        'c',
        { shared: name, clock: 'shared', ...setup.workerOptions },
        setup.logEvictions,
      ),
    ),
  )
  return { cache, list, clock, calls }
}

const BOOM = { name: 'TypeError', message: 'boom', code: 'E_BOOM' }

describe('a failed fetch, in every thread', () => {
  it('rejects the waiters of other threads with a RemoteFetchError naming the error', async () => {
    const { cache, list } = await setUp('remote-error')
    const [runner, joiner] = list as [SharedWorker, SharedWorker]
    await runner.start('c', 'k', { kind: 'latch', latch: 'l' }, 'r')
    const fromMain = [cache.getOrFetch('k', () => 'x'), cache.getOrFetch('k', () => 'x')]
    const rejections = fromMain.map((promise) => rejectionOf(promise)) // observed before it fails
    await joiner.start('c', 'k', { kind: 'value', value: 'x' }, 'j')

    await runner.settle('l', undefined, BOOM)

    const error = (await rejections[0]) as RemoteFetchError & { code?: string }
    expect(await rejections[1]).toBe(error)
    expect(error).toBeInstanceOf(RemoteFetchError)
    expect(error.code).toBe('ERR_HERDCACHE_REMOTE_FETCH')
    expect(error.remote).toEqual(BOOM)
    expect(error.message).toBe("the fetch of 'k' failed in another thread: TypeError: boom")
    expect(await joiner.outcome('j')).toEqual({
      ok: false,
      error: {
        name: 'RemoteFetchError',
        constructorName: 'RemoteFetchError',
        code: 'ERR_HERDCACHE_REMOTE_FETCH',
        message: error.message,
        remote: BOOM,
      },
    })
    // The runner's own callers get the error itself.
    expect(await runner.outcome('r')).toMatchObject({ ok: false, error: BOOM })
    expect(cache.has('k')).toBe(false)
    expect(cache.stats()).toMatchObject({ fetches: 1, fetchErrors: 1, coalesced: 3 })
    await expect(cache.getOrFetch('k', () => 'again')).resolves.toBe('again')
  })

  it('rejects a worker waiting for the main thread’s failed fetch', async () => {
    const { cache, list } = await setUp('remote-error-main', { workers: 1 })
    const failure = Object.assign(new RangeError('out'), { code: 'E_OUT' })
    let fail!: (error: unknown) => void
    const running = cache.getOrFetch('k', () => new Promise((_, reject) => (fail = reject)))
    await list[0]!.start('c', 'k', { kind: 'value', value: 'x' }, 'j')

    fail(failure)

    expect(await rejectionOf(running)).toBe(failure)
    expect(await list[0]!.outcome('j')).toMatchObject({
      ok: false,
      error: {
        constructorName: 'RemoteFetchError',
        remote: { name: 'RangeError', message: 'out', code: 'E_OUT' },
      },
    })
  })

  it('answers every thread with the stale value within staleIfErrorMs, and the error after', async () => {
    const { cache, list, clock } = await setUp('stale-if-error')
    const [runner, joiner] = list as [SharedWorker, SharedWorker]
    await cache.set('k', 'old', { ttlMs: 10, staleIfErrorMs: 100 })
    Atomics.store(clock, 0, 20)
    await runner.start('c', 'k', { kind: 'latch', latch: 'l1' }, 'r1')
    const fromMain = cache.getOrFetch('k', () => 'x')
    await joiner.start('c', 'k', { kind: 'value', value: 'x' }, 'j1')

    await runner.settle('l1', undefined, BOOM)

    await expect(fromMain).resolves.toBe('old')
    expect(await runner.outcome('r1')).toEqual({ ok: true, value: 'old' })
    expect(await joiner.outcome('j1')).toEqual({ ok: true, value: 'old' })

    Atomics.store(clock, 0, 200) // past the window
    await runner.start('c', 'k', { kind: 'latch', latch: 'l2' }, 'r2')
    const late = rejectionOf(cache.getOrFetch('k', () => 'x'))
    await runner.settle('l2', undefined, BOOM)
    expect(await late).toMatchObject({ remote: BOOM })
  })

  it('rejects every waiter when the codec cannot encode the value, and stores nothing', async () => {
    const { cache, list } = await setUp('encode-error')
    const [runner, joiner] = list as [SharedWorker, SharedWorker]
    await runner.start('c', 'k', { kind: 'latch', latch: 'l' }, 'r')
    const fromMain = rejectionOf(cache.getOrFetch('k', () => 'x'))
    await joiner.start('c', 'k', { kind: 'value', value: 'x' }, 'j')

    await runner.settleUnencodable('l')

    expect(await runner.outcome('r')).toMatchObject({
      ok: false,
      error: { constructorName: 'EncodeError', code: 'ERR_HERDCACHE_ENCODE' },
    })
    // Other threads get an EncodeError too (rebuilt from what crossed: the message, the key).
    const error = (await fromMain) as EncodeError
    expect(error).toBeInstanceOf(EncodeError)
    expect(error).toMatchObject({ code: 'ERR_HERDCACHE_ENCODE', key: 'k' })
    expect(await joiner.outcome('j')).toMatchObject({
      ok: false,
      error: { constructorName: 'EncodeError', code: 'ERR_HERDCACHE_ENCODE' },
    })
    expect(cache.has('k')).toBe(false)
    expect(await joiner.call('c', 'has', 'k')).toBe(false)
    expect(cache.stats()).toMatchObject({ size: 0, inFlight: 0, fetchErrors: 1 })
  })

  it('rejects a worker with a TimeoutError when the main thread’s timeoutMs passes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { cache, list } = await setUp('timeout', { workers: 1 })
    const running = cache.getOrFetch('k', () => new Promise(() => {}), { timeoutMs: 100 })
    await list[0]!.start('c', 'k', { kind: 'value', value: 'x' }, 'j')

    vi.advanceTimersByTime(100)

    expect(await rejectionOf(running)).toMatchObject({ name: 'TimeoutError' })
    expect(await list[0]!.outcome('j')).toMatchObject({
      ok: false,
      error: { constructorName: 'TimeoutError', code: 'ERR_HERDCACHE_TIMEOUT' },
    })
    expect(cache.stats()).toMatchObject({ timeouts: 1, inFlight: 0, size: 0 })
  })
})

describe('one store seen from every thread', () => {
  it('counts lookups, fetches and joins of every thread exactly', async () => {
    const { cache, list } = await setUp('stats')
    const [one, two] = list as [SharedWorker, SharedWorker]
    await cache.set('a', 'a')
    await one.call('c', 'get', 'a') // hit
    await two.call('c', 'get', 'x') // miss
    await one.start('c', 'b', { kind: 'latch', latch: 'l' }, 'r') // miss, fetch
    const joined = [cache.getOrFetch('b', () => 'x'), cache.getOrFetch('b', () => 'x')] // 2 joins
    await two.start('c', 'b', { kind: 'value', value: 'x' }, 'j') // join
    await one.settle('l', 'b')
    await Promise.all(joined)
    await two.start('c', 'b', { kind: 'value', value: 'x' }, 'hit') // hit
    await cache.getOrFetch('c', () => Promise.reject(new Error('no'))).catch(() => undefined)

    const expected = {
      hits: 2,
      misses: 6,
      staleHits: 0,
      fetches: 2,
      refreshes: 0,
      fetchErrors: 1,
      refreshErrors: 0,
      timeouts: 0,
      aborts: 0,
      coalesced: 3,
      evictions: 0,
      expirations: 0,
      size: 2,
      inFlight: 0,
      bytes: serialize('a').length + serialize('b').length,
    }
    expect(cache.stats()).toEqual(expected)
    expect(await one.call('c', 'stats')).toEqual(expected)
    expect(await two.call('c', 'stats')).toEqual(expected)
    // Named after the store, as every cache of it is unless given a name.
    expect(await two.call('c', 'metrics')).toMatch(
      /^herdcache_coalesced_total\{cache="[^"]+"\} 3$/m,
    )
  })

  it('calls onEvict in the thread whose call removed the entry', async () => {
    const removed: unknown[] = []
    const { cache, list } = await setUp('evictions', {
      workers: 1,
      options: { maxSize: 2, onEvict: (key, value, reason) => removed.push([key, value, reason]) },
      workerOptions: { decodeEvicted: true },
      logEvictions: true,
    })
    const worker = list[0]!
    await worker.call('c', 'set', 'a', { n: 1 })
    await worker.call('c', 'set', 'b', { n: 2 })

    await cache.set('c', { n: 3 }) // evicts a, here
    await worker.call('c', 'delete', 'b') // removes b, there

    expect(removed).toEqual([['a', undefined, 'evict']])
    expect(await worker.request('evictions', { cache: 'c' })).toEqual([
      { key: 'b', value: { n: 2 }, reason: 'delete', threadId: worker.worker.threadId },
    ])
  })

  it('lists keys in the recency every thread’s reads make', async () => {
    const { cache, list } = await setUp('recency', { workers: 1 })
    for (const key of ['a', 'b', 'c']) await cache.set(key, key)

    await list[0]!.call('c', 'get', 'a')

    expect([...cache.keys()]).toEqual(['a', 'c', 'b'])
    expect(await list[0]!.call('c', 'entries')).toEqual([
      ['a', 'a'],
      ['c', 'c'],
      ['b', 'b'],
    ])
  })

  it('tells the same remaining TTL in every thread', async () => {
    const { cache, list, clock } = await setUp('ttl', { workers: 1 })
    await cache.set('k', 'v', 100)

    Atomics.store(clock, 0, 30)

    expect(await list[0]!.call('c', 'getRemainingTTL', 'k')).toBe(70)
    Atomics.store(clock, 0, 101)
    expect(await list[0]!.call('c', 'has', 'k')).toBe(false)
    expect(cache.size).toBe(0) // the worker's has() removed it for everyone
  })

  it('shares a wrapped function’s results between threads under one namespace', async () => {
    const { cache, list, calls } = await setUp('wrap', { workers: 1 })
    const lookup = cache.wrap(
      (id: number) => {
        Atomics.add(calls, 0, 1)
        return { id, from: 'main' }
      },
      { namespace: 'lookup' },
    )

    expect(await lookup(7)).toEqual({ id: 7, from: 'main' })
    const fromWorker = await list[0]!.request('wrapCall', {
      cache: 'c',
      namespace: 'lookup',
      counter: 0,
      args: [7],
    })

    expect(fromWorker).toEqual({ id: 7, from: 'main' })
    expect(Atomics.load(calls, 0)).toBe(1)
  })

  it('lets a caller leave a fetch of another thread without aborting it', async () => {
    const { cache, list } = await setUp('leave', { workers: 1 })
    await list[0]!.start('c', 'k', { kind: 'latch', latch: 'l' }, 'r')
    const controller = new AbortController()
    const leaving = cache.getOrFetch('k', () => 'x', { signal: controller.signal })
    const staying = cache.getOrFetch('k', () => 'x')

    controller.abort(new Error('bye'))

    await expect(leaving).rejects.toThrow('bye')
    expect(await list[0]!.request('latchAborted', { latch: 'l' })).toBe(false)
    await list[0]!.settle('l', 'v')
    await expect(staying).resolves.toBe('v')
  })
})

describe('values cross threads as copies, through the codec', () => {
  it('keeps every kind v8Codec stores, from a worker to the main thread and back', async () => {
    const { cache, list } = await setUp('fidelity', { workers: 1 })
    const worker = list[0]!

    await worker.request('setBuilt', { cache: 'c', key: 'from worker' })
    await cache.set('from main', builtValue(0))

    const read = (await cache.get('from worker')) as BuiltValue
    expect(read).toStrictEqual(builtValue(worker.worker.threadId))
    expect(read.date).toBeInstanceOf(Date)
    expect(read.map).toBeInstanceOf(Map)
    expect(Object.is(read.floats[1], -0)).toBe(true)
    expect(await worker.request('matchesBuilt', { cache: 'c', key: 'from main', from: 0 })).toBe(
      true,
    )
  })

  it('uses each cache’s codec: jsonCodec in every thread', async () => {
    const { cache, list } = await setUp('json', {
      workers: 1,
      options: { codec: jsonCodec },
      workerOptions: { codec: 'json' },
    })

    const value = { n: 1, list: [1, 'two', null], nested: { ok: true } }
    await cache.set('k', value)

    expect(await list[0]!.call('c', 'get', 'k')).toEqual(value)
    expect(await list[0]!.call('c', 'stats')).toMatchObject({
      bytes: jsonCodec.encode(value).length,
    })
  })
})
