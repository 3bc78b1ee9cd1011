// One command to a redis-server over a fresh loopback connection, with no client library: the
// harness checks on the servers it starts (PING, CLUSTER INFO) with what it is testing nothing of.
import { createConnection } from 'node:net'

import { SAFETY_MS } from './redis-process.js'

/** A top-level reply: simple or bulk string as text, integer, or null. */
type WireReply = string | number | null

/** How much of `data` the reply at its start takes, and its value; undefined while incomplete. */
function parse(data: Buffer): { value: WireReply; error: boolean } | undefined {
  const end = data.indexOf('\r\n')
  if (end < 0) return undefined
  const line = data.toString('utf8', 1, end)
  switch (String.fromCharCode(data[0] ?? 0)) {
    case '+':
      return { value: line, error: false }
    case '-':
      return { value: line, error: true }
    case ':':
      return { value: Number(line), error: false }
    case '$': {
      const length = Number(line)
      if (length < 0) return { value: null, error: false }
      if (data.length < end + 2 + length + 2) return undefined
      return { value: data.toString('utf8', end + 2, end + 2 + length), error: false }
    }
    default:
      throw new Error(`unexpected reply ${JSON.stringify(data.toString('utf8'))}`)
  }
}

/**
 * Sends `args` as one command to 127.0.0.1:`port` and resolves with the reply; rejects with a
 * Redis error reply, a connection error, or after SAFETY_MS.
 */
export function wireCommand(port: number, args: readonly (string | number)[]): Promise<WireReply> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let data = Buffer.alloc(0)
    const finish = (error: Error | undefined, value?: WireReply) => {
      clearTimeout(timer)
      socket.destroy()
      if (error) reject(error)
      else resolve(value ?? null)
    }
    const timer = setTimeout(
      () => finish(new Error(`${args.join(' ')} on port ${port}: no reply within ${SAFETY_MS} ms`)),
      SAFETY_MS,
    )
    socket.on('error', (error) => finish(error))
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk])
      try {
        const reply = parse(data)
        if (reply === undefined) return
        if (reply.error) finish(new Error(`${args.join(' ')} on port ${port}: ${reply.value}`))
        else finish(undefined, reply.value)
      } catch (error) {
        finish(error as Error)
      }
    })
    const parts = args.map(String)
    socket.write(
      `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`,
    )
  })
}
