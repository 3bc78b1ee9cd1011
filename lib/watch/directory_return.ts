/**
 * Waits for a removed directory to be made again. @parcel/watcher ends a subscription when its
 * directory is removed and does not notice the directory coming back (tests 'watches a watched
 * directory again after it is removed and made again' and 'watches a file again after the
 * directory holding it is removed and made again'), so meanwhile its nearest existing ancestor is
 * watched with one non-recursive `fs.watch`, moved down as the missing directories reappear.
 */
import { type FSWatcher, statSync, watch } from 'node:fs'
import { dirname } from 'node:path'

/** Watches for directory `dir` to exist again; see the module comment. */
export class DirectoryReturn {
  readonly #dir: string
  readonly #back: () => void
  readonly #failed: (ancestor: string, error: unknown) => void
  #watcher: FSWatcher | undefined
  #watched: string | undefined
  #closed = false

  /**
   * Calls `back()` once, as soon as `dir` is a directory (at once if it already is). A watch
   * that cannot be made or that fails is reported through `failed` and ends the waiting.
   */
  constructor(dir: string, back: () => void, failed: (ancestor: string, error: unknown) => void) {
    this.#dir = dir
    this.#back = back
    this.#failed = failed
    this.#look()
  }

  /** Stops waiting. The handle is released in the event loop's close phase. */
  close(): void {
    this.#closed = true
    this.#watcher?.close()
    this.#watcher = undefined
  }

  #look(): void {
    // Each pass either ends or watches a deeper ancestor and checks again, so a directory made
    // between a check and the watch that follows it is not missed.
    while (!this.#closed) {
      if (isDirectory(this.#dir)) {
        this.close()
        this.#back()
        return
      }
      const ancestor = nearestDirectory(this.#dir)
      if (ancestor === this.#watched) return
      this.#watcher?.close()
      try {
        const watcher = watch(ancestor, () => this.#look())
        watcher.on('error', (error) => {
          this.close()
          this.#failed(ancestor, error)
        })
        this.#watcher = watcher
        this.#watched = ancestor
      } catch (error) {
        this.close()
        this.#failed(ancestor, error)
      }
    }
  }
}

/** Whether `path` is a directory now (symbolic links followed, as the kernel's watch does). */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true
  } catch {
    return false
  }
}

function nearestDirectory(path: string): string {
  let dir = dirname(path)
  while (!isDirectory(dir) && dirname(dir) !== dir) dir = dirname(dir)
  return dir
}
