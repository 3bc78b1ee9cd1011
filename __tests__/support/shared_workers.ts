// Worker threads for the shared-mode suites: each runs __tests__/fixtures/shared_worker.cjs, which
// loads the built package by absolute path (as an installed dependency is loaded) and answers
// requests. Fetchers there count their calls in a SharedArrayBuffer the test reads, and announce
// each call with a message, so a test waits for what happened rather than for time to pass.
import { resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterEach, expect } from 'vitest'
import type { CacheManager } from '../../dist/index.js'
import { binding } from '../../dist/store/native.js'

const HERDCACHE_PATH = resolve(__dirname, '..', '..', 'dist', 'index.js')
const FIXTURE_PATH = resolve(__dirname, '..', 'fixtures', 'shared_worker.cjs')

/** An Int32Array over a new SharedArrayBuffer, all zero. */
export function sharedInts(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT))
}

/** What the tests check of an error that crossed from a worker. */
export interface ErrorDescription {
  name: string
  constructorName?: string
  message: string
  code?: string
  remote?: { name: string; message: string; code?: string }
}

/** A settled Promise, as it crossed from a worker. */
export type Outcome<T = unknown> = { ok: true; value: T } | { ok: false; error: ErrorDescription }

/** How a worker's fetcher answers (see the fixture's fetcherOf). */
export type FetcherSpec = { counter?: number } & (
  | { kind: 'value'; value: unknown }
  | { kind: 'latch'; latch: string }
  | { kind: 'reject'; error: ErrorDescription }
  | { kind: 'never' }
)

interface FetcherEvent {
  key: string
  threadId: number
  latch: string | undefined
}

/** The buffers a worker shares with the test: see the fixture's header. */
export interface SharedBuffers {
  calls?: Int32Array
  flags?: Int32Array
  clock?: Int32Array
}

/** A request failed in the worker; `description` is the worker's error. */
class WorkerRequestError extends Error {
  constructor(readonly description: ErrorDescription) {
    super(`${description.name}: ${description.message}`)
  }
}

export class SharedWorker {
  readonly worker: Worker
  /** The worker's threadId, once it has loaded herdcache. */
  readonly ready: Promise<number>
  /** The exit code; rejects if the worker emits 'error'. */
  readonly exited: Promise<number>
  /** Every fetcher call the worker announced, in order. */
  readonly fetcherCalls: FetcherEvent[] = []
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >()
  readonly #watchers: { match(event: FetcherEvent): boolean; resolve(): void }[] = []
  #nextId = 0
  #gone: Error | undefined

  constructor(buffers: SharedBuffers = {}) {
    this.worker = new Worker(FIXTURE_PATH, {
      workerData: { herdcachePath: HERDCACHE_PATH, ...buffers },
    })
    let readied!: (threadId: number) => void
    this.ready = new Promise((resolveReady) => (readied = resolveReady))
    this.exited = new Promise<number>((resolveExit, rejectExit) => {
      this.worker.once('error', rejectExit)
      this.worker.once('exit', resolveExit)
    })
    this.exited.then(
      (code) => this.#end(new Error(`worker exited with code ${code}`)),
      (error: unknown) => this.#end(error instanceof Error ? error : new Error(String(error))),
    )
    this.worker.on('message', (message: Record<string, unknown>) => {
      if (message.event === 'ready') readied(message.threadId as number)
      else if (message.event === 'fetcher') this.#announced(message as unknown as FetcherEvent)
      else this.#replied(message)
    })
  }

  #end(error: Error): void {
    this.#gone = error
    for (const { reject } of this.#pending.values()) reject(error)
    this.#pending.clear()
  }

