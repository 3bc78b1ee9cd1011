// Types of scripts/ctest-report.mjs, for the tests that import it.
export interface JUnitCase {
  name: string
  outcome: 'passed' | 'failed' | 'skipped'
}
export interface JUnitSuites {
  found: number
  tests: number
  failures: number
  errors: number
  skipped: number
  disabled: number
}
export function parseJUnit(xml: string): { cases: JUnitCase[]; suites: JUnitSuites }
export function ctestCounts(file: string): { passed: number; failed: number; note?: string }
