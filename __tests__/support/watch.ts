// Helpers for the watchFiles suites that drive real watches in a temporary directory: each wait
// is for one of the watcher's own events, with a timer that only fails a test whose event never
// comes.
import { type EventEmitter } from 'node:events'
import * as fs from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, vi } from 'vitest'
import type { FileWatcher, WatchError, WatchInvalidation } from '../../dist/index.js'
import { deferred } from './async.js'

export const SAFETY_MS = 10_000

/** The callback @parcel/watcher's `subscribe` takes. */
export type ParcelCallback = (
  error: Error | null,
  events: { path: string; type: string }[],
) => unknown

/** The part of @parcel/watcher's module object the suites spy on. */
export interface ParcelModule {
  subscribe(dir: string, callback: ParcelCallback, options?: object): Promise<unknown>
}

/**
 * @parcel/watcher's module object: herdcache loads it with `require` and reads `subscribe` off it
 * at each call, so a spy on it sees herdcache's subscriptions.
 */
export function parcelModule(): ParcelModule {
  return createRequire(__filename)('@parcel/watcher') as ParcelModule
}

/**
 * node:fs's CommonJS module object: the built (CommonJS) herdcache reads `watch` off it at each
 * call, so a spy on it sees herdcache's `fs.watch` calls.
 */
export function fsModule(): typeof fs {
  return createRequire(__filename)('node:fs') as typeof fs
}

/** The first `event` on `emitter` whose argument passes `accept`; rejects after SAFETY_MS. */
export function eventOf<T>(
  emitter: FileWatcher | NodeJS.Process,
  event: string,
  accept: (value: T) => boolean = () => true,
): Promise<T> {
  const target = emitter as unknown as EventEmitter
  return new Promise((resolve, reject) => {
    const listener = (value: T) => {
      if (!accept(value)) return
      clearTimeout(timer)
      target.off(event, listener)
      resolve(value)
    }
    const timer = setTimeout(() => {
      target.off(event, listener)
      reject(new Error(`no matching '${event}' event within ${SAFETY_MS} ms`))
    }, SAFETY_MS)
    target.on(event, listener)
  })
}

/** The next invalidation of `path`. Call it before making the change, then await it. */
export function invalidationOf(watcher: FileWatcher, path: string): Promise<WatchInvalidation> {
  return eventOf<WatchInvalidation>(watcher, 'invalidate', (event) => event.path === path)
}

/** The next error `watcher` emits that passes `accept`. */
export function errorOf(
  watcher: FileWatcher,
  accept: (error: WatchError) => boolean = () => true,
): Promise<WatchError> {
  return eventOf<WatchError>(watcher, 'error', accept)
}

/** How many file-system watch handles the process holds. */
export function watchHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'FSEventWrap').length
}

/** `dir` made (with parents) and `files` written in it, each holding its own name. */
export async function tree(dir: string, ...files: string[]): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  return Promise.all(
    files.map(async (name) => {
      await writeFile(join(dir, name), name)
      return join(dir, name)
    }),
  )
}

/**
 * Registers the calling file's hooks: before each test a fresh temporary directory (handed to
 * `use`), after it every mock restored, every watcher in the returned list closed and the
 * directory removed.
 */
export function watchSandbox(prefix: string, use: (dir: string) => void): FileWatcher[] {
  const running: FileWatcher[] = []
  let dir = ''
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix))
    use(dir)
  })
  afterEach(async () => {
    vi.restoreAllMocks()
    await Promise.all(running.splice(0).map((watcher) => watcher.close()))
    await rm(dir, { recursive: true, force: true })
  })
  return running
}

/**
 * Spies on `fs.watch` (herdcache is CommonJS and reads `watch` off node:fs's module object at each
 * call); the Promise resolves with the watcher herdcache makes on `ancestor` to wait for a removed
 * directory, and rejects after SAFETY_MS.
 */
export function ancestorWatchOf(ancestor: string): Promise<fs.FSWatcher> {
  const module = fsModule()
  const original = module.watch
  const made = deferred<fs.FSWatcher>()
  const timer = setTimeout(() => {
    made.reject(new Error(`no fs.watch of ${ancestor} within ${SAFETY_MS} ms`))
  }, SAFETY_MS)
  vi.spyOn(module, 'watch').mockImplementation(((
    dir: string,
    listener: fs.WatchListener<string>,
  ) => {
    const watcher = original(dir, listener)
    if (dir === ancestor) {
      clearTimeout(timer)
      made.resolve(watcher)
    }
    return watcher
  }) as typeof fs.watch)
  return made.promise
}
