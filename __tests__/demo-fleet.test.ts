// The fleet demo (demo/fleet.mjs), run as `npm run demo:fleet` runs it: four forked instances,
// its own redis-server, its own upstream. Its --json output is what the printed tables show.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'

interface Burst {
  requests: number
  keys: number
  upstreamCalls: number
  callsByKey: Record<string, number>
  wrong: number
}

interface Mode {
  id: 'none' | 'local' | 'tier'
  bursts: Burst[]
  tier?: Record<string, number>
  invalidation?: {
    key: string
    instances: { instance: number; before: boolean; after: boolean; arrived: boolean }[]
    refetch: { requests: number; upstreamCalls: number; wrong: number }
  }
}

interface Run {
  config: { instances: number; keys: number }
  modes: Mode[]
  failures: string[]
}

const root = join(__dirname, '..')

function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const demo = spawn(process.execPath, [join(root, 'demo', 'fleet.mjs'), '--json'], { cwd: root })
    let stdout = ''
    let stderr = ''
    demo.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    demo.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    demo.on('error', reject)
    demo.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

let run: Run
let mode: (id: Mode['id']) => Mode

beforeAll(async () => {
  const { code, stdout, stderr } = await runDemo()
  expect(stderr).toBe('')
  expect(code).toBe(0)
  run = JSON.parse(stdout) as Run
  mode = (id) => run.modes.find((m) => m.id === id)!
}, 60_000)

describe('the fleet demo', () => {
  it('verifies its own run, with every answer correct in every mode', () => {
    expect(run.failures).toEqual([])
    for (const { bursts } of run.modes) for (const burst of bursts) expect(burst.wrong).toBe(0)
  })

  it('calls the upstream once per request without a cache', () => {
    const [cold] = mode('none').bursts
    expect(cold!.upstreamCalls).toBe(cold!.requests)
  })

  it('calls the upstream more than once for a key when each process caches alone', () => {
    const calls = Object.values(mode('local').bursts[0]!.callsByKey)
    expect(calls.some((n) => n > 1)).toBe(true)
    expect(calls.every((n) => n <= run.config.instances)).toBe(true)
  })

  it('calls the upstream exactly once per key for the whole fleet with redisTier', () => {
    const tier = mode('tier')
    const [cold, warm] = tier.bursts
    expect(cold!.keys).toBe(run.config.keys)
    expect(Object.values(cold!.callsByKey)).toEqual(Array(run.config.keys).fill(1))
    expect(cold!.upstreamCalls).toBe(cold!.keys)
    expect(warm!.upstreamCalls).toBe(0)
    expect(tier.tier).toMatchObject({ leasesWon: run.config.keys, localFetches: 0, redisErrors: 0 })
  })

  it('removes a key deleted on instance 1 from the L1 of all four instances', () => {
    const { instances } = mode('tier').invalidation!
    expect(instances).toHaveLength(4)
    for (const instance of instances) {
      expect(instance).toMatchObject({ before: true, after: false, arrived: true })
    }
  })

  it('fetches a deleted key once for the whole fleet on the next concurrent reads', () => {
    const { refetch } = mode('tier').invalidation!
    expect(refetch.requests).toBeGreaterThan(run.config.instances)
    expect(refetch).toMatchObject({ upstreamCalls: 1, wrong: 0 })
  })
})
