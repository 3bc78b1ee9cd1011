import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const lib = fileURLToPath(new URL('./lib/', import.meta.url))

// Tests that load dist/ (the built JavaScript) or spawn processes that do, so they need
// `npm run build:ts` after a change in lib/: the package as an installed dependency sees it, in
// worker threads, and as the examples and the demo use it; built-package compares it with lib/.
// watch-files and watch-faults wrap node:fs's CommonJS export, which only the built
// (CommonJS) package reads at each call.
const BUILT = [
  '__tests__/packaging.test.ts',
  '__tests__/store/workers.test.ts',
  '__tests__/examples.test.ts',
  '__tests__/demo.test.ts',
  '__tests__/demo-fleet.test.ts',
  '__tests__/watch/watch-files.test.ts',
  '__tests__/watch/watch-faults.test.ts',
  '__tests__/built-package.test.ts',
  '__tests__/redis/processes.test.ts',
  '__tests__/redis/shared-tier.test.ts',
  '__tests__/shared/coalescing.test.ts',
  '__tests__/shared/orphans.test.ts',
  '__tests__/shared/changes.test.ts',
  '__tests__/shared/lifecycle.test.ts',
  '__tests__/shared/threads.test.ts',
]

// Runs in both projects: V8 coverage counts the re-exports of the herdcache/watch entry once in
// lib/watch/index.ts and once in dist/watch/index.js (mapped to the same lines, but as statements
// of their own), so only a run on each covers them.
const BOTH = ['__tests__/watch/watch-entry.test.ts']

// Every other test imports `../dist/<file>.js` too, but runs against lib/<file>.ts, so the fast
// loop (`npx vitest run`) needs no build step and coverage maps to lib/ directly. With
// HERDCACHE_TEST_DIST=1 (the Node matrix), they run against dist/ as well.
const fromSource = process.env.HERDCACHE_TEST_DIST !== '1'

// The fleet tier's suites start redis-server and load no addon. With HERDCACHE_TEST_REDIS=0 they
// are left out: the Node matrix and the sanitized run (scripts/node-matrix.mjs, run-tests.mjs)
// test the addon on other Node versions and under ASan, where rerunning them adds only time.
const REDIS = process.env.HERDCACHE_TEST_REDIS === '0' ? ['__tests__/redis/**'] : []

export default defineConfig({
  test: {
    pool: 'forks',
    // Memory tests call gc() to prove values and caches are collectable. The warnings herdcache
    // emits are expected where tests provoke them (and those tests listen for them): not printed,
    // so the output shows no alarm that is not one.
    execArgv: ['--expose-gc', '--disable-warning=HerdcacheWarning'],
    testTimeout: 30_000,
    // A beforeAll may do a test's worth of work (docs.test.ts runs TypeDoc, bounded at 25 s): the
    // default 10 s failed it on a loaded machine.
    hookTimeout: 30_000,
    reporters: ['default'],
    setupFiles: process.env.HERDCACHE_GCOV === '1' ? ['__tests__/support/gcov-exit.ts'] : [],
    coverage: {
      provider: 'v8',
      // dist/ too, for the suites that run on the built package: its source maps (see
      // tsconfig.build.json) map what they run back to lib/*.ts, where it adds to the rest.
      include: ['lib/**/*.ts', 'dist/**/*.js'],
      reporter: ['text', 'json-summary', 'html'],
      reportsDirectory: 'coverage/lib',
    },
    projects: [
      {
        extends: true,
        test: {
          name: fromSource ? 'source' : 'dist',
          include: ['__tests__/**/*.test.ts'],
          exclude: [...BUILT, ...REDIS],
        },
        resolve: fromSource
          ? { alias: [{ find: /^(?:\.\.\/)+dist\/(.*)\.js$/, replacement: `${lib}$1.ts` }] }
          : {},
      },
      { extends: true, test: { name: 'built', include: [...BUILT, ...BOTH] } },
    ],
  },
})
