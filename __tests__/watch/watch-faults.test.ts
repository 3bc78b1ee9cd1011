// watchFiles when the file system or the watcher under it fails: a directory removed before or just
// as its watch starts, a path that cannot exist, a watch that cannot be made or breaks, and a
// listener that throws. Each failure is real where the file system can produce it on demand (a
// missing directory, a name too long, a file in the way); a failure only the kernel's limits
// produce (no inotify watch left, a watch that breaks) is injected at the module herdcache calls,
// as watch-files.test.ts does for a failing directory watch. Runs on the built package: herdcache
// reads `fs.watch` and `subscribe` off the CommonJS module objects spied on here.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import {
  CacheManager,
  type FileWatcher,
  type TagInvalidator,
  type WatchError,
  type WatchFilesOptions,
  watchFiles,
} from '../../dist/index.js'
import { deferred } from '../support/async.js'
import {
  ancestorWatchOf,
  errorOf,
  eventOf,
  fsModule,
  invalidationOf,
  parcelModule,
  tree,
  watchHandles,
  watchSandbox,
} from '../support/watch.js'

let root: string
const running = watchSandbox('herdcache-watch-faults-', (dir) => {
  root = dir
})

/**
 * A watcher on `options.paths` once it is ready, with every error it emits collected (listened
 * for from its construction, so none becomes a process warning).
 */
async function start(
  cache: TagInvalidator,
  options: WatchFilesOptions,
): Promise<{ watcher: FileWatcher; errors: WatchError[] }> {
  const watcher = watchFiles(cache, options)
  running.push(watcher)
  const errors: WatchError[] = []
  watcher.on('error', (error) => errors.push(error))
  await eventOf(watcher, 'ready')
  return { watcher, errors }
}

/** An error as the kernel reports running out of inotify watches. */
function noWatchesLeft(): Error {
  return Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), {
    code: 'ENOSPC',
  })
}

describe('watchFiles: a directory gone when its watch starts', () => {
  it('watches a directory removed before its watch is made once it is made again', async () => {
    const dir = join(root, 'w')
    const [a] = await tree(dir, 'a.txt')
    const parcel = parcelModule()
    const original = parcel.subscribe.bind(parcel)
    // Removed between the check of the path and the subscription, which then fails for real.
    const subscribe = vi.spyOn(parcel, 'subscribe').mockImplementationOnce((path, callback) => {
      fs.rmSync(path, { recursive: true })
      return original(path, callback)
    })
    const waiting = ancestorWatchOf(root)
    const cache = new CacheManager<string>()
    const { watcher, errors } = await start(cache, { paths: dir })
    await waiting

    const remade = invalidationOf(watcher, a!)
    fs.mkdirSync(dir)
    fs.writeFileSync(a!, 'made again')
    await remade
    await cache.set('a', 'A', { tags: [a!] })
    const written = invalidationOf(watcher, a!)
    fs.writeFileSync(a!, 'changed')
    expect(await written).toMatchObject({ removed: 1 })
    expect(subscribe).toHaveBeenCalledTimes(2)
    expect(errors).toEqual([])
  })

  it('watches a directory removed just as its watch is made once it is made again', async () => {
    const dir = join(root, 'w')
    const [a] = await tree(dir, 'a.txt')
    const parcel = parcelModule()
    const original = parcel.subscribe.bind(parcel)
    // Removed once subscribed, before the directory is listed: the listing finds nothing.
    vi.spyOn(parcel, 'subscribe').mockImplementationOnce(async (path, callback, options) => {
      const subscription = await original(path, callback, options)
      fs.rmSync(path, { recursive: true })
      return subscription
    })
    const waiting = ancestorWatchOf(root)
    const cache = new CacheManager<string>()
    const { watcher, errors } = await start(cache, { paths: dir })
    await waiting

    const remade = invalidationOf(watcher, a!)
    fs.mkdirSync(dir)
    fs.writeFileSync(a!, 'made again')
    await remade
    await cache.set('a', 'A', { tags: [a!] })
    const written = invalidationOf(watcher, a!)
    fs.writeFileSync(a!, 'changed')
    expect(await written).toMatchObject({ removed: 1 })
    expect(errors).toEqual([])
  })

  it('keeps waiting for a removed directory while a file stands where its parent was', async () => {
    const [deep] = await tree(join(root, 'a', 'b'), 'f.txt')
    const cache = new CacheManager<string>()
    const { watcher, errors } = await start(cache, { paths: deep! })
    const waiting = ancestorWatchOf(root)

    // root/a/b cannot even be looked up now (ENOTDIR): it is waited for from root.
    const removed = invalidationOf(watcher, deep!)
    fs.rmSync(join(root, 'a'), { recursive: true })
    fs.writeFileSync(join(root, 'a'), 'in the way')
    await removed
    await waiting

    const remade = invalidationOf(watcher, deep!)
    fs.rmSync(join(root, 'a'))
    fs.mkdirSync(join(root, 'a', 'b'), { recursive: true })
    fs.writeFileSync(deep!, 'made again')
    await remade
    await cache.set('deep', 'D', { tags: [deep!] })
    const written = invalidationOf(watcher, deep!)
    fs.writeFileSync(deep!, 'changed')
    expect(await written).toMatchObject({ removed: 1 })
    expect(errors).toEqual([])
  })
})

