#!/usr/bin/env node
// The whole test suite, as `npm test` runs it: build the addon and the TypeScript, lint (tsc, eslint, Biome's
// format check, knip, clang-format, clang-tidy), vitest, then the GoogleTest suite through ctest.
// Ends with one line, `tests: N passed, M failed`, summing every part. With --sanitize, the
// GoogleTest suite and vitest also run against AddressSanitizer + UndefinedBehaviorSanitizer
// builds, and the shared store's GoogleTest tests (the ones that run threads) against a
// ThreadSanitizer build. With --packaging (CI), it also checks the npm packages
// (scripts/pack-check.mjs) and runs vitest on Node 20, 22, 24 and 26 against the addon of the
// packed platform package (scripts/node-matrix.mjs). With --arm64 (CI), it cross-builds the
// linux-arm64-gnu addon and runs the addon suites on an arm64 node under qemu
// (scripts/emulated-tests.mjs).
// With --coverage (CI), vitest and the GoogleTest suite run instrumented instead
// (scripts/coverage.mjs), and a coverage floor not reached fails.
import { spawnSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { measureCoverage } from './coverage.mjs'
import { ctest, run as runIn } from './run-command.mjs'
import { printResults, vitestCounts } from './vitest-report.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const sanitize = process.argv.includes('--sanitize')
const packaging = process.argv.includes('--packaging')
const coverage = process.argv.includes('--coverage')
const arm64 = process.argv.includes('--arm64')
const results = []
let broken = false

function run(label, command, args, options) {
  return runIn(root, label, command, args, options)
}

async function step(label, command, args, options) {
  if (!(await run(label, command, args, options)).ok) {
    console.error(`${label} failed`)
    broken = true
  }
}

// A script that ends with `<name>: N passed, M failed`.
async function script(label, file, args = []) {
  const { stdout } = await run(label, process.execPath, [file, ...args], { capture: true })
  const summary = [...stdout.matchAll(/^[\w-]+: (\d+) passed, (\d+) failed$/gm)].at(-1)
  // Its failed tests' names, as it printed them (printResults), go to the summary too.
  const failures = [...stdout.matchAll(/^ +failed test: (.*)$/gm)].map((match) => match[1])
  if (summary) {
    results.push({ label, passed: Number(summary[1]), failed: Number(summary[2]), failures })
  } else results.push({ label, passed: 0, failed: 1, note: 'no summary line' })
}

// vitest again, with the addon built under AddressSanitizer and UndefinedBehaviorSanitizer and
// loaded into an ordinary Node: ASan's runtime is preloaded (it must come first), and its leak
// check is off because Node itself leaves memory to the OS at exit. Suites that only spawn other
// programs (docs, examples, packaging, the demo) add nothing here and are left out, and so are
// the fleet tier's (HERDCACHE_TEST_REDIS=0), which load no addon.
async function sanitizedVitest() {
  const label = 'vitest (ASan+UBSan addon)'
  const out = 'build-asan-addon'
  const built = await run(`${label} build`, 'npx', [
    'cmake-js',
    'compile',
    '--out',
    out,
    '--config',
    'RelWithDebInfo',
    '--CDHERDCACHE_SANITIZE=address,undefined',
  ])
  const libasan = spawnSync('gcc', ['-print-file-name=libasan.so'], {
    encoding: 'utf8',
  }).stdout.trim()
  if (!built.ok || !existsSync(libasan)) {
    results.push({ label, passed: 0, failed: 1, note: 'did not build' })
    return
  }
  const json = join(root, '.vitest-asan-results.json')
  rmSync(json, { force: true })
  await run(
    label,
    'npx',
    [
      'vitest',
      'run',
      '--reporter=dot',
      '--reporter=json',
      `--outputFile.json=${json}`,
      '--exclude',
      '__tests__/{docs,examples,packaging,demo}.test.ts',
      // Instrumented code runs a few times slower; the worker tests start hundreds of threads.
      '--testTimeout=180000',
      '--hookTimeout=180000',
    ],
    {
      env: {
        HERDCACHE_ADDON: join(root, out, 'RelWithDebInfo', 'herdcache.node'),
        LD_PRELOAD: libasan,
        // A small quarantine, so that memory freed is reused soon and RSS tells a leak (the
        // shared store's open/close test bounds RSS growth; the default holds 256 MB back).
        ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:quarantine_size_mb=32',
        UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
        HERDCACHE_TEST_REDIS: '0',
      },
    },
  )
  results.push({ label, ...vitestCounts(json) })
  rmSync(json, { force: true })
}

// build/Release/herdcache.node, which the tests load (npm install builds nothing), with the
// compile commands clang-tidy reads.
await step('build addon', process.execPath, ['scripts/build-from-source.cjs'])
await step('build TypeScript', 'npx', ['tsc', '-p', 'tsconfig.build.json'])
await step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json'])
// The examples' JavaScript, against the types just built into dist/.
await step('typecheck examples', 'npx', ['tsc', '-p', 'tsconfig.examples.json'])
await step('eslint', 'npx', ['eslint', '.'])
// The TypeScript and JavaScript as Biome formats them (`npm run format` fixes it).
await step('biome format', 'npx', ['biome', 'format'])
// Unused files, exports and dependencies; tsconfig.build.json maps dist/ imports back to lib/.
await step('knip', 'npx', ['knip', '--tsConfig', 'tsconfig.build.json', '--no-progress'])
const nativeSources = ['native/core', 'native/binding', 'native/test', 'native/bench']
  .filter((dir) => existsSync(join(root, dir)))
  .flatMap((dir) =>
    spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', dir], {
      cwd: root,
      encoding: 'utf8',
    })
      .stdout.split('\n')
      .filter((file) => /\.(cc|h)$/.test(file)),
  )
