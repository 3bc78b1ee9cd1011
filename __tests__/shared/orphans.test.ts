// A fetch whose thread goes (terminated, process.exit) or whose cache closes while it is in flight
// is orphaned: no waiter in another thread may hang. The first waiter in each other thread fetches
// anew with its own fetcher, so exactly one new upstream call happens and every waiter gets its
// value. The runner's fetcher never settles here; the new fetchers count their calls in
// calls[NEW], which every thread shares.
import { describe, expect, it } from 'vitest'
import { CacheManager } from '../../dist/index.js'
import { deferred, rejectionOf } from '../support/async.js'
import {
  closedAfterEach,
  sharedInts,
  type SharedWorker,
  startWorkers,
} from '../support/shared_workers.js'

const NEW = 0
const ORIGINAL = 1

const { opened, started } = closedAfterEach()

interface Scene {
  calls: Int32Array
  runner: SharedWorker
  waiters: SharedWorker[]
  cache: CacheManager<string>
  /** The main thread's two callers (they share one Promise). */
  fromMain: Promise<string>[]
}

/**
 * A worker runs the fetch of 'k' (never settling); two other workers and the main thread join it,
 * each with a fetcher that would answer at once with the name of its thread.
 */
async function orphanScene(name: string, runnerFetcher: 'never' | 'latch' = 'never') {
  const calls = sharedInts(2)
  const list = await startWorkers(3, { calls })
  started.push(...list)
  const [runner, ...waiters] = list as [SharedWorker, SharedWorker, SharedWorker]
  await Promise.all(list.map((worker) => worker.open('c', { shared: name })))
  const cache = new CacheManager<string>({ shared: name })
  opened.push(cache)

  const spec =
    runnerFetcher === 'never'
      ? ({ kind: 'never', counter: ORIGINAL } as const)
      : ({ kind: 'latch', latch: 'l', counter: ORIGINAL } as const)
  expect((await runner.start('c', 'k', spec, 'r')).called).toBe(true)
  const mainFetcher = () => {
    Atomics.add(calls, NEW, 1)
    return 'main'
  }
  const fromMain = [cache.getOrFetch('k', mainFetcher), cache.getOrFetch('k', mainFetcher)]
  for (const [i, worker] of waiters.entries()) {
    const fetcher = { kind: 'value', value: `worker ${i}`, counter: NEW } as const
    expect(await worker.start('c', 'k', fetcher, 'a')).toMatchObject({ called: false })
    expect(await worker.start('c', 'k', fetcher, 'b')).toEqual({
      called: false,
      samePromiseAs: ['a'],
    })
  }
  expect(Atomics.load(calls, NEW)).toBe(0)
  return { calls, runner, waiters, cache, fromMain } satisfies Scene
}

/** Every waiter settles with one value, fetched by exactly one new call. */
async function expectTakenOver({ calls, waiters, cache, fromMain }: Scene): Promise<string> {
  const values = await Promise.all(fromMain)
  const value = values[0]!
  expect(['main', 'worker 0', 'worker 1']).toContain(value)
  expect(values).toEqual([value, value])
  for (const worker of waiters) {
    expect(await worker.outcome('a')).toEqual({ ok: true, value })
    expect(await worker.outcome('b')).toEqual({ ok: true, value })
  }
  expect(Atomics.load(calls, NEW)).toBe(1)
  expect(Atomics.load(calls, ORIGINAL)).toBe(1)
  // The new fetch stored its value for every thread.
  expect(cache.peek('k')).toBe(value)
  expect(await waiters[0]!.call('c', 'peek', 'k')).toBe(value)
  expect(cache.stats()).toMatchObject({ fetches: 2, aborts: 1, inFlight: 0 })
  return value
}

