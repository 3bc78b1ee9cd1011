import { resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { CacheManager } from '../../dist/index.js'

// Workers load the built package by absolute path, as an installed dependency would be loaded.
const HERDCACHE_PATH = resolve(__dirname, '..', '..', 'dist', 'index.js')
const FIXTURE_PATH = resolve(__dirname, '..', 'fixtures', 'worker_cache.cjs')

interface Started {
  worker: Worker
  /** The worker's first message; rejects if the worker errors or exits before sending one. */
  firstMessage: Promise<unknown>
  /** The exit code; rejects if the worker emits 'error'. */
  exited: Promise<number>
}

function startWorker(workerData: Record<string, unknown>): Started {
  const worker = new Worker(FIXTURE_PATH, {
    workerData: { herdcachePath: HERDCACHE_PATH, ...workerData },
  })
  const exited = new Promise<number>((resolveExit, rejectExit) => {
    worker.once('error', rejectExit)
    worker.once('exit', resolveExit)
  })
  const firstMessage = new Promise<unknown>((resolveMessage, rejectMessage) => {
    worker.once('message', resolveMessage)
    worker.once('error', rejectMessage)
    worker.once('exit', (code) => {
      rejectMessage(new Error(`worker exited with code ${code} before reporting`))
    })
  })
  // Either promise may go unobserved in a given test; the test awaits the one it checks.
  exited.catch(() => {})
  firstMessage.catch(() => {})
  return { worker, firstMessage, exited }
}

// Slots of the loop task's shared flags (see the fixture's loop()).
const ITERATIONS = 0
const STOP = 1

interface Looping {
  worker: Worker
  /** [iterations done, stop], shared with the worker. */
  flags: Int32Array
  /** Every message the worker has posted so far. */
  messages: unknown[]
  /** Resolves once the worker is inside its loop of cache calls. */
  looping: Promise<void>
  exited: Promise<number>
}

/** A worker running cache calls back to back (the fixture's loop task) until stopped. */
function startLoop(): Looping {
  const flags = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT))
  const messages: unknown[] = []
  const { worker, exited } = startWorker({ task: 'loop', flags })
  const looping = new Promise<void>((resolveLooping, rejectLooping) => {
    worker.on('message', (message: unknown) => {
      messages.push(message)
      if (message === 'looping') resolveLooping()
    })
    worker.once('error', rejectLooping)
    worker.once('exit', (code) =>
      rejectLooping(new Error(`worker exited with code ${code} before looping`)),
    )
  })
  looping.catch(() => {})
  return { worker, flags, messages, looping, exited }
}

interface CoalesceReport {
  label: string
  threadId: number
  calls: number
  samePromise: boolean
  values: string[]
  hit: string
  stats: {
    fetches: number
    coalesced: number
    hits: number
    misses: number
    size: number
    inFlight: number
  }
  otherValue: string | null
  otherStats: { fetches: number; size: number }
}

async function runCoalesce(
  label: string,
  callers = 8,
): Promise<{ report: CoalesceReport; code: number }> {
  const { firstMessage, exited } = startWorker({ task: 'coalesce', label, callers })
  const report = (await firstMessage) as CoalesceReport
  return { report, code: await exited }
}

function expectCoalesced(report: CoalesceReport, label: string, callers: number): void {
  expect(report.label).toBe(label)
  expect(report.calls).toBe(1)
  expect(report.samePromise).toBe(true)
  expect(report.values).toEqual(Array<string>(callers).fill(`${label}:value`))
  expect(report.hit).toBe(`${label}:value`)
  expect(report.stats).toMatchObject({
    fetches: 1,
    coalesced: callers - 1,
    hits: 1,
    misses: callers,
    size: 1,
    inFlight: 0,
  })
  expect(report.otherValue).toBe(`${label}:other`)
  expect(report.otherStats).toMatchObject({ fetches: 0, size: 1 })
}

