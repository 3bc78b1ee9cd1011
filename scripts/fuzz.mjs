#!/usr/bin/env node
// npm run fuzz [-- --seconds N] [--seed N] [--steps N] [--only a,b] [--without a,b]
//
// Runs the CacheManager API fuzzer (__tests__/fuzz/) on random seeds for --seconds (default 60),
// or replays one --seed. Each failing seed is printed with the command that replays it and its
// operation list shrunk to a minimal failing one. --only / --without choose the hostile-input
// generators (names in __tests__/fuzz/ops.ts, HOSTILE); by default all are on.
// vitest runs it (through __tests__/fuzz/vitest.config.mts) for its fake timers and TypeScript.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string' },
    steps: { type: 'string', default: '300' },
    only: { type: 'string', default: '' },
    without: { type: 'string', default: '' },
  },
})
for (const name of ['seconds', 'steps', 'seed']) {
  const value = values[name]
  if (value !== undefined && !/^\d+$/.test(value)) {
    console.error(`--${name} must be a non-negative integer, received '${value}'`)
    process.exit(2)
  }
}

const result = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules/vitest/vitest.mjs'),
    'run',
    '--config',
    '__tests__/fuzz/vitest.config.mts',
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      FUZZ_SECONDS: values.seconds,
      FUZZ_SEED: values.seed ?? '',
      FUZZ_STEPS: values.steps,
      FUZZ_ONLY: values.only,
      FUZZ_WITHOUT: values.without,
    },
  },
)
process.exit(result.status ?? 1)
