// TEMPORARY stand-in (ioredis standalone only) until the redis-link branch lands.
import { createHash } from 'node:crypto'
import type { Arg, LinkedClient, Reply, Script, SubscriptionEvents } from './link.js'

export function defineScript(source: string): Script {
  return { source, sha1: createHash('sha1').update(source).digest('hex') }
}

interface Io {
  callBuffer(...args: Arg[]): Promise<unknown>
  duplicate(): Io
  subscribe(channel: string): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  on(event: string, listener: (...args: unknown[]) => void): void
  quit(): Promise<unknown>
}

function convert(reply: unknown): Reply {
  if (Array.isArray(reply)) return reply.map(convert)
  return reply as Reply
}

// The stand-in ignores a separate subscriber connection (it duplicates the client instead).
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function linkTo(client: unknown, _subscriber?: unknown): LinkedClient {
  const io = client as Io
  return {
    link: {
      async script(script: Script, keys: readonly Arg[], args: readonly Arg[]) {
        try {
          return convert(await io.callBuffer('EVALSHA', script.sha1, keys.length, ...keys, ...args))
        } catch (error) {
          if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error
          return convert(await io.callBuffer('EVAL', script.source, keys.length, ...keys, ...args))
        }
      },
      async command(_key: Arg, args: readonly Arg[]) {
        const [name, ...rest] = args
        return convert(await io.callBuffer(name!, ...rest))
      },
      async publish(channel: string, message: string) {
        await io.callBuffer('PUBLISH', channel, message)
      },
      async *scan(pattern: string) {
        let cursor = '0'
        do {
          const [next, keys] = (await io.callBuffer(
            'SCAN',
            cursor,
            'MATCH',
            pattern,
            'COUNT',
            100,
          )) as [Buffer, Buffer[]]
          cursor = next.toString()
          yield keys
        } while (cursor !== '0')
      },
    },
    async subscribe(channel: string, events: SubscriptionEvents) {
      const sub = io.duplicate()
      sub.on('error', () => {})
      sub.on('message', (_ch, message) => events.message(message as string))
      sub.on('close', () => events.state(false))
      sub.on('ready', () => events.state(true))
      await sub.subscribe(channel)
      events.state(true)
      return {
        async close() {
          await sub.unsubscribe(channel).catch(() => {})
          await sub.quit().catch(() => {})
        },
      }
    },
  }
}
