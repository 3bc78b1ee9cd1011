/**
 * The file-system side of `watchFiles`, on @parcel/watcher: one recursive subscription per
 * watched directory, and one per directory holding watched files (its subdirectories ignored),
 * reporting which watched paths changed. A file is watched through its directory, so atomic saves
 * and deletes followed by re-creation are seen. Symbolic links are not followed.
 *
 * Our own code is kept only where @parcel/watcher fails a test:
 * - it reports a subdirectory moved away as one path, not the files it held, so each watched tree
 *   keeps a listing ('invalidates the files of a subdirectory moved out of the watched
 *   directory');
 * - it does not watch the subdirectories a directory moved in brings along, so such a directory
 *   gets a subscription of its own ('watches the files of a directory moved into a watched
 *   directory, subdirectories included');
 * - its subscription ends when its directory is removed, so the directory is waited for and
 *   subscribed to again (DirectoryReturn; 'watches a watched directory again after it is removed
 *   and made again', 'watches a file again after the directory holding it is removed and made
 *   again').
 */
import { lstatSync, readdirSync, statSync } from 'node:fs'
import { basename, dirname, join, sep } from 'node:path'
import { DirectoryReturn, isDirectory } from './directory_return.js'
import { WatchError } from '../errors.js'
import { type ParcelEvent, type ParcelSubscription, type ParcelWatcher } from './watch_peer.js'

/** Where the watches report to. Both may be called synchronously from a watch callback. */
export interface DirectoryWatchHooks {
  /** `path` was written, created, deleted, or renamed from or to. */
  changed(path: string): void
  /** A directory could not be watched, or its watch failed; watching goes on elsewhere. */
  failed(error: WatchError): void
}

/** The running watches of one FileWatcher. */
export interface PathWatches {
  /** Resolves once every watch has started: a change made from then on is reported. */
  readonly ready: Promise<void>
  /** Stops reporting; resolves once every watch is closed. */
  close(): Promise<void>
}

/** A directory with one subscription. */
interface Root {
  readonly dir: string
  /** Whether everything below `dir` is watched, or only its entries named in `names`. */
  tree: boolean
  readonly names: Set<string>
  /** For a tree: the entries of each directory in it, as last seen. */
  readonly listing: Map<string, Set<string>>
  /** For a tree: the subscriptions of directories moved into it with subdirectories, by path. */
  readonly arrivals: Map<string, Promise<ParcelSubscription | undefined>>
  /** Counts the subscriptions made; events of an earlier one are ignored. */
  generation: number
  subscription: Promise<ParcelSubscription | undefined> | undefined
  waiting: DirectoryReturn | undefined
}

// A directory holding watched files is watched for its own entries only.
const ENTRIES_ONLY = { ignore: ['*/**'] }

/**
 * Starts watching `targets` (absolute paths, none a file-system root) with `parcel`. A path
 * need not exist, but the directory holding it must.
 * @throws WatchError naming the path when its directory does not exist. Nothing is opened then.
 */
export function startWatches(
  parcel: ParcelWatcher,
  targets: readonly string[],
  hooks: DirectoryWatchHooks,
): PathWatches {
  return new DirectoryWatches(parcel, rootsOf(targets), hooks)
}

class DirectoryWatches implements PathWatches {
  readonly ready: Promise<void>
  readonly #parcel: ParcelWatcher
  readonly #roots: readonly Root[]
  readonly #hooks: DirectoryWatchHooks
  /** Subscriptions of removed directories, still being ended. */
  readonly #ending = new Set<Promise<void>>()
  #closed = false

