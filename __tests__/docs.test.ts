// The documentation stays true to the code: docs/api is what TypeDoc makes of lib/ today, every
// export carries a doc comment, and the code the guides show is the code examples/ runs.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = join(__dirname, '..')
const guidesDir = join(root, 'docs', 'guides')
const typedocBin = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc')
const REGENERATE = 'run `npm run docs` and commit the result'
const EXPECT = '// expect: '

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
  // A whole TypeDoc run: past vitest's 10 s hook default on two busy cores.
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'herdcache-docs-'))
    generated = typedoc(['--out', join(scratch, 'api')])
    // TypeDoc takes a few seconds alone, and far longer on a loaded two-core machine.
  }, 180_000)
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

describe('guides (docs/guides)', () => {
  const guides = readdirSync(guidesDir).filter((file) => file.endsWith('.md'))
  const INCLUDE = /^<!-- include (\S+?)(?:#(\S+))? -->$/

  function source(path: string, region: string | undefined): string {
    const text = readFileSync(join(root, path), 'utf8').replace(/\n$/, '')
    if (region === undefined) return text
    if (region === 'expect') {
      return text
        .split('\n')
        .filter((line) => line.startsWith(EXPECT))
        .map((line) => line.slice(EXPECT.length))
        .join('\n')
    }
    const lines = text.split('\n')
    const start = lines.findIndex((line) => line.trim() === `// #region ${region}`)
    const end = lines.findIndex((line) => line.trim() === `// #endregion ${region}`)
    expect(start >= 0 && end > start, `${path} has a region '${region}'`).toBe(true)
    const indent = /^ */.exec(lines[start]!)![0].length
    return lines
      .slice(start + 1, end)
      .map((line) => line.slice(Math.min(indent, /^ */.exec(line)![0].length)))
      .join('\n')
  }

  it('exist', () => {
    expect(guides.sort()).toEqual([
      'eviction-policy.md',
      'express.md',
      'fleet.md',
      'from-cache-manager.md',
      'from-lru-cache.md',
      'shared.md',
      'testing.md',
    ])
  })

  for (const guide of guides) {
    it(`${guide} shows the examples' code exactly (if not, run \`npm run docs\`)`, () => {
      const lines = readFileSync(join(guidesDir, guide), 'utf8').split('\n')
      let includes = 0
      lines.forEach((line, i) => {
        const include = INCLUDE.exec(line)
        if (!include) return
        includes += 1
        const [, path = '', region] = include
        const close = lines.indexOf('```', i + 2)
        expect(lines[i + 1], `${guide}:${i + 2} opens a code block`).toMatch(/^```\w+$/)
        expect(close, `${guide}:${i + 2} closes its code block`).toBeGreaterThan(i)
        expect(lines.slice(i + 2, close).join('\n'), `${guide}:${i + 1} quotes ${line}`).toBe(
          source(path, region),
        )
      })
      expect(includes, `${guide} quotes at least one example`).toBeGreaterThan(0)
    })

    it(`${guide} links only to files that exist`, () => {
      const text = readFileSync(join(guidesDir, guide), 'utf8')
      const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
        .map((match) => match[1]!.split('#')[0]!)
        .filter((target) => target !== '' && !/^[a-z]+:/.test(target))
      const broken = targets.filter((target) => !existsSync(join(guidesDir, target)))
      expect(broken).toEqual([])
    })
  }
})
