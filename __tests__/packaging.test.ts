import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(__dirname, '..')

// The package imports itself by name through its "exports" map, as an installed copy would.
function runNode(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim()
}

const usage = `
  const cache = new CacheManager({ maxSize: 2 })
  let calls = 0
  const fetcher = async () => { calls += 1; return 'v' }
  const [a, b] = await Promise.all([cache.getOrFetch('k', fetcher), cache.getOrFetch('k', fetcher)])
  console.log(JSON.stringify({ a, b, calls, size: cache.size }))`

describe('packaging', () => {
  it('is importable by name from an ES module', () => {
    const out = runNode([
      '--input-type=module',
      '-e',
      `import { CacheManager } from 'herdcache'\n${usage}`,
    ])
    expect(JSON.parse(out)).toEqual({ a: 'v', b: 'v', calls: 1, size: 1 })
  })

  it('is requirable by name from CommonJS', () => {
    const out = runNode([
      '-e',
      `const { CacheManager } = require('herdcache');(async () => {${usage}})()`,
    ])
    expect(JSON.parse(out)).toEqual({ a: 'v', b: 'v', calls: 1, size: 1 })
  })

  it('resolves its types for a TypeScript consumer', () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
    const fixture = join(root, '__tests__', 'fixtures', 'typed-usage.ts')
    const args = ['--noEmit', '--ignoreConfig', '--strict', '--module', 'nodenext', fixture]
    // tsc fails on any type error, including an unused @ts-expect-error, so both the accepted
    // and the rejected usages are checked.
    const result = spawnSync(process.execPath, [tsc, ...args], { cwd: root, encoding: 'utf8' })
    expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({
      status: 0,
      output: '',
    })
  })
})
