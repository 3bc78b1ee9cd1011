#!/usr/bin/env node
// Test coverage, as `npm run coverage` measures it, in three areas:
//
// - lib/: vitest with V8 coverage. The suites that import `../dist/*.js` run against lib/*.ts
//   (vitest.config.mts), so V8's counts map to the TypeScript source.
// - native/core: gcov, through the GoogleTest suite built with -DHERDCACHE_COVERAGE=ON in
//   build-coverage/ (the core is what GoogleTest tests; the JS suites only reach it through the
//   binding, so they are not counted here).
// - native/binding: gcov, through the same vitest run, with the addon built with coverage into
//   build-coverage-addon/ and loaded from there (HERDCACHE_ADDON names the file). A lower
//   bound that varies from run to run, so it has no floor: gcov writes a process's counts when
//   it exits, vitest stops its worker processes with SIGTERM (__tests__/support/gcov-exit.ts
//   makes that an exit) and kills any still running 500 ms later, which on a busy machine loses
//   some workers' counts.
//
// Prints lines and branches per area (reports in coverage/), and checks each number against its
// floor in scripts/coverage-floors.json. The last line is `coverage: N passed, M failed`: the
// tests of both runs, plus one failure per floor not reached or area not measured. `npm test --
// --coverage` (CI) runs this in place of its plain vitest and GoogleTest runs.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { ctest, run } from './run-command.mjs'
import { printResults, vitestCounts } from './vitest-report.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const reports = join(root, 'coverage')
const coreBuild = 'build-coverage'
const addonBuild = 'build-coverage-addon'

/** Deletes the gcov counts (.gcda) under `dir`, so a run counts only itself. */
function removeCounts(dir) {
  if (!existsSync(dir)) return
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.gcda')) rmSync(join(entry.parentPath, entry.name))
  }
}

/** `{ covered, total }` of lines and branches in one area, from a gcovr JSON summary. */
function gcovrTotals(file) {
  const summary = JSON.parse(readFileSync(file, 'utf8'))
  return {
    lines: { covered: summary.line_covered, total: summary.line_total },
    branches: { covered: summary.branch_covered, total: summary.branch_total },
  }
}

/** `{ covered, total }` of lines and branches in lib/, from vitest's json-summary report. */
function v8Totals(file) {
  const { total } = JSON.parse(readFileSync(file, 'utf8'))
  return {
    lines: { covered: total.lines.covered, total: total.lines.total },
    branches: { covered: total.branches.covered, total: total.branches.total },
  }
}

/** gcovr over the counts in `buildDir` for the sources under `filter`; text report printed. */
async function gcovr(area, buildDir, filter) {
  const name = area.replace(/\W+/g, '-')
  const summary = join(reports, `${name}.json`)
  rmSync(summary, { force: true })
  // Branches that only exceptions take (every call that may throw has one) are left out: they
  // measure the compiler's unwinding paths, not the code's decisions.
  const { ok } = await run(root, `gcovr ${area}`, 'gcovr', [
    '--root',
    '.',
    '--filter',
    filter,
    '--exclude-throw-branches',
    '--exclude-unreachable-branches',
    '--txt',
    '--json-summary',
    summary,
    '--html-details',
    join(reports, name, 'index.html'),
    buildDir,
  ])
  if (!ok || !existsSync(summary)) throw new Error('gcovr failed')
  return gcovrTotals(summary)
}

const percent = ({ covered, total }) => (total === 0 ? 100 : (100 * covered) / total)

/**
 * Runs both measured suites and returns `{ results, areas }`: test counts as run-tests.mjs
 * collects them (`{ label, passed, failed, note? }`, floors included), and per area its lines
 * and branches.
 */
