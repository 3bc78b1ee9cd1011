import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    pool: 'forks',
    // Memory tests call gc() to prove values and caches are collectable. The warnings herdcache
    // emits are expected where tests provoke them (and those tests listen for them): not printed,
    // so the output shows no alarm that is not one.
    execArgv: ['--expose-gc', '--disable-warning=HerdcacheWarning'],
    testTimeout: 30_000,
    reporters: ['default'],
  },
})
