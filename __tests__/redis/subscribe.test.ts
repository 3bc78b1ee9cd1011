// linkTo's subscriptions on a standalone redis-server, for each client library: messages arrive
// as text, the state goes false when the server is killed and true again once the client has
// resubscribed to the restarted server (with messages flowing again), and close() closes the
// connection the link made but never the user's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { linkTo } from '../../dist/redis/clients.js'
import { rejectionOf } from '../support/async.js'
import type { LinkedClient } from '../../dist/redis/link.js'
import { type RedisServer, SAFETY_MS, startRedis, wireCommand } from '../support/redis.js'
import { type Connected, connect, FLAVOURS } from '../support/redis-clients.js'
import { recorder } from '../support/redis-events.js'

let server: RedisServer
beforeAll(async () => {
  server = await startRedis()
})
afterAll(() => server?.stop())

/** How many connections the server has in subscribe mode. */
async function subscribedConnections(): Promise<number> {
  const list = String(await wireCommand(server.port, ['CLIENT', 'LIST', 'TYPE', 'pubsub']))
  return list.split('\n').filter((line) => line.startsWith('id=')).length
}

/**
 * Resolves once the server counts `count` subscribed connections. A client closing its socket
 * has no reply the server sends, so this asks until the count is reached, for SAFETY_MS at most.
 */
async function subscribedConnectionsReach(count: number): Promise<void> {
  const deadline = Date.now() + SAFETY_MS
  while ((await subscribedConnections()) !== count) {
    if (Date.now() > deadline) throw new Error(`never ${count} subscribed connections`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe.each(FLAVOURS)('%s', (flavour) => {
  let user: Connected
  let linked: LinkedClient
  const channel = (name: string) => `subscribe:${flavour}:${name}`

  beforeAll(async () => {
    user = await connect(flavour, server)
    linked = linkTo(user.client)
  })
  afterAll(() => user?.close())

  it('reports live, then delivers the messages of its channel only, as text', async () => {
    const events = recorder()
    const subscription = await linked.subscribe(channel('a'), events.events)
    try {
      expect(events.reports).toEqual([true])
      await linked.link.publish(channel('b'), 'not for us')
      await linked.link.publish(channel('a'), 'héllo')
      await events.reported('héllo')
      expect(events.reports).toEqual([true, 'héllo'])
    } finally {
      await subscription.close()
    }
  })

  it('reports lost when the server dies and live again once resubscribed, and messages flow again', async () => {
    const events = recorder()
    const subscription = await linked.subscribe(channel('restart'), events.events)
    try {
      await linked.link.publish(channel('restart'), 'before')
      await events.reported('before')
      await server.kill()
      await events.reported(false)
      await server.restart()
      await events.reported(true)
      await linked.link.publish(channel('restart'), 'after')
      await events.reported('after')
      expect(events.reports).toEqual([true, 'before', false, true, 'after'])
    } finally {
      await subscription.close()
    }
  })

  it("closes the connection it made, reports nothing after close, and leaves the user's client usable", async () => {
    const before = await subscribedConnections()
    const events = recorder()
    const subscription = await linked.subscribe(channel('close'), events.events)
    expect(await subscribedConnections()).toBe(before + 1)
    await subscription.close()
    await subscribedConnectionsReach(before)
    await subscription.close()
    const key = channel('still usable')
    expect(await linked.link.command(key, ['SET', key, 'yes'])).toEqual(Buffer.from('OK'))
    // A second subscription on the channel gets the next message: the closed one never does.
    const control = recorder()
    const open = await linked.subscribe(channel('close'), control.events)
    try {
      await linked.link.publish(channel('close'), 'after close')
      await control.reported('after close')
      expect(events.reports).toEqual([true])
    } finally {
      await open.close()
    }
  })

  it("rejects with Redis's error when the server refuses the subscription, keeping nothing open", async () => {
    const subscriber = await connect(flavour, server)
    const emitter = subscriber.client as { listenerCount(event: string): number }
    const listening = ['message', 'close', 'ready', 'error', 'end'].map((e) =>
      emitter.listenerCount(e),
    )
    const before = await subscribedConnections()
    // The default user may subscribe to channels under allowed: only, until restored below.
    await wireCommand(server.port, ['ACL', 'SETUSER', 'default', 'resetchannels', '&allowed:*'])
    try {
      const events = recorder()
      for (const attempt of [linked, linkTo(user.client, subscriber.client)]) {
        const refused = await rejectionOf(attempt.subscribe(channel('forbidden'), events.events))
        expect(String(refused)).toMatch(/NOPERM/)
      }
      expect(events.reports).toEqual([])
      await subscribedConnectionsReach(before)
      expect(
        ['message', 'close', 'ready', 'error', 'end'].map((e) => emitter.listenerCount(e)),
      ).toEqual(listening)
    } finally {
      await wireCommand(server.port, ['ACL', 'SETUSER', 'default', 'allchannels'])
      await subscriber.close()
    }
  })

  it('rejects a subscription on a given subscriber that is closed', async () => {
    const subscriber = await connect(flavour, server)
    await subscriber.close()
    const events = recorder()
    const refused = await rejectionOf(
      linkTo(user.client, subscriber.client).subscribe(channel('closed'), events.events),
    )
    expect(String(refused)).toMatch(/closed|not open/)
    expect(events.reports).toEqual([])
  })

  it('runs on the subscriber it was given, which close() unsubscribes but leaves open', async () => {
    const subscriber = await connect(flavour, server)
    try {
      const before = await subscribedConnections()
      const events = recorder()
      const subscription = await linkTo(user.client, subscriber.client).subscribe(
        channel('given'),
        events.events,
      )
      // No connection of the link's own: the given one is the one subscribed.
      expect(await subscribedConnections()).toBe(before + 1)
      // A second subscription on the same connection: each gets its own channel's messages.
      const other = recorder()
      const second = await linkTo(user.client, subscriber.client).subscribe(
        channel('given:other'),
        other.events,
      )
      await linked.link.publish(channel('given:other'), 'to the other one')
      await linked.link.publish(channel('given'), 'to the given one')
      await events.reported('to the given one')
      await other.reported('to the other one')
      expect(events.reports).toEqual([true, 'to the given one'])
      await second.close()
      await subscription.close()
      expect(await subscribedConnections()).toBe(before)
      // Out of subscribe mode, it runs ordinary commands again.
      const key = channel('given:key')
      expect(await linkTo(subscriber.client).link.command(key, ['SET', key, 1])).toEqual(
        Buffer.from('OK'),
      )
      expect(subscriber.errors).toEqual([])
    } finally {
      await subscriber.close()
    }
  })
})
