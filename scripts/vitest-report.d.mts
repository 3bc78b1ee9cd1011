// Types of scripts/vitest-report.mjs, for the tests that import it.
export function vitestCounts(file: string): { passed: number; failed: number; note?: string }