describe('a fetch whose thread goes is taken over by one waiter', () => {
  it('when the worker running it is terminated', async () => {
    const scene = await orphanScene('terminated')

    expect(await scene.runner.terminate()).toBe(1)

    await expectTakenOver(scene)
  })

  it('when the worker running it calls process.exit', async () => {
    const scene = await orphanScene('exited')

    expect(await scene.runner.exit(3)).toBe(3)

    await expectTakenOver(scene)
  })

  it('when the worker running it closes its cache; its own callers still get its value', async () => {
    const scene = await orphanScene('closed', 'latch')

    await scene.runner.close('c')
    const value = await expectTakenOver(scene)

    // The fetch goes on in its thread: its callers there get its result, which is not stored.
    await scene.runner.settle('l', 'late')
    expect(await scene.runner.outcome('r')).toEqual({ ok: true, value: 'late' })
    expect(scene.cache.peek('k')).toBe(value)
    const closedCall = await rejectionOf(scene.runner.call('c', 'get', 'k'))
    expect(closedCall).toMatchObject({ description: { code: 'ERR_HERDCACHE_CLOSED' } })
  })

  it('when the main thread closes the cache running it', async () => {
    const calls = sharedInts(2)
    const list = await startWorkers(2, { calls })
    started.push(...list)
    await Promise.all(list.map((worker) => worker.open('c', { shared: 'main-closes' })))
    const running = new CacheManager<string>({ shared: 'main-closes' })
    const other = new CacheManager<string>({ shared: 'main-closes' })
    opened.push(running, other)
    let settle!: (value: string) => void
    const fromRunner = running.getOrFetch(
      'k',
      () => new Promise<string>((resolve) => (settle = resolve)),
    )
    for (const worker of list) {
      const fetcher = { kind: 'value', value: `w${worker.worker.threadId}`, counter: NEW } as const
      expect((await worker.start('c', 'k', fetcher, 'a')).called).toBe(false)
    }

    await running.close()

    const outcomes = await Promise.all(list.map((worker) => worker.outcome<string>('a')))
    const value = outcomes[0]!.ok ? outcomes[0]!.value : undefined
    expect(value).toMatch(/^w\d+$/)
    expect(outcomes).toEqual([
      { ok: true, value },
      { ok: true, value },
    ])
    expect(Atomics.load(calls, NEW)).toBe(1)
    expect(other.peek('k')).toBe(value)
    settle('late')
    await expect(fromRunner).resolves.toBe('late')
    expect(other.peek('k')).toBe(value)
  })

  it('rejects the closing cache’s callers that wait for another thread', async () => {
    const [worker] = await startWorkers(1, { calls: sharedInts(2) })
    started.push(worker!)
    await worker!.open('c', { shared: 'closing-waiter' })
    const cache = new CacheManager<string>({ shared: 'closing-waiter' })
    opened.push(cache)
    await worker!.start('c', 'k', { kind: 'latch', latch: 'l' }, 'r')
    const waiting = rejectionOf(cache.getOrFetch('k', () => 'main'))

    await cache.close()

    const error = (await waiting) as Error & { code?: string }
    expect(error.code).toBe('ERR_HERDCACHE_CLOSED')
    await worker!.settle('l', 'v')
    expect(await worker!.outcome('r')).toEqual({ ok: true, value: 'v' })
  })

  it('hands over when every caller in the running thread gives up (its signal aborts)', async () => {
    const calls = sharedInts(2)
    const [worker] = await startWorkers(1, { calls })
    started.push(worker!)
    await worker!.open('c', { shared: 'given-up' })
    const cache = new CacheManager<string>({ shared: 'given-up' })
    opened.push(cache)
    const controller = new AbortController()
    let signal!: AbortSignal
    const leaving = cache.getOrFetch(
      'k',
      (context) => {
        signal = context.signal
        Atomics.add(calls, ORIGINAL, 1)
        return new Promise<string>(() => {})
      },
      { signal: controller.signal },
    )
    const fetcher = { kind: 'value', value: 'worker', counter: NEW } as const
    expect((await worker!.start('c', 'k', fetcher, 'a')).called).toBe(false)

    controller.abort(new Error('left'))

    await expect(leaving).rejects.toThrow('left')
    expect(signal.aborted).toBe(true)
    expect(await worker!.outcome('a')).toEqual({ ok: true, value: 'worker' })
    expect(Atomics.load(calls, NEW)).toBe(1)
    expect(cache.peek('k')).toBe('worker')
  })

  it('is taken over by a caller who stays when the first caller of that thread left', async () => {
    const calls = sharedInts(2)
    const [runner] = await startWorkers(1, { calls })
    started.push(runner!)
    await runner!.open('c', { shared: 'first-left' })
    const cache = new CacheManager<string>({ shared: 'first-left' })
    opened.push(cache)
    await runner!.start('c', 'k', { kind: 'never', counter: ORIGINAL }, 'r')
    const fetcher = () => {
      Atomics.add(calls, NEW, 1)
      return 'main'
    }
    // The first caller here has a signal and leaves; the second (no signal) waits on.
    const controller = new AbortController()
    const leaving = cache.getOrFetch('k', fetcher, { signal: controller.signal })
    const staying = cache.getOrFetch('k', fetcher)
    controller.abort(new Error('left'))
    await expect(leaving).rejects.toThrow('left')

    await runner!.terminate()

    await expect(staying).resolves.toBe('main')
    expect(Atomics.load(calls, NEW)).toBe(1)
    expect(cache.peek('k')).toBe('main')
  })

  it('answers the callers who stay when the first caller leaves the fetch it took over', async () => {
    const calls = sharedInts(2)
    const [runner] = await startWorkers(1, { calls })
    started.push(runner!)
    await runner!.open('c', { shared: 'taker-left' })
    const cache = new CacheManager<string>({ shared: 'taker-left' })
    opened.push(cache)
    await runner!.start('c', 'k', { kind: 'never', counter: ORIGINAL }, 'r')
    let settle!: (value: string) => void
    const called = deferred<void>()
    const fetcher = () => {
      Atomics.add(calls, NEW, 1)
      called.resolve()
      return new Promise<string>((resolve) => (settle = resolve))
    }
    const controller = new AbortController()
    const leaving = cache.getOrFetch('k', fetcher, { signal: controller.signal })
    const staying = cache.getOrFetch('k', fetcher)

    await runner!.terminate()
    // The first caller's fetcher runs the fetch anew for this thread; then that caller leaves.
    await called.promise
    controller.abort(new Error('left'))
    await expect(leaving).rejects.toThrow('left')
    settle('anew')

    await expect(staying).resolves.toBe('anew')
    expect(cache.peek('k')).toBe('anew')
    expect(Atomics.load(calls, NEW)).toBe(1)
  })

  it('fetches nothing anew in a thread whose callers have all left', async () => {
    const calls = sharedInts(2)
    const [runner, other] = await startWorkers(2, { calls })
    started.push(runner!, other!)
    await runner!.open('c', { shared: 'all-left' })
    await other!.open('c', { shared: 'all-left' })
    const cache = new CacheManager<string>({ shared: 'all-left' })
    opened.push(cache)
    await runner!.start('c', 'k', { kind: 'never', counter: ORIGINAL }, 'r')
    await other!.start('c', 'later', { kind: 'latch', latch: 'l' }, 'o')
    const controller = new AbortController()
    const left = cache.getOrFetch(
      'k',
      () => {
        Atomics.add(calls, NEW, 1)
        return 'anew'
      },
      { signal: controller.signal },
    )
    controller.abort(new Error('left'))
    await expect(left).rejects.toThrow('left')
    // A fetch this cache also waits for, which ends after the orphaned one: its notice comes
    // after the orphaned one's, through the same queue.
    const later = cache.getOrFetch('later', () => 'x')

    await runner!.terminate()
    await other!.settle('l', 'later')

    await expect(later).resolves.toBe('later')
    expect(Atomics.load(calls, NEW)).toBe(0)
    expect(cache.has('k')).toBe(false)
  })
})
