import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    pool: 'forks',
    // Memory tests call gc() to prove values and caches are collectable.
    execArgv: ['--expose-gc'],
    testTimeout: 30_000,
    // A beforeAll may do a test's worth of work (docs.test.ts runs TypeDoc, bounded at 25 s): the
    // default 10 s failed it on a loaded machine.
    hookTimeout: 30_000,
    reporters: ['default'],
  },
})
