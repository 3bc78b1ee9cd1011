// One redis-server child process, as __tests__/support/redis.ts starts it: its log read for the
// moments the harness waits on, and every process killed and every temporary directory removed
// when the test process ends, even when a suite failed or its worker was killed.
import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

/** How long the harness waits for a server event before it fails the test instead of hanging. */
export const SAFETY_MS = 10_000

const live = new Set<ChildProcess>()
const directories = new Set<string>()
let cleanupInstalled = false

/** Kills what is still running and removes the directories, synchronously (an 'exit' hook). */
function cleanUp(): void {
  for (const child of live) child.kill('SIGKILL')
  for (const dir of directories) rmSync(dir, { recursive: true, force: true })
}

const DIRECTORY_PREFIX = 'herdcache-redis-'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

// A process killed by a signal runs no 'exit' hook (vitest ends its workers with SIGTERM, then
// SIGKILL): its servers die with it (see RedisProcess), and its directories, named after its
// pid, are removed by the next test process that starts a server.
function removeOrphanedDirectories(): void {
  for (const name of readdirSync(tmpdir())) {
    const owner = new RegExp(`^${DIRECTORY_PREFIX}(\\d+)-`).exec(name)?.[1]
    if (owner !== undefined && !alive(Number(owner))) {
      rmSync(join(tmpdir(), name), { recursive: true, force: true })
    }
  }
}

function installCleanup(): void {
  if (cleanupInstalled) return
  cleanupInstalled = true
  removeOrphanedDirectories()
  process.on('exit', cleanUp)
}

/** A new temporary directory, removed at exit unless `remove()` was called first. */
export function temporaryDirectory(): { path: string; remove(): void } {
  installCleanup()
  const path = mkdtempSync(join(tmpdir(), `${DIRECTORY_PREFIX}${process.pid}-`))
  directories.add(path)
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true })
      directories.delete(path)
    },
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const file = join(dir, name)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      // not in this directory
    }
  }
  return undefined
}

let binaries: { server: string; setpriv: string | undefined } | undefined

/** redis-server's path, and setpriv's (util-linux) when present; throws when redis is missing. */
function redisBinaries(): { server: string; setpriv: string | undefined } {
  if (binaries) return binaries
  const server = onPath('redis-server')
  if (server === undefined) {
    throw new Error(
      'redis-server is not on PATH: the fleet tier is tested against a real Redis. Install the ' +
        'Debian packages redis-server and redis-tools (apt-get install redis-server redis-tools).',
    )
  }
  binaries = { server, setpriv: onPath('setpriv') }
  return binaries
}

/** A running (or exited) redis-server, with what it has logged so far. */
export class RedisProcess {
  readonly #child: ChildProcess
  #log = ''
  readonly #waiters = new Set<() => void>()
  /** Resolves with the exit code (null after a signal) once the process has exited. */
  readonly exited: Promise<number | null>

  constructor(args: readonly string[], cwd: string) {
    installCleanup()
    const { server, setpriv } = redisBinaries()
    // The parent-death signal kills the server even when the test process is killed outright
    // (SIGKILL after vitest's 500 ms grace), which no exit hook survives.
    const [command, commandArgs] = setpriv
      ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', server, ...args]]
      : [server, [...args]]
    this.#child = spawn(command, commandArgs, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    live.add(this.#child)
    const append = (chunk: Buffer) => {
      this.#log += chunk.toString('utf8')
      for (const check of this.#waiters) check()
    }
    this.#child.stdout?.on('data', append)
    this.#child.stderr?.on('data', append)
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code) => {
        live.delete(this.#child)
        for (const check of this.#waiters) check()
        resolve(code)
      })
    })
  }

  get log(): string {
    return this.#log
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.#child.kill(signal)
  }

  /** SIGKILL; resolves once the process has exited. */
  async kill(): Promise<void> {
    this.signal('SIGKILL')
    await this.exited
  }

  /**
   * Resolves once the log has a line matching `pattern`; rejects if the process exits first or
   * SAFETY_MS pass, with the log in the message.
   */
  logged(pattern: RegExp, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer)
        this.#waiters.delete(check)
        if (error) reject(error)
        else resolve()
      }
      const check = () => {
        if (pattern.test(this.#log)) done()
        else if (!this.running) done(this.#failure(`exited before ${what}`))
      }
      const timer = setTimeout(
        () => done(this.#failure(`did not log ${what} within ${SAFETY_MS} ms`)),
        SAFETY_MS,
      )
      this.#waiters.add(check)
      check()
    })
  }

  #failure(message: string): Error {
    return new Error(`redis-server ${message}; its log:\n${this.#log.slice(-2000)}`)
  }
}
