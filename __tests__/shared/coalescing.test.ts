// Shared mode's promise: a fetch in flight in one thread is joined by callers in every other
// thread, so each key is fetched once per process. Fetchers count their calls in a
// SharedArrayBuffer that every thread adds to, and wait on latches the test opens.
import { describe, expect, it } from 'vitest'
import { CacheManager } from '../../dist/index.js'
import { deferred } from '../support/async.js'
import { collectGarbage } from '../support/gc.js'
import {
  closedAfterEach,
  sharedInts,
  type SharedWorker,
  startWorkers,
} from '../support/shared_workers.js'

const { opened, started } = closedAfterEach()

/** A shared cache in this thread, closed after the test. */
function mainCache<V = unknown>(name: string): CacheManager<V> {
  const cache = new CacheManager<V>({ shared: name })
  opened.push(cache)
  return cache
}

async function workers(count: number, calls: Int32Array, name: string) {
  const list = await startWorkers(count, { calls })
  started.push(...list)
  await Promise.all(list.map((worker) => worker.open('c', { shared: name })))
  return list
}

describe('a fetch in flight is joined from every thread', () => {
  it('joins a fetch started in a worker from the main thread and from other workers', async () => {
    const calls = sharedInts(1)
    const [runner, a, b] = await workers(3, calls, 'join-from-worker')
    const cache = mainCache<{ from: string }>('join-from-worker')
    const counted = { counter: 0 }

    expect(await runner!.start('c', 'k', { kind: 'latch', latch: 'l', ...counted }, 'r')).toEqual({
      called: true,
      samePromiseAs: [],
    })
    const mainFetcher = () => {
      Atomics.add(calls, 0, 1)
      return { from: 'main' }
    }
    const fromMain = cache.getOrFetch('k', mainFetcher)
    const again = cache.getOrFetch('k', mainFetcher)
    const joins = [a!, b!].map((worker) =>
      worker.start('c', 'k', { kind: 'value', value: { from: 'joiner' }, ...counted }, 'j'),
    )
    const second = await a!.start('c', 'k', { kind: 'value', value: 'x', ...counted }, 'j2')

    expect(await Promise.all(joins)).toEqual([
      { called: false, samePromiseAs: [] },
      { called: false, samePromiseAs: [] },
    ])
    // The callers of one thread share one Promise, whichever thread runs the fetch.
    expect(second).toEqual({ called: false, samePromiseAs: ['j'] })
    expect(again).toBe(fromMain)
    expect(Atomics.load(calls, 0)).toBe(1)

    await runner!.settle('l', { from: 'runner' })

    await expect(fromMain).resolves.toEqual({ from: 'runner' })
    for (const [worker, tag] of [
      [runner!, 'r'],
      [a!, 'j'],
      [a!, 'j2'],
      [b!, 'j'],
    ] as const) {
      expect(await worker.outcome(tag)).toEqual({ ok: true, value: { from: 'runner' } })
    }
    expect(Atomics.load(calls, 0)).toBe(1)
    expect(cache.stats()).toMatchObject({ fetches: 1, coalesced: 5, misses: 6, inFlight: 0 })
    expect(cache.peek('k')).toEqual({ from: 'runner' })
  })

  it('joins a fetch started in the main thread from every worker', async () => {
    const calls = sharedInts(1)
    const list = await workers(4, calls, 'join-from-main')
    const cache = mainCache<string>('join-from-main')
    const upstream = deferred<string>()
    const fromMain = cache.getOrFetch('k', () => {
      Atomics.add(calls, 0, 1)
      return upstream.promise
    })

    const joins = await Promise.all(
      list.map((worker) =>
        worker.start('c', 'k', { kind: 'value', value: 'worker', counter: 0 }, 'j'),
      ),
    )
    expect(joins.every(({ called }) => !called)).toBe(true)
    upstream.resolve('main')

    await expect(fromMain).resolves.toBe('main')
    const outcomes = await Promise.all(list.map((worker) => worker.outcome('j')))
    expect(outcomes).toEqual(Array(4).fill({ ok: true, value: 'main' }))
    // Stored for every thread: a later call in a worker hits.
    const hit = await list[0]!.start('c', 'k', { kind: 'value', value: 'w', counter: 0 }, 'h')
    expect(hit.called).toBe(false)
    expect(await list[0]!.outcome('h')).toEqual({ ok: true, value: 'main' })
    expect(Atomics.load(calls, 0)).toBe(1)
    expect(cache.stats()).toMatchObject({ fetches: 1, coalesced: 4, hits: 1 })
  })

  it('calls the upstream exactly once per key when 8 workers race for 40 keys', async () => {
    const KEYS = 40
    const calls = sharedInts(KEYS)
    const list = await workers(8, calls, 'race')
    const keys = Array.from({ length: KEYS }, (_, i) => `key:${i}`)

    // Every worker calls getOrFetch for every key, each from another key on, all at once; every
    // fetcher waits on its latch, so every call lands while the key's one fetch is in flight.
    const starting = list.flatMap((worker, w) =>
      keys.map((_, i) => {
        const k = (i + w * 5) % KEYS
        return worker.start('c', keys[k]!, { kind: 'latch', latch: keys[k]!, counter: k }, keys[k]!)
      }),
    )
    const answers = await Promise.all(starting)
    expect(answers.filter(({ called }) => called)).toHaveLength(KEYS)
    expect([...calls]).toEqual(Array(KEYS).fill(1))

    // The main thread joins too, and each latch is opened in the thread whose fetcher waits on it.
    const cache = mainCache<string>('race')
    const fromMain = keys.map((key, k) =>
      cache.getOrFetch(key, () => {
        Atomics.add(calls, k, 1)
        return 'main'
      }),
    )
    const runners = new Map<string, SharedWorker>()
    for (const worker of list) {
      for (const { latch, threadId } of worker.fetcherCalls) {
        runners.set(latch!, worker)
        await worker.settle(latch!, `${latch}@${threadId}`)
      }
    }
    expect(runners.size).toBe(KEYS)

    const mainValues = await Promise.all(fromMain)
    for (const [w, worker] of list.entries()) {
      const outcomes = await Promise.all(keys.map((key) => worker.outcome<string>(key)))
      expect(
        outcomes.map((outcome) => outcome.ok && outcome.value),
        `worker ${w}`,
      ).toEqual(mainValues)
    }
    expect(mainValues.map((value, k) => value.startsWith(`${keys[k]}@`))).toEqual(
      Array(KEYS).fill(true),
    )
    expect([...calls]).toEqual(Array(KEYS).fill(1))
    expect(cache.stats()).toMatchObject({
      fetches: KEYS,
      coalesced: KEYS * 8,
      misses: KEYS * 9,
      size: KEYS,
      inFlight: 0,
    })
  })
})

describe('a cache goes on hearing from other threads after a full GC', () => {
  it('in the main thread, when a GC ran while it waited for nothing', async () => {
    const [one] = await workers(1, sharedInts(1), 'gc-main')
    const cache = mainCache<string>('gc-main')
    collectGarbage()
    await one!.start('c', 'k', { kind: 'latch', latch: 'l' }, 'r')
    const joined = cache.getOrFetch('k', () => 'main')

    await one!.settle('l', 'from worker')

    await expect(joined).resolves.toBe('from worker')
  })

  it('in a worker, when a GC ran there while it waited for nothing', async () => {
    const [one] = await workers(1, sharedInts(1), 'gc-worker')
    const cache = mainCache<string>('gc-worker')
    await one!.request('gc')
    let settle!: (value: string) => void
    const running = cache.getOrFetch('k', () => new Promise<string>((r) => (settle = r)))
    expect((await one!.start('c', 'k', { kind: 'value', value: 'w' }, 'j')).called).toBe(false)

    settle('from main')

    expect(await one!.outcome('j')).toEqual({ ok: true, value: 'from main' })
    await expect(running).resolves.toBe('from main')
  })
})
