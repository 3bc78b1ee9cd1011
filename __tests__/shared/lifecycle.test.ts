// A shared store lives while some cache in some thread has it open, and is freed with the last:
// after close(), after its thread exits or is terminated, or once a dropped cache is collected.
// binding.shared.counts() says how many native shared stores are alive and how many names open.
import { describe, expect, it } from 'vitest'
import { CacheManager } from '../../dist/index.js'
import { binding } from '../../dist/store/native.js'
import { nextMacrotask } from '../support/async.js'
import { collectGarbage, isCollected } from '../support/gc.js'
import {
  closedAfterEach,
  sharedInts,
  type SharedWorker,
  startWorkers,
} from '../support/shared_workers.js'

const NONE = { stores: 0, names: 0 }
const ONE = { stores: 1, names: 1 }

const { opened, started } = closedAfterEach()

function open<V = unknown>(name: string): CacheManager<V> {
  const cache = new CacheManager<V>({ shared: name })
  opened.push(cache)
  return cache
}

async function worker(name: string, buffers = {}): Promise<SharedWorker> {
  const [one] = await startWorkers(1, buffers)
  started.push(one!)
  await one!.open('c', { shared: name })
  return one!
}

/** Polls counts() over a few macrotasks: finalizers of collected handles run after the GC. */
async function countsSettleTo(expected: typeof NONE): Promise<typeof NONE> {
  let counts = binding.shared.counts()
  for (let attempt = 0; attempt < 20 && counts.stores !== expected.stores; attempt += 1) {
    await nextMacrotask()
    collectGarbage()
    counts = binding.shared.counts()
  }
  return counts
}

describe('a shared store lives while some thread has it open', () => {
  it('is freed by the last close, and a store opened again under the name starts empty', async () => {
    const a = new CacheManager<string>({ shared: 'last-close' })
    const b = new CacheManager<string>({ shared: 'last-close' })
    await a.set('k', 'v')
    expect(binding.shared.counts()).toEqual(ONE)

    await a.close()
    await a.close() // idempotent
    expect(binding.shared.counts()).toEqual(ONE)
    expect(b.peek('k')).toBe('v')
    await b.close()
    expect(binding.shared.counts()).toEqual(NONE)

    const again = open<string>('last-close')
    expect(again.peek('k')).toBeUndefined()
    expect(again.stats()).toMatchObject({ size: 0, hits: 0, misses: 0 })
  })

  it('throws ERR_HERDCACHE_CLOSED from every call after close()', async () => {
    const cache = new CacheManager<string>({ shared: 'closed-calls' })
    await cache.close()
    const calls: [string, () => unknown][] = [
      ['getOrFetch', () => cache.getOrFetch('k', () => 'v')],
      ['get', () => cache.get('k')],
      ['set', () => cache.set('k', 'v')],
      ['delete', () => cache.delete('k')],
      ['invalidateTag', () => cache.invalidateTag('t')],
      ['clear', () => cache.clear()],
      ['has', () => cache.has('k')],
      ['peek', () => cache.peek('k')],
      ['getRemainingTTL', () => cache.getRemainingTTL('k')],
      ['keys', () => cache.keys()],
      ['entries', () => cache.entries()],
      ['size', () => cache.size],
      ['stats', () => cache.stats()],
      ['metrics', () => cache.metrics()],
    ]
    for (const [method, call] of calls) {
      let thrown: unknown
      try {
        const returned = call()
        if (returned instanceof Promise) await returned
      } catch (error) {
        thrown = error
      }
      expect(thrown, method).toMatchObject({
        code: 'ERR_HERDCACHE_CLOSED',
        message: "this cache of shared store 'closed-calls' is closed",
      })
    }
    expect(binding.shared.counts()).toEqual(NONE)
  })

  it('is kept by a worker after the main thread closes, and freed when the worker closes', async () => {
    const cache = new CacheManager<string>({ shared: 'worker-keeps' })
    const one = await worker('worker-keeps')
    await cache.set('k', 'from main')

    await cache.close()

    expect(binding.shared.counts()).toEqual(ONE)
    expect(await one.call('c', 'get', 'k')).toBe('from main')
    await one.close('c')
    expect(binding.shared.counts()).toEqual(NONE)
  })

  it.each(['exits by process.exit', 'is terminated'])(
    'is freed when the last worker holding it %s',
    async (how) => {
      const one = await worker(`worker-goes-${how}`)
      await one.call('c', 'set', 'k', 'v')
      expect(binding.shared.counts()).toEqual(ONE)

      if (how === 'is terminated') expect(await one.terminate()).toBe(1)
      else expect(await one.exit(0)).toBe(0)

      expect(binding.shared.counts()).toEqual(NONE)
    },
  )

  it('keeps a worker alive while it waits for another thread, and lets it exit after', async () => {
    const cache = open<string>('kept-alive')
    const one = await worker('kept-alive')
    let settle!: (value: string) => void
    const fromMain = cache.getOrFetch('k', () => new Promise<string>((r) => (settle = r)))
    expect((await one.start('c', 'k', { kind: 'value', value: 'w' }, 'j')).called).toBe(false)
    const outcome = one.outcome('j')
    let exited = false
    void one.exited.then(() => (exited = true))

    // Nothing but the wait keeps the worker now.
    await one.request('unref')
    await one.call('c', 'peek', 'k') // a round trip: the worker is still there
    expect(exited).toBe(false)
    settle('v')

    expect(await outcome).toEqual({ ok: true, value: 'v' })
    expect(await one.exited).toBe(0)
    await expect(fromMain).resolves.toBe('v')
    expect(binding.shared.counts()).toEqual(ONE)
  })

  it('frees the membership of a cache that was dropped without close()', async () => {
    function dropped(): WeakRef<CacheManager> {
      const cache = new CacheManager({ shared: 'dropped' })
      void cache.set('k', new Uint8Array(1000))
      void cache.getOrFetch('f', () => 'v')
      return new WeakRef(cache)
    }
    const held = open('held')
    const ref = dropped()
    expect(binding.shared.counts()).toEqual({ stores: 2, names: 2 })

    expect(await isCollected(ref)).toBe(true)
    expect(await countsSettleTo(ONE)).toEqual(ONE)
    expect(held.size).toBe(0)
  })

  it('keeps a cache that is still referenced (the control of the test above)', async () => {
    function kept(): WeakRef<CacheManager> {
      const cache = open('kept')
      void cache.set('k', new Uint8Array(1000))
      return new WeakRef(cache)
    }
    const ref = kept()

    expect(await isCollected(ref, 3)).toBe(false)
    expect(binding.shared.counts()).toEqual(ONE)
  })
})

