/**
 * The tier's Redis commands, each bounded by `commandTimeoutMs` and guarded by the breaker. A
 * command that fails is counted and thrown to the tier, which goes on without Redis; it is never
 * the caller's failure.
 */
import type { TierStats } from '../fetch/tier.js'
import { Breaker, type BreakerState } from './breaker.js'
import { formatMessage, type Message } from './bus.js'
import { channelName } from './keys.js'
import type { Arg, RedisLink, Reply, Script } from './link.js'

/** A command not sent: the tier is closed or the breaker open. Nothing of it can run later. */
export class NotSent extends Error {}

/** The counters the guard keeps. */
type GuardStats = Pick<TierStats, 'redisErrors' | 'invalidationsSent'>

export class Guarded {
  readonly #breaker: Breaker
  #closed = false

  /**
   * @param link - the client's commands, unguarded.
   * @param sender - this instance's id in the messages it publishes.
   * @param onOpen - called each time the breaker opens.
   */
  constructor(
    readonly link: RedisLink,
    private readonly sender: string,
    private readonly settings: {
      prefix: string
      commandTimeoutMs: number
      failureThreshold: number
      retryAfterMs: number
    },
    private readonly stats: GuardStats,
    onOpen: () => void,
  ) {
    this.#breaker = new Breaker(settings.failureThreshold, settings.retryAfterMs, onOpen)
  }

  get breakerState(): BreakerState {
    return this.#breaker.state
  }

  /** From now on every command is NotSent. */
  close(): void {
    this.#closed = true
  }

  script(script: Script, keys: readonly Arg[], args: readonly Arg[]): Promise<Reply> {
    return this.run(() => this.link.script(script, keys, args))
  }

  command(key: Arg, args: readonly Arg[]): Promise<Reply> {
    return this.run(() => this.link.command(key, args))
  }

  /** Publishes `message` on the tier's channel; invalidations are counted as sent. */
  publish(message: Message): Promise<void> {
    if (message.kind === 'drop' || message.kind === 'tags' || message.kind === 'clear') {
      this.stats.invalidationsSent += 1
    }
    return this.run(() => this.link.publish(this.channel, this.format(message)))
  }

  /**
   * Sends `script` and then `message` unguarded, with no timeout: behind a command that timed
   * out on the same connection, so that they run right after it if Redis comes back.
   */
  behind(script: Script, keys: readonly Arg[], args: readonly Arg[], message?: Message): void {
    this.link.script(script, keys, args).catch(ignore)
    if (message !== undefined) this.link.publish(this.channel, this.format(message)).catch(ignore)
  }

  /** One Redis round trip, bounded by commandTimeoutMs and guarded by the breaker. */
  async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closed || !this.#breaker.allow()) throw new NotSent()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('Redis did not answer within commandTimeoutMs')),
        this.settings.commandTimeoutMs,
      )
    })
    try {
      const result = await Promise.race([operation(), timeout])
      this.#breaker.succeeded()
      return result
    } catch (error) {
      this.stats.redisErrors += 1
      this.#breaker.failed()
      throw error
    } finally {
      clearTimeout(timer)
    }
  }

  private get channel(): string {
    return channelName(this.settings.prefix)
  }

  private format(message: Message): string {
    return formatMessage(this.sender, message)
  }
}

function ignore(): void {}
