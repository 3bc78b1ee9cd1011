#!/usr/bin/env node
// The whole test suite, as `npm test` runs it: build the TypeScript, lint (tsc, eslint, knip,
// clang-format, clang-tidy), vitest, then the GoogleTest suite through ctest. Ends with one line,
// `tests: N passed, M failed`, summing every part. With --sanitize, the GoogleTest suite also runs
// in an AddressSanitizer + UndefinedBehaviorSanitizer build. With --packaging (CI), it also checks
// the npm package (scripts/pack-check.mjs) and runs vitest on Node 20, 22, 24 and 26 against the
// packed prebuilt addon (scripts/node-matrix.mjs).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { vitestCounts } from './vitest-report.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const sanitize = process.argv.includes('--sanitize')
const packaging = process.argv.includes('--packaging')
const results = []
let broken = false

/** Runs a command with inherited output; with `capture`, also returns its stdout. */
async function run(label, command, args, { capture = false, env } = {}) {
  console.log(`\n== ${label}: ${command} ${args.join(' ')}`)
  const child = spawn(command, args, {
    cwd: root,
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    env: env ? { ...process.env, ...env } : process.env,
  })
  let stdout = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk) => {
    process.stdout.write(chunk)
    stdout += chunk
  })
  const status = await new Promise((resolve) => {
    child.on('error', (error) => {
      console.error(error.message)
      resolve(null)
    })
    child.on('close', resolve)
  })
  return { ok: status === 0, stdout }
}

async function step(label, command, args) {
  if (!(await run(label, command, args)).ok) {
    console.error(`${label} failed`)
    broken = true
  }
}

async function ctest(label, buildDir, cmakeArgs) {
  const configured = await run(`${label} configure`, 'cmake', [
    '-S', '.', '-B', buildDir, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Debug', ...cmakeArgs,
  ])
  if (!configured.ok || !(await run(`${label} build`, 'cmake', ['--build', buildDir])).ok) {
    results.push({ label, passed: 0, failed: 1, note: 'did not build' })
    return
  }
  const ctestArgs = ['--test-dir', buildDir, '--output-on-failure', '-j2']
  const { stdout } = await run(label, 'ctest', ctestArgs, { capture: true })
  const summary = /(\d+)% tests passed, (\d+) tests? failed out of (\d+)/.exec(stdout)
  if (!summary) {
    results.push({ label, passed: 0, failed: 1, note: 'no ctest summary' })
    return
  }
  const failed = Number(summary[2])
  results.push({ label, passed: Number(summary[3]) - failed, failed })
}

// A script that ends with `<name>: N passed, M failed`.
async function script(label, file, args = []) {
  const { stdout } = await run(label, process.execPath, [file, ...args], { capture: true })
  const summary = [...stdout.matchAll(/^[\w-]+: (\d+) passed, (\d+) failed$/gm)].at(-1)
  if (summary) results.push({ label, passed: Number(summary[1]), failed: Number(summary[2]) })
  else results.push({ label, passed: 0, failed: 1, note: 'no summary line' })
}

await step('build TypeScript', 'npx', ['tsc', '-p', 'tsconfig.build.json'])
await step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json'])
await step('eslint', 'npx', ['eslint', '.'])
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
// The addon's build (npm install) leaves the compile commands clang-tidy needs.
const tidySources = nativeSources.filter((file) => /^native\/(core|binding)\/.*\.cc$/.test(file))
await step('clang-tidy', 'clang-tidy', ['-p', 'build', '--quiet', ...tidySources])

const vitestJson = join(root, '.vitest-results.json')
rmSync(vitestJson, { force: true })
await run('vitest', 'npx', [
  'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`,
])
results.push({ label: 'vitest', ...vitestCounts(vitestJson) })

await ctest('GoogleTest', 'build-tests', [])
if (sanitize) {
  await ctest('GoogleTest (ASan+UBSan)', 'build-asan', ['-DHERDCACHE_SANITIZE=address,undefined'])
}

if (packaging) {
  await script('pack check', 'scripts/pack-check.mjs')
  // `npm pack` has just built the prebuild that the tarball ships: the matrix tests that file.
  await script('Node matrix (prebuilt addon)', 'scripts/node-matrix.mjs', ['--no-build'])
}

console.log('\n== summary')
for (const { label, passed, failed, note } of results) {
  console.log(`${label}: ${passed} passed, ${failed} failed${note ? ` (${note})` : ''}`)
}
if (broken) console.log('a build or lint step failed (see above); counted as 1 failure')
const passed = results.reduce((sum, r) => sum + r.passed, 0)
const failed = results.reduce((sum, r) => sum + r.failed, 0) + (broken ? 1 : 0)
console.log(`tests: ${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
