// Steps of the test scripts (run-tests.mjs, coverage.mjs): a command with its output shown, and
// the GoogleTest suite built and run through ctest.
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'

import { ctestCounts } from './ctest-report.mjs'

/**
 * Runs `command` in `cwd` with inherited output, after a `== label` heading; with `capture`,
 * also returns its stdout. `env` adds to this process's environment. With `quiet`, output lines
 * matching it are dropped (both streams, whole lines). Never rejects: `ok` is false when the
 * command could not start or exited non-zero.
 */
export async function run(cwd, label, command, args, { capture = false, env, quiet } = {}) {
  console.log(`\n== ${label}: ${command} ${args.join(' ')}`)
  const child = spawn(command, args, {
    cwd,
    stdio: capture || quiet ? ['ignore', 'pipe', quiet ? 'pipe' : 'inherit'] : 'inherit',
    env: env ? { ...process.env, ...env } : process.env,
  })
  let stdout = ''
  const out = lines(process.stdout, quiet)
  const err = lines(process.stderr, quiet)
  child.stdout?.setEncoding('utf8').on('data', (chunk) => {
    stdout += out(chunk)
  })
  child.stderr?.setEncoding('utf8').on('data', err)
  const status = await new Promise((resolve) => {
    child.on('error', (error) => {
      console.error(error.message)
      resolve(null)
    })
    child.on('close', resolve)
  })
  stdout += out.flush()
  err.flush()
  return { ok: status === 0, stdout }
}

// Passes output on to `stream`, dropping the lines `quiet` matches: whole lines only, so a
// chunk's unfinished last line waits for the next chunk (or flush()). Returns what it passed.
function lines(stream, quiet) {
  let partial = ''
  const write = (text) => {
    if (quiet && quiet.test(text)) return ''
    stream.write(text)
    return text
  }
  const onData = (chunk) => {
    if (!quiet) return write(chunk)
    const parts = (partial + chunk).split(/(?<=\n)/)
    partial = parts.at(-1).endsWith('\n') ? '' : parts.pop()
    return parts.map(write).join('')
  }
  onData.flush = () => write(partial)
  return onData
}

/**
 * Configures and builds the plain CMake project (the GoogleTest suite) in `buildDir` as a Debug
 * build with `cmakeArgs` added, runs it with ctest (only the tests whose names match the regular
 * expression `filter`, when given: ctest -R), and returns `{ label, passed, failed, note? }`
 * counted from ctest's JUnit report (see ctest-report.mjs). A failed build is one failure, and so
 * is a filter that matches no test.
 */
export async function ctest(cwd, label, buildDir, cmakeArgs, { filter } = {}) {
  const configured = await run(cwd, `${label} configure`, 'cmake', [
    '-S',
    '.',
    '-B',
    buildDir,
    '-G',
    'Ninja',
    '-DCMAKE_BUILD_TYPE=Debug',
    ...cmakeArgs,
  ])
  if (!configured.ok || !(await run(cwd, `${label} build`, 'cmake', ['--build', buildDir])).ok) {
    return { label, passed: 0, failed: 1, note: 'did not build' }
  }
  const junit = join(cwd, buildDir, 'ctest-junit.xml')
  rmSync(junit, { force: true })
  const ctestArgs = ['--test-dir', buildDir, '--output-on-failure', '-j2', '--output-junit', junit]
  if (filter) ctestArgs.push('-R', filter)
  const { ok } = await run(cwd, label, 'ctest', ctestArgs)
  const counts = ctestCounts(junit)
  // ctest failing with every listed test passed (a crash while listing, say) is still a failure.
  if (!ok && counts.failed === 0) {
    return { label, passed: counts.passed, failed: 1, note: 'ctest failed with no test failing' }
  }
  return { label, ...counts }
}
