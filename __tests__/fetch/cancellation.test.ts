// Issue 3, points 4 and 7: a caller's own AbortSignal lets that caller leave a shared fetch; the
// upstream fetch is aborted only when every waiter has left. In-flight fetches are not entries.
import { getEventListeners } from 'node:events'
import { describe, expect, it, vi } from 'vitest'
import { CacheManager, type FetchContext } from '../../dist/index.js'
import { deferred, rejectionOf, track, turns } from '../support/async.js'
import { unhandledRejections } from '../support/process.js'

/**
 * A fetcher settled by hand. It records the signal it was given, read during the call as
 * `fetch(url, { signal })` would.
 */
function manualFetcher<T>() {
  const d = deferred<T>()
  const signals: AbortSignal[] = []
  const fetcher = vi.fn((context: FetchContext<T>) => {
    signals.push(context.signal)
    return d.promise
  })
  return { d, signals, fetcher }
}

const abortListeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length

const unhandled = unhandledRejections()

describe("a caller's own signal", () => {
  it('rejects only that caller, with the signal reason, while the others get the value', async () => {
    const cache = new CacheManager<{ v: number }>()
    const { d, signals, fetcher } = manualFetcher<{ v: number }>()
    const leaving = new AbortController()
    const staying = new AbortController()
    const reason = new Error('client went away')

    const left = cache.getOrFetch('k', fetcher, { signal: leaving.signal })
    const plain = cache.getOrFetch('k', fetcher)
    const stayed = cache.getOrFetch('k', fetcher, { signal: staying.signal })
    const plainProbe = track(plain)
    leaving.abort(reason)

    expect(await rejectionOf(left)).toBe(reason)
    expect(plainProbe.settled).toBe(false)
    expect(signals[0]!.aborted).toBe(false)
    expect(cache.stats()).toMatchObject({ aborts: 0, inFlight: 1 })

    const value = { v: 1 }
    d.resolve(value)
    await expect(plain).resolves.toBe(value)
    await expect(stayed).resolves.toBe(value)
    expect(cache.peek('k')).toBe(value)
    expect(fetcher).toHaveBeenCalledTimes(1)
  })

  it('rejects with the default AbortError reason when aborted without one', async () => {
    const cache = new CacheManager<string>()
    const { d, fetcher } = manualFetcher<string>()
    const controller = new AbortController()
    const left = cache.getOrFetch('k', fetcher, { signal: controller.signal })
    const plain = cache.getOrFetch('k', fetcher)

    controller.abort()
    const error = await rejectionOf(left)
    expect(error).toBe(controller.signal.reason)
    expect(error).toMatchObject({ name: 'AbortError' })
    d.resolve('v')
    await expect(plain).resolves.toBe('v')
  })

  it('rejects with a non-Error reason exactly as given', async () => {
    const cache = new CacheManager<string>()
    const { d, fetcher } = manualFetcher<string>()
    const controller = new AbortController()
    const reason = { why: 'not an Error' }
    const left = cache.getOrFetch('k', fetcher, { signal: controller.signal })
    const plain = cache.getOrFetch('k', fetcher)

    controller.abort(reason)
    expect(await rejectionOf(left)).toBe(reason)
    d.resolve('v')
    await plain
  })

  it('gives each caller with a signal a Promise of its own; callers without share one', async () => {
    const cache = new CacheManager<string>()
    const { d, fetcher } = manualFetcher<string>()
    const a = cache.getOrFetch('k', fetcher)
    const withSignal1 = cache.getOrFetch('k', fetcher, { signal: new AbortController().signal })
    const b = cache.getOrFetch('k', fetcher)
    const withSignal2 = cache.getOrFetch('k', fetcher, { signal: new AbortController().signal })

    expect(b).toBe(a)
    expect(withSignal1).not.toBe(a)
    expect(withSignal2).not.toBe(a)
    expect(withSignal2).not.toBe(withSignal1)
    expect(fetcher).toHaveBeenCalledTimes(1)
    expect(cache.stats()).toMatchObject({ fetches: 1, coalesced: 3 })

    d.resolve('v')
    await expect(Promise.all([a, withSignal1, b, withSignal2])).resolves.toEqual([
      'v',
      'v',
      'v',
      'v',
    ])
  })

  it('lets a joiner with its own signal leave without touching the shared Promise or the fetch', async () => {
    const cache = new CacheManager<string>()
    const { d, signals, fetcher } = manualFetcher<string>()
    const a = cache.getOrFetch('k', fetcher, 1000)
    const controller = new AbortController()
    const leaving = cache.getOrFetch('k', fetcher, { signal: controller.signal })
    const b = cache.getOrFetch('k', fetcher, 1000)
    const c = cache.getOrFetch('k', fetcher)

    controller.abort(new Error('left'))
    await expect(leaving).rejects.toThrow('left')
    expect(signals[0]!.aborted).toBe(false)
    expect(b).toBe(a)
    expect(c).toBe(a)
    d.resolve('v')
    await expect(Promise.all([a, b, c])).resolves.toEqual(['v', 'v', 'v'])
    expect(cache.stats()).toMatchObject({ fetches: 1, coalesced: 3, aborts: 0 })
    expect(await cache.get('k')).toBe('v')
  })

  it('gives a signal caller that starts the fetch its own Promise too', async () => {
    const cache = new CacheManager<string>()
    const { d, fetcher } = manualFetcher<string>()
    const first = cache.getOrFetch('k', fetcher, { signal: new AbortController().signal })
    const a = cache.getOrFetch('k', fetcher)
    const b = cache.getOrFetch('k', fetcher)

    expect(b).toBe(a)
    expect(first).not.toBe(a)
    d.resolve('v')
    await expect(Promise.all([first, a, b])).resolves.toEqual(['v', 'v', 'v'])
  })

  it('passes the fetch error to a caller with a signal', async () => {
    const cache = new CacheManager<string>()
    const { d, fetcher } = manualFetcher<string>()
    const controller = new AbortController()
    const own = cache.getOrFetch('k', fetcher, { signal: controller.signal })
    const error = new Error('upstream down')

    d.reject(error)
    expect(await rejectionOf(own)).toBe(error)
    expect(cache.stats()).toMatchObject({ fetchErrors: 1, aborts: 0 })
  })
})