await step('clang-format', 'clang-format', ['--dry-run', '--Werror', ...nativeSources])
// The addon's build (the first step) leaves the compile commands clang-tidy needs.
const tidySources = nativeSources.filter((file) => /^native\/(core|binding)\/.*\.cc$/.test(file))
// clang-tidy counts the warnings it suppressed in headers outside the filter ("13915 warnings
// generated."): a line a newcomer would take for a failure. Its real findings are errors.
await step('clang-tidy', 'clang-tidy', ['-p', 'build', '--quiet', ...tidySources], {
  quiet: /^\d+ warnings? generated\.\n?$/,
})

if (coverage) {
  // The same two suites, instrumented, with each area's coverage checked against its floor.
  results.push(...(await measureCoverage()).results)
} else {
  const vitestJson = join(root, '.vitest-results.json')
  rmSync(vitestJson, { force: true })
  await run('vitest', 'npx', [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${vitestJson}`,
  ])
  results.push({ label: 'vitest', ...vitestCounts(vitestJson) })
  results.push(await ctest(root, 'GoogleTest', 'build-tests', []))
}
if (sanitize) {
  results.push(
    await ctest(root, 'GoogleTest (ASan+UBSan)', 'build-asan', [
      '-DHERDCACHE_SANITIZE=address,undefined',
    ]),
  )
  // Only the tests that run threads (SharedStore*, SharedRegistry*): the rest of the suite is
  // single-threaded, so ThreadSanitizer could report nothing there, and it would triple the run.
  results.push(
    await ctest(
      root,
      'GoogleTest (TSan, shared store)',
      'build-tsan',
      ['-DHERDCACHE_SANITIZE=thread'],
      { filter: '^Shared' },
    ),
  )
  await sanitizedVitest()
}

if (packaging) {
  await script('pack check', 'scripts/pack-check.mjs')
  // pack-check has just built the platform package it packed: the matrix tests that file.
  await script('Node matrix (platform package addon)', 'scripts/node-matrix.mjs', ['--no-build'])
}
if (arm64) await script('vitest on arm64 (qemu)', 'scripts/emulated-tests.mjs')

console.log('\n== summary')
const { passed, failed: failedTests } = printResults(results)
if (broken) console.log('a build or lint step failed (see above); counted as 1 failure')
const failed = failedTests + (broken ? 1 : 0)
console.log(`tests: ${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
