import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

import { packageName, TARGETS } from '../dist/store/platform.js'
import { platformManifest, publishedManifest } from '../scripts/platform-packages.mjs'

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

describe('the published packages', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    version: string
    engines: Record<string, string>
    scripts: Record<string, string>
    dependencies?: Record<string, string>
  }

  it('install no dependency and run no install script', () => {
    const lifecycle = ['preinstall', 'install', 'postinstall', 'prepare']
    expect({
      dependencies: manifest.dependencies,
      scripts: lifecycle.filter((name) => name in manifest.scripts),
    }).toEqual({ dependencies: undefined, scripts: [] })
  })

  it("pin every platform package at herdcache's own version as optional dependencies", () => {
    const published = publishedManifest(manifest)
    expect(published.optionalDependencies).toEqual({
      '@herdcache/linux-x64-gnu': manifest.version,
      '@herdcache/linux-arm64-gnu': manifest.version,
      '@herdcache/linux-x64-musl': manifest.version,
      '@herdcache/linux-arm64-musl': manifest.version,
      '@herdcache/darwin-arm64': manifest.version,
      '@herdcache/darwin-x64': manifest.version,
      '@herdcache/win32-x64-msvc': manifest.version,
    })
    // The staged copy is published as it is: nothing may rebuild it.
    expect(published.scripts.prepack).toBeUndefined()
  })

  it('give each platform package the os, cpu and libc npm installs it by', () => {
    const fields = TARGETS.map((target) => {
      const { name, version, os, cpu, libc, main, files } = platformManifest(target)
      return { name, version, os, cpu, libc, main, files }
    })
    expect(fields).toEqual(
      TARGETS.map((target) => ({
        name: packageName(target),
        version: manifest.version,
        os: [target.platform],
        cpu: [target.arch],
        libc: target.libc === undefined ? undefined : [target.libc],
        main: 'herdcache.node',
        files: ['herdcache.node'],
      })),
    )
  })

  it('names the addon file, where it came from and the source build when it does not load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herdcache-bad-addon-'))
    const bad = join(dir, 'herdcache.node')
    writeFileSync(bad, 'not a shared object')
    try {
      const result = spawnSync(
        process.execPath,
        ['-e', "try { require('herdcache') } catch (e) { console.log(e.code, e.message) }"],
        { cwd: root, encoding: 'utf8', env: { ...process.env, HERDCACHE_ADDON: bad } },
      )
      expect(result.stdout.trim()).toMatch(
        new RegExp(
          `^ERR_HERDCACHE_ADDON_LOAD the herdcache addon ${bad} \\(from HERDCACHE_ADDON\\) ` +
            'does not load on this machine: .+; build it from source with `npx herdcache-build`$',
        ),
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
