// The fleet as separate processes: forked instances sharing one real redis-server.
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { type Fleet, startFleet } from '../support/fleet.js'
import { type RedisServer, startRedis } from '../support/redis.js'

const INSTANCE = resolve(__dirname, '..', 'fixtures', 'fleet_instance.cjs')

let server: RedisServer
let admin: Redis
const children: ChildProcess[] = []
let fleet: Fleet | undefined

beforeAll(async () => {
  server = await startRedis()
  admin = new Redis(server.port, '127.0.0.1')
})
afterAll(async () => {
  admin.disconnect()
  await server.stop()
})
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
  await fleet?.close()
  fleet = undefined
  await admin.flushall()
})

type Reply = { kind: string; answers?: string[]; stats?: Record<string, number> }

async function instance(leaseMs = 10_000): Promise<ChildProcess> {
  const child = fork(INSTANCE, [String(server.port), String(leaseMs)], { stdio: 'ignore' })
  children.push(child)
  const [ready] = (await once(child, 'message')) as [Reply]
  expect(ready.kind).toBe('ready')
  return child
}

function reply(child: ChildProcess, kind: string): Promise<Reply> {
  return new Promise((resolve) => {
    const listener = (message: Reply) => {
      if (message.kind !== kind) return
      child.off('message', listener)
      resolve(message)
    }
    child.on('message', listener)
  })
}

it('makes one upstream call per key across four processes', async () => {
  const processes = await Promise.all([instance(), instance(), instance(), instance()])
  const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`)
  const done = processes.map((child) => reply(child, 'answers'))
  for (const child of processes) child.send({ kind: 'burst', keys, perKey: 5, delayMs: 50 })
  const replies = await Promise.all(done)
  for (const { answers } of replies) {
    expect(answers).toEqual(keys.flatMap((key) => Array<string>(5).fill(`value of ${key}`)))
  }
  for (const key of keys) expect(await admin.get(`calls:${key}`)).toBe('1')
  const won = replies.reduce((sum, { stats }) => sum + stats!.leasesWon!, 0)
  expect(won).toBe(keys.length)
})

it('lets exactly one waiter take over when the lease holder is killed mid-fetch', async () => {
  const holder = await instance(300)
  const fetching = reply(holder, 'fetching')
  holder.send({ kind: 'hang', key: 'k' })
  await fetching
  fleet = await startFleet(server, 3, { leaseMs: 300 })
  let calls = 0
  const answers = fleet.instances.map(({ cache }) =>
    cache.getOrFetch('k', () => `taken over ${++calls}`, 60_000),
  )
  holder.kill('SIGKILL')
  expect(await Promise.all(answers)).toEqual(['taken over 1', 'taken over 1', 'taken over 1'])
  expect(calls).toBe(1)
  const tiers = fleet.instances.map(({ cache }) => cache.stats().tier!)
  expect(tiers.reduce((sum, tier) => sum + tier.takeovers, 0)).toBe(1)
  expect(tiers.reduce((sum, tier) => sum + tier.leasesWaited, 0)).toBe(3)
})