describe('the upstream fetch', () => {
  it('is aborted only when every waiter has left', async () => {
    const cache = new CacheManager<string>()
    const { signals, fetcher } = manualFetcher<string>()
    const controllers = [new AbortController(), new AbortController(), new AbortController()]
    const waiters = controllers.map((controller) =>
      cache.getOrFetch('k', fetcher, { signal: controller.signal }),
    )
    const outcomes = waiters.map((waiter) => rejectionOf(waiter))
    const upstream = signals[0]!

    controllers[0]!.abort(new Error('first'))
    controllers[1]!.abort(new Error('second'))
    await turns()
    expect(upstream.aborted).toBe(false)
    expect(cache.stats()).toMatchObject({ aborts: 0, inFlight: 1 })

    const last = new Error('third')
    controllers[2]!.abort(last)
    const reasons = await Promise.all(outcomes)
    expect(reasons.map((reason) => (reason as Error).message)).toEqual(['first', 'second', 'third'])
    expect(upstream.aborted).toBe(true)
    expect(cache.stats()).toMatchObject({ aborts: 1, inFlight: 0, size: 0 })
    expect(fetcher).toHaveBeenCalledTimes(1)
  })

  it('starts anew for the next caller once abandoned by all', async () => {
    const cache = new CacheManager<string>()
    const abandoned = manualFetcher<string>()
    const controller = new AbortController()
    const outcome = rejectionOf(
      cache.getOrFetch('k', abandoned.fetcher, { signal: controller.signal }),
    )
    controller.abort()
    await outcome

    const next = vi.fn(() => 'fresh')
    await expect(cache.getOrFetch('k', next)).resolves.toBe('fresh')
    expect(next).toHaveBeenCalledTimes(1)
    expect(cache.stats()).toMatchObject({ fetches: 2, coalesced: 0, aborts: 1 })
  })

  it('is not stored when abandoned by all, even if the fetcher resolves later', async () => {
    const cache = new CacheManager<string>()
    const { d, fetcher } = manualFetcher<string>()
    const controller = new AbortController()
    const outcome = rejectionOf(cache.getOrFetch('k', fetcher, { signal: controller.signal }))
    controller.abort()
    await outcome

    d.resolve('late')
    await turns()
    expect(cache.has('k')).toBe(false)
    expect(cache.size).toBe(0)
    await expect(cache.get('k')).resolves.toBeNull()
    expect(unhandled).not.toHaveBeenCalled()
  })

  it('raises no unhandled rejection when an abandoned fetcher rejects with the abort', async () => {
    const cache = new CacheManager<string>()
    const controller = new AbortController()
    const fetcher = ({ signal }: FetchContext<string>) =>
      new Promise<string>((_, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })
      })
    const outcome = rejectionOf(cache.getOrFetch('k', fetcher, { signal: controller.signal }))

    controller.abort(new Error('gone'))
    await outcome
    await turns()
    expect(unhandled).not.toHaveBeenCalled()
    expect(cache.stats()).toMatchObject({ aborts: 1, inFlight: 0 })
  })

  it('shows the fetcher an aborted signal even when it first reads it after every waiter left', async () => {
    const cache = new CacheManager<string>()
    const contexts: FetchContext<string>[] = []
    const fetcher = (context: FetchContext<string>) => {
      contexts.push(context)
      return new Promise<string>(() => {})
    }
    const controller = new AbortController()
    const outcome = rejectionOf(cache.getOrFetch('k', fetcher, { signal: controller.signal }))
    controller.abort()
    await outcome

    // A fetcher that awaits something first (a token, a connection) reads its signal late.
    expect(cache.stats().aborts).toBe(1)
    expect(contexts[0]!.signal.aborted).toBe(true)
  })

  it.each([
    ['before', true],
    ['after', false],
  ])(
    'is pinned by a caller without a signal who joins %s the signal caller',
    async (_, plainFirst) => {
      const cache = new CacheManager<string>()
      const { d, signals, fetcher } = manualFetcher<string>()
      const controller = new AbortController()
      let plain: Promise<string>
      let own: Promise<string>
      if (plainFirst) {
        plain = cache.getOrFetch('k', fetcher)
        own = cache.getOrFetch('k', fetcher, { signal: controller.signal })
      } else {
        own = cache.getOrFetch('k', fetcher, { signal: controller.signal })
        plain = cache.getOrFetch('k', fetcher)
      }
      const reason = new Error('gone')

      controller.abort(reason)
      expect(await rejectionOf(own)).toBe(reason)
      await turns()
      expect(signals[0]!.aborted).toBe(false)
      expect(cache.stats()).toMatchObject({ aborts: 0, inFlight: 1 })

      d.resolve('v')
      await expect(plain).resolves.toBe('v')
      expect(cache.peek('k')).toBe('v')
    },
  )
})

