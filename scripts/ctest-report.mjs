// Reads the counts from a ctest JUnit report (ctest --output-junit FILE, CMake 3.21 and later).
// Counting from the report rather than from ctest's text output keeps the numbers right when
// ctest's wording changes, when a test prints something that looks like ctest's summary line, or
// when ctest stops before printing one.
import { readFileSync } from 'node:fs'

// Parts of a document that hold no elements, removed before tags are read: a test's output
// inside CDATA, or a comment, may contain text that looks like a tag.
const NON_ELEMENTS = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>/g
const TAG =
  /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g
const ATTRIBUTE = /([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g

function attributesOf(text) {
  const attributes = {}
  for (const [, name, double, single] of text.matchAll(ATTRIBUTE))
    attributes[name] = double ?? single
  return attributes
}

/**
 * The test cases in a JUnit document, each as `{ name, outcome }` with outcome 'passed',
 * 'failed' or 'skipped', and the counts on its `<testsuite>` elements (summed), in document
 * order. Throws on a document that is not JUnit XML.
 */
export function parseJUnit(xml) {
  const cases = []
  const suites = { found: 0, tests: 0, failures: 0, errors: 0, skipped: 0, disabled: 0 }
  let current = null
  for (const [, closing, name, attributeText, selfClosing] of xml
    .replace(NON_ELEMENTS, '')
    .matchAll(TAG)) {
    if (closing) {
      if (name === 'testcase' && current) {
        cases.push(current)
        current = null
      }
      continue
    }
    const attributes = attributesOf(attributeText)
    if (name === 'testsuite') {
      suites.found += 1
      for (const key of ['tests', 'failures', 'errors', 'skipped', 'disabled']) {
        suites[key] += Number(attributes[key] ?? 0) || 0
      }
    } else if (name === 'testcase') {
      const status = attributes.status ?? ''
      const outcome =
        status === 'fail'
          ? 'failed'
          : /^(notrun|disabled|skipped)$/.test(status)
            ? 'skipped'
            : 'passed'
      current = { name: attributes.name ?? '', outcome }
      if (selfClosing) {
        cases.push(current)
        current = null
      }
    } else if (current && (name === 'failure' || name === 'error')) {
      current.outcome = 'failed'
    } else if (current && name === 'skipped' && current.outcome !== 'failed') {
      current.outcome = 'skipped'
    }
  }
  if (suites.found === 0) throw new Error('no <testsuite> element')
  return { cases, suites }
}

/**
 * Passed and failed tests in the ctest JUnit report at `file`. Skipped and disabled tests count
 * as failed (the project allows none), as vitestCounts does. A missing, unreadable or empty
 * report counts as one failure with a note saying why.
 */
export function ctestCounts(file) {
  let xml
  try {
    xml = readFileSync(file, 'utf8')
  } catch (error) {
    return { passed: 0, failed: 1, note: `no JUnit report (${error.code ?? error.message})` }
  }
  let parsed
  try {
    parsed = parseJUnit(xml)
  } catch (error) {
    return { passed: 0, failed: 1, note: `unreadable JUnit report: ${error.message}` }
  }
  const { cases, suites } = parsed
  if (cases.length > 0) {
    const passed = cases.filter((c) => c.outcome === 'passed').length
    const skipped = cases.filter((c) => c.outcome === 'skipped').length
    const failed = cases.length - passed
    const failures = cases
      .filter((c) => c.outcome !== 'passed')
      .map((c) => `${c.name} (${c.outcome})`)
    return {
      passed,
      failed,
      failures,
      ...(skipped ? { note: `${skipped} skipped or disabled` } : {}),
    }
  }
  // A report that lists no cases but carries counts on <testsuite>.
  const failed = suites.failures + suites.errors + suites.skipped + suites.disabled
  if (suites.tests === 0) return { passed: 0, failed: 1, note: 'the JUnit report lists no tests' }
  return { passed: Math.max(suites.tests - failed, 0), failed }
}
