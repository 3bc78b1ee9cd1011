/**
 * The file-system side of `watchFiles`: turns a set of watched paths into one non-recursive
 * `fs.watch` per directory and reports which paths changed.
 *
 * Why directories and not the files themselves: a watch on a file follows its inode, so it goes
 * deaf after an atomic save (a temporary file renamed over it) or a delete and re-create, while
 * a watch on the directory holding the file sees both. Why not `fs.watch(dir, { recursive: true
 * })`: on Linux, Node 20 implements it with one watch per file and stops reporting writes to a
 * file once it has been replaced by an atomic save. So a watched file is watched through its
 * directory, and a watched directory is a tree: one watch per directory in it, added and dropped
 * as subdirectories come and go, each knowing its entries so that a subdirectory moved away
 * still reports the files it held.
 */
import { type BigIntStats, type FSWatcher, readdirSync, statSync, lstatSync, watch } from 'node:fs'
import { basename, dirname, join, sep } from 'node:path'
import { WatchError } from '../errors.js'

/** Where the watches report to. Both are called synchronously from fs callbacks. */
export interface DirectoryWatchHooks {
  /** `path` was written, created, deleted, or renamed from or to. */
  changed(path: string): void
  /**
   * A directory could not be watched, or was lost; watching goes on elsewhere. Called in the
   * middle of the watches' bookkeeping: it must not call back into them (defer instead).
   */
  failed(error: WatchError): void
}

interface Watched {
  readonly watcher: FSWatcher
  /** `dev:ino` of the directory, to tell it from a directory made later at the same path. */
  readonly id: string
  /** The entries of a directory in a watched tree; `undefined` for a directory that is only the
   * parent of watched paths, whose other entries do not matter. */
  names: Set<string> | undefined
}

/** The `fs.watch` handles behind one FileWatcher. */
export class DirectoryWatches {
  readonly #hooks: DirectoryWatchHooks
  readonly #targets: ReadonlySet<string>
  /** For each directory holding a watched path, the names of the watched paths in it. */
  readonly #parents = new Map<string, Set<string>>()
  readonly #dirs = new Map<string, Watched>()
  #scanning = true
  #closed = false