describe('an already-aborted signal', () => {
  it('rejects at once with its reason, without a fetch or a lookup', async () => {
    const cache = new CacheManager<string>()
    const fetcher = vi.fn(() => 'v')
    const reason = new Error('already gone')
    const before = cache.stats()

    const answer = cache.getOrFetch('k', fetcher, { signal: AbortSignal.abort(reason) })
    expect(await rejectionOf(answer)).toBe(reason)
    expect(fetcher).not.toHaveBeenCalled()
    expect(cache.stats()).toEqual(before)
    expect(cache.stats().inFlight).toBe(0)
  })

  it('rejects even when a fresh value is stored, counting no hit', async () => {
    const cache = new CacheManager<string>()
    await cache.set('k', 'v')
    const before = cache.stats()
    const signal = AbortSignal.abort()

    expect(await rejectionOf(cache.getOrFetch('k', () => 'other', { signal }))).toBe(signal.reason)
    expect(cache.stats()).toEqual(before)
  })

  it('does not join a fetch in flight', async () => {
    const cache = new CacheManager<string>()
    const { d, fetcher } = manualFetcher<string>()
    const plain = cache.getOrFetch('k', fetcher)
    const before = cache.stats()
    const signal = AbortSignal.abort()

    expect(await rejectionOf(cache.getOrFetch('k', fetcher, { signal }))).toBe(signal.reason)
    expect(cache.stats()).toEqual(before)
    d.resolve('v')
    await expect(plain).resolves.toBe('v')
  })
})

