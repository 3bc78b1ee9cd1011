/**
 * The messages instances exchange on the tier's channel. Invalidations carry keys or tags only
 * (never values); completions wake the instances waiting on a lease. Every message names its
 * sender, so an instance ignores its own.
 */
import type { RemoteFailure } from './waits.js'

export type Message =
  /** A fetch stored its value: waiters look again. */
  | { kind: 'done'; keys: string[] }
  /** A fetch failed: its waiters reject with its error. */
  | { kind: 'failed'; keys: string[]; error: RemoteFailure }
  /** Entries were deleted or replaced: drop them from L1. */
  | { kind: 'drop'; keys: string[] }
  /** Tags were invalidated: drop their entries from L1. */
  | { kind: 'tags'; tags: string[] }
  /** Everything was cleared. */
  | { kind: 'clear' }

const VERSION = 1

/** The message as text, from `sender`. JSON keeps lone surrogates (as escapes). */
export function formatMessage(sender: string, message: Message): string {
  return JSON.stringify({ v: VERSION, from: sender, ...message })
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}

function isFailure(value: unknown): value is RemoteFailure {
  if (typeof value !== 'object' || value === null) return false
  const { name, message, code } = value as Record<string, unknown>
  return (
    typeof name === 'string' &&
    typeof message === 'string' &&
    (code === undefined || typeof code === 'string')
  )
}

/** A message and its sender, or undefined for text that is not one of ours. */
export function parseMessage(text: string): { from: string; message: Message } | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const { v, from, kind, keys, tags, error } = parsed as Record<string, unknown>
  if (v !== VERSION || typeof from !== 'string') return undefined
  switch (kind) {
    case 'done':
    case 'drop':
      return isStrings(keys) ? { from, message: { kind, keys } } : undefined
    case 'failed':
      return isStrings(keys) && isFailure(error)
        ? { from, message: { kind, keys, error } }
        : undefined
    case 'tags':
      return isStrings(tags) ? { from, message: { kind, tags } } : undefined
    case 'clear':
      return { from, message: { kind } }
    default:
      return undefined
  }
}

/** What a failed fetch's waiters elsewhere are told of its error; never throws. */
export function failureOf(error: unknown): RemoteFailure {
  try {
    if (error instanceof Error) {
      const code = (error as { code?: unknown }).code
      return {
        name: String(error.name),
        message: String(error.message),
        code: typeof code === 'string' ? code : undefined,
      }
    }
    return { name: 'Error', message: String(error), code: undefined }
  } catch {
    // A Proxy, a throwing getter or toString: the waiters still learn that it failed.
    return { name: 'Error', message: 'a value that cannot be printed', code: undefined }
  }
}
