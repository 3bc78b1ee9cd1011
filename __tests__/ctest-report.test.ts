// scripts/ctest-report.mjs: how `npm test` counts the GoogleTest suite from ctest's JUnit report.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

import { ctestCounts, parseJUnit } from '../scripts/ctest-report.mjs'

const scratch = mkdtempSync(join(tmpdir(), 'herdcache-junit-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

let written = 0
function reportFile(xml: string): string {
  written += 1
  const file = join(scratch, `report-${written}.xml`)
  writeFileSync(file, xml)
  return file
}

// The shape ctest 3.25 writes: attributes on their own lines, output as escaped text.
function suite(attributes: string, cases: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="(empty)"\n\t${attributes}\n\t>\n${cases}</testsuite>\n`
}
const passing = (name: string) =>
  `\t<testcase name="${name}" classname="${name}" time="0.01" status="run">\n\t\t<system-out>[  PASSED  ] 1 test.\n</system-out>\n\t</testcase>\n`
const failing = (name: string) =>
  `\t<testcase name="${name}" classname="${name}" time="0.01" status="fail">\n\t\t<failure message="Failed"/>\n\t\t<system-out>Expected: (a) &lt; (b)\n</system-out>\n\t</testcase>\n`

describe('ctestCounts', () => {
  it('counts the passing and failing test cases of a ctest report', () => {
    const file = reportFile(
      suite('tests="3"\n\tfailures="1"', passing('A.One') + failing('A.Two') + passing('B.One')),
    )
    expect(ctestCounts(file)).toEqual({ passed: 2, failed: 1, failures: ['A.Two (failed)'] })
  })

  it('fails a case with a <failure> or <error> child even when its status says it ran', () => {
    const cases =
      '<testcase name="A" status="run"><failure message="x"/></testcase>' +
      '<testcase name="B" status="run"><error message="crashed">SEGFAULT</error></testcase>' +
      '<testcase name="C" status="run"/>'
    expect(ctestCounts(reportFile(suite('tests="3"', cases)))).toEqual({
      passed: 1,
      failed: 2,
      failures: ['A (failed)', 'B (failed)'],
    })
  })

  it('counts skipped, not-run and disabled cases as failed, and says so', () => {
    const cases =
      '<testcase name="A" status="run"><skipped message="GTEST_SKIP"/></testcase>' +
      '<testcase name="B" status="notrun"/><testcase name="C" status="disabled"/>' +
      passing('D')
    expect(ctestCounts(reportFile(suite('tests="4"', cases)))).toEqual({
      passed: 1,
      failed: 3,
      failures: ['A (skipped)', 'B (skipped)', 'C (skipped)'],
      note: '3 skipped or disabled',
    })
  })

  it('ignores what looks like a failure inside CDATA and comments', () => {
    const cases =
      '<testcase name="A" status="run"><system-out><![CDATA[<failure message="fake"/>]]></system-out></testcase>' +
      '<!-- <testcase name="B" status="fail"><failure/></testcase> -->'
    expect(ctestCounts(reportFile(suite('tests="1"', cases)))).toEqual({
      passed: 1,
      failed: 0,
      failures: [],
    })
  })

  it('falls back on the <testsuite> counts when the report lists no cases', () => {
    const file = reportFile(
      suite('tests="10" failures="2" errors="1" skipped="1" disabled="0"', ''),
    )
    expect(ctestCounts(file)).toEqual({ passed: 6, failed: 4 })
  })

  it('counts a report of no tests as one failure', () => {
    expect(ctestCounts(reportFile(suite('tests="0"', '')))).toEqual({
      passed: 0,
      failed: 1,
      note: 'the JUnit report lists no tests',
    })
  })

  it('counts a missing report as one failure, with a note', () => {
    expect(ctestCounts(join(scratch, 'absent.xml'))).toEqual({
      passed: 0,
      failed: 1,
      note: 'no JUnit report (ENOENT)',
    })
  })

  it('counts a report that is not JUnit XML as one failure, with a note', () => {
    expect(ctestCounts(reportFile('Segmentation fault (core dumped)\n'))).toEqual({
      passed: 0,
      failed: 1,
      note: 'unreadable JUnit report: no <testsuite> element',
    })
  })
})

describe('parseJUnit', () => {
  it('reads attributes in single or double quotes, in any order', () => {
    const xml =
      "<testsuites><testsuite tests='2' name=\"s\"><testcase status='fail' name='X'/>" +
      '<testcase name="Y"></testcase></testsuite></testsuites>'
    expect(parseJUnit(xml)).toMatchObject({
      cases: [
        { name: 'X', outcome: 'failed' },
        { name: 'Y', outcome: 'passed' },
      ],
      suites: { found: 1, tests: 2 },
    })
  })
})
