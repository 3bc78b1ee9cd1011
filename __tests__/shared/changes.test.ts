// delete, set, clear and invalidateTag in one thread change the one store every thread reads, so
// the change is seen everywhere the moment the call returns; a fetch in flight that it detaches
// still answers its waiters in every thread, but its value is not stored.
import { describe, expect, it } from 'vitest'
import { CacheManager } from '../../dist/index.js'
import {
  closedAfterEach,
  sharedInts,
  type SharedWorker,
  startWorkers,
} from '../support/shared_workers.js'

const { opened, started } = closedAfterEach()

async function setUp(name: string, workerCount: number, buffers = {}) {
  const list = await startWorkers(workerCount, buffers)
  started.push(...list)
  await Promise.all(list.map((worker) => worker.open('c', { shared: name })))
  const cache = new CacheManager<string>({ shared: name })
  opened.push(cache)
  return { list, cache }
}

type Change = 'set' | 'delete' | 'clear' | 'invalidateTag'

const CHANGES: { change: Change; args: unknown[]; after: Record<string, string | undefined> }[] = [
  { change: 'set', args: ['a', 'new'], after: { a: 'new', b: 'b', c: 'c' } },
  { change: 'delete', args: ['a'], after: { a: undefined, b: 'b', c: 'c' } },
  { change: 'clear', args: [], after: { a: undefined, b: undefined, c: undefined } },
  {
    change: 'invalidateTag',
    args: [['tag-a', 'tag-b']],
    after: { a: undefined, b: undefined, c: 'c' },
  },
]

/** 'a' tagged tag-a, 'b' tagged tag-b, 'c' untagged. */
async function fill(cache: CacheManager<string>): Promise<void> {
  await cache.set('a', 'a', { tags: ['tag-a'] })
  await cache.set('b', 'b', { tags: ['tag-b'] })
  await cache.set('c', 'c')
}

const READS = ['a', 'b', 'c'].map((key) => ({ method: 'peek', args: [key] }))

describe('a change in one thread is seen by every thread as soon as it returns', () => {
  it.each(CHANGES)(
    '$change in a worker, read by another worker blocked until it returns',
    async ({ change, args, after }) => {
      const flags = sharedInts(1)
      const { list, cache } = await setUp(`seen-${change}`, 2, { flags })
      const [reader, changer] = list as [SharedWorker, SharedWorker]
      await fill(cache)

      // The reader blocks in Atomics.wait and reads synchronously when woken: no turn of its
      // event loop, no message, can come between the change returning and its reads.
      const read = reader.request<unknown[]>('readWhenFlagged', {
        cache: 'c',
        flag: 0,
        reads: READS,
      })
      await changer.request('callThenFlag', { cache: 'c', method: change, args, flag: 0 })

      expect(await read).toEqual([after.a, after.b, after.c])
      expect(['a', 'b', 'c'].map((key) => cache.peek(key))).toEqual([after.a, after.b, after.c])
    },
  )

  it.each(CHANGES)(
    '$change in the main thread, read by a worker blocked until it returns',
    async ({ change, args, after }) => {
      const flags = sharedInts(1)
      const { list, cache } = await setUp(`seen-main-${change}`, 1, { flags })
      await fill(cache)
      const read = list[0]!.request<unknown[]>('readWhenFlagged', {
        cache: 'c',
        flag: 0,
        reads: READS,
      })

      const returned = (cache[change] as (...a: unknown[]) => Promise<unknown>)(...args)
      Atomics.store(flags, 0, 1)
      Atomics.notify(flags, 0)
      await returned

      expect(await read).toEqual([after.a, after.b, after.c])
    },
  )
})

describe('a fetch detached by a change in another thread', () => {
  it.each(CHANGES)(
    'answers its waiters in every thread but is not stored after $change',
    async ({ change, args }) => {
      const calls = sharedInts(1)
      const { list, cache } = await setUp(`detached-${change}`, 3, { calls })
      const [runner, joiner, changer] = list as [SharedWorker, SharedWorker, SharedWorker]
      const tags = change === 'invalidateTag' ? { tags: ['tag-a'] } : {}
      // The fetch is of 'a' (set's key, and tagged for invalidateTag).
      await runner.start('c', 'a', { kind: 'latch', latch: 'l', counter: 0 }, 'r', tags)
      const fromMain = cache.getOrFetch('a', () => 'main')
      expect(
        (await joiner.start('c', 'a', { kind: 'value', value: 'j', counter: 0 }, 'j')).called,
      ).toBe(false)

      await changer.call('c', change, ...args)
      await runner.settle('l', 'fetched')

      await expect(fromMain).resolves.toBe('fetched')
      expect(await runner.outcome('r')).toEqual({ ok: true, value: 'fetched' })
      expect(await joiner.outcome('j')).toEqual({ ok: true, value: 'fetched' })
      const kept = change === 'set' ? 'new' : undefined
      expect(cache.peek('a')).toBe(kept)
      expect(await joiner.call('c', 'peek', 'a')).toBe(kept)
      if (kept === undefined) {
        // The next call fetches anew, in whatever thread asks.
        await expect(
          cache.getOrFetch('a', () => {
            Atomics.add(calls, 0, 1)
            return 'again'
          }),
        ).resolves.toBe('again')
      }
      expect(Atomics.load(calls, 0)).toBe(kept === undefined ? 2 : 1)
    },
  )

  it('answers its waiters in workers but is not stored after a set in the main thread', async () => {
    const { list, cache } = await setUp('detached-by-main', 2)
    let settle!: (value: string) => void
    const fromMain = cache.getOrFetch('k', () => new Promise<string>((r) => (settle = r)))
    for (const worker of list) {
      await worker.start('c', 'k', { kind: 'value', value: 'w' }, 'j')
    }

    await cache.set('k', 'set')
    settle('fetched')

    await expect(fromMain).resolves.toBe('fetched')
    for (const worker of list) {
      expect(await worker.outcome('j')).toEqual({ ok: true, value: 'fetched' })
      expect(await worker.call('c', 'peek', 'k')).toBe('set')
    }
    expect(cache.peek('k')).toBe('set')
  })
})
