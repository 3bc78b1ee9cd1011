/**
 * watchFiles: keeps a cache of file-derived values honest by invalidating the tags of files as
 * they change on disk. A watcher that stops invalidating leaves stale entries behind without a
 * sign, so nothing that goes wrong stops it: a failing `tagsFor`, a failing `invalidateTag` or
 * a lost directory is reported (an `'error'` event, or a process warning when nobody listens)
 * and watching goes on.
 */
import { EventEmitter } from 'node:events'
import { resolve } from 'node:path'
import { type PathWatches, messageOf, startWatches } from './directory_watches.js'
import {
  argumentRangeError,
  argumentTypeError,
  describe,
  outOfRangeError,
  unknownOptionError,
  WatchError,
} from '../errors.js'
import type { FileWatcherEmitter } from './watch_events.js'
import { parcelWatcher } from './watch_peer.js'

/** What `tagsFor` answers for a changed path: a tag, several, or none (`undefined` or `null`). */
export type WatchTags = string | readonly string[] | null | undefined

/** The part of a cache `watchFiles` uses: a `CacheManager`, or anything shaped like one. */
export interface TagInvalidator {
  /** Removes every entry tagged `tag`, answering how many it removed (or a Promise of that). */
  invalidateTag(tag: string): number | PromiseLike<number>
}

/** Options of `watchFiles`. */
export interface WatchFilesOptions {
  /**
   * The files and directories to watch: a path or a non-empty array of paths, resolved against
   * the current directory. A directory is watched with everything below it. A path that does not
   * exist yet is watched for its creation, but the directory holding it must exist. Symbolic
   * links are not followed: a link (a watched path or one inside a watched directory) is
   * reported when it is made, replaced or removed, not when the file it points to changes.
   */
  paths: string | readonly string[]
  /**
   * Maps a changed path (absolute) to the tags to invalidate: a tag, an array of tags,
   * `undefined` or `null` for none, or a Promise of one of those. Called once per changed path
   * per burst of file-system events. Default: the path itself, so an entry stored with
   * `{ tags: [absolutePath] }` is invalidated when that file changes. A throw, a rejection or a
   * bad answer is reported as a `WatchError` with operation `'tagsFor'`.
   */
  tagsFor?: (path: string) => WatchTags | PromiseLike<WatchTags>
  /** Stops watching when aborted, as `close()` does. */
  signal?: AbortSignal
}

const OPTIONS = ['paths', 'tagsFor', 'signal'] as const
const PATHS_EXPECTED = 'a path or a non-empty array of paths'
// A Node EventEmitter, typed through FileWatcherEmitter so the emitted types import nothing from
// Node.
const Emitter = EventEmitter as unknown as new () => FileWatcherEmitter

/**
 * Watches files and directories and invalidates the tags of each path that changes. Made by
 * `watchFiles` (or `new FileWatcher`, the same). The watches start in the background: a change
 * made once `'ready'` is emitted is seen.
 *
 * Events: `'ready'` once watching has started, `'invalidate'` (WatchInvalidation) after each
 * changed path's tags are invalidated, `'error'` (WatchError) for each failure, `'close'` once
 * closed. Events for one path that arrive together (a write is several) are handled once or a
 * few times, never dropped: a change always has an invalidation that starts after it.
 */
