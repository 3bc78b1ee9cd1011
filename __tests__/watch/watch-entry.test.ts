// The `herdcache/watch` subpath entry, loaded in this process (vitest.config.mts maps
// `dist/watch/index.js` to lib/watch/index.ts): it exports the package root's own watchFiles,
// FileWatcher and WatchError, and they watch files. watch-files.test.ts checks that the entry
// resolves through the package name, in child processes and for TypeScript.
import { writeFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as rootEntry from '../../dist/index.js'
import * as watchEntry from '../../dist/watch/index.js'
import { eventOf, invalidationOf } from '../support/watch.js'

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'herdcache-watch-entry-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('herdcache/watch', () => {
  it("exports the package root's watchFiles, FileWatcher and WatchError, and nothing else", () => {
    // Node's ES module view of the built (CommonJS) entry adds `default`, the module.exports.
    const names = Object.keys(watchEntry).filter((name) => name !== 'default')
    expect(names.sort()).toEqual(['FileWatcher', 'WatchError', 'watchFiles'])
    expect(watchEntry.watchFiles).toBe(rootEntry.watchFiles)
    expect(watchEntry.FileWatcher).toBe(rootEntry.FileWatcher)
    expect(watchEntry.WatchError).toBe(rootEntry.WatchError)
  })

  it('invalidates the tags of a written file through its watchFiles', async () => {
    const file = join(dir, 'a.txt')
    await writeFile(file, 'a')
    const cache = new rootEntry.CacheManager<string>()
    await cache.set('a', 'A', { tags: [file] })
    const watcher = watchEntry.watchFiles(cache, { paths: file })
    try {
      expect(watcher).toBeInstanceOf(watchEntry.FileWatcher)
      await eventOf(watcher, 'ready')
      const seen = invalidationOf(watcher, file)
      writeFileSync(file, 'changed')
      expect(await seen).toEqual({ path: file, tags: [file], removed: 1 })
      expect(cache.has('a')).toBe(false)
    } finally {
      await watcher.close()
    }
  })
})
