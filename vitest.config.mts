import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    pool: 'forks',
    // Memory tests call gc() to prove values and caches are collectable.
    execArgv: ['--expose-gc'],
    testTimeout: 30_000,
    reporters: ['default'],
  },
})
