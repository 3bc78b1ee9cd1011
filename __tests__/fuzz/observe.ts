// What the fuzzer watches besides return values: removals (through onEvict and the evict
// diagnostics channel), process warnings, unhandled rejections and uncaught exceptions.
import diagnosticsChannel from 'node:diagnostics_channel'

export const NO_VALUE = Symbol('no value reported')

export interface Observed {
  key: string
  value: unknown
  reason: string
}

/** Shows a key with every code unit outside printable ASCII escaped, so '\ud800' ≠ '\ufffd'. */
export function showKey(key: string): string {
  let out = ''
  for (let i = 0; i < key.length; i += 1) {
    const unit = key.charCodeAt(i)
    out += unit >= 0x20 && unit < 0x7f ? key[i] : `\\u${unit.toString(16).padStart(4, '0')}`
  }
  return `'${out}'`
}

export class Observer {
  /** Removals onEvict saw this step (with values), and those the channel saw. */
  fromOnEvict: Observed[] = []
  fromChannel: Observed[] = []
  problems: string[] = []
  onEvictThrows = 0
  warnings: { code: string | undefined; message: string }[] = []
  readonly #unsubscribe: () => void
  readonly #restore: () => void

  constructor(isOurs: (cache: unknown) => boolean) {
    const onMessage = (message: unknown) => {
      const m = message as { cache: unknown; key: string; reason: string }
      if (isOurs(m.cache)) this.fromChannel.push({ key: m.key, value: NO_VALUE, reason: m.reason })
    }
    // Subscribed in every variant: it reports removals (the sweep's included) even without
    // onEvict, which lets the model follow the sweep instead of guessing its timing.
    diagnosticsChannel.subscribe('herdcache:evict', onMessage)
    this.#unsubscribe = () => diagnosticsChannel.unsubscribe('herdcache:evict', onMessage)

    const onRejection = (reason: unknown) => {
      this.problems.push(`unhandled rejection: ${safeString(reason)}`)
    }
    const onException = (error: unknown) => {
      this.problems.push(`uncaught exception: ${safeString(error)}`)
    }
    process.on('unhandledRejection', onRejection)
    process.on('uncaughtException', onException)
    // Captured instead of printed: onEvict throws by design in some variants, and each throw
    // must become exactly one HERDCACHE_ON_EVICT_THREW warning.
    const emitWarning = process.emitWarning.bind(process)
    process.emitWarning = (warning: string | Error, options?: unknown) => {
      const code =
        typeof options === 'object' && options !== null
          ? (options as { code?: string }).code
          : undefined
      this.warnings.push({ code, message: String(warning) })
    }
    this.#restore = () => {
      process.off('unhandledRejection', onRejection)
      process.off('uncaughtException', onException)
      process.emitWarning = emitWarning
    }
  }

  close(): void {
    this.#unsubscribe()
    this.#restore()
  }
}

/** String(value), or a description when even that throws (Object.create(null)). */
export function safeString(value: unknown): string {
  try {
    return value instanceof Error ? `${value.name}: ${value.message}` : String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}