export class FileWatcher extends Emitter {
  readonly #cache: TagInvalidator
  readonly #tagsFor: (path: string) => WatchTags | PromiseLike<WatchTags>
  readonly #signal: AbortSignal | undefined
  readonly #watches: PathWatches | undefined
  #pending = new Set<string>()
  #flush: NodeJS.Immediate | undefined
  #closed = false
  #closing: Promise<void> | undefined
  readonly #onAbort = () => {
    this.close().catch(rethrowLater)
  }

  /**
   * Starts watching; see `watchFiles`.
   * @throws TypeError / RangeError for bad arguments; Error with code
   *   `ERR_HERDCACHE_MISSING_PEER` when `@parcel/watcher` is not installed; WatchError when the
   *   directory holding a path does not exist (nothing is left open then).
   */
  constructor(cache: TagInvalidator, options: WatchFilesOptions) {
    const settings = settingsOf(cache, options)
    const parcel = parcelWatcher()
    super()
    this.#cache = cache
    this.#tagsFor = settings.tagsFor
    this.#signal = settings.signal
    if (settings.signal?.aborted === true) {
      this.close().catch(rethrowLater)
      return
    }
    this.#watches = startWatches(parcel, settings.paths, {
      changed: (path) => this.#changed(path),
      // Deferred, so an 'error' listener never runs inside the watches' bookkeeping, and the
      // caller can attach one to a watcher still being constructed.
      failed: (error) => process.nextTick(() => this.#report(error)),
    })
    this.#watches.ready
      .then(() => {
        if (!this.#closed) this.emit('ready')
      })
      .catch(rethrowLater)
    settings.signal?.addEventListener('abort', this.#onAbort, { once: true })
  }

  /** Whether `close()` has been called (or the signal aborted). */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Stops watching. Once called, no more tags are invalidated and no more events are emitted but
   * `'close'`. The Promise resolves once every watch is released, so the watcher no longer keeps
   * the process alive. Calling it again returns the same Promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown()
    return this.#closing
  }

  async #shutDown(): Promise<void> {
    this.#closed = true
    clearImmediate(this.#flush)
    this.#pending.clear()
    this.#signal?.removeEventListener('abort', this.#onAbort)
    await this.#watches?.close()
    // An fs.watch handle (kept while a removed directory is waited for) is released in the event
    // loop's close phase, which follows the check phase the first immediate may run in; the
    // second runs after it.
    await nextImmediate()
    await nextImmediate()
    this.emit('close')
  }

  // Events for a path that arrive in one turn of the event loop are handled once, in the next.
  #changed(path: string): void {
    if (this.#closed) return
    this.#pending.add(path)
    this.#flush ??= setImmediate(() => this.#invalidatePending())
  }

  #invalidatePending(): void {
    this.#flush = undefined
    const paths = this.#pending
    this.#pending = new Set()
    // Each path on its own: a tagsFor that never settles holds up only its own path.
    for (const path of paths) this.#invalidate(path).catch(rethrowLater)
  }

  async #invalidate(path: string): Promise<void> {
    let answer: unknown
    try {
      answer = await this.#tagsFor(path)
    } catch (error) {
      const message = `tagsFor('${path}') failed: ${messageOf(error)}`
      this.#report(new WatchError(message, { path, operation: 'tagsFor', cause: error }))
      return
    }
    const tags = tagsOf(answer)
    if (tags === undefined) {
      const message =
        `tagsFor('${path}') must return a string, an array of strings, undefined or null, ` +
        `received ${describe(answer)}`
      this.#report(new WatchError(message, { path, operation: 'tagsFor' }))
      return
    }
    const invalidated: string[] = []
    let removed = 0
    for (const tag of tags) {
      if (this.#closed) return
      try {
        const count = await this.#cache.invalidateTag(tag)
        removed += typeof count === 'number' ? count : 0
        invalidated.push(tag)
      } catch (error) {
        const message = `invalidateTag('${tag}') failed for ${path}: ${messageOf(error)}`
        this.#report(
          new WatchError(message, { path, operation: 'invalidateTag', tag, cause: error }),
        )
      }
    }
    if (!this.#closed) this.emit('invalidate', { path, tags: invalidated, removed })
  }

  // An EventEmitter throws an 'error' nobody listens to, and thrown from an fs callback that
  // would end the process: without a listener, the error becomes a warning.
  #report(error: WatchError): void {
    if (this.#closed) return
    if (this.listenerCount('error') > 0) {
      this.emit('error', error)
      return
    }
    const warning = new Error(error.message, { cause: error })
    process.emitWarning(
      Object.assign(warning, { name: 'HerdcacheWarning', code: 'HERDCACHE_WATCH_ERROR' }),
    )
  }
}

