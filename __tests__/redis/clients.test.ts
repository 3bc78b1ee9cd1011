// linkTo's command side on a standalone redis-server, for each client library the fleet tier
// supports: scripts and commands give Buffers, numbers, arrays and null whichever library (and
// RESP version: the 6s speak RESP3) decoded them, values are binary-safe, EVALSHA falls back to
// EVAL after SCRIPT FLUSH, SCAN walks every key; and what is not a client is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineScript, linkTo } from '../../dist/redis/clients.js'
import type { RedisLink } from '../../dist/redis/link.js'
import { rejectionOf } from '../support/async.js'
import { type RedisServer, startRedis, wireCommand } from '../support/redis.js'
import { type Connected, connect, connectIoredis, FLAVOURS } from '../support/redis-clients.js'
import { expectThrown } from '../support/throws.js'

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
// A lone continuation byte, a truncated two-byte sequence and bytes UTF-8 never uses.
const INVALID_UTF8 = Buffer.from([0x80, 0xc3, 0x28, 0xfe, 0xff])

let server: RedisServer
beforeAll(async () => {
  server = await startRedis()
})
afterAll(() => server?.stop())

describe.each(FLAVOURS)('%s, standalone', (flavour) => {
  let user: Connected
  let link: RedisLink
  const key = (name: string) => `clients:${flavour}:${name}`

  beforeAll(async () => {
    user = await connect(flavour, server)
    link = linkTo(user.client).link
  })
  afterAll(() => user?.close())

  it('returns bulk strings as Buffers, integers as numbers, arrays as arrays and nil as null', async () => {
    const script = defineScript(`-- ${flavour}
      local kind = ARGV[1]
      if kind == 'bulk' then return ARGV[2] end
      if kind == 'integer' then return -42 end
      if kind == 'nil' then return nil end
      if kind == 'status' then return redis.status_reply('FINE') end
      return {7, ARGV[2], {8, 'nested'}}`)
    const text = Buffer.from('text')
    expect(await link.script(script, [], ['bulk', text])).toEqual(text)
    expect(Buffer.isBuffer(await link.script(script, [], ['bulk', text]))).toBe(true)
    expect(await link.script(script, [], ['integer'])).toBe(-42)
    expect(await link.script(script, [], ['nil'])).toBeNull()
    expect(await link.script(script, [], ['status'])).toEqual(Buffer.from('FINE'))
    expect(await link.script(script, [], ['array', text])).toEqual([
      7,
      text,
      [8, Buffer.from('nested')],
    ])
  })

  it('round-trips every byte value and invalid UTF-8 through keys, arguments and replies', async () => {
    const echo = defineScript(`-- ${flavour}
      redis.call('SET', KEYS[1], ARGV[1])
      return redis.call('GET', KEYS[1])`)
    const binaryKey = Buffer.concat([Buffer.from(key('bytes')), INVALID_UTF8])
    expect(await link.script(echo, [binaryKey], [ALL_BYTES])).toEqual(ALL_BYTES)
    expect(await link.command(binaryKey, ['GET', binaryKey])).toEqual(ALL_BYTES)
    expect(await link.script(echo, [binaryKey], [INVALID_UTF8])).toEqual(INVALID_UTF8)
  })

  it('names a script by the SHA-1 Redis gives it', async () => {
    const script = defineScript(`return '${flavour}'`)
    expect(await wireCommand(server.port, ['SCRIPT', 'LOAD', script.source])).toBe(script.sha1)
  })

  it('loads a script with EVAL when EVALSHA answers NOSCRIPT after SCRIPT FLUSH', async () => {
    const script = defineScript(`return 'loaded by ${flavour}'`)
    expect(await link.script(script, [], [])).toEqual(Buffer.from(`loaded by ${flavour}`))
    await wireCommand(server.port, ['SCRIPT', 'FLUSH'])
    expect(await link.command(script.sha1, ['SCRIPT', 'EXISTS', script.sha1])).toEqual([0])
    expect(await link.script(script, [], [])).toEqual(Buffer.from(`loaded by ${flavour}`))
    expect(await link.command(script.sha1, ['SCRIPT', 'EXISTS', script.sha1])).toEqual([1])
  })

  it('sends a script source once for a burst of calls that meet NOSCRIPT together', async () => {
    const script = defineScript(`return 'burst of ${flavour}'`)
    const evals = async () => {
      const info = String(await link.command('info', ['INFO', 'commandstats']))
      return Number(/cmdstat_eval:calls=(\d+)/.exec(info)?.[1] ?? 0)
    }
    const before = await evals()
    const replies = await Promise.all(
      Array.from({ length: 200 }, () => link.script(script, [], [])),
    )
    expect(replies.every((reply) => String(reply) === `burst of ${flavour}`)).toBe(true)
    expect((await evals()) - before).toBe(1)
  })

  it("rejects with Redis's error when a script fails, nested in its reply or not", async () => {
    const failing = defineScript(`-- ${flavour}
      if ARGV[1] == 'top' then return redis.error_reply('ERR top-level failure') end
      return {1, redis.error_reply('ERR nested failure')}`)
    // Once as EVAL (after NOSCRIPT), once as EVALSHA.
    for (let run = 0; run < 2; run += 1) {
      expect(String(await rejectionOf(link.script(failing, [], ['top'])))).toMatch(
        'top-level failure',
      )
    }
    expect(String(await rejectionOf(link.script(failing, [], ['nested'])))).toMatch(
      'nested failure',
    )
  })

  it('runs one-key commands with their replies converted', async () => {
    const set = key('set')
    expect(await link.command(set, ['SADD', set, ALL_BYTES, 'b'])).toBe(2)
    const members = (await link.command(set, ['SMEMBERS', set])) as Buffer[]
    expect(members.map((member) => member.toString('hex')).sort()).toEqual(
      [ALL_BYTES.toString('hex'), Buffer.from('b').toString('hex')].sort(),
    )
    expect(await link.command(set, ['PTTL', set])).toBe(-1)
    expect(await link.command(set, ['DEL', set])).toBe(1)
    expect(await link.command(set, ['GET', set])).toBeNull()
  })

  it('publishes to subscribers of the channel', async () => {
    const channel = key('publish')
    const subscriber = await connectIoredis(server)
    try {
      const received = new Promise((resolve) =>
        subscriber.client.on('message', (_channel, message) => resolve(message)),
      )
      await subscriber.client.subscribe(channel)
      await link.publish(channel, 'hello')
      expect(await received).toBe('hello')
    } finally {
      await subscriber.close()
    }
  })

  it('scans every key matching the pattern, in batches', async () => {
    const fill = defineScript(
      `for i = 1, tonumber(ARGV[2]) do redis.call('SET', ARGV[1] .. i, i) end`,
    )
    await link.script(fill, [], [key('scan:'), 2500])
    await link.command(key('other'), ['SET', key('other'), 1])
    const batches: Buffer[][] = []
    for await (const batch of link.scan(`${key('scan:')}*`)) batches.push(batch)
    expect(batches.length).toBeGreaterThan(1)
    const keys = batches.flat().map((found) => found.toString())
    expect(new Set(keys)).toEqual(
      new Set(Array.from({ length: 2500 }, (_, i) => key(`scan:${i + 1}`))),
    )
    expect(keys).toHaveLength(2500)
  })

  it('yields no batch for a pattern no key matches', async () => {
    const batches: Buffer[][] = []
    for await (const batch of link.scan(key('no such key:*'))) batches.push(batch)
    expect(batches).toEqual([])
  })
})

describe('linkTo', () => {
  const CLIENTS =
    /^client must be an ioredis Redis or Cluster, or a node-redis client from createClient or createCluster, received /

  it.each([
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a string', 'redis://127.0.0.1', "string 'redis://127.0.0.1'"],
    ['a plain object', { sendCommand() {} }, 'an object'],
    ['a Map', new Map(), 'an instance of Map'],
  ])('throws a TypeError naming client for %s', (_name, client, received) => {
    expectThrown(
      () => linkTo(client),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      new RegExp(`${CLIENTS.source}${received}$`),
    )
  })

  it('throws a TypeError naming subscriber for one that is not a standalone client', async () => {
    const user = await connectIoredis(server)
    try {
      expectThrown(
        () => linkTo(user.client, { subscribe() {} }),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        /^subscriber must be an ioredis Redis or a node-redis client from createClient, or undefined, received an object$/,
      )
    } finally {
      await user.close()
    }
  })

  it('throws a TypeError naming source for a script that is not a string', () => {
    expectThrown(
      () => defineScript(42 as unknown as string),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      /^source must be a string, received number 42$/,
    )
  })
})
