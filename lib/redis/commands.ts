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
  const loads = new Map<string, Promise<unknown>>()
  return {
    script: (script, keys, args) => runScript(driver, loads, script, keys, args),
    command: async (key, args) => toReply(await driver.send(key, args)),
    async publish(channel, message) {
      await driver.send(channel, ['PUBLISH', channel, message])
    },
    scan: (pattern) => scanMasters(driver, pattern),
  }
}

// EVALSHA first, so a script's source crosses the wire once per server rather than per call;
// a server that has not seen it (restarted, flushed, another node) gets EVAL, which loads it.
// One EVAL per script at a time: the calls that meet NOSCRIPT while it runs wait for it and try
// EVALSHA again, so a burst after a restart sends the source once, not once per call.
async function runScript(
  driver: Driver,
  loads: Map<string, Promise<unknown>>,
  script: Script,
  keys: readonly Arg[],
  args: readonly Arg[],
): Promise<Reply> {
  const rest = [keys.length, ...keys, ...args]
  const evalsha = () => driver.send(keys[0], ['EVALSHA', script.sha1, ...rest])
  const evaluate = () => driver.send(keys[0], ['EVAL', script.source, ...rest])
  let raw: unknown
  try {
    raw = await evalsha()
  } catch (error) {
    if (!isNoScript(error)) throw error
    const loading = loads.get(script.sha1)
    if (loading === undefined) {
      const load = evaluate()
      loads.set(script.sha1, load)
      try {
        raw = await load
      } finally {
        loads.delete(script.sha1)
      }
    } else {
      await loading.catch(() => undefined)
      try {
        raw = await evalsha()
      } catch (retryError) {
        // Another node of a cluster, or a server that lost it again: load it here too.
        if (!isNoScript(retryError)) throw retryError
        raw = await evaluate()
      }
    }
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