export async function measureCoverage() {
  const results = []
  const areas = []
  rmSync(reports, { recursive: true, force: true })
  mkdirSync(join(reports, 'native-binding'), { recursive: true })
  mkdirSync(join(reports, 'native-core'), { recursive: true })

  // dist/ must match lib/: the suites that run on it count towards lib/ through its source maps.
  if (
    !(await run(root, 'coverage: TypeScript build', 'npx', ['tsc', '-p', 'tsconfig.build.json'])).ok
  ) {
    results.push({ label: 'TypeScript build', passed: 0, failed: 1, note: 'did not build' })
  }
  const addon = await run(root, 'coverage: addon build', 'npx', [
    'cmake-js',
    'compile',
    '--debug',
    '--out',
    join(addonBuild, 'build'),
    '--CDHERDCACHE_COVERAGE=ON',
  ])
  removeCounts(join(root, addonBuild))
  const vitestJson = join(reports, 'vitest-results.json')
  await run(
    root,
    'coverage: vitest',
    'npx',
    [
      'vitest',
      'run',
      '--coverage',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${vitestJson}`,
    ],
    addon.ok
      ? {
          env: {
            HERDCACHE_ADDON: join(root, addonBuild, 'build', 'Debug', 'herdcache.node'),
            HERDCACHE_GCOV: '1',
          },
        }
      : {},
  )
  results.push({ label: 'vitest (coverage)', ...vitestCounts(vitestJson) })

  const libSummary = join(reports, 'lib', 'coverage-summary.json')
  if (existsSync(libSummary)) areas.push({ area: 'lib/', ...v8Totals(libSummary) })
  else areas.push({ area: 'lib/', missing: 'no V8 coverage summary' })
  if (!addon.ok) areas.push({ area: 'native/binding', missing: 'the addon did not build' })
  else {
    try {
      areas.push({
        area: 'native/binding',
        ...(await gcovr('native/binding', addonBuild, 'native/binding/')),
      })
    } catch (error) {
      areas.push({ area: 'native/binding', missing: error.message })
    }
  }

  removeCounts(join(root, coreBuild))
  const core = await ctest(root, 'GoogleTest (coverage)', coreBuild, ['-DHERDCACHE_COVERAGE=ON'])
  results.push(core)
  try {
    areas.push({ area: 'native/core', ...(await gcovr('native/core', coreBuild, 'native/core/')) })
  } catch (error) {
    areas.push({ area: 'native/core', missing: error.message })
  }

  const floors = JSON.parse(readFileSync(join(root, 'scripts', 'coverage-floors.json'), 'utf8'))
  console.log('\n== coverage (floors in scripts/coverage-floors.json; reports in coverage/)')
  console.log(`${'area'.padEnd(16)}${'lines'.padEnd(24)}branches`)
  const order = ['lib/', 'native/core', 'native/binding']
  areas.sort((a, b) => order.indexOf(a.area) - order.indexOf(b.area))
  for (const area of areas) {
    if (area.missing) {
      console.log(`${area.area.padEnd(16)}not measured: ${area.missing}`)
      results.push({ label: `coverage of ${area.area}`, passed: 0, failed: 1, note: area.missing })
      continue
    }
    const cells = ['lines', 'branches'].map((kind) => {
      const { covered, total } = area[kind]
      const floor = floors[area.area]?.[kind] ?? 0
      const value = percent(area[kind])
      if (value < floor) {
        results.push({
          label: `coverage of ${area.area} ${kind}`,
          passed: 0,
          failed: 1,
          note: `${value.toFixed(2)}% is below the floor of ${floor}%`,
        })
      }
      return `${value.toFixed(2)}% (${covered}/${total})${value < floor ? ' LOW' : ''}`.padEnd(24)
    })
    console.log(`${area.area.padEnd(16)}${cells.join('')}`)
  }
  return { results, areas }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { results } = await measureCoverage()
  console.log('')
  const { passed, failed } = printResults(results)
  console.log(`coverage: ${passed} passed, ${failed} failed`)
  process.exitCode = failed === 0 ? 0 : 1
}
