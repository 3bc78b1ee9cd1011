// scripts/vitest-report.mjs: how `npm test` counts vitest's JSON report. A suite whose worker
// process dies is reported by vitest as passed with no tests (and success: true), so the count
// must not take the report's word for it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

import { vitestCounts } from '../scripts/vitest-report.mjs'

const scratch = mkdtempSync(join(tmpdir(), 'herdcache-vitest-report-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

let written = 0
function reportFile(report: object): string {
  written += 1
  const file = join(scratch, `report-${written}.json`)
  writeFileSync(file, JSON.stringify(report))
  return file
}

const passedTest = { status: 'passed' }
function report(suites: { status: string; tests: number }[], counts: Record<string, number>) {
  return {
    numPassedTests: 0,
    numFailedTests: 0,
    numPendingTests: 0,
    numTodoTests: 0,
    success: true,
    ...counts,
    testResults: suites.map(({ status, tests }, i) => ({
      name: `/suite-${i}.test.ts`,
      status,
      assertionResults: Array(tests).fill(passedTest),
    })),
  }
}

describe('vitestCounts', () => {
  it('counts passed and failed tests', () => {
    const file = reportFile(
      report(
        [
          { status: 'passed', tests: 3 },
          { status: 'failed', tests: 2 },
        ],
        {
          numPassedTests: 4,
          numFailedTests: 1,
        },
      ),
    )
    expect(vitestCounts(file)).toMatchObject({ passed: 4, failed: 1 })
  })

  it('counts a suite whose worker died (marked passed, no tests) as a failure', () => {
    // What vitest 4 wrote when Node 24 killed the worker of a suite while it loaded.
    const file = reportFile(
      report(
        [
          { status: 'passed', tests: 1 },
          { status: 'passed', tests: 0 },
        ],
        { numPassedTests: 1 },
      ),
    )
    expect(vitestCounts(file)).toEqual({
      passed: 1,
      failed: 1,
      failures: ['/suite-1.test.ts (ran no test)'],
    })
  })

  it('counts a suite that failed to load, skipped and todo tests as failures', () => {
    const file = reportFile(
      report(
        [
          { status: 'failed', tests: 0 },
          { status: 'passed', tests: 3 },
        ],
        {
          numPassedTests: 1,
          numPendingTests: 1,
          numTodoTests: 1,
        },
      ),
    )
    expect(vitestCounts(file)).toMatchObject({ passed: 1, failed: 3 })
  })

  it('names each test that did not pass, by its file and full name', () => {
    const file = reportFile({
      ...report([], { numPassedTests: 1, numFailedTests: 1, numPendingTests: 1 }),
      testResults: [
        {
          name: join(process.cwd(), '__tests__', 'a.test.ts'),
          status: 'failed',
          assertionResults: [
            { status: 'passed', fullName: 'a passes' },
            { status: 'failed', fullName: 'a > fails' },
            { status: 'skipped', fullName: 'a > is skipped' },
          ],
        },
      ],
    })
    expect(vitestCounts(file)).toEqual({
      passed: 1,
      failed: 2,
      failures: [
        `${join('__tests__', 'a.test.ts')} > a > fails (failed)`,
        `${join('__tests__', 'a.test.ts')} > a > is skipped (skipped)`,
      ],
    })
  })

  it('counts a missing report as one failure', () => {
    expect(vitestCounts(join(scratch, 'none.json'))).toMatchObject({ passed: 0, failed: 1 })
  })
})
