// Helpers the suites share for driving Promises deterministically.

export interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (error: unknown) => void
}

/** A Promise with its resolve and reject, for fetchers the test settles by hand. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** The rejection reason of `promise`; fails the test when it fulfils instead. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the Promise to reject, but it fulfilled')
}

export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Lets a few macrotasks pass, so Promise reactions and unhandled-rejection checks all run. */
export async function turns(count = 3): Promise<void> {
  for (let i = 0; i < count; i += 1) await nextMacrotask()
}

/** A probe that reports whether `promise` has settled yet. */
export function track(promise: Promise<unknown>): { readonly settled: boolean } {
  const state = { settled: false }
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  )
  return state
}
