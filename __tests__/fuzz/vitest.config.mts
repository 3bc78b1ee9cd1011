// `npm run fuzz` (scripts/fuzz.mjs) runs the long fuzzer through this config: vitest provides the
// fake timers and TypeScript, and the CI suite's include pattern leaves run.fuzz.ts out.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['__tests__/fuzz/run.fuzz.ts'],
    pool: 'forks',
    testTimeout: 0,
    reporters: ['default'],
    // The fuzzer listens for unhandled rejections itself and reports them with the seed.
    dangerouslyIgnoreUnhandledErrors: true,
  },
})
