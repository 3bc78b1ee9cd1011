// The redis-server harness the fleet tier's suites stand on (__tests__/support/redis.ts): a
// paused server answers only once resumed, a killed one refuses connections until restarted on
// the same port, a cluster is formed with every slot served, and stop() leaves no process.
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rejectionOf, track, turns } from '../support/async.js'
import {
  type RedisCluster,
  type RedisServer,
  startRedis,
  startRedisCluster,
  wireCommand,
} from '../support/redis.js'
import {
  connectIoredis,
  connectIoredisCluster,
  connectNodeRedis,
  connectNodeRedisCluster,
} from '../support/redis-clients.js'

/** The pids of the redis-server processes listening on `port`, from the process table. */
function serversOn(port: number): string[] {
  const table = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
  return table
    .split('\n')
    .filter((line) => /redis-server/.test(line) && line.includes(`127.0.0.1:${port}`))
    .map((line) => line.trim().split(/\s+/)[0] as string)
}

describe('startRedis', () => {
  let server: RedisServer
  beforeAll(async () => {
    server = await startRedis()
  })
  afterAll(() => server?.stop())

  it('serves on a loopback port named by its url', async () => {
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`)
    expect(await wireCommand(server.port, ['SET', 'harness', 'value'])).toBe('OK')
    expect(await wireCommand(server.port, ['GET', 'harness'])).toBe('value')
  })

  it('answers a command sent while paused only once resumed', async () => {
    const control = await startRedis()
    try {
      server.pause()
      const reply = wireCommand(server.port, ['PING'])
      const answered = track(reply)
      // A running server has had the time to answer the same command sent alongside.
      expect(await wireCommand(control.port, ['PING'])).toBe('PONG')
      await turns()
      expect(answered.settled).toBe(false)
      server.resume()
      expect(await reply).toBe('PONG')
    } finally {
      server.resume()
      await control.stop()
    }
  })

  it('refuses connections once killed, and serves again on the same port once restarted', async () => {
    await server.kill()
    expect(serversOn(server.port)).toEqual([])
    expect(String(await rejectionOf(wireCommand(server.port, ['PING'])))).toMatch(/ECONNREFUSED/)
    await server.restart()
    expect(await wireCommand(server.port, ['PING'])).toBe('PONG')
    // A restarted server starts empty: nothing was persisted.
    expect(await wireCommand(server.port, ['GET', 'harness'])).toBeNull()
  })

  it.each([5, 6] as const)(
    'gives ioredis %i and node-redis clients that are ready at once and closed by close()',
    async (version) => {
      const ioredis = await connectIoredis(server, version)
      const nodeRedis = await connectNodeRedis(server, version)
      expect(ioredis.client.status).toBe('ready')
      expect(nodeRedis.client.isReady).toBe(true)
      await ioredis.close()
      await nodeRedis.close()
      expect(ioredis.client.status).toBe('end')
      expect(nodeRedis.client.isOpen).toBe(false)
      await ioredis.close()
      await nodeRedis.close()
      expect([...ioredis.errors, ...nodeRedis.errors]).toEqual([])
    },
  )

  it('leaves no process behind once stopped, and stopping again is harmless', async () => {
    const other = await startRedis()
    expect(serversOn(other.port)).toHaveLength(1)
    await other.stop()
    expect(serversOn(other.port)).toEqual([])
    await other.stop()
    await expect(other.restart()).rejects.toThrow(/was stopped/)
  })
})

describe('startRedisCluster', () => {
  let cluster: RedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster(3)
  })
  afterAll(() => cluster?.stop())

  it('forms a cluster whose every node reports cluster_state:ok over all 16384 slots', async () => {
    expect(cluster.nodes).toHaveLength(3)
    for (const { host, port } of cluster.nodes) {
      expect(host).toBe('127.0.0.1')
      const info = String(await wireCommand(port, ['CLUSTER', 'INFO']))
      expect(info).toMatch(/cluster_state:ok/)
      expect(info).toMatch(/cluster_slots_assigned:16384/)
      expect(info).toMatch(/cluster_known_nodes:3/)
      expect(info).toMatch(/cluster_size:3/)
    }
  })

  it('redirects a key to the master that serves its slot', async () => {
    const answers = await Promise.allSettled(
      cluster.nodes.map(({ port }) => wireCommand(port, ['SET', 'harness:{tag}', 'value'])),
    )
    expect(answers.filter((answer) => answer.status === 'fulfilled')).toHaveLength(1)
    for (const answer of answers) {
      if (answer.status === 'rejected')
        expect(String(answer.reason)).toMatch(/MOVED \d+ 127\.0\.0\.1:/)
    }
  })

  it.each([5, 6] as const)(
    'gives ioredis %i and node-redis cluster clients that reach every master',
    async (version) => {
      const ioredis = await connectIoredisCluster(cluster, version)
      const nodeRedis = await connectNodeRedisCluster(cluster, version)
      try {
        expect(ioredis.client.nodes('master')).toHaveLength(3)
        expect(nodeRedis.client.masters).toHaveLength(3)
        await ioredis.client.set('harness:{a}', '1')
        expect(await nodeRedis.client.get('harness:{a}')).toBe('1')
      } finally {
        await ioredis.close()
        await nodeRedis.close()
      }
    },
  )

  it('leaves no process behind once stopped', async () => {
    const ports = cluster.nodes.map(({ port }) => port)
    await cluster.stop()
    for (const port of ports) expect(serversOn(port)).toEqual([])
    await cluster.stop()
  })
})
