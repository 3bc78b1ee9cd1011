/**
 * The events of a FileWatcher and the listener methods that receive them, typed by event.
 */
import type { WatchError } from '../errors.js'

/** The `'invalidate'` event: one changed path, and what invalidating its tags removed. */
export interface WatchInvalidation {
  /** The absolute path that was written, created, deleted, or renamed from or to. */
  readonly path: string
  /** The tags invalidated. A tag whose invalidation failed is left out (and reported). */
  readonly tags: readonly string[]
  /** How many cache entries those tags removed (0 when none carried them). */
  readonly removed: number
}

/** The events of a FileWatcher, with the arguments each passes to its listeners. */
export interface FileWatcherEvents {
  /**
   * Watching has started: every change made from now on is seen. Emitted once, after the
   * initial scan of the watched paths, unless the watcher is closed first.
   */
  ready: []
  /** A changed path's tags were invalidated. */
  invalidate: [invalidation: WatchInvalidation]
  /** Something failed; watching goes on. Without a listener, a process warning instead. */
  error: [error: WatchError]
  /** The watcher is closed and has released its file-system handles. */
  close: []
}

type Event = keyof FileWatcherEvents
/** A listener for a FileWatcher event `K`, called with that event's arguments. */
export type FileWatcherListener<K extends keyof FileWatcherEvents> = (
  ...args: FileWatcherEvents[K]
) => void

/**
 * A FileWatcher's listener methods, typed by event. At run time a FileWatcher is a Node
 * `EventEmitter` (so `events.once(watcher, 'close')` works); its methods are declared here rather
 * than inherited in the types, so that the package's types need no Node type definitions and
 * compile for a consumer without `@types/node`.
 */
export interface FileWatcherEmitter {
  /** Adds `listener` for `event` (as `on`). */
  addListener<K extends Event>(event: K, listener: FileWatcherListener<K>): this
  /** Adds `listener` for `event`. */
  on<K extends Event>(event: K, listener: FileWatcherListener<K>): this
  /** Adds `listener` for the next `event` only. */
  once<K extends Event>(event: K, listener: FileWatcherListener<K>): this
  /** Adds `listener` for `event`, before the others. */
  prependListener<K extends Event>(event: K, listener: FileWatcherListener<K>): this
  /** Adds `listener` for the next `event` only, before the others. */
  prependOnceListener<K extends Event>(event: K, listener: FileWatcherListener<K>): this
  /** Removes `listener` from `event` (as `off`). */
  removeListener<K extends Event>(event: K, listener: FileWatcherListener<K>): this
  /** Removes `listener` from `event`. */
  off<K extends Event>(event: K, listener: FileWatcherListener<K>): this
  /** Removes every listener, or those of `event`. */
  removeAllListeners(event?: Event): this
  /** Sets the listener count above which Node warns of a leak. */
  setMaxListeners(n: number): this
  /** The listener count above which Node warns of a leak. */
  getMaxListeners(): number
  /** `event`'s listeners. */
  listeners<K extends Event>(event: K): FileWatcherListener<K>[]
  /** `event`'s listeners, `once` wrappers included. */
  rawListeners<K extends Event>(event: K): FileWatcherListener<K>[]
  /** Calls `event`'s listeners with `args`; whether there were any. */
  emit<K extends Event>(event: K, ...args: FileWatcherEvents[K]): boolean
  /** How many listeners `event` has. */
  listenerCount(event: Event): number
  /** The events that have listeners. */
  eventNames(): (string | symbol)[]
}