  /**
   * Watches every path in `targets` (absolute, none a file-system root). A path need not exist,
   * but the directory holding it must.
   * @throws WatchError naming the path when that directory, or a watched directory itself,
   *   cannot be watched. Nothing is left open then.
   */
  constructor(targets: readonly string[], hooks: DirectoryWatchHooks) {
    this.#hooks = hooks
    this.#targets = new Set(targets)
    for (const target of this.#targets) {
      const names = this.#parents.get(dirname(target)) ?? new Set<string>()
      this.#parents.set(dirname(target), names.add(basename(target)))
    }
    try {
      for (const target of this.#targets) this.#watchOrThrow(dirname(target), target)
      for (const target of this.#targets) {
        if (statOf(target, true)?.isDirectory() === true) this.#watchOrThrow(target, target, true)
      }
    } catch (error) {
      this.close()
      throw error
    }
    this.#scanning = false
  }

  /** Closes every watch. Their handles are released in the event loop's close phase. */
  close(): void {
    this.#closed = true
    for (const { watcher } of this.#dirs.values()) watcher.close()
    this.#dirs.clear()
  }

  #watchOrThrow(dir: string, target: string, tree = false): void {
    try {
      if (tree) this.#watchTree(dir, true)
      else this.#watch(dir)
    } catch (error) {
      throw new WatchError(`cannot watch ${target}: ${messageOf(error)}`, {
        path: target,
        operation: 'watch',
        cause: error,
      })
    }
  }

  /** The watch of directory `dir`, made if there is none yet. */
  #watch(dir: string): Watched {
    const existing = this.#dirs.get(dir)
    if (existing !== undefined) return existing
    if (this.#closed) throw new Error('the watcher is closed')
    const stats = statSync(dir, { bigint: true })
    if (!stats.isDirectory()) throw new Error(`${dir} is not a directory`)
    const watcher = watch(dir, (event, name) => this.#onEvent(dir, watcher, event, name))
    watcher.on('error', (error) => this.#onError(dir, watcher, error))
    const watched: Watched = { watcher, id: idOf(stats), names: undefined }
    this.#dirs.set(dir, watched)
    return watched
  }

  /**
   * Watches `dir` and every directory below it, reporting each entry found as changed (unless
   * this is the initial scan). Only `dir` itself throws; failures below it are reported.
   */
  #watchTree(dir: string, strict = false): void {
    let watched: Watched
    let entries
    try {
      // Watch first, then list: an entry made in between is then seen by one or the other.
      watched = this.#watch(dir)
      entries = readdirSync(dir, { withFileTypes: true })
    } catch (error) {
      if (strict) throw error
      if (codeOf(error) !== 'ENOENT') this.#failed(dir, `cannot watch ${dir}`, error)
      return
    }
    watched.names ??= new Set()
    for (const entry of entries) {
      watched.names.add(entry.name)
      const path = join(dir, entry.name)
      if (!this.#scanning) this.#hooks.changed(path)
      if (entry.isDirectory()) this.#watchTree(path)
    }
  }

  /** Stops watching `path` and every directory below it, reporting every entry they held. */
  #unwatchTree(path: string): void {
    const prefix = path.endsWith(sep) ? path : path + sep
    for (const [dir, watched] of this.#dirs) {
      if (dir !== path && !dir.startsWith(prefix)) continue
      watched.watcher.close()
      this.#dirs.delete(dir)
      for (const name of watched.names ?? []) this.#hooks.changed(join(dir, name))
    }
  }

  #onEvent(dir: string, watcher: FSWatcher, event: string, name: string | null): void {
    const watched = this.#dirs.get(dir)
    if (this.#closed || watched?.watcher !== watcher) return
    if (name === null) {
      // Linux always names the entry; where a system does not, treat each one we know as renamed.
      const names = new Set([...(this.#parents.get(dir) ?? []), ...(watched.names ?? [])])
      if (watched.names !== undefined) for (const entry of listOf(dir)) names.add(entry)
      for (const entry of names) this.#onEvent(dir, watcher, 'rename', entry)
      return
    }
    // The directory's own removal or move arrives as a rename of its own name.
    if (event === 'rename' && name === basename(dir) && !this.#checkSelf(dir, watched)) return
    const path = join(dir, name)
    if (watched.names !== undefined) {
      this.#hooks.changed(path)
      if (event !== 'rename') return
      const stats = statOf(path, this.#targets.has(path))
      if (stats === undefined) watched.names.delete(name)
      else watched.names.add(name)
      this.#syncTree(path, stats)
    } else if (this.#parents.get(dir)?.has(name) === true) {
      this.#hooks.changed(path)
      if (event === 'rename') this.#syncTree(path, statOf(path, true))
    }
  }

  /** Starts, keeps or stops watching `path` as a tree, as it now is or is not a directory. */
  #syncTree(path: string, stats: BigIntStats | undefined): void {
    const watched = this.#dirs.get(path)
    if (stats?.isDirectory() === true) {
      if (watched?.names !== undefined && watched.id === idOf(stats)) return
      if (watched !== undefined && watched.id !== idOf(stats)) this.#unwatchTree(path)
      this.#watchTree(path)
    } else if (watched !== undefined) {
      this.#unwatchTree(path)
    }
  }

  /**
   * Whether watched directory `dir` is still the one watched. If not, a tree directory is
   * handled as its parent's watch would handle it; a parent of watched paths is watched anew if
   * a directory took its place, and reported as lost otherwise.
   */
  #checkSelf(dir: string, watched: Watched): boolean {
    const stats = statOf(dir, true)
    if (stats !== undefined && idOf(stats) === watched.id) return true
    if (watched.names !== undefined) {
      this.#syncTree(dir, stats)
      return false
    }
    watched.watcher.close()
    this.#dirs.delete(dir)
    const targets = [...(this.#parents.get(dir) ?? [])].map((name) => join(dir, name))
    for (const target of targets) this.#hooks.changed(target)
    if (stats?.isDirectory() === true) {
      try {
        this.#watch(dir)
      } catch (error) {
        this.#failed(dir, `cannot watch ${dir} again`, error)
        return false
      }
      for (const target of targets) this.#syncTree(target, statOf(target, true))
      return false
    }
    for (const target of targets) this.#unwatchTree(target)
    this.#failed(dir, `${dir} was removed, so ${targets.join(', ')} can no longer be watched`)
    return false
  }

  #onError(dir: string, watcher: FSWatcher, error: Error): void {
    const watched = this.#dirs.get(dir)
    if (watched?.watcher !== watcher) return
    watcher.close()
    this.#dirs.delete(dir)
    // Changes may have been missed: report the paths this watch was responsible for.
    for (const name of new Set([...(this.#parents.get(dir) ?? []), ...(watched.names ?? [])])) {
      this.#hooks.changed(join(dir, name))
    }
    this.#failed(dir, `watching ${dir} failed, so changes in it are no longer seen`, error)
  }

  #failed(path: string, message: string, cause?: unknown): void {
    const text = cause === undefined ? message : `${message}: ${messageOf(cause)}`
    this.#hooks.failed(
      new WatchError(text, { path, operation: 'watch', ...(cause === undefined ? {} : { cause }) }),
    )
  }
}

/** The stats of `path`, or `undefined` if it cannot be read (gone, or no longer reachable). */
function statOf(path: string, follow: boolean): BigIntStats | undefined {
  try {
    const options = { bigint: true, throwIfNoEntry: false } as const
    return follow ? statSync(path, options) : lstatSync(path, options)
  } catch {
    return undefined
  }
}

function idOf(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}`
}

function listOf(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
