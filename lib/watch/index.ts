/**
 * `herdcache/watch`: `watchFiles` and its types on their own, the same exports as the package
 * root's. Importing it does not load the native addon; `watchFiles` needs the optional peer
 * dependency `@parcel/watcher`.
 * @packageDocumentation
 */
export { WatchError, type WatchOperation } from '../errors.js'
export type {
  FileWatcherEmitter,
  FileWatcherEvents,
  FileWatcherListener,
  WatchInvalidation,
} from './watch_events.js'
export {
  FileWatcher,
  type TagInvalidator,
  type WatchFilesOptions,
  type WatchTags,
  watchFiles,
} from './watch_files.js'
