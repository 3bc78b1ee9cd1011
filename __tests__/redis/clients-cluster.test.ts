// linkTo on a three-master redis-server cluster, for each client library: scripts and commands
// go straight to the master of their key's slot (no node answers MOVED, which the libraries
// would otherwise follow silently), EVALSHA falls back to EVAL on a node that has not seen the
// script, SCAN walks every master, and a subscription receives what is published on any node.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { defineScript, linkTo } from '../../dist/redis/clients.js'
import type { LinkedClient } from '../../dist/redis/link.js'
import {
  type RedisCluster,
  type RedisServer,
  startRedisCluster,
  wireCommand,
} from '../support/redis.js'
import { type Connected, connectCluster, FLAVOURS } from '../support/redis-clients.js'
import { recorder } from '../support/redis-events.js'
import { rejectionOf } from '../support/async.js'

const BINARY = Buffer.from([0, 0x80, 0xff, 0x0a])
// Enough distinct hash tags that every master serves some of them.
const TAGS = Array.from({ length: 30 }, (_, i) => `{tag${i}}`)

let cluster: RedisCluster
beforeAll(async () => {
  cluster = await startRedisCluster(3)
})
afterAll(() => cluster?.stop())

/** How many commands each node has answered with MOVED since its stats were reset. */
async function movedPerNode(): Promise<number[]> {
  return Promise.all(
    cluster.nodes.map(async ({ port }) => {
      const stats = String(await wireCommand(port, ['INFO', 'errorstats']))
      return Number(/errorstat_MOVED:count=(\d+)/.exec(stats)?.[1] ?? 0)
    }),
  )
}

/** The one node with a connection in subscribe mode. */
async function subscribedNode(): Promise<RedisServer> {
  const counts = await Promise.all(
    cluster.servers.map(
      async ({ port }) =>
        String(await wireCommand(port, ['CLIENT', 'LIST', 'TYPE', 'pubsub']))
          .split('\n')
          .filter((line) => line.startsWith('id=')).length,
    ),
  )
  expect(counts.reduce((sum, count) => sum + count)).toBe(1)
  return cluster.servers[counts.indexOf(1)] as RedisServer
}

describe.each(FLAVOURS)('%s, cluster', (flavour) => {
  let user: Connected
  let linked: LinkedClient
  const key = (tag: string, name: string) => `cluster:${flavour}:${tag}:${name}`

  beforeAll(async () => {
    user = await connectCluster(flavour, cluster)
    linked = linkTo(user.client)
  })
  afterAll(() => user?.close())
  beforeEach(async () => {
    await Promise.all(cluster.nodes.map(({ port }) => wireCommand(port, ['CONFIG', 'RESETSTAT'])))
  })

  it('runs each script on the master of its keys, which share one hash tag', async () => {
    const swap = defineScript(`-- ${flavour}
      redis.call('SET', KEYS[1], ARGV[1])
      redis.call('SET', KEYS[2], redis.call('GET', KEYS[1]))
      return {redis.call('GET', KEYS[2]), redis.call('STRLEN', KEYS[1])}`)
    for (const tag of TAGS) {
      const keys = [key(tag, 'a'), key(tag, 'b')]
      expect(await linked.link.script(swap, keys, [BINARY])).toEqual([BINARY, BINARY.length])
    }
    expect(await movedPerNode()).toEqual([0, 0, 0])
  })

  it('runs a script without keys on any master', async () => {
    const script = defineScript(`return ARGV[1] -- ${flavour}`)
    expect(await linked.link.script(script, [], [BINARY])).toEqual(BINARY)
  })

  it('runs each one-key command on the master of its key', async () => {
    for (const tag of TAGS) {
      const name = key(tag, 'value')
      expect(await linked.link.command(name, ['SET', name, BINARY])).toEqual(Buffer.from('OK'))
      expect(await linked.link.command(name, ['GET', name])).toEqual(BINARY)
      expect(await linked.link.command(name, ['DEL', name])).toBe(1)
    }
    expect(await movedPerNode()).toEqual([0, 0, 0])
  })

  it('loads a script with EVAL on every master after SCRIPT FLUSH', async () => {
    const script = defineScript(`return KEYS[1] -- ${flavour}`)
    await Promise.all(cluster.nodes.map(({ port }) => wireCommand(port, ['SCRIPT', 'FLUSH'])))
    for (const tag of TAGS) {
      const name = key(tag, 'script')
      expect(await linked.link.script(script, [name], [])).toEqual(Buffer.from(name))
    }
    for (const { port } of cluster.nodes) {
      expect(await wireCommand(port, ['SCRIPT', 'LOAD', script.source])).toBe(script.sha1)
    }
  })

  it('scans the keys of every master', async () => {
    const names = TAGS.map((tag) => key(tag, 'scan'))
    for (const name of names) await linked.link.command(name, ['SET', name, 1])
    const found: string[] = []
    for await (const batch of linked.link.scan(`cluster:${flavour}:*:scan`)) {
      found.push(...batch.map((name) => name.toString()))
    }
    expect(found.sort()).toEqual([...names].sort())
  })

  it('delivers to a subscription what is published through the cluster', async () => {
    const channel = `cluster:${flavour}:channel`
    const events = recorder()
    const subscription = await linked.subscribe(channel, events.events)
    try {
      await linked.link.publish(channel, 'everywhere')
      await events.reported('everywhere')
      expect(events.reports).toEqual([true, 'everywhere'])
    } finally {
      await subscription.close()
    }
  })

  it('reports lost when its node dies and live again once the node is back', async () => {
    const channel = `cluster:${flavour}:restart`
    const events = recorder()
    const subscription = await linked.subscribe(channel, events.events)
    try {
      const node = await subscribedNode()
      await node.kill()
      await events.reported(false)
      await node.restart()
      await events.reported(true)
      // Published on the node itself: the cluster bus to the restarted node may not be up yet.
      await wireCommand(node.port, ['PUBLISH', channel, 'after'])
      await events.reported('after')
      expect(events.reports).toEqual([true, false, true, 'after'])
    } finally {
      await subscription.close()
    }
  })

  it('rejects a subscription once the cluster client is closed and knows no master', async () => {
    const closed = await connectCluster(flavour, cluster)
    await closed.close()
    const events = recorder()
    const refused = (await rejectionOf(
      linkTo(closed.client).subscribe(`cluster:${flavour}:closed`, events.events),
    )) as Error & { code?: string }
    expect(refused.code).toBe('ERR_HERDCACHE_REDIS_NOT_CONNECTED')
    expect(refused.message).toMatch(/ [Cc]luster knows no master yet: connect it first$/)
    expect(events.reports).toEqual([])
  })
})
