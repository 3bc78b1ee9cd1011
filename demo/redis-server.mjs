// A throwaway redis-server for the fleet demo (demo/fleet.mjs) and the fleet benchmark
// (bench/fleet.mjs): on a free loopback port, in a temporary directory, with persistence off, so
// nothing outlives the run. The process that starts it also stops it: stop() when done, and an
// exit hook that kills it should the caller die first.

import { spawn } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

/** What to tell someone without redis-server. */
export const INSTALL_HINT = [
  'redis-server is not on PATH. Install Redis 7 or later:',
  '  Debian/Ubuntu: sudo apt-get install redis-server',
  '  macOS:         brew install redis',
].join('\n')

/** Whether an executable named `name` is on PATH. */
export function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    try {
      accessSync(join(dir, name), constants.X_OK)
      return true
    } catch {}
  }
  return false
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

// Whether something on `port` answers PING with +PONG.
function pong(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.setTimeout(500, () => socket.destroy())
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (data) => {
      socket.end()
      resolve(data.toString('latin1').startsWith('+PONG'))
    })
    socket.on('error', () => resolve(false))
    socket.on('close', () => resolve(false))
  })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Starts redis-server and resolves once it answers PING. Rejects (with its last output) if it
 * exits or stays silent for 10 s; the caller checks onPath('redis-server') first.
 * @returns {Promise<{ port: number, url: string, stop(): Promise<void> }>}
 */
export async function startRedisServer() {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'herdcache-fleet-'))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  const child = spawn('redis-server', [...args, '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (chunk) => {
    output = (output + chunk).slice(-2000)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  let exited = false
  const gone = new Promise((resolve) => {
    child.on('exit', () => {
      exited = true
      resolve()
    })
    child.on('error', (error) => {
      keep(String(error))
      exited = true
      resolve()
    })
  })
  const cleanUp = () => rmSync(dir, { recursive: true, force: true })
  // Last resort: the caller died (an uncaught error, process.exit) without stopping it.
  const onExit = () => {
    if (!exited) child.kill('SIGKILL')
    cleanUp()
  }
  process.on('exit', onExit)

  const deadline = performance.now() + 10_000
  while (!(await pong(port))) {
    if (exited || performance.now() > deadline) {
      child.kill('SIGKILL')
      await gone
      process.off('exit', onExit)
      cleanUp()
      throw new Error(`redis-server on port ${port} did not start:\n${output.trim()}`)
    }
    await sleep(20)
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (!exited) child.kill('SIGTERM')
      await gone
      process.off('exit', onExit)
      cleanUp()
    },
  }
}
