// The documentation stays true to the code: docs/api is what TypeDoc makes of lib/ today, and
// every export carries a doc comment.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = join(__dirname, '..')
const typedocBin = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc')
const REGENERATE = 'run `npm run docs` and commit the result'

function typedoc(args: string[]) {
  const run = spawnSync(process.execPath, [typedocBin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 25_000,
  })
  return { status: run.status, output: run.stdout + run.stderr }
}

/** Every file under `dir`, as paths relative to it, sorted. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort()
}

/** The TypeDoc lines that are warnings or errors. */
function problems(output: string): string[] {
  return output.split('\n').filter((line) => /\[(warning|error)\]/.test(line))
}

describe('API reference (docs/api)', () => {
  let scratch: string
  let generated: { status: number | null; output: string }
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'herdcache-docs-'))
    generated = typedoc(['--out', join(scratch, 'api')])
  })
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true })
  })

  it('generates without a warning: every export is documented and every link resolves', () => {
    expect({ status: generated.status, problems: problems(generated.output) }).toEqual({
      status: 0,
      problems: [],
    })
  })

  it(`is up to date with lib/ (if not, ${REGENERATE})`, () => {
    const fresh = join(scratch, 'api')
    const committed = join(root, 'docs', 'api')
    const files = filesUnder(fresh)
    expect(filesUnder(committed), REGENERATE).toEqual(files)
    for (const file of files) {
      const now = readFileSync(join(fresh, file), 'utf8')
      expect(readFileSync(join(committed, file), 'utf8'), `docs/api/${file}: ${REGENERATE}`).toBe(
        now,
      )
    }
  })

  it('fails the TypeDoc run on an undocumented export or a broken link', () => {
    // The project's own TypeDoc settings, pointed at a fixture with one of each.
    writeFileSync(
      join(scratch, 'fixture.ts'),
      [
        '/** Documented. */',
        'export const documented = 1',
        'export const undocumented = 2',
        '/** Refers to {@link Nowhere}. */',
        'export const linked = 3',
        '',
      ].join('\n'),
    )
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, target: 'ES2022', skipLibCheck: true, types: [] },
        files: ['fixture.ts'],
      }),
    )
    const options = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as object
    writeFileSync(
      join(scratch, 'typedoc.json'),
      JSON.stringify({
        ...options,
        name: 'fixture',
        entryPoints: [join(scratch, 'fixture.ts')],
        tsconfig: join(scratch, 'tsconfig.json'),
        out: join(scratch, 'fixture-api'),
      }),
    )
    const run = typedoc(['--options', join(scratch, 'typedoc.json')])
    expect(run.status).not.toBe(0)
    expect(problems(run.output)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/undocumented .*does not have any documentation/),
        expect.stringContaining('Failed to resolve link to "Nowhere"'),
      ]),
    )
    expect(existsSync(join(scratch, 'fixture-api'))).toBe(false)
  })
})
