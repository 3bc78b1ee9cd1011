// @ts-check
// watchFiles: values built from files are invalidated when the files change on disk, and a
// failing tag mapping is reported without stopping the watcher. Needs the optional peer
// dependency @parcel/watcher (npm install @parcel/watcher).
//
// Run: node examples/watch-files.mjs
// expect: prompt: "You are terse." (reads: 1)
// expect: cached: "You are terse." (reads: 1)
// expect: invalidated prompt:system after system.md changed (1 entry removed)
// expect: after the edit: "You are verbose." (reads: 2)
// expect: error reported, watching goes on: tagsFor('notes.md') failed: no tag for notes.md
// expect: invalidated prompt:system after system.md changed (1 entry removed)
// expect: closed
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { CacheManager, watchFiles } from 'herdcache'

const dir = mkdtempSync(join(tmpdir(), 'herdcache-example-'))
const file = join(dir, 'system.md')
writeFileSync(file, 'You are terse.')

const cache = new CacheManager()
let reads = 0
const prompt = () =>
  cache.getOrFetch(
    'prompt:system',
    () => {
      reads += 1
      return readFileSync(file, 'utf8')
    },
    { tags: ['prompt:system'] },
  )

// Map each changed file to the tags of what was built from it; any throw is reported.
const watcher = watchFiles(cache, {
  paths: dir,
  tagsFor(path) {
    if (basename(path) === 'system.md') return 'prompt:system'
    throw new Error(`no tag for ${basename(path)}`)
  },
})
watcher.on('invalidate', ({ path, tags, removed }) => {
  const what = `${tags.join(', ')} after ${basename(path)} changed`
  console.log(`invalidated ${what} (${removed} entry removed)`)
})
watcher.on('error', (error) => {
  console.log(`error reported, watching goes on: ${error.message.replace(`${dir}/`, '')}`)
})
// The first scan of the directory is done in the background: changes made from 'ready' on are
// seen.
await once(watcher, 'ready')

console.log(`prompt: ${JSON.stringify(await prompt())} (reads: ${reads})`)
console.log(`cached: ${JSON.stringify(await prompt())} (reads: ${reads})`)

// Each step waits for the watcher's own event: no sleeps.
writeFileSync(file, 'You are verbose.')
await once(watcher, 'invalidate')
console.log(`after the edit: ${JSON.stringify(await prompt())} (reads: ${reads})`)

writeFileSync(join(dir, 'notes.md'), 'not a prompt')
await once(watcher, 'error')
writeFileSync(file, 'You are terse again.')
await once(watcher, 'invalidate')

await watcher.close()
console.log('closed')
rmSync(dir, { recursive: true })
