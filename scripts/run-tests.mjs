#!/usr/bin/env node
// The whole test suite, as `npm test` runs it: build the TypeScript, lint (tsc, eslint,
// clang-format, clang-tidy), vitest, then the GoogleTest suite through ctest. Ends with one line,
// `tests: N passed, M failed`, summing vitest and GoogleTest. With --sanitize, the GoogleTest
// suite also runs in an AddressSanitizer + UndefinedBehaviorSanitizer build.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const sanitize = process.argv.includes('--sanitize')
const results = []
let broken = false

function run(label, command, args, { capture = false, env } = {}) {
  console.log(`\n== ${label}: ${command} ${args.join(' ')}`)
  const child = spawnSync(command, args, {
    cwd: root,
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    env: env ? { ...process.env, ...env } : process.env,
  })
  if (capture) process.stdout.write(child.stdout ?? '')
  if (child.error) console.error(child.error.message)
  return { ok: child.status === 0, stdout: child.stdout ?? '' }
}

function step(label, command, args) {
  if (!run(label, command, args).ok) {
    console.error(`${label} failed`)
    broken = true
  }
}

function ctest(label, buildDir, cmakeArgs) {
  const configured = run(`${label} configure`, 'cmake', [
    '-S', '.', '-B', buildDir, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Debug', ...cmakeArgs,
  ])
  if (!configured.ok || !run(`${label} build`, 'cmake', ['--build', buildDir]).ok) {
    results.push({ label, passed: 0, failed: 1, note: 'did not build' })
    return
  }
  const { stdout } = run(label, 'ctest', ['--test-dir', buildDir, '--output-on-failure', '-j2'], {
    capture: true,
  })
  const summary = /(\d+)% tests passed, (\d+) tests? failed out of (\d+)/.exec(stdout)
  if (!summary) {
    results.push({ label, passed: 0, failed: 1, note: 'no ctest summary' })
    return
  }
  const failed = Number(summary[2])
  results.push({ label, passed: Number(summary[3]) - failed, failed })
}

step('build TypeScript', 'npx', ['tsc', '-p', 'tsconfig.build.json'])
step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json'])
step('eslint', 'npx', ['eslint', '.'])
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
step('clang-format', 'clang-format', ['--dry-run', '--Werror', ...nativeSources])
// The addon's build (npm install) leaves the compile commands clang-tidy needs.
const tidySources = nativeSources.filter((file) => /^native\/(core|binding)\/.*\.cc$/.test(file))
step('clang-tidy', 'clang-tidy', ['-p', 'build', '--quiet', ...tidySources])

const vitestJson = join(root, '.vitest-results.json')
rmSync(vitestJson, { force: true })
run('vitest', 'npx', [
  'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`,
])
if (existsSync(vitestJson)) {
  const report = JSON.parse(readFileSync(vitestJson, 'utf8'))
  // Suites that fail to load count as failures too.
  const failedFiles = report.testResults.filter(
    (file) => file.status === 'failed' && file.assertionResults.length === 0,
  ).length
  results.push({
    label: 'vitest',
    passed: report.numPassedTests,
    failed: report.numFailedTests + report.numPendingTests + report.numTodoTests + failedFiles,
  })
} else {
  results.push({ label: 'vitest', passed: 0, failed: 1, note: 'no report' })
}

ctest('GoogleTest', 'build-tests', [])
if (sanitize) ctest('GoogleTest (ASan+UBSan)', 'build-asan', ['-DHERDCACHE_SANITIZE=address,undefined'])

console.log('\n== summary')
for (const { label, passed, failed, note } of results) {
  console.log(`${label}: ${passed} passed, ${failed} failed${note ? ` (${note})` : ''}`)
}
if (broken) console.log('a build or lint step failed (see above); counted as 1 failure')
const passed = results.reduce((sum, r) => sum + r.passed, 0)
const failed = results.reduce((sum, r) => sum + r.failed, 0) + (broken ? 1 : 0)
console.log(`tests: ${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