  constructor(parcel: ParcelWatcher, roots: readonly Root[], hooks: DirectoryWatchHooks) {
    this.#parcel = parcel
    this.#roots = roots
    this.#hooks = hooks
    this.ready = Promise.all(roots.map((root) => this.#subscribe(root, false))).then(() => {})
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const root of this.#roots) {
      root.generation += 1
      root.waiting?.close()
      void this.#end(root.subscription)
      root.subscription = undefined
      this.#endArrivals(root, root.dir)
    }
    await Promise.all(this.#ending)
  }

  /** Subscribes to `root`; once subscribed, reports what it covers if it `returned`. */
  #subscribe(root: Root, returned: boolean): Promise<void> {
    const generation = ++root.generation
    const current = () => !this.#closed && root.generation === generation
    const subscribing = (async () =>
      this.#parcel.subscribe(
        root.dir,
        (error, events) => {
          if (current()) this.#onEvents(root, error, events)
        },
        root.tree ? {} : ENTRIES_ONLY,
      ))()
    root.subscription = subscribing.then(
      (subscription) => {
        // Whoever made this subscription stale ends it, through this Promise.
        if (!current()) return subscription
        if (root.tree) {
          root.listing.clear()
          listInto(root.listing, root.dir)
        }
        if (returned) this.#reportAll(root)
        return subscription
      },
      (error: unknown) => {
        if (!current()) return undefined
        if (isDirectory(root.dir)) this.#failed(root.dir, `cannot watch ${root.dir}`, error)
        else this.#lost(root)
        return undefined
      },
    )
    return root.subscription.then(() => {})
  }

  #onEvents(root: Root, error: Error | null, events: readonly ParcelEvent[]): void {
    if (error !== null) {
      const message = `watching ${root.dir} failed, so changes in it may have been missed`
      this.#failed(root.dir, message, error)
      this.#reportAll(root)
    }
    let lost = false
    for (const { path, type } of events) {
      if (path === root.dir) {
        lost ||= type === 'delete'
      } else if (root.tree) {
        this.#hooks.changed(path)
        this.#track(root, path, type)
      } else if (dirname(path) === root.dir && root.names.has(basename(path))) {
        this.#hooks.changed(path)
      }
    }
    // A batch that does not name the directory's own removal may still come after it (its
    // entries' removals): the directory's absence then says it is lost, as its event would.
    if (lost || (events.length > 0 && !isDirectory(root.dir))) this.#lost(root)
  }

  /** Keeps a tree's listing up to date, reporting the entries of a directory gone from it. */
  #track(root: Root, path: string, type: ParcelEvent['type']): void {
    const parent = root.listing.get(dirname(path))
    if (type === 'create') {
      if (parent === undefined) root.listing.set(dirname(path), new Set([basename(path)]))
      else parent.add(basename(path))
      if (isRealDirectory(path) && !root.listing.has(path)) this.#arrived(root, path)
    } else if (type === 'delete') {
      parent?.delete(basename(path))
      this.#forget(root, path)
      this.#endArrivals(root, path)
    }
  }

  /**
   * Lists and reports the entries of directory `dir`, made in or moved into `root`'s tree. One
   * that came with subdirectories is subscribed to, and reported once subscribed.
   */
  #arrived(root: Root, dir: string): void {
    const paths = listInto(root.listing, dir)
    if (!paths.some((path) => root.listing.has(path))) {
      for (const path of paths) this.#hooks.changed(path)
      return
    }
    const generation = root.generation
    const token: { subscription?: Promise<ParcelSubscription | undefined> } = {}
    const current = () =>
      !this.#closed &&
      root.generation === generation &&
      root.arrivals.get(dir) === token.subscription
    token.subscription = (async () =>
      this.#parcel.subscribe(dir, (error, events) => {
        if (current()) this.#onEvents(root, error, events)
      }))().then(
      (subscription) => {
        if (current()) for (const path of listInto(root.listing, dir)) this.#hooks.changed(path)
        return subscription
      },
      (error: unknown) => {
        if (current() && isDirectory(dir)) this.#failed(dir, `cannot watch ${dir}`, error)
        return undefined
      },
    )
    root.arrivals.set(dir, token.subscription)
  }

  /** Ends the subscriptions of arrived directories at or below `dir`. */
  #endArrivals(root: Root, dir: string): void {
    for (const [path, subscription] of root.arrivals) {
      if (path !== dir && !path.startsWith(dir + sep)) continue
      root.arrivals.delete(path)
      void this.#end(subscription)
    }
  }

  /** Drops `dir` and everything below it from `root`'s listing, reporting each entry. */
  #forget(root: Root, dir: string): void {
    const names = root.listing.get(dir)
    if (names === undefined) return
    root.listing.delete(dir)
    for (const name of names) {
      this.#hooks.changed(join(dir, name))
      this.#forget(root, join(dir, name))
    }
  }

  /** `root.dir` is gone: reports everything it covered and waits for it to be made again. */
  #lost(root: Root): void {
    this.#reportAll(root)
    root.generation += 1
    // @parcel/watcher shares one native watch among the subscriptions to a directory: a new
    // subscription made before the old one ends would join the dead watch.
    const ended = this.#end(root.subscription)
    root.subscription = undefined
    root.listing.clear()
    this.#endArrivals(root, root.dir)
    root.waiting = new DirectoryReturn(
      root.dir,
      () => {
        root.waiting = undefined
        ended.then(() => this.#subscribe(root, true)).catch(() => {})
      },
      (ancestor, error) =>
        this.#failed(ancestor, `cannot wait for ${root.dir} to be made again`, error),
    )
  }

  #reportAll(root: Root): void {
    if (!root.tree) {
      for (const name of root.names) this.#hooks.changed(join(root.dir, name))
      return
    }
    this.#hooks.changed(root.dir)
    for (const [dir, names] of root.listing) {
      for (const name of names) this.#hooks.changed(join(dir, name))
    }
  }

  /**
   * Ends `subscription`; the Promise resolves once it has ended, or failed to: nothing can be
   * done about an unsubscribe that fails, and the watch is over either way.
   */
  #end(subscription: Promise<ParcelSubscription | undefined> | undefined): Promise<void> {
    const ending: Promise<void> = (subscription ?? Promise.resolve(undefined))
      .then((ended) => ended?.unsubscribe())
      .catch(() => {})
      .finally(() => this.#ending.delete(ending))
    this.#ending.add(ending)
    return ending
  }

  #failed(path: string, message: string, cause: unknown): void {
    const text = `${message}: ${messageOf(cause)}`
    this.#hooks.failed(new WatchError(text, { path, operation: 'watch', cause }))
  }
}

