// Helpers for checking synchronous throws: herdcache reports programmer errors by throwing, never
// by rejecting, so a call that returns instead (a rejected Promise included) fails the test.
import { expect } from 'vitest'

/** What `call` threw synchronously (an Error); fails the test when it returned instead. */
export function thrownBy(call: () => unknown): Error & { code?: unknown } {
  let returned: unknown
  try {
    returned = call()
  } catch (error) {
    expect(error).toBeInstanceOf(Error)
    return error as Error & { code?: unknown }
  }
  // A rejected Promise instead of a throw is itself a failure; keep it from going unhandled.
  if (returned instanceof Promise) returned.catch(() => undefined)
  throw new Error('expected a synchronous throw')
}

/** Checks that `call` throws exactly a `type` (not a subclass) with `code` and `message`. */
export function expectThrown(
  call: () => unknown,
  type: typeof TypeError | typeof RangeError,
  code: string,
  message: string | RegExp,
): void {
  const error = thrownBy(call)
  expect(error.constructor).toBe(type)
  expect(error.code).toBe(code)
  expect(error.message).toMatch(message)
}
