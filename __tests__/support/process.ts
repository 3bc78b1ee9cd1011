// Process-wide events the suites watch: unhandled rejections and herdcache's warnings.
import { afterEach, beforeEach, type Mock, vi } from 'vitest'

import { nextMacrotask } from './async.js'

/**
 * A mock that records every unhandled rejection while each test of the calling file runs (it
 * registers that file's beforeEach and afterEach hooks), so a test can assert there were none.
 */
export function unhandledRejections(): Mock<(reason: unknown) => void> {
  const unhandled = vi.fn<(reason: unknown) => void>()
  beforeEach(() => {
    unhandled.mockClear()
    process.on('unhandledRejection', unhandled)
  })
  afterEach(() => {
    process.off('unhandledRejection', unhandled)
  })
  return unhandled
}

/** Collects process warnings until `stop()`; emitWarning delivers them on a later tick. */
export function watchWarnings() {
  const warnings: (Error & { code?: string })[] = []
  const listener = (warning: Error) => warnings.push(warning)
  process.on('warning', listener)
  return {
    warnings,
    /** The HerdcacheWarnings so far, once the ones already emitted have been delivered. */
    async settled() {
      await nextMacrotask()
      await nextMacrotask()
      return warnings.filter((w) => w.name === 'HerdcacheWarning')
    },
    stop: () => process.off('warning', listener),
  }
}
