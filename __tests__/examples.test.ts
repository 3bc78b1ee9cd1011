// Every file in examples/ runs here, found by listing the directory, so no example can rot
// unnoticed: a program (`.mjs`) with node, a test file (`.test.mjs`) through vitest. Each
// example lists what it prints in `// expect: ` comment lines.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisServer, startRedis } from './support/redis.js'

const root = join(__dirname, '..')
const examplesDir = join(root, 'examples')
const files = readdirSync(examplesDir).sort()
const EXPECT = '// expect: '
// spawnSync blocks the worker, so a hung example must be stopped before vitest's test timeout.
const RUN_TIMEOUT_MS = 20_000

function expectedLines(file: string): string[] {
  return readFileSync(join(examplesDir, file), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(EXPECT))
    .map((line) => line.slice(EXPECT.length).trimEnd())
}

function linesOf(output: string): string[] {
  const lines = output.split('\n').map((line) => line.trimEnd())
  if (lines.at(-1) === '') lines.pop()
  return lines
}

// The fleet example needs a Redis it may flush: one of its own, on a free port.
let redis: RedisServer
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
})

/** Runs an example program with node, as a reader would. */
function runProgram(file: string) {
  return spawnSync(process.execPath, [join(examplesDir, file)], {
    cwd: root,
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
    env: { ...process.env, REDIS_URL: redis.url },
  })
}

/** Runs an example test file in a vitest of its own, with a config that includes examples/. */
function runTestFile(file: string) {
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs')
  const config = join(__dirname, 'support', 'examples.vitest.config.mts')
  // This suite's own vitest worker settings must not leak into the child's.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')),
  )
  return spawnSync(
    process.execPath,
    [vitest, 'run', '--root', root, '--config', config, join('examples', file)],
    { cwd: root, encoding: 'utf8', timeout: RUN_TIMEOUT_MS, env: { ...env, NO_COLOR: '1' } },
  )
}

/** The expected lines that do not appear, in order, among the output's lines. */
function missingInOrder(expected: string[], output: string[]): string[] {
  const trimmed = output.map((line) => line.trim())
  let from = 0
  const missing: string[] = []
  for (const line of expected) {
    const at = trimmed.indexOf(line.trim(), from)
    if (at < 0) missing.push(line)
    else from = at + 1
  }
  return missing
}

describe('examples/', () => {
  it('holds only example programs (.mjs) and example test files (.test.mjs)', () => {
    expect(files.filter((file) => !file.endsWith('.mjs'))).toEqual([])
    expect(files.length).toBeGreaterThan(0)
  })

  for (const file of files.filter((name) => name.endsWith('.mjs'))) {
    it(`${file} lists what it prints in // expect: lines`, () => {
      expect(expectedLines(file).length).toBeGreaterThan(0)
    })

    if (file.endsWith('.test.mjs')) {
      it(`${file} passes under vitest, reporting its // expect: lines`, () => {
        const run = runTestFile(file)
        const output = linesOf(run.stdout + run.stderr)
        expect(
          { status: run.status, missing: missingInOrder(expectedLines(file), output) },
          output.join('\n'),
        ).toEqual({ status: 0, missing: [] })
      })
    } else {
      it(`${file} runs with node and prints exactly its // expect: lines`, () => {
        const run = runProgram(file)
        expect({ status: run.status, stderr: run.stderr, stdout: linesOf(run.stdout) }).toEqual({
          status: 0,
          stderr: '',
          stdout: expectedLines(file),
        })
      })
    }
  }
})