describe('nothing leaks', () => {
  it('across 1,000 open/close cycles that each store a 1 MB value', async () => {
    // Large enough that a leak (2 GB) stands far above what RSS does without one: tens of MB
    // of allocator and heap slack, and under ASan (scripts/run-tests.mjs) its 32 MB quarantine.
    const VALUE_BYTES = 1_000_000
    async function cycle(i: number): Promise<void> {
      const cache = new CacheManager<Uint8Array>({ shared: 'cycles' })
      const other = new CacheManager<Uint8Array>({ shared: 'cycles' })
      await cache.set('v', new Uint8Array(VALUE_BYTES).fill(i & 0xff))
      const fetched = await other.getOrFetch('f', () => new Uint8Array(VALUE_BYTES).fill(1))
      if (other.peek('v')?.[VALUE_BYTES - 1] !== (i & 0xff) || fetched.length !== VALUE_BYTES) {
        throw new Error(`cycle ${i} did not share its values`)
      }
      await cache.close()
      await other.close()
    }
    // The finalizers of collected handles run in a macrotask (Node-API defers them), so the loop
    // yields one every few cycles, as a server between requests would.
    async function cycles(count: number): Promise<void> {
      for (let i = 0; i < count; i += 1) {
        await cycle(i)
        if (i % 50 === 49) await nextMacrotask()
      }
    }
    async function usage() {
      await nextMacrotask()
      collectGarbage()
      const { rss, heapUsed } = process.memoryUsage()
      return { rss, heapUsed }
    }
    await cycles(100)
    const before = await usage()

    await cycles(1000)

    expect(binding.shared.counts()).toEqual(NONE)
    const after = await usage()
    // A leak of the encoded values alone would be 2 × 1 MB × 1,000 = 2 GB.
    expect(after.rss - before.rss).toBeLessThan(400 * 1024 * 1024)
    expect(after.heapUsed - before.heapUsed).toBeLessThan(10 * 1024 * 1024)
  })

  it('across 200 terminated workers, each with a fetch that never settles', async () => {
    const WORKERS = 200
    const AT_ONCE = 8
    const calls = sharedInts(1)
    const cache = open<string>('terminated-workers')
    const fromMain: Promise<string>[] = []
    for (let batch = 0; batch < WORKERS / AT_ONCE; batch += 1) {
      const list = await startWorkers(AT_ONCE, { calls })
      await Promise.all(list.map((one) => one.open('c', { shared: 'terminated-workers' })))
      for (const [i, one] of list.entries()) {
        const key = `k${batch * AT_ONCE + i}`
        expect((await one.start('c', key, { kind: 'never' }, key)).called).toBe(true)
        // The main thread waits for each worker's fetch; it takes over when the worker goes.
        fromMain.push(
          cache.getOrFetch(key, () => {
            Atomics.add(calls, 0, 1)
            return `main:${key}`
          }),
        )
      }
      expect(await Promise.all(list.map((one) => one.terminate()))).toEqual(Array(AT_ONCE).fill(1))
    }

    const values = await Promise.all(fromMain)
    expect(values).toEqual(Array.from({ length: WORKERS }, (_, i) => `main:k${i}`))
    expect(Atomics.load(calls, 0)).toBe(WORKERS)
    expect(binding.shared.counts()).toEqual(ONE)
    expect(cache.stats()).toMatchObject({
      fetches: 2 * WORKERS,
      aborts: WORKERS,
      coalesced: WORKERS,
      inFlight: 0,
      size: WORKERS,
    })
  }, 60_000)

  // Last in the file: if a terminating worker aborts the process, the tests before it reported.
  it('survives terminating workers while the fetch they wait for ends', async () => {
    for (let round = 0; round < 5; round += 1) {
      const name = `terminated-waiters-${round}`
      const cache = open<{ text: string }>(name)
      let settle!: (value: { text: string }) => void
      const running = cache.getOrFetch(
        'k',
        () => new Promise<{ text: string }>((r) => (settle = r)),
      )
      const list = await startWorkers(4)
      await Promise.all(list.map((one) => one.open('c', { shared: name })))
      for (const one of list) await one.start('c', 'k', { kind: 'value', value: 'w' }, 'j')

      // The value's notice reaches the workers while they are being torn down.
      const terminated = list.map((one) => one.terminate())
      settle({ text: 'x'.repeat(1000) })

      expect(await Promise.all(terminated)).toEqual([1, 1, 1, 1])
      await expect(running).resolves.toEqual({ text: 'x'.repeat(1000) })
      expect(binding.shared.counts().stores).toBe(round + 1)
    }
  })
})
