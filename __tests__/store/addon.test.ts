import { readFileSync, realpathSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

import { CacheManager } from '../../dist/index.js'
import { addonPath } from '../../dist/store/native.js'

// The shared objects mapped into this process whose file is a Node addon (Linux /proc).
function mappedAddons(): string[] {
  const files = readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .map((line) => line.split(/\s+/).slice(5).join(' '))
    .filter((file) => file.endsWith('.node'))
  return [...new Set(files)]
}

describe('the native addon', () => {
  // scripts/node-matrix.mjs runs this suite on several Node versions against one prebuilt file,
  // and scripts/emulated-tests.mjs on an arm64 node: each names that file and the Node version in
  // HERDCACHE_EXPECT_ADDON and HERDCACHE_EXPECT_NODE. /proc is Linux's (the release workflow runs
  // this suite on macOS and Windows too).
  it.runIf(process.platform === 'linux')(
    'is one file mapped into the process, the one the run expects, on its Node',
    async () => {
      const cache = new CacheManager<number>({ maxSize: 1 })
      await cache.set('k', 1)
      expect({ addons: mappedAddons(), node: process.version, size: cache.size }).toEqual({
        addons: [realpathSync(process.env.HERDCACHE_EXPECT_ADDON ?? addonPath)],
        node: process.env.HERDCACHE_EXPECT_NODE ?? process.version,
        size: 1,
      })
    },
  )
})
