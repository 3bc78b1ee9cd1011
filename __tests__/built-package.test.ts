// dist/, the JavaScript the package ships, against lib/, the source most suites run (see
// vitest.config.mts): a stale or partial build would pass those suites and fail users.
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

import * as source from '../lib/index.js'

describe('the built package', () => {
  it('exports exactly the runtime names lib/index.ts exports, each defined', () => {
    // Loaded as a CommonJS caller loads it, so the keys are the module's own exports.
    const built = createRequire(__filename)(join(__dirname, '..', 'dist', 'index.js')) as Record<
      string,
      unknown
    >
    const expected: Record<string, unknown> = source
    const names = Object.keys(expected).sort()
    expect(Object.keys(built).sort()).toEqual(names)
    for (const name of names) {
      expect(built[name], name).not.toBeUndefined()
      expect(typeof built[name], name).toBe(typeof expected[name])
    }
  })
})