  #announced(event: FetcherEvent): void {
    this.fetcherCalls.push(event)
    for (let i = this.#watchers.length - 1; i >= 0; i -= 1) {
      const watcher = this.#watchers[i]!
      if (watcher.match(event)) {
        this.#watchers.splice(i, 1)
        watcher.resolve()
      }
    }
  }

  #replied(message: Record<string, unknown>): void {
    const pending = this.#pending.get(message.id as number)
    if (pending === undefined) return
    this.#pending.delete(message.id as number)
    if (message.ok === true) pending.resolve(message.value)
    else pending.reject(new WorkerRequestError(message.error as ErrorDescription))
  }

  /** Sends one request; resolves with the worker's answer, rejects with its error. */
  request<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.#gone !== undefined) return Promise.reject(this.#gone)
    const id = (this.#nextId += 1)
    return new Promise<T>((resolveRequest, rejectRequest) => {
      this.#pending.set(id, {
        resolve: resolveRequest as (v: unknown) => void,
        reject: rejectRequest,
      })
      this.worker.postMessage({ id, op, ...args })
    })
  }

  /** Resolves once a fetcher of this worker announced a call matching `match` (past calls too). */
  fetcherCalled(match: (event: FetcherEvent) => boolean): Promise<void> {
    if (this.fetcherCalls.some(match)) return Promise.resolve()
    return new Promise((resolveWatch) => this.#watchers.push({ match, resolve: resolveWatch }))
  }

  open(cache: string, options: Record<string, unknown>, logEvictions = false): Promise<number> {
    return this.request('open', { cache, options, logEvictions })
  }

  /** getOrFetch now, its Promise kept under `tag`; whether this call's fetcher ran. */
  start(
    cache: string,
    key: string,
    fetcher: FetcherSpec,
    tag: string,
    options?: Record<string, unknown> | number,
  ): Promise<{ called: boolean; samePromiseAs: string[] }> {
    return this.request('start', { cache, key, fetcher, tag, options })
  }

  outcome<T = unknown>(tag: string): Promise<Outcome<T>> {
    return this.request('outcome', { tag })
  }

  /** Resolves (or, given `error`, rejects) the latched fetcher waiting on `latch`. */
  settle(latch: string, value: unknown, error?: ErrorDescription): Promise<void> {
    return this.request('settle', error === undefined ? { latch, value } : { latch, error })
  }

  /** Resolves the latched fetcher waiting on `latch` with a value no codec can encode. */
  settleUnencodable(latch: string): Promise<void> {
    return this.request('settle', { latch, unencodable: true })
  }

  call<T = unknown>(cache: string, method: string, ...args: unknown[]): Promise<T> {
    return this.request('call', { cache, method, args })
  }

  close(cache: string): Promise<void> {
    return this.request('close', { cache })
  }

  /** Asks the worker to call process.exit(code); resolves with the exit code. */
  exit(code: number): Promise<number> {
    this.request('exit', { code }).catch(() => {}) // never answered: the worker is gone
    return this.exited
  }

  /** Terminates the worker (idempotent); resolves with its exit code. */
  async terminate(): Promise<number> {
    await this.worker.terminate()
    return this.exited
  }
}

/** Starts `count` workers sharing `buffers`, and waits until each has loaded herdcache. */
export async function startWorkers(count: number, buffers: SharedBuffers = {}) {
  const workers = Array.from({ length: count }, () => new SharedWorker(buffers))
  await Promise.all(workers.map((worker) => worker.ready))
  return workers
}

/**
 * What a shared-mode suite opens, undone after each of its tests: `before` runs first (to
 * restore real timers, say), then the workers pushed to `started` are terminated and the caches
 * pushed to `opened` closed, and no shared store may be left open.
 */
export function closedAfterEach(before?: () => void): {
  opened: CacheManager[]
  started: SharedWorker[]
} {
  const opened: CacheManager[] = []
  const started: SharedWorker[] = []
  afterEach(async () => {
    before?.()
    await Promise.all(started.splice(0).map((worker) => worker.terminate()))
    await Promise.all(opened.splice(0).map((cache) => cache.close()))
    expect(binding.shared.counts()).toEqual({ stores: 0, names: 0 })
  })
  return { opened, started }
}
