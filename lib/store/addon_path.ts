/**
 * Finds the addon file to load. Internal: lib/store/native.ts loads what this returns.
 *
 * In order: the file HERDCACHE_ADDON names; a source build in the package's own build/Release/
 * (`npx herdcache-build`, or `npm run build` in a checkout); the prebuilt file in this machine's
 * platform package, the one optional dependency npm installed for its os, cpu and libc. A source
 * build comes before the platform package because nobody makes one by accident: whoever built it
 * wants it loaded, and in a checkout the tests must run the C++ just compiled, not a published file.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import {
  ADDON_FILE,
  currentTarget,
  describeTarget,
  packageName,
  type Target,
  TARGETS,
} from './platform.js'

/** The command that builds the addon from source, as every error here spells it. */
export const BUILD_COMMAND = 'npx herdcache-build'

/** An addon file and how it was found. */
export interface AddonLocation {
  readonly path: string
  /** `HERDCACHE_ADDON`, `source build`, or the platform package's name. */
  readonly from: string
}

/** What locateAddon reads from the process; tests pass their own. */
export interface AddonLookup {
  readonly env: Readonly<Record<string, string | undefined>>
  /** This machine's target; called only when no file comes before the platform package. */
  readonly target: () => Target
  /** The package root: the directory that holds dist/ and, after a source build, build/. */
  readonly root: string
  /** `require.resolve`: the file a package name resolves to, or a throw if not installed. */
  readonly resolve: (request: string) => string
  readonly exists: (path: string) => boolean
}

function defaultLookup(): AddonLookup {
  return {
    env: process.env,
    target: currentTarget,
    root: join(__dirname, '..', '..'),
    resolve: require.resolve,
    exists: existsSync,
  }
}

function notFound(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_HERDCACHE_ADDON_NOT_FOUND' })
}

/**
 * The addon file this process should load, by the order above.
 * @throws Error with code `ERR_HERDCACHE_ADDON_NOT_FOUND`, naming this machine, the package it
 *   needs (or that none exists for it), and how to build the addon from source.
 */
export function locateAddon(lookup: AddonLookup = defaultLookup()): AddonLocation {
  const explicit = lookup.env.HERDCACHE_ADDON
  if (explicit !== undefined && explicit !== '') return { path: explicit, from: 'HERDCACHE_ADDON' }
  const built = join(lookup.root, 'build', 'Release', ADDON_FILE)
  if (lookup.exists(built)) return { path: built, from: 'source build' }

  const target = lookup.target()
  const supported = TARGETS.find(
    (t) => t.platform === target.platform && t.arch === target.arch && t.libc === target.libc,
  )
  const fromSource = `build it from source with \`${BUILD_COMMAND}\` (needs CMake 3.18+ and a C++20 compiler)`
  if (supported === undefined) {
    throw notFound(
      `herdcache has no prebuilt addon for ${describeTarget(target)} (it has one for ` +
        `${TARGETS.map(describeTarget).join(', ')}); ${fromSource}`,
    )
  }
  const name = packageName(supported)
  try {
    return { path: lookup.resolve(name), from: name }
  } catch {
    throw notFound(
      `herdcache found no addon for ${describeTarget(target)}: its optional dependency ${name} ` +
        `is not installed (an install with --omit=optional, or a lockfile made on another ` +
        `machine by an npm that skipped it); reinstall herdcache with optional dependencies, ` +
        `or ${fromSource}`,
    )
  }
}
