/**
 * The command side of a linked client, written once over what each library adapter provides:
 * a way to send one command routed by a key, and the masters to scan.
 */
import type { Arg, RedisLink, Reply, Script } from './link.js'
import { isNoScript, toReply } from './reply.js'

/** Sends `args` as one command; resolves with the library's decoding (strings as Buffers). */
export type Send = (args: readonly Arg[]) => Promise<unknown>

/** What an adapter gives `linkOver`. */
export interface Driver {
  /** Sends `args`, routed on a cluster by `key` (any node when undefined). */
  send(key: Arg | undefined, args: readonly Arg[]): Promise<unknown>
  /** One sender per master: the client itself when standalone. */
  masters(): Promise<Send[]>
}

/** Keys per SCAN call: a hint to Redis, which may return more or fewer. */
const SCAN_COUNT = 1000

/** The RedisLink over `driver`. */
export function linkOver(driver: Driver): RedisLink {
  return {
    script: (script, keys, args) => runScript(driver, script, keys, args),
    command: async (key, args) => toReply(await driver.send(key, args)),
    async publish(channel, message) {
      await driver.send(channel, ['PUBLISH', channel, message])
    },
    scan: (pattern) => scanMasters(driver, pattern),
  }
}

// EVALSHA first, so a script's source crosses the wire once per server rather than per call;
// a server that has not seen it (restarted, flushed, another node) gets EVAL, which loads it.
async function runScript(
  driver: Driver,
  script: Script,
  keys: readonly Arg[],
  args: readonly Arg[],
): Promise<Reply> {
  const rest = [keys.length, ...keys, ...args]
  let raw: unknown
  try {
    raw = await driver.send(keys[0], ['EVALSHA', script.sha1, ...rest])
  } catch (error) {
    if (!isNoScript(error)) throw error
    raw = await driver.send(keys[0], ['EVAL', script.source, ...rest])
  }
  return toReply(raw)
}

async function* scanMasters(driver: Driver, pattern: string): AsyncGenerator<Buffer[]> {
  for (const send of await driver.masters()) {
    let cursor = '0'
    do {
      const [next, keys] = (await send([
        'SCAN',
        cursor,
        'MATCH',
        pattern,
        'COUNT',
        SCAN_COUNT,
      ])) as [Buffer, Buffer[]]
      cursor = next.toString('latin1')
      if (keys.length > 0) yield keys
    } while (cursor !== '0')
  }
}