describe('herdcache in worker threads', () => {
  it('loads in four workers at once and coalesces fetches in each', async () => {
    const labels = ['w0', 'w1', 'w2', 'w3']
    const mainCache = new CacheManager<string>()
    await mainCache.set('shared', 'main:value')

    const runs = await Promise.all(labels.map((label) => runCoalesce(label)))

    runs.forEach(({ report, code }, index) => {
      expectCoalesced(report, labels[index]!, 8)
      expect(code).toBe(0)
    })
    expect(new Set(runs.map(({ report }) => report.threadId)).size).toBe(4)
    expect(await mainCache.get('shared')).toBe('main:value')
    expect(mainCache.stats().fetches).toBe(0)
  })

  it("keeps each worker's caches independent for the same key", async () => {
    const runs = await Promise.all(['a', 'b', 'c', 'd'].map((label) => runCoalesce(label, 3)))

    const values = runs.map(({ report }) => report.hit)
    expect(values).toEqual(['a:value', 'b:value', 'c:value', 'd:value'])
    // Each worker fetched its own copy: no worker saw another's entry or in-flight fetch.
    expect(runs.map(({ report }) => report.stats.fetches)).toEqual([1, 1, 1, 1])
  })

  it('exits with code 0 when a worker holding caches runs out of work', async () => {
    const { firstMessage, exited } = startWorker({ task: 'exit', explicit: false })

    expect(await firstMessage).toEqual({ sizes: [100, 200] })
    expect(await exited).toBe(0)
  })

  it('exits with code 0 when a worker holding caches calls process.exit(0)', async () => {
    const { firstMessage, exited } = startWorker({ task: 'exit', explicit: true })

    expect(await firstMessage).toEqual({ sizes: [100, 200] })
    expect(await exited).toBe(0)
  })

  it('survives terminating workers that hold values and a fetch that never settles', async () => {
    for (let round = 0; round < 5; round += 1) {
      const { worker, firstMessage, exited } = startWorker({ task: 'hold' })
      expect(await firstMessage).toEqual({ size: 1000, inFlight: 1 })
      expect(await worker.terminate()).toBe(1)
      expect(await exited).toBe(1)
    }

    const { report, code } = await runCoalesce('after-terminate', 4)
    expectCoalesced(report, 'after-terminate', 4)
    expect(code).toBe(0)
  })

  it('survives terminating four workers at once', async () => {
    const started = Array.from({ length: 4 }, () => startWorker({ task: 'hold' }))
    await Promise.all(started.map(({ firstMessage }) => firstMessage))

    const codes = await Promise.all(started.map(({ worker }) => worker.terminate()))

    expect(codes).toEqual([1, 1, 1, 1])
    const { report } = await runCoalesce('after-mass-terminate', 2)
    expectCoalesced(report, 'after-mass-terminate', 2)
  })

  it('survives terminating workers while they are still loading the addon', async () => {
    for (let round = 0; round < 5; round += 1) {
      const { worker, exited } = startWorker({ task: 'hold' })
      await worker.terminate()
      // Terminated before or after it loaded: either way it exits without an 'error' event.
      expect(typeof (await exited)).toBe('number')
    }

    const { report } = await runCoalesce('after-early-terminate', 2)
    expectCoalesced(report, 'after-early-terminate', 2)
  })

  it('leaves its loop of cache calls and reports finished when stopped instead of terminated', async () => {
    // The control for the next tests: 'finished' is what a worker that got out of its loop says.
    const { flags, messages, looping, exited } = startLoop()
    await looping

    Atomics.store(flags, STOP, 1)

    expect(await exited).toBe(0)
    expect(messages).toEqual(['looping', 'finished'])
    expect(Atomics.load(flags, ITERATIONS)).toBeGreaterThan(0)
  })

  // Last in the file: when termination aborts the process, the tests before it have reported.
  it('survives terminating 200 workers while they are inside a loop of cache calls', async () => {
    // Each worker is terminated as soon as it says it is in its loop, which it leaves only
    // through the stop flag (never set here): terminate() lands between or inside cache calls.
    async function terminateWhileLooping(): Promise<void> {
      const { worker, flags, messages, looping, exited } = startLoop()
      await looping
      const iterationsBefore = Atomics.load(flags, ITERATIONS)

      expect(await worker.terminate()).toBe(1)

      expect(await exited).toBe(1)
      expect(iterationsBefore).toBeGreaterThan(0)
      expect(Atomics.load(flags, ITERATIONS)).toBeGreaterThanOrEqual(iterationsBefore)
      expect(messages).toEqual(['looping'])
    }
    for (let round = 0; round < 50; round += 1) {
      await Promise.all(Array.from({ length: 4 }, terminateWhileLooping))
    }

    const mainCache = new CacheManager<string>()
    await expect(mainCache.getOrFetch('k', () => 'main')).resolves.toBe('main')
    const { report, code } = await runCoalesce('after-loop-terminate', 2)
    expectCoalesced(report, 'after-loop-terminate', 2)
    expect(code).toBe(0)
  }, 120_000) // 200 worker start-ups: about 15 s on two busy cores
})
