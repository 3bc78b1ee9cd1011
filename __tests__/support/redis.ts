// Real redis-server instances for the fleet tier's suites, never mocks: each on a free loopback
// port, with no persistence, in a temporary directory. A suite starts one in beforeAll and stops
// it in afterAll; whatever is left is killed when the test process ends (redis-process.ts).
// Each wait is for the server's own word (its log, then a reply), bounded by SAFETY_MS.
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'

import { RedisProcess, temporaryDirectory } from './redis-process.js'
import { wireCommand } from './redis-wire.js'

export { SAFETY_MS } from './redis-process.js'
export { wireCommand } from './redis-wire.js'

const HOST = '127.0.0.1'
const TOTAL_SLOTS = 16_384
const TRIES = 5

/** A redis-server the test controls. */
export interface RedisServer {
  readonly host: '127.0.0.1'
  readonly port: number
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  /** SIGSTOP: the server keeps its connections but answers nothing until `resume()`. */
  pause(): void
  /** SIGCONT after `pause()`: it answers what it was sent meanwhile. */
  resume(): void
  /** SIGKILL; resolves once it has exited. Its clients see their connections drop. */
  kill(): Promise<void>
  /** Starts it again on the same port (killing it first if it runs); resolves once it answers. */
  restart(): Promise<void>
  /** Kills it and removes its directory; resolves once it has exited. Safe to call again. */
  stop(): Promise<void>
}

/** A server as the harness holds it: with its ports and a way to wait for its log. */
interface ManagedServer extends RedisServer {
  /** The ports taken besides `port` (a cluster node's bus port). */
  readonly extraPorts: number[]
  /** Resolves once the running process has logged a line matching `pattern`. */
  logged(pattern: RegExp, what: string): Promise<void>
}

/** A cluster of masters (no replicas), every slot assigned, `cluster_state:ok` on each node. */
export interface RedisCluster {
  readonly nodes: { host: '127.0.0.1'; port: number }[]
  /** The nodes' servers; `restart()` resolves once the node is back in the cluster, ok. */
  readonly servers: RedisServer[]
  /** Stops every node; safe to call again. */
  stop(): Promise<void>
}

/** `count` loopback ports free at the time of the call (held together, so all distinct). */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = []
  try {
    for (let i = 0; i < count; i += 1) {
      const server = createServer()
      servers.push(server)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, HOST, resolve)
      })
    }
    return servers.map((server) => (server.address() as { port: number }).port)
  } finally {
    await Promise.all(
      servers.map((server) => new Promise((resolve) => server.close(() => resolve(undefined)))),
    )
  }
}

/** Starts redis-server on `port` in `dir`; resolves once it answers PING. */
async function launch(port: number, dir: string, extra: readonly string[]): Promise<RedisProcess> {
  const args = ['--save', '', '--appendonly', 'no', '--bind', HOST, '--port', String(port)]
  const child = new RedisProcess([...args, '--dir', dir, ...extra], dir)
  try {
    await child.logged(/Ready to accept connections/, 'that it is ready')
  } catch (error) {
    await child.kill()
    throw error
  }
  const pong = await wireCommand(port, ['PING'])
  if (pong !== 'PONG') throw new Error(`redis-server on port ${port} answered PING with ${pong}`)
  return child
}

function isPortTaken(error: unknown): boolean {
  return error instanceof Error && /Address already in use/.test(error.message)
}

/**
 * A server on free ports: `portsPerServer` of them, the first the client port, the rest passed
 * to `extra` (a cluster's bus port). Retries with other ports when one was taken meanwhile.
 */
async function startOnFreePorts(
  portsPerServer: number,
  extra: (ports: number[], dir: string) => string[],
): Promise<ManagedServer> {
  const dir = temporaryDirectory()
  for (let attempt = 1; ; attempt += 1) {
    const ports = await freePorts(portsPerServer)
    const port = ports[0] as number
    try {
      const relaunch = () => launch(port, dir.path, extra(ports, dir.path))
      return serverHandle(ports, await relaunch(), relaunch, () => dir.remove())
    } catch (error) {
      if (!isPortTaken(error) || attempt === TRIES) {
        dir.remove()
        throw error
      }
    }
  }
}

function serverHandle(
  [port, ...extraPorts]: number[],
  first: RedisProcess,
  relaunch: () => Promise<RedisProcess>,
  removeDirectory: () => void,
): ManagedServer {
  let child = first
  let stopped = false
  return {
    host: HOST,
    port: port as number,
    url: `redis://${HOST}:${port}`,
    extraPorts,
    logged: (pattern, what) => child.logged(pattern, what),
    pause: () => child.signal('SIGSTOP'),
    resume: () => child.signal('SIGCONT'),
    kill: () => child.kill(),
    async restart() {
      if (stopped) throw new Error(`the redis-server on port ${port} was stopped`)
      await child.kill()
      child = await relaunch()
    },
    async stop() {
      stopped = true
      await child.kill()
      removeDirectory()
    },
  }
}

/** A standalone redis-server on a free loopback port; resolves once it answers PING. */
export function startRedis(): Promise<RedisServer> {
  return startOnFreePorts(1, () => [])
}

/** The slot range `[first, last]` that master `index` of `masters` serves. */
function slotRange(index: number, masters: number): [number, number] {
  const first = Math.floor((index * TOTAL_SLOTS) / masters)
  const last = Math.floor(((index + 1) * TOTAL_SLOTS) / masters) - 1
  return [first, last]
}

/**
 * A cluster of `masters` redis-servers, formed by hand (CLUSTER ADDSLOTSRANGE, then MEET) rather
 * than with redis-cli; resolves once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const started = await Promise.allSettled(
    Array.from({ length: masters }, () =>
      startOnFreePorts(2, ([, bus], dir) => [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, 'nodes.conf'),
        '--cluster-port',
        String(bus),
        '--cluster-announce-ip',
        HOST,
      ]),
    ),
  )
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()))
  }
  try {
    const failed = started.find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
    await formCluster(servers)
  } catch (error) {
    await stop()
    throw error
  }
  return {
    nodes: servers.map(({ host, port }) => ({ host, port })),
    // A restarted master keeps its slots (its nodes.conf is kept) but serves them only once it
    // reports the cluster ok again, some 2 s later (Redis's CLUSTER_WRITABLE_DELAY).
    servers: servers.map((server) => ({
      ...server,
      async restart() {
        await server.restart()
        await server.logged(/Cluster state changed: ok/, 'that the cluster is ok again')
      },
    })),
    stop,
  }
}

async function formCluster(servers: ManagedServer[]): Promise<void> {
  // Distinct config epochs spare the nodes the collision round they would otherwise go through.
  await Promise.all(
    servers.map(async (server, index) => {
      await wireCommand(server.port, ['CLUSTER', 'SET-CONFIG-EPOCH', index + 1])
      await wireCommand(server.port, [
        'CLUSTER',
        'ADDSLOTSRANGE',
        ...slotRange(index, servers.length),
      ])
    }),
  )
  const [first, ...others] = servers
  if (first === undefined) throw new Error('a cluster needs at least one master')
  for (const other of others) {
    await wireCommand(first.port, ['CLUSTER', 'MEET', HOST, other.port, ...other.extraPorts])
  }
  await Promise.all(
    servers.map(async (server) => {
      await server.logged(/Cluster state changed: ok/, 'that the cluster is ok')
      const info = await wireCommand(server.port, ['CLUSTER', 'INFO'])
      if (!String(info).includes('cluster_state:ok')) {
        throw new Error(`cluster node ${server.port} logged ok, then CLUSTER INFO said ${info}`)
      }
    }),
  )
}
