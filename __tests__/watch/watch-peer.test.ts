// watchFiles without @parcel/watcher, in this process: watch-files.test.ts checks the same in a
// child process loading the built package, which coverage does not see. This suite is its own
// file, and so its own process, because the module cache keeps @parcel/watcher once it is loaded.
import Module from 'node:module'
import { tmpdir } from 'node:os'
import { afterEach, describe, expect, it } from 'vitest'
import { CacheManager, watchFiles } from '../../dist/index.js'
import { thrownBy } from '../support/throws.js'

interface ModuleInternals {
  _resolveFilename: (this: unknown, request: string, ...rest: unknown[]) => string
}

const internals = Module as unknown as ModuleInternals
const resolveFilename = internals._resolveFilename

afterEach(() => {
  internals._resolveFilename = resolveFilename
})

describe('watchFiles without its peer dependency', () => {
  it('throws ERR_HERDCACHE_MISSING_PEER naming the package and how to install it', () => {
    const missing = Object.assign(new Error("Cannot find module '@parcel/watcher'"), {
      code: 'MODULE_NOT_FOUND',
    })
    // Makes `@parcel/watcher` unresolvable, as in an application that did not install it.
    internals._resolveFilename = function (request: string, ...rest: unknown[]) {
      if (request === '@parcel/watcher') throw missing
      return resolveFilename.call(this, request, ...rest)
    }

    const error = thrownBy(() => watchFiles(new CacheManager(), { paths: tmpdir() }))
    expect(error).toMatchObject({
      code: 'ERR_HERDCACHE_MISSING_PEER',
      message:
        'watchFiles needs the optional peer dependency @parcel/watcher, which could not be ' +
        'loaded; install it with: npm install @parcel/watcher',
      cause: missing,
    })
  })
})
