// A shared store as the fleet tier's L1: the threads of one process share the store, so the
// process takes one Redis lease per key, not one per thread (real worker threads, a real
// redis-server).
import { resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { scriptRuns } from '../support/fleet.js'
import { type RedisServer, startRedis } from '../support/redis.js'

const WORKER = resolve(__dirname, '..', 'fixtures', 'shared_tier_worker.mjs')
const THREADS = 4
const KEYS = Array.from({ length: 10 }, (_, i) => `key:${i}`)

let server: RedisServer
let admin: Redis

beforeAll(async () => {
  server = await startRedis()
  admin = new Redis(server.port, '127.0.0.1')
})
afterAll(async () => {
  admin.disconnect()
  await server.stop()
})

function once(worker: Worker, wanted?: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (wanted !== undefined && message !== wanted) return
      worker.off('message', onMessage)
      worker.off('error', reject)
      resolve(message)
    }
    worker.on('message', onMessage)
    worker.once('error', reject)
  })
}

/**
 * THREADS workers, each with a cache (of shared store `shared`, or object mode) and its own tier,
 * ask for every key at once; the upstream answers once all have asked. Returns the upstream
 * calls, the scripts Redis ran for it, and what every worker got.
 */
async function burst(shared: string | undefined, prefix: string) {
  const herdcacheCalls = new SharedArrayBuffer(4)
  const workers = Array.from(
    { length: THREADS },
    () =>
      new Worker(WORKER, {
        workerData: { port: server.port, prefix, shared, keys: KEYS, herdcacheCalls },
      }),
  )
  try {
    await Promise.all(workers.map((worker) => once(worker, 'ready')))
    const before = await scriptRuns(admin)
    const asked = workers.map((worker) => once(worker, 'asked'))
    for (const worker of workers) worker.postMessage('go')
    await Promise.all(asked)
    const answered = workers.map((worker) => once(worker))
    for (const worker of workers) worker.postMessage('release')
    const results = (await Promise.all(answered)) as { values: string[] }[]
    const scripts = (await scriptRuns(admin)) - before
    return { calls: new Int32Array(herdcacheCalls)[0]!, scripts, results }
  } finally {
    for (const worker of workers) worker.postMessage('close')
    await Promise.all(
      workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve))),
    )
  }
}

describe('a shared store as the fleet tier L1', () => {
  it('takes one Redis lease per key for the whole process, and makes one upstream call per key', async () => {
    const { calls, scripts, results } = await burst('shared-tier', 'shared:')
    expect(calls).toBe(KEYS.length)
    for (const { values } of results) expect(values).toEqual(KEYS.map((key) => `value of ${key}`))
    // Per key: one ACQUIRE (the lease) and one WRITE (the value and its completion), whichever
    // thread ran it; the other threads joined it in the shared store and asked Redis nothing.
    expect(scripts).toBe(2 * KEYS.length)
  })

  it('without shared, each thread asks Redis for every key (the comparison the test above rests on)', async () => {
    const { calls, scripts } = await burst(undefined, 'object:')
    // The lease still gives one upstream call per key, but every thread runs its own scripts.
    expect(calls).toBe(KEYS.length)
    expect(scripts).toBeGreaterThanOrEqual(THREADS * KEYS.length)
  })
})
