import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

import { type AddonLookup, locateAddon } from '../../lib/store/addon_path.js'
import {
  currentTarget,
  describeTarget,
  packageName,
  type Target,
  TARGETS,
} from '../../lib/store/platform.js'

const root = '/srv/app/node_modules/herdcache'
const sourceBuild = join(root, 'build', 'Release', 'herdcache.node')
const linuxGnu: Target = { platform: 'linux', arch: 'x64', libc: 'glibc' }

/** A lookup on `target` where only `installed` packages resolve and only `files` exist. */
function lookup(
  overrides: Partial<Omit<AddonLookup, 'target'>> & {
    target?: Target
    installed?: string[]
    files?: string[]
  },
) {
  const { installed = [], files = [], target = linuxGnu, ...rest } = overrides
  return {
    env: {},
    target: () => target,
    root,
    resolve: (request: string) => {
      if (installed.includes(request)) return `/srv/app/node_modules/${request}/herdcache.node`
      throw Object.assign(new Error(`Cannot find module '${request}'`), {
        code: 'MODULE_NOT_FOUND',
      })
    },
    exists: (path: string) => files.includes(path),
    ...rest,
  } satisfies AddonLookup
}

function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn()
  } catch (error) {
    return error as Error & { code?: string }
  }
  throw new Error('expected a throw')
}

describe('platform packages', () => {
  it('are named @herdcache/<platform>-<arch> with the ABI where a platform has several', () => {
    expect(TARGETS.map(packageName)).toEqual([
      '@herdcache/linux-x64-gnu',
      '@herdcache/linux-arm64-gnu',
      '@herdcache/linux-x64-musl',
      '@herdcache/linux-arm64-musl',
      '@herdcache/darwin-arm64',
      '@herdcache/darwin-x64',
      '@herdcache/win32-x64-msvc',
    ])
  })

  it('name the C library of a Linux target and nothing else elsewhere', () => {
    expect(TARGETS.map(describeTarget)).toEqual([
      'linux-x64 (glibc)',
      'linux-arm64 (glibc)',
      'linux-x64 (musl)',
      'linux-arm64 (musl)',
      'darwin-arm64',
      'darwin-x64',
      'win32-x64',
    ])
  })

  it("detect this process's platform, CPU and C library, leaving the report options as found", () => {
    const report = process.report as NodeJS.ProcessReport & { excludeNetwork?: boolean }
    const before = report.excludeNetwork
    const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } })
      .header
    const libc = header.glibcVersionRuntime === undefined ? 'musl' : 'glibc'
    expect(currentTarget()).toEqual(
      process.platform === 'linux'
        ? { platform: 'linux', arch: process.arch, libc }
        : { platform: process.platform, arch: process.arch },
    )
    expect(report.excludeNetwork).toBe(before)
  })
})

describe('locateAddon', () => {
  it('loads the file HERDCACHE_ADDON names before a source build or a platform package', () => {
    const found = locateAddon(
      lookup({
        env: { HERDCACHE_ADDON: '/tmp/asan/herdcache.node' },
        installed: ['@herdcache/linux-x64-gnu'],
        files: [sourceBuild],
      }),
    )
    expect(found).toEqual({ path: '/tmp/asan/herdcache.node', from: 'HERDCACHE_ADDON' })
  })

  it('takes an empty HERDCACHE_ADDON as unset', () => {
    const found = locateAddon(lookup({ env: { HERDCACHE_ADDON: '' }, files: [sourceBuild] }))
    expect(found).toEqual({ path: sourceBuild, from: 'source build' })
  })

  it('prefers a source build in build/Release over the platform package', () => {
    const found = locateAddon(
      lookup({ installed: ['@herdcache/linux-x64-gnu'], files: [sourceBuild] }),
    )
    expect(found).toEqual({ path: sourceBuild, from: 'source build' })
  })

  it('reads the machine (a diagnostic report on Linux) only when it needs the platform package', () => {
    const unread = (): Target => {
      throw new Error('the target was read')
    }
    const explicit = { ...lookup({ env: { HERDCACHE_ADDON: '/a.node' } }), target: unread }
    const built = { ...lookup({ files: [sourceBuild] }), target: unread }
    expect(locateAddon(explicit).from).toBe('HERDCACHE_ADDON')
    expect(locateAddon(built).from).toBe('source build')
  })

  it("resolves the platform package of the machine's platform, CPU and C library", () => {
    const every = TARGETS.map(packageName)
    for (const target of TARGETS) {
      const found = locateAddon(lookup({ target, installed: every }))
      expect(found).toEqual({
        path: `/srv/app/node_modules/${packageName(target)}/herdcache.node`,
        from: packageName(target),
      })
    }
  })

  it('picks the musl package on musl when npm installed both Linux packages', () => {
    const found = locateAddon(
      lookup({
        target: { platform: 'linux', arch: 'arm64', libc: 'musl' },
        installed: ['@herdcache/linux-arm64-gnu', '@herdcache/linux-arm64-musl'],
      }),
    )
    expect(found.from).toBe('@herdcache/linux-arm64-musl')
  })

  it('names the missing platform package and the source build when neither is there', () => {
    const error = thrown(() => locateAddon(lookup({ installed: ['@herdcache/linux-x64-musl'] })))
    expect(error.code).toBe('ERR_HERDCACHE_ADDON_NOT_FOUND')
    expect(error.message).toBe(
      'herdcache found no addon for linux-x64 (glibc): its optional dependency ' +
        '@herdcache/linux-x64-gnu is not installed (an install with --omit=optional, or a ' +
        'lockfile made on another machine by an npm that skipped it); reinstall herdcache with ' +
        'optional dependencies, or build it from source with `npx herdcache-build` (needs ' +
        'CMake 3.18+ and a C++20 compiler)',
    )
  })

  it('names the targets it has and the source build on a machine without a platform package', () => {
    const error = thrown(() =>
      locateAddon(lookup({ target: { platform: 'freebsd', arch: 'x64' } })),
    )
    expect(error.code).toBe('ERR_HERDCACHE_ADDON_NOT_FOUND')
    expect(error.message).toBe(
      'herdcache has no prebuilt addon for freebsd-x64 (it has one for linux-x64 (glibc), ' +
        'linux-arm64 (glibc), linux-x64 (musl), linux-arm64 (musl), darwin-arm64, darwin-x64, ' +
        'win32-x64); build it from source with `npx herdcache-build` (needs CMake 3.18+ and a ' +
        'C++20 compiler)',
    )
  })
})
