// Reads the counts from a vitest JSON report (--reporter=json --outputFile.json=FILE).
import { existsSync, readFileSync } from 'node:fs'

/**
 * Passed and failed tests in the report at `file`. Skipped and todo tests count as failed (the
 * project allows none), and so does a suite file that ran no test, or a missing report.
 */
export function vitestCounts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 1, note: 'no report' }
  const report = JSON.parse(readFileSync(file, 'utf8'))
  // A file that reports no test at all failed to run: it failed to load, or its worker process
  // died (vitest then marks it passed, with success: true, and prints an unhandled error).
  const failedFiles = report.testResults.filter(
    (suite) => suite.assertionResults.length === 0,
  ).length
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + report.numPendingTests + report.numTodoTests + failedFiles,
  }
}