describe("the caller's abort listener", () => {
  it('is removed once the fetch resolves, so a later abort does nothing', async () => {
    const cache = new CacheManager<string>()
    const { d, signals, fetcher } = manualFetcher<string>()
    const controller = new AbortController()
    const own = cache.getOrFetch('k', fetcher, { signal: controller.signal })
    expect(abortListeners(controller.signal)).toBe(1)

    d.resolve('v')
    await expect(own).resolves.toBe('v')
    expect(abortListeners(controller.signal)).toBe(0)

    controller.abort(new Error('too late'))
    await turns()
    expect(unhandled).not.toHaveBeenCalled()
    expect(signals[0]!.aborted).toBe(false)
    expect(cache.stats()).toMatchObject({ aborts: 0, size: 1 })
    expect(cache.peek('k')).toBe('v')
  })

  it('is removed once the fetch rejects', async () => {
    const cache = new CacheManager<string>()
    const { d, fetcher } = manualFetcher<string>()
    const controller = new AbortController()
    const outcome = rejectionOf(cache.getOrFetch('k', fetcher, { signal: controller.signal }))
    expect(abortListeners(controller.signal)).toBe(1)

    d.reject(new Error('upstream down'))
    await outcome
    expect(abortListeners(controller.signal)).toBe(0)
    controller.abort()
    await turns()
    expect(unhandled).not.toHaveBeenCalled()
    expect(cache.stats()).toMatchObject({ aborts: 0, fetchErrors: 1 })
  })

  it('is removed when the caller aborts', async () => {
    const cache = new CacheManager<string>()
    const { d, fetcher } = manualFetcher<string>()
    const controller = new AbortController()
    const plain = cache.getOrFetch('k', fetcher)
    const outcome = rejectionOf(cache.getOrFetch('k', fetcher, { signal: controller.signal }))

    controller.abort()
    await outcome
    expect(abortListeners(controller.signal)).toBe(0)
    d.resolve('v')
    await plain
  })

  it('is never added for an answer from a stored value', async () => {
    const cache = new CacheManager<string>()
    await cache.set('k', 'v')
    const controller = new AbortController()

    await expect(cache.getOrFetch('k', () => 'other', { signal: controller.signal })).resolves.toBe(
      'v',
    )
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('is removed from one signal shared by many calls as each fetch settles', async () => {
    const cache = new CacheManager<string>()
    const controller = new AbortController()
    const fetches = Array.from({ length: 5 }, () => manualFetcher<string>())
    const answers = fetches.map((f, i) =>
      cache.getOrFetch(`k${i}`, f.fetcher, { signal: controller.signal }),
    )
    expect(abortListeners(controller.signal)).toBe(5)

    fetches[0]!.d.resolve('a')
    fetches[1]!.d.reject(new Error('b'))
    await answers[0]
    await rejectionOf(answers[1]!)
    expect(abortListeners(controller.signal)).toBe(3)

    const reason = new Error('request over')
    controller.abort(reason)
    for (const answer of answers.slice(2)) expect(await rejectionOf(answer)).toBe(reason)
    expect(abortListeners(controller.signal)).toBe(0)
    expect(cache.stats()).toMatchObject({ aborts: 3, inFlight: 0, size: 1 })
  })
})

describe('a background refresh', () => {
  it('is not aborted when signal callers who joined it leave', async () => {
    let now = 1_000_000
    const cache = new CacheManager<string>({ clock: () => now })
    await cache.getOrFetch('k', () => 'old', { ttlMs: 100, staleWhileRevalidateMs: 1_000 })
    now += 150
    const { d, signals, fetcher } = manualFetcher<string>()
    await expect(cache.getOrFetch('k', fetcher)).resolves.toBe('old')
    expect(cache.stats()).toMatchObject({ refreshes: 1, inFlight: 1 })

    // Both join the refresh: one forces past the stale entry, one arrives after its window.
    const forcing = new AbortController()
    const late = new AbortController()
    const forced = cache.getOrFetch('k', fetcher, { signal: forcing.signal, forceRefresh: true })
    now += 2_000
    const missed = cache.getOrFetch('k', fetcher, { signal: late.signal })
    expect(fetcher).toHaveBeenCalledTimes(1)
    expect(cache.stats().coalesced).toBe(2)

    forcing.abort(new Error('a'))
    late.abort(new Error('b'))
    await rejectionOf(forced)
    await rejectionOf(missed)
    await turns()
    expect(signals[0]!.aborted).toBe(false)
    expect(cache.stats()).toMatchObject({ aborts: 0, inFlight: 1 })

    d.resolve('new')
    await turns()
    expect(cache.peek('k')).toBe('new')
    expect(unhandled).not.toHaveBeenCalled()
  })
})

describe('in-flight fetches are not entries', () => {
  it('are never evicted or aborted under maxSize, and size counts only stored entries', async () => {
    const cache = new CacheManager<string>({ maxSize: 1 })
    const fetches = Array.from({ length: 20 }, () => manualFetcher<string>())
    const answers = fetches.map((f, i) => cache.getOrFetch(`k${i}`, f.fetcher))
    expect(cache.size).toBe(0)
    expect(cache.stats()).toMatchObject({ size: 0, inFlight: 20, evictions: 0 })

    await cache.set('other', 'x')
    await cache.set('another', 'y')
    expect(cache.stats()).toMatchObject({ size: 1, inFlight: 20, evictions: 1 })

    for (const [i, f] of fetches.entries()) {
      f.d.resolve(`v${i}`)
      await expect(answers[i]).resolves.toBe(`v${i}`)
      expect(cache.size).toBe(1)
      expect(cache.peek(`k${i}`)).toBe(`v${i}`)
    }
    expect(fetches.every((f) => f.fetcher.mock.calls.length === 1 && !f.signals[0]!.aborted)).toBe(
      true,
    )
    expect(cache.stats()).toMatchObject({ size: 1, inFlight: 0, evictions: 21, aborts: 0 })
  })

  it('never expire, however long they take, and joiners still coalesce', async () => {
    let now = 1_000_000
    const cache = new CacheManager<string>({ clock: () => now, maxSize: 1 })
    const { d, signals, fetcher } = manualFetcher<string>()
    const first = cache.getOrFetch('k', fetcher, 10)

    now += 1e9
    const joiner = cache.getOrFetch('k', fetcher, 10)
    expect(joiner).toBe(first)
    expect(fetcher).toHaveBeenCalledTimes(1)
    expect(cache.stats()).toMatchObject({ inFlight: 1, expirations: 0, size: 0 })

    d.resolve('v')
    await expect(first).resolves.toBe('v')
    expect(signals[0]!.aborted).toBe(false)
    expect(cache.peek('k')).toBe('v')
  })
})
