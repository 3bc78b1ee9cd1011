// The vitest config __tests__/examples.test.ts runs the example test files in examples/ with.
// The main config does not include them, so each runs once, as an example.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['examples/**/*.test.mjs'],
    pool: 'forks',
    reporters: ['default'],
  },
})
