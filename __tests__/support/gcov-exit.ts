// Set up by vitest.config.mts for coverage runs only (HERDCACHE_GCOV=1, scripts/coverage.mjs).
// vitest stops its worker processes with SIGTERM, which ends a process without its exit
// handlers, and gcov writes the instrumented addon's counts from one. Exiting on SIGTERM runs
// them, so the suites that ran in the workers count towards native/binding.
const installed = Symbol.for('herdcache.gcovExit')
const state = globalThis as { [installed]?: true }
if (state[installed] === undefined) {
  state[installed] = true
  process.once('SIGTERM', () => process.exit())
}