/**
 * Watches `options.paths` and, whenever a file or directory there is written, created, deleted
 * or renamed (from or to), invalidates the tags `options.tagsFor(path)` names in `cache`. By
 * default a path's tag is the path itself:
 *
 * ```ts
 * const file = resolve('config/app.json')
 * const config = await cache.getOrFetch(file, () => readFile(file, 'utf8'), { tags: [file] })
 * const watcher = watchFiles(cache, { paths: 'config' })
 * ```
 *
 * Runs on the optional peer dependency `@parcel/watcher` (`npm install @parcel/watcher`),
 * loaded on the first call. Each watched file is watched through its directory, so atomic saves
 * (a temporary file renamed over it) and deletes followed by re-creation are seen; a watched
 * directory is watched with every directory below it; a directory removed and made again is
 * watched again. Watching starts in the background: await the `'ready'` event before relying on
 * a change being seen. Failures are reported, never thrown from the event loop: as an `'error'`
 * event (a WatchError with the path and operation), or, without an `'error'` listener, as a
 * process warning with code `HERDCACHE_WATCH_ERROR`. Watching goes on.
 *
 * @param cache - a CacheManager, or any object with `invalidateTag(tag)`.
 * @returns the running FileWatcher; `close()` it to stop.
 * @throws TypeError / RangeError for bad arguments; Error with code
 *   `ERR_HERDCACHE_MISSING_PEER` when `@parcel/watcher` is not installed; WatchError when the
 *   directory holding a path does not exist (nothing is left open then).
 */
export function watchFiles(cache: TagInvalidator, options: WatchFilesOptions): FileWatcher {
  return new FileWatcher(cache, options)
}

interface Settings {
  paths: string[]
  tagsFor: (path: string) => WatchTags | PromiseLike<WatchTags>
  signal: AbortSignal | undefined
}

function settingsOf(cache: unknown, options: unknown): Settings {
  const invalidateTag = (cache as { invalidateTag?: unknown } | null | undefined)?.invalidateTag
  if (typeof cache !== 'object' || cache === null || typeof invalidateTag !== 'function') {
    const expected = 'a CacheManager or an object with an invalidateTag method'
    throw argumentTypeError('cache', expected, cache)
  }
  if (typeof options !== 'object' || options === null) {
    throw argumentTypeError('options', 'an object', options)
  }
  for (const name of Object.keys(options)) {
    if (!(OPTIONS as readonly string[]).includes(name)) throw unknownOptionError(name, OPTIONS)
  }
  const o = options as Partial<WatchFilesOptions>
  const tagsFor = o.tagsFor ?? ((path: string) => path)
  if (typeof tagsFor !== 'function') throw argumentTypeError('tagsFor', 'a function', tagsFor)
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw argumentTypeError('signal', 'an AbortSignal', o.signal)
  }
  return { paths: pathsOf(o.paths), tagsFor, signal: o.signal }
}

function pathsOf(value: unknown): string[] {
  if (typeof value === 'string') return [pathOf('paths', value)]
  if (!Array.isArray(value)) throw argumentTypeError('paths', PATHS_EXPECTED, value)
  if (value.length === 0) {
    throw outOfRangeError(`paths must be ${PATHS_EXPECTED}, received an empty array`)
  }
  const paths = value.map((path: unknown, index) => {
    if (typeof path !== 'string') throw argumentTypeError(`paths[${index}]`, 'a string', path)
    return pathOf(`paths[${index}]`, path)
  })
  return [...new Set(paths)]
}

function pathOf(name: string, path: string): string {
  if (path === '' || path.includes('\0')) {
    throw argumentRangeError(name, 'a non-empty path without null bytes', path)
  }
  const absolute = resolve(path)
  if (resolve(absolute, '..') === absolute) {
    throw argumentRangeError(name, 'a path below a file-system root', path)
  }
  return absolute
}

function tagsOf(answer: unknown): readonly string[] | undefined {
  if (answer === undefined || answer === null) return []
  if (typeof answer === 'string') return [answer]
  if (Array.isArray(answer) && answer.every((tag) => typeof tag === 'string')) {
    return answer
  }
  return undefined
}

function nextImmediate(): Promise<void> {
  return new Promise((done) => setImmediate(done))
}

// A throwing event listener, as it would from a synchronous emit: not swallowed.
function rethrowLater(error: unknown): void {
  process.nextTick(() => {
    throw error
  })
}
