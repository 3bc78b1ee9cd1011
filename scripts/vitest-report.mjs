// Reads the counts from a vitest JSON report (--reporter=json --outputFile.json=FILE).
import { existsSync, readFileSync } from 'node:fs'

/**
 * Passed and failed tests in the report at `file`. Skipped and todo tests count as failed (the
 * project allows none), and so does a suite file that failed to load, or a missing report.
 */
export function vitestCounts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 1, note: 'no report' }
  const report = JSON.parse(readFileSync(file, 'utf8'))
  const failedFiles = report.testResults.filter(
    (suite) => suite.status === 'failed' && suite.assertionResults.length === 0,
  ).length
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + report.numPendingTests + report.numTodoTests + failedFiles,
  }
}
