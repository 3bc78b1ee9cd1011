import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(__dirname, '..')

describe('demo', () => {
  it('runs to completion and verifies one upstream call per key', () => {
    const demo = spawnSync(process.execPath, [join(root, 'demo', 'demo.mjs')], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(demo.stderr).toBe('')
    expect(demo.status).toBe(0)
    expect(demo.stdout).toMatch(/verified: all 5,000 answers correct in both runs/)
    expect(demo.stdout).toMatch(/upstream calls\s+5,000\s+298/)
  })
})