describe('watchFiles: watches that cannot be made or that fail', () => {
  it('reports a directory that cannot be watched, and keeps the other watches', async () => {
    const [one] = await tree(join(root, 'one'), 'f.txt')
    const [two] = await tree(join(root, 'two'), 'f.txt')
    const parcel = parcelModule()
    const original = parcel.subscribe.bind(parcel)
    const cause = noWatchesLeft()
    vi.spyOn(parcel, 'subscribe').mockImplementation((dir, callback, options) =>
      dir === join(root, 'one') ? Promise.reject(cause) : original(dir, callback, options),
    )
    const cache = new CacheManager<string>()
    const watcher = watchFiles(cache, { paths: [one!, two!] })
    running.push(watcher)
    const failed = errorOf(watcher)
    await eventOf(watcher, 'ready')

    expect(await failed).toMatchObject({
      operation: 'watch',
      path: join(root, 'one'),
      cause,
      message: `cannot watch ${join(root, 'one')}: ${cause.message}`,
    })
    await cache.set('two', '2', { tags: [two!] })
    const seen = invalidationOf(watcher, two!)
    fs.writeFileSync(two!, 'changed')
    expect(await seen).toMatchObject({ removed: 1 })
  })

  it('reports a directory moved in that cannot be watched, and keeps watching the rest', async () => {
    const dir = join(root, 'w')
    const [a] = await tree(dir, 'a.txt')
    await tree(join(root, 'src', 'deep'), 'x.txt')
    const moved = join(dir, 'moved')
    const parcel = parcelModule()
    const original = parcel.subscribe.bind(parcel)
    const cause = noWatchesLeft()
    vi.spyOn(parcel, 'subscribe').mockImplementation((path, callback, options) =>
      path === moved ? Promise.reject(cause) : original(path, callback, options),
    )
    const cache = new CacheManager<string>()
    const { watcher } = await start(cache, { paths: dir })

    const failed = errorOf(watcher)
    fs.renameSync(join(root, 'src'), moved)
    expect(await failed).toMatchObject({
      operation: 'watch',
      path: moved,
      cause,
      message: `cannot watch ${moved}: ${cause.message}`,
    })

    await cache.set('a', 'A', { tags: [a!] })
    const seen = invalidationOf(watcher, a!)
    fs.writeFileSync(a!, 'changed')
    expect(await seen).toMatchObject({ removed: 1 })
  })

  it('reports a removed directory it cannot start waiting for', async () => {
    const [lost] = await tree(join(root, 'one'), 'f.txt')
    const { watcher } = await start(new CacheManager(), { paths: lost! })
    const before = watchHandles()
    const cause = noWatchesLeft()
    vi.spyOn(fsModule(), 'watch').mockImplementation(() => {
      throw cause
    })

    const failed = errorOf(watcher)
    fs.rmSync(join(root, 'one'), { recursive: true })
    expect(await failed).toMatchObject({
      operation: 'watch',
      path: root,
      cause,
      message: `cannot wait for ${join(root, 'one')} to be made again: ${cause.message}`,
    })
    expect(watchHandles()).toBe(before)
  })

  it('reports a failing wait for a removed directory and releases its watch', async () => {
    const [lost] = await tree(join(root, 'one'), 'f.txt')
    const { watcher } = await start(new CacheManager(), { paths: lost! })
    const before = watchHandles()
    const waiting = ancestorWatchOf(root)
    fs.rmSync(join(root, 'one'), { recursive: true })
    const ancestorWatch = await waiting
    expect(watchHandles()).toBe(before + 1)

    const failed = errorOf(watcher)
    const cause = Object.assign(new Error('EIO: i/o error, watch'), { code: 'EIO' })
    ancestorWatch.emit('error', cause)
    expect(await failed).toMatchObject({
      operation: 'watch',
      path: root,
      cause,
      message: `cannot wait for ${join(root, 'one')} to be made again: ${cause.message}`,
    })
    // The handle goes in the event loop's close phase, after which close() resolves.
    await watcher.close()
    expect(watchHandles()).toBe(before)
  })
})

describe('watchFiles: paths and listeners', () => {
  it('accepts a path whose name is too long to exist, and watches the others beside it', async () => {
    const dir = join(root, 'w')
    const [a] = await tree(dir, 'a.txt')
    const tooLong = join(dir, 'x'.repeat(300))
    expect(() => fs.lstatSync(tooLong)).toThrow(expect.objectContaining({ code: 'ENAMETOOLONG' }))
    const cache = new CacheManager<string>()
    const { watcher, errors } = await start(cache, { paths: [tooLong, a!] })

    await cache.set('a', 'A', { tags: [a!] })
    const seen = invalidationOf(watcher, a!)
    fs.writeFileSync(a!, 'changed')
    expect(await seen).toEqual({ path: a, tags: [a], removed: 1 })
    expect(errors).toEqual([])
  })

  it("rethrows an error thrown by a 'ready' listener on a later tick, not swallowing it", async () => {
    const thrown = new Error('listener failed')
    const rethrown = deferred<unknown>()
    const nextTick = process.nextTick.bind(process)
    // The rethrow would be an uncaught exception, which fails the run: it is caught here.
    vi.spyOn(process, 'nextTick').mockImplementation(((
      callback: (...args: unknown[]) => void,
      ...args: unknown[]
    ) =>
      nextTick(() => {
        try {
          callback(...args)
        } catch (error) {
          if (error !== thrown) throw error
          rethrown.resolve(error)
        }
      })) as typeof process.nextTick)
    const watcher = watchFiles(new CacheManager(), { paths: root })
    running.push(watcher)
    watcher.on('ready', () => {
      throw thrown
    })

    expect(await rethrown.promise).toBe(thrown)
  })
})