/**
 * The subscriptions `targets` need: a tree for each directory (not a link to one), and one
 * directory's own entries for the other paths.
 */
function rootsOf(targets: readonly string[]): Root[] {
  const roots = new Map<string, Root>()
  const rootOf = (dir: string) => {
    const root = roots.get(dir) ?? {
      dir,
      tree: false,
      names: new Set<string>(),
      listing: new Map<string, Set<string>>(),
      arrivals: new Map<string, Promise<ParcelSubscription | undefined>>(),
      generation: 0,
      subscription: undefined,
      waiting: undefined,
    }
    roots.set(dir, root)
    return root
  }
  for (const target of targets) {
    const problem = directoryProblem(dirname(target))
    if (problem !== undefined) {
      throw new WatchError(`cannot watch ${target}: ${messageOf(problem)}`, {
        path: target,
        operation: 'watch',
        cause: problem,
      })
    }
    if (isRealDirectory(target)) {
      rootOf(target).tree = true
    } else {
      rootOf(dirname(target)).names.add(basename(target))
    }
  }
  return [...roots.values()]
}

/** Whether `path` is a directory and not a link to one; `false` when it cannot be told. */
function isRealDirectory(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.isDirectory() === true
  } catch {
    return false
  }
}

/** Why `dir` cannot be watched, or `undefined` when it is a directory. */
function directoryProblem(dir: string): unknown {
  try {
    if (!statSync(dir).isDirectory()) return new Error(`${dir} is not a directory`)
    return undefined
  } catch (error) {
    return error
  }
}

/**
 * Lists `dir` and every directory below it into `listing` (links not followed), answering the
 * paths found. A directory that cannot be read lists as empty.
 */
function listInto(listing: Map<string, Set<string>>, dir: string): string[] {
  const found: string[] = []
  const list = (at: string) => {
    let entries
    try {
      entries = readdirSync(at, { withFileTypes: true })
    } catch {
      return
    }
    listing.set(at, new Set(entries.map((entry) => entry.name)))
    for (const entry of entries) {
      found.push(join(at, entry.name))
      if (entry.isDirectory()) list(join(at, entry.name))
    }
  }
  list(dir)
  return found
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
