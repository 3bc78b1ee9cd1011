/**
 * The events of a FileWatcher and the listener methods that receive them, typed by event.
 */
import type { WatchError } from './errors.js'

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
  /** A changed path's tags were invalidated. */
  invalidate: [invalidation: WatchInvalidation]
  /** Something failed; watching goes on. Without a listener, a process warning instead. */
  error: [error: WatchError]
  /** The watcher is closed and has released its file-system handles. */
  close: []
}

type Event = keyof FileWatcherEvents
type Listener<K extends Event> = (...args: FileWatcherEvents[K]) => void

/**
 * A FileWatcher's listener methods, typed by event. At run time a FileWatcher is a Node
 * `EventEmitter` (so `events.once(watcher, 'close')` works); its methods are declared here rather
 * than inherited in the types, so that the package's types need no Node type definitions and
 * compile for a consumer without `@types/node`.
 */
export interface FileWatcherEmitter {
  addListener<K extends Event>(event: K, listener: Listener<K>): this
  on<K extends Event>(event: K, listener: Listener<K>): this
  once<K extends Event>(event: K, listener: Listener<K>): this
  prependListener<K extends Event>(event: K, listener: Listener<K>): this
  prependOnceListener<K extends Event>(event: K, listener: Listener<K>): this
  removeListener<K extends Event>(event: K, listener: Listener<K>): this
  off<K extends Event>(event: K, listener: Listener<K>): this
  removeAllListeners(event?: Event): this
  setMaxListeners(n: number): this
  getMaxListeners(): number
  listeners<K extends Event>(event: K): Listener<K>[]
  rawListeners<K extends Event>(event: K): Listener<K>[]
  emit<K extends Event>(event: K, ...args: FileWatcherEvents[K]): boolean
  listenerCount(event: Event): number
  eventNames(): (string | symbol)[]
}
