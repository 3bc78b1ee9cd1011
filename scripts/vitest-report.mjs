// Reads the counts from a vitest JSON report (--reporter=json --outputFile.json=FILE).
import { existsSync, readFileSync } from 'node:fs'
import { relative, sep } from 'node:path'

/**
 * Passed and failed tests in the report at `file`, with the names of the failed ones
 * (`failures`, as `file > test`). Skipped and todo tests count as failed (the project allows
 * none), and so does a suite file that ran no test, or a missing report.
 */
export function vitestCounts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 1, note: 'no report' }
  const report = JSON.parse(readFileSync(file, 'utf8'))
  // A file that reports no test at all failed to run: it failed to load, or its worker process
  // died (vitest then marks it passed, with success: true, and prints an unhandled error).
  const failedFiles = report.testResults.filter(
    (suite) => suite.assertionResults.length === 0,
  ).length
  const failures = report.testResults.flatMap((suite) => {
    const inside = suite.name.startsWith(process.cwd() + sep)
    const file = inside ? relative(process.cwd(), suite.name) : suite.name
    if (suite.assertionResults.length === 0) return [`${file} (ran no test)`]
    return suite.assertionResults
      .filter((test) => test.status !== 'passed')
      .map((test) => `${file} > ${test.fullName} (${test.status})`)
  })
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + report.numPendingTests + report.numTodoTests + failedFiles,
    failures,
  }
}

/**
 * Prints a results list (`{ label, passed, failed, note?, failures? }` each) a line per entry,
 * each failed test's name under its entry as `  failed test: <name>` (.ci/run repeats those lines
 * at the end of its output), and returns the totals.
 */
export function printResults(results, format = (r) => '') {
  for (const result of results) {
    const { label, passed, failed, note } = result
    console.log(
      `${label}: ${passed} passed, ${failed} failed${format(result)}${note ? ` (${note})` : ''}`,
    )
    for (const name of result.failures ?? []) console.log(`  failed test: ${label}: ${name}`)
  }
  return {
    passed: results.reduce((sum, r) => sum + r.passed, 0),
    failed: results.reduce((sum, r) => sum + r.failed, 0),
  }
}
