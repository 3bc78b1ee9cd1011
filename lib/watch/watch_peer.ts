/**
 * Loads @parcel/watcher, the optional peer dependency `watchFiles` runs on. It is loaded on the
 * first `watchFiles` call, not when herdcache is imported, so an application that never watches
 * files need not install it.
 */
import { createRequire } from 'node:module'

/** The peer package `watchFiles` needs. */
const WATCHER_PACKAGE = '@parcel/watcher'

/** One file-system change in a batch from @parcel/watcher. */
export interface ParcelEvent {
  readonly path: string
  readonly type: 'create' | 'update' | 'delete'
}

/** A running @parcel/watcher subscription. */
export interface ParcelSubscription {
  unsubscribe(): Promise<void>
}

/** The part of @parcel/watcher used here, declared so that herdcache's types do not need it. */
export interface ParcelWatcher {
  subscribe(
    dir: string,
    callback: (error: Error | null, events: ParcelEvent[]) => unknown,
    options?: { ignore?: string[] },
  ): Promise<ParcelSubscription>
}

// Resolved from this file, as an installed herdcache would resolve it.
const requireHere = createRequire(__filename)

/**
 * @parcel/watcher's module object (the same object on every call: Node caches it).
 * @throws Error with code `ERR_HERDCACHE_MISSING_PEER` naming the package and how to install it,
 *   when it cannot be loaded (not installed, or no binary for this platform); `cause` is the
 *   loader's error.
 */
export function parcelWatcher(): ParcelWatcher {
  try {
    return requireHere(WATCHER_PACKAGE) as ParcelWatcher
  } catch (cause) {
    const message =
      `watchFiles needs the optional peer dependency ${WATCHER_PACKAGE}, which could not be ` +
      `loaded; install it with: npm install ${WATCHER_PACKAGE}`
    throw Object.assign(new Error(message, { cause }), { code: 'ERR_HERDCACHE_MISSING_PEER' })
  }
}
