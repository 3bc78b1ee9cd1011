// watchFiles when watching itself goes wrong: a subdirectory that cannot be watched, a change
// event that names no entry, a watched file's directory replaced under it. fs.watch is wrapped
// through node:fs's CommonJS export, which the built (CommonJS) package reads at each call, so
// this suite runs on dist/ (vitest.config.mts).
import * as fs from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import {
  CacheManager,
  type FileWatcher,
  type WatchError,
  type WatchInvalidation,
  watchFiles,
} from '../dist/index.js'

const SAFETY_MS = 10_000
const fsModule = createRequire(__filename)('node:fs') as typeof fs
const originalWatch = fsModule.watch

let root: string
const running: FileWatcher[] = []

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'herdcache-watch-recovery-'))
})

afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.all(running.splice(0).map((watcher) => watcher.close()))
  await rm(root, { recursive: true, force: true })
})

type Listener = (event: string, name: string | null) => void

/**
 * Wraps fs.watch: each directory's listener is recorded, and a watch of a directory in `failing`
 * throws that directory's error instead.
 */
function wrapWatch(failing: Map<string, Error> = new Map()) {
  const listeners = new Map<string, Listener>()
  vi.spyOn(fsModule, 'watch').mockImplementation(((dir: string, listener: Listener) => {
    const error = failing.get(dir)
    if (error !== undefined) throw error
    listeners.set(dir, listener)
    return originalWatch(dir, listener)
  }) as typeof fs.watch)
  return listeners
}

/** The first `event` whose argument passes `accept`; rejects after SAFETY_MS. */
function eventOf<T>(
  watcher: FileWatcher,
  event: 'invalidate' | 'error',
  accept: (value: T) => boolean,
) {
  const emitter = watcher as unknown as NodeJS.EventEmitter
  return new Promise<T>((resolve, reject) => {
    const listener = (value: T) => {
      if (!accept(value)) return
      clearTimeout(timer)
      emitter.off(event, listener)
      resolve(value)
    }
    const timer = setTimeout(() => {
      emitter.off(event, listener)
      reject(new Error(`no matching '${event}' event within ${SAFETY_MS} ms`))
    }, SAFETY_MS)
    emitter.on(event, listener)
  })
}
const invalidationOf = (watcher: FileWatcher, path: string) =>
  eventOf<WatchInvalidation>(watcher, 'invalidate', (event) => event.path === path)
const errorOf = (watcher: FileWatcher, path: string) =>
  eventOf<WatchError>(watcher, 'error', (error) => error.path === path)

/**
 * Replaces directory `dir` by a new one holding `files`, made beside it first: a directory made
 * right after the old one is removed may reuse its inode, and so look like the same directory.
 */
function replaceDirectory(dir: string, files: Record<string, string>): void {
  const next = `${dir}.next`
  fs.mkdirSync(next)
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(join(next, name), text)
  fs.rmSync(dir, { recursive: true })
  fs.renameSync(next, dir)
}

function start(cache: CacheManager<string>, paths: string[]): FileWatcher {
  const watcher = watchFiles(cache, { paths })
  running.push(watcher)
  return watcher
}

describe('watchFiles recovers from watch failures', () => {
  it('reports a subdirectory it cannot watch and goes on watching the rest of the tree', async () => {
    const dir = join(root, 'w')
    const sub = join(dir, 'sub')
    fs.mkdirSync(sub, { recursive: true })
    fs.writeFileSync(join(dir, 'a.txt'), 'a')
    const cause = Object.assign(new Error('EMFILE: too many open files, watch'), { code: 'EMFILE' })
    wrapWatch(new Map([[sub, cause]]))
    const cache = new CacheManager<string>()
    await cache.set('a', 'A', { tags: [join(dir, 'a.txt')] })
    const failed = errorOf(start(cache, [dir]), sub)
    const watcher = running[0]!

    expect(await failed).toMatchObject({
      operation: 'watch',
      message: `cannot watch ${sub}: ${cause.message}`,
      cause,
    })
    const seen = invalidationOf(watcher, join(dir, 'a.txt'))
    fs.writeFileSync(join(dir, 'a.txt'), 'changed')
    expect(await seen).toMatchObject({ removed: 1 })
  })

  it('treats a change event without an entry name as a change of every entry it knows', async () => {
    const dir = join(root, 'w')
    fs.mkdirSync(dir)
    fs.writeFileSync(join(dir, 'a.txt'), 'a')
    const listeners = wrapWatch()
    const cache = new CacheManager<string>()
    await cache.set('a', 'A', { tags: [join(dir, 'a.txt')] })
    const watcher = start(cache, [dir])

    const seen = invalidationOf(watcher, join(dir, 'a.txt'))
    listeners.get(dir)!('rename', null)
    expect(await seen).toMatchObject({ removed: 1 })
  })

  it('reports the entries of a directory removed before its nameless event arrives', async () => {
    const dir = join(root, 'w')
    fs.mkdirSync(dir)
    fs.writeFileSync(join(dir, 'a.txt'), 'a')
    const listeners = wrapWatch()
    const cache = new CacheManager<string>()
    await cache.set('a', 'A', { tags: [join(dir, 'a.txt')] })
    const watcher = start(cache, [dir])

    const seen = invalidationOf(watcher, join(dir, 'a.txt'))
    // Synchronously, before the watch's own events for the removal are delivered.
    fs.rmSync(dir, { recursive: true })
    listeners.get(dir)!('rename', null)
    expect(await seen).toMatchObject({ removed: 1 })
  })

  it("watches a file's directory again when another directory takes its place", async () => {
    const dir = join(root, 'p')
    const file = join(dir, 'a.txt')
    fs.mkdirSync(dir)
    fs.writeFileSync(file, 'a')
    wrapWatch()
    const cache = new CacheManager<string>()
    await cache.set('a', 'A', { tags: [file] })
    const watcher = start(cache, [file])

    const replaced = invalidationOf(watcher, file)
    replaceDirectory(dir, { 'a.txt': 'new' })
    expect(await replaced).toMatchObject({ removed: 1 })

    await cache.set('a', 'A2', { tags: [file] })
    const written = invalidationOf(watcher, file)
    fs.writeFileSync(file, 'changed')
    expect(await written).toMatchObject({ removed: 1 })
  })

  it("reports a file's directory that cannot be watched again after it was replaced", async () => {
    const dir = join(root, 'p')
    const file = join(dir, 'a.txt')
    fs.mkdirSync(dir)
    fs.writeFileSync(file, 'a')
    const failing = new Map<string, Error>()
    wrapWatch(failing)
    const cache = new CacheManager<string>()
    const watcher = start(cache, [file])

    const cause = Object.assign(new Error('ENOSPC: no space left on device, watch'), {
      code: 'ENOSPC',
    })
    failing.set(dir, cause)
    const failed = errorOf(watcher, dir)
    replaceDirectory(dir, {})
    expect(await failed).toMatchObject({
      operation: 'watch',
      message: `cannot watch ${dir} again: ${cause.message}`,
    })
  })
})
