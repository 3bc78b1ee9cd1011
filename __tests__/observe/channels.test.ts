// Issue 5, section 2, and issue 9: events on node:diagnostics_channel for hit, miss, coalesced
// join and eviction, and every fetch on the herdcache:fetch TracingChannel (start, end, error,
// asyncStart, asyncEnd), published only while someone subscribes.
import { spawnSync } from 'node:child_process'
import diagnostics from 'node:diagnostics_channel'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CacheManager, channels, TimeoutError } from '../../dist/index.js'
import { deferred, rejectionOf } from '../support/async.js'
import { manualClock } from '../support/clock.js'
import { afterFakeTime } from '../support/timers.js'

type Event = [name: string, message: Record<string, unknown>]

const subscriptions: [string, (message: unknown) => void][] = []
const FETCH_EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const

/** The plain channel names a tracing channel's events go to: `tracing:<name>:<event>`. */
function tracingNames(name: string): [event: string, channel: string][] {
  return FETCH_EVENTS.map((event) => [`fetch:${event}`, `tracing:${name}:${event}`])
}

/** Every herdcache channel, the fetch TracingChannel's five included, by short name. */
function allChannels(): [short: string, name: string][] {
  return Object.entries(channels).flatMap(([short, name]): [string, string][] =>
    short === 'fetch' ? tracingNames(name) : [[short, name]],
  )
}

/** Subscribes to every herdcache channel; the events land in the returned array, in order. */
function record(): Event[] {
  const events: Event[] = []
  for (const [short, name] of allChannels()) {
    const onMessage = (message: unknown) => {
      // A copy: fetch messages are completed in place later.
      events.push([short, { ...(message as Record<string, unknown>) }])
    }
    diagnostics.subscribe(name, onMessage)
    subscriptions.push([name, onMessage])
  }
  return events
}

/** Subscribes `onMessage` to one event of the fetch TracingChannel. */
function onFetch(event: (typeof FETCH_EVENTS)[number], onMessage: (message: unknown) => void) {
  const name = `tracing:${channels.fetch}:${event}`
  diagnostics.subscribe(name, onMessage)
  subscriptions.push([name, onMessage])
}

/** Events without the `cache` field, for compact comparison. */
function plain(events: Event[]): [string, Record<string, unknown>][] {
  return events.map(([name, { cache, ...rest }]) => {
    expect(cache).toBeInstanceOf(CacheManager)
    return [name, rest]
  })
}

afterEach(() => {
  for (const [name, onMessage] of subscriptions.splice(0)) diagnostics.unsubscribe(name, onMessage)
})

describe('diagnostics_channel events', () => {
  it('names its channels herdcache:*', () => {
    expect(channels).toEqual({
      hit: 'herdcache:hit',
      miss: 'herdcache:miss',
      coalesce: 'herdcache:coalesce',
      fetch: 'herdcache:fetch',
      evict: 'herdcache:evict',
    })
  })

  it('publishes fetches on a TracingChannel that tracingChannel() subscribers receive', async () => {
    const seen: string[] = []
    const handlers = Object.fromEntries(
      FETCH_EVENTS.map((event) => [event, () => seen.push(event)]),
    ) as unknown as diagnostics.TracingChannelSubscribers<object>
    const tracing = diagnostics.tracingChannel(channels.fetch)
    tracing.subscribe(handlers)
    try {
      const cache = new CacheManager()
      await cache.getOrFetch('ok', () => Promise.resolve(1))
      await rejectionOf(cache.getOrFetch('async', () => Promise.reject(new Error('x'))))
      await rejectionOf(
        cache.getOrFetch('sync', () => {
          throw new Error('y')
        }),
      )
    } finally {
      tracing.unsubscribe(handlers)
    }
    expect(seen).toEqual([
      ...['start', 'end', 'asyncStart', 'asyncEnd'],
      ...['start', 'end', 'error', 'asyncStart', 'asyncEnd'],
      // A synchronous throw ends as TracingChannel.traceSync's do: error, then end.
      ...['start', 'error', 'end'],
    ])
  })

  it('tells a miss, its fetch, a coalesced join, the fetch end and a hit, in order', async () => {
    const clock = manualClock()
    const cache = new CacheManager({ name: 'api', clock: clock.read })
    const events = record()
    const gate = deferred<string>()
    const first = cache.getOrFetch('k', () => gate.promise)
    const joined = cache.getOrFetch('k', () => 'unused')
    clock.now += 25
    gate.resolve('v')
    await Promise.all([first, joined])
    await cache.getOrFetch('k', () => 'unused')
    await cache.get('k')
    await cache.get('nothing')
    expect(plain(events)).toEqual([
      ['miss', { key: 'k' }],
      ['fetch:start', { key: 'k', background: false }],
      ['fetch:end', { key: 'k', background: false }],
      ['coalesce', { key: 'k' }],
      [
        'fetch:asyncStart',
        { key: 'k', background: false, durationMs: 25, stored: true, result: 'v' },
      ],
      [
        'fetch:asyncEnd',
        { key: 'k', background: false, durationMs: 25, stored: true, result: 'v' },
      ],
      ['hit', { key: 'k', stale: false }],
      ['hit', { key: 'k', stale: false }],
      ['miss', { key: 'nothing' }],
    ])
    expect(events.every(([, message]) => message.cache === cache)).toBe(true)
    expect((events[0]![1].cache as CacheManager).name).toBe('api')
  })

  it('completes the start message in place, so a subscriber can keep state on it', async () => {
    const cache = new CacheManager()
    const starts: object[] = []
    const ends: object[] = []
    onFetch('start', (message) => starts.push(message as object))
    onFetch('asyncEnd', (message) => ends.push(message as object))
    await cache.getOrFetch('k', () => 1)
    expect(ends).toHaveLength(1)
    expect(ends[0]).toBe(starts[0])
  })

  it('tells a stale hit and its background refresh', async () => {
    const clock = manualClock()
    const cache = new CacheManager({ clock: clock.read })
    const options = { ttlMs: 10, staleWhileRevalidateMs: 100 }
    await cache.getOrFetch('k', () => 'old', options)
    clock.now += 20
    const events = record()
    const refreshed = deferred<void>()
    onFetch('asyncEnd', () => refreshed.resolve())
    const gate = deferred<string>()
    expect(await cache.getOrFetch('k', () => gate.promise, options)).toBe('old')
    clock.now += 5
    gate.resolve('new')
    await refreshed.promise
    // The old value is replaced before the fetch is reported over.
    expect(plain(events)).toEqual([
      ['hit', { key: 'k', stale: true }],
      ['fetch:start', { key: 'k', background: true }],
      ['fetch:end', { key: 'k', background: true }],
      ['evict', { key: 'k', reason: 'set' }],
      [
        'fetch:asyncStart',
        { key: 'k', background: true, durationMs: 5, stored: true, result: 'new' },
      ],
      [
        'fetch:asyncEnd',
        { key: 'k', background: true, durationMs: 5, stored: true, result: 'new' },
      ],
    ])
    expect(cache.peek('k')).toBe('new')
  })

  it('tells failures, timeouts and abandoned fetches on the error event', async () => {
    const cache = new CacheManager()
    const events = record()
    const down = new Error('down')
    await rejectionOf(cache.getOrFetch('e', () => Promise.reject(down)))
    const timedOut = await rejectionOf(
      afterFakeTime(1, () => cache.getOrFetch('t', () => new Promise(() => {}), { timeoutMs: 1 })),
    )
    expect(timedOut).toBeInstanceOf(TimeoutError)
    const leaving = new AbortController()
    const reason = new Error('client left')
    const abandoned = cache.getOrFetch('a', () => new Promise(() => {}), {
      signal: leaving.signal,
    })
    leaving.abort(reason)
    await rejectionOf(abandoned)
    const errors = events.filter(([name]) => name === 'fetch:error').map(([, message]) => message)
    expect(errors.map(({ key, outcome, error }) => ({ key, outcome, error }))).toEqual([
      { key: 'e', outcome: 'error', error: down },
      { key: 't', outcome: 'timeout', error: timedOut },
      { key: 'a', outcome: 'abort', error: reason },
    ])
    for (const message of errors) expect(message.durationMs).toBeGreaterThanOrEqual(0)
    expect(events.some(([, message]) => 'stored' in message)).toBe(false)
  })

  it('tells a detached fetch that it stored nothing', async () => {
    const cache = new CacheManager()
    const events = record()
    const gate = deferred<number>()
    const answer = cache.getOrFetch('k', () => gate.promise)
    await cache.delete('k')
    gate.resolve(1)
    await answer
    const end = events.find(([name]) => name === 'fetch:asyncEnd')
    expect(end?.[1]).toMatchObject({ key: 'k', stored: false, result: 1 })
  })

  it('tells every removal with its key and reason, without an onEvict', async () => {
    const clock = manualClock()
    const cache = new CacheManager({ maxSize: 2, clock: clock.read })
    await cache.set('before', 0) // stored before anyone subscribed
    const events = record()
    await cache.set('a', 1)
    await cache.set('b', 2) // evicts 'before'
    await cache.set('a', 3) // replaces a
    await cache.delete('a')
    await cache.set('short', 4, 10)
    clock.now += 20
    expect(cache.has('short')).toBe(false) // expired, found and removed
    await cache.set('c', 5, { tags: ['t'] })
    await cache.invalidateTag('t')
    await cache.clear() // b
    const removals = plain(events).filter(([name]) => name === 'evict')
    expect(removals).toEqual([
      ['evict', { key: 'before', reason: 'evict' }],
      ['evict', { key: 'a', reason: 'set' }],
      ['evict', { key: 'a', reason: 'delete' }],
      ['evict', { key: 'short', reason: 'expire' }],
      ['evict', { key: 'c', reason: 'delete' }],
      ['evict', { key: 'b', reason: 'clear' }],
    ])
  })

  it('tells removals to both onEvict and the channel', async () => {
    const onEvict = vi.fn()
    const cache = new CacheManager({ maxSize: 1, onEvict })
    const events = record()
    await cache.set('a', 1)
    await cache.set('b', 2)
    expect(onEvict.mock.calls).toEqual([['a', 1, 'evict']])
    expect(plain(events)).toEqual([['evict', { key: 'a', reason: 'evict' }]])
  })

  it('stops telling removals when the last subscriber leaves', async () => {
    const cache = new CacheManager({ maxSize: 1 })
    const events = record()
    await cache.set('a', 1)
    await cache.set('b', 2)
    expect(events).toHaveLength(1)
    for (const [name, onMessage] of subscriptions.splice(0)) {
      diagnostics.unsubscribe(name, onMessage)
    }
    await cache.set('c', 3)
    await cache.set('d', 4)
    expect(events).toHaveLength(1)
    expect(cache.peek('d')).toBe(4)
    expect(cache.stats().evictions).toBe(3)
  })

  it('publishes nothing while no one subscribes', async () => {
    // Own-property spies on herdcache's channel objects (diagnostics_channel hands out one object
    // per name), so they see publish() whether the channel is active or not.
    const spies = allChannels().map(([, name]) => vi.spyOn(diagnostics.channel(name), 'publish'))
    const published = () => spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0)
    try {
      const clock = manualClock()
      const cache = new CacheManager({ maxSize: 1, clock: clock.read })
      await cache.getOrFetch('a', () => 1)
      await cache.getOrFetch('a', () => 1)
      await cache.getOrFetch('b', () => 2, { ttlMs: 1, staleWhileRevalidateMs: 10 })
      clock.now += 2
      await cache.getOrFetch('b', () => 3)
      await rejectionOf(cache.getOrFetch('c', () => Promise.reject(new Error('x'))))
      await cache.get('zz')
      await cache.clear()
      expect(published()).toBe(0)
      // The spies do see a publish once someone listens, so the check above can fail.
      record()
      await cache.get('zz')
      expect(published()).toBe(1)
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
  })

  it('lets a subscriber call the cache back without disturbing the call it observes', async () => {
    const cache = new CacheManager({ maxSize: 2 })
    let fetches = 0
    const fetcher = () => {
      fetches += 1
      return Promise.resolve('v')
    }
    const joins: Promise<unknown>[] = []
    const onMiss = (message: unknown) => {
      const { key } = message as { key: string }
      joins.push(cache.getOrFetch(key, fetcher)) // joins the fetch being started
      void cache.set('noise-1', 1)
      void cache.set('noise-2', 2) // evictions in the middle of the observed call
    }
    diagnostics.subscribe(channels.miss, onMiss)
    subscriptions.push([channels.miss, onMiss])
    const answer = cache.getOrFetch('k', fetcher)
    expect(joins).toHaveLength(1)
    expect(joins[0]).toBe(answer)
    expect(await answer).toBe('v')
    expect(fetches).toBe(1)
    expect(cache.peek('k')).toBe('v')
  })

  it('is unaffected by a subscriber that throws (Node reports it as uncaught)', () => {
    // In a child process: the uncaught exception is the point, and vitest would fail on it.
    const script = `
      const diagnostics = require('node:diagnostics_channel')
      const { CacheManager, channels } = require(${JSON.stringify(join(__dirname, '..', '..'))})
      const seen = []
      process.on('uncaughtException', (error) => seen.push(error.message))
      diagnostics.subscribe(channels.miss, () => { throw new Error('subscriber bug') })
      const cache = new CacheManager()
      const a = cache.getOrFetch('k', async () => 1)
      const b = cache.getOrFetch('k', async () => 2)
      Promise.all([a, b]).then((values) => {
        console.log(JSON.stringify({ values, seen, stats: cache.stats() }))
      })`
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
    expect(child.stderr).toBe('')
    const out = JSON.parse(child.stdout) as {
      values: number[]
      seen: string[]
      stats: { fetches: number; coalesced: number; inFlight: number }
    }
    expect(out.values).toEqual([1, 1])
    expect(out.seen).toEqual(['subscriber bug'])
    expect(out.stats).toMatchObject({ fetches: 1, coalesced: 1, inFlight: 0 })
  })

  it('tells each counted lookup exactly once: misses are miss plus coalesce events', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            op: fc.constantFrom('getOrFetch', 'get', 'settle', 'delete'),
            key: fc.constantFrom('a', 'b', 'c'),
          }),
          { maxLength: 40 },
        ),
        async (ops) => {
          const cache = new CacheManager({ maxSize: 2 })
          const events = record()
          const gates: ReturnType<typeof deferred<number>>[] = []
          const answers: Promise<unknown>[] = []
          for (const { op, key } of ops) {
            if (op === 'getOrFetch') {
              answers.push(
                cache.getOrFetch(key, () => {
                  const gate = deferred<number>()
                  gates.push(gate)
                  return gate.promise
                }),
              )
            } else if (op === 'get') {
              answers.push(cache.get(key))
            } else if (op === 'settle') {
              gates.shift()?.resolve(1)
              await Promise.resolve()
            } else {
              await cache.delete(key)
            }
          }
          for (const gate of gates) gate.resolve(1)
          await Promise.all(answers)
          const count = (name: string) => events.filter(([n]) => n === name).length
          const stats = cache.stats()
          expect(count('hit')).toBe(stats.hits)
          expect(count('miss') + count('coalesce')).toBe(stats.misses)
          expect(count('coalesce')).toBe(stats.coalesced)
          expect(count('fetch:start')).toBe(stats.fetches)
          expect(count('fetch:asyncEnd')).toBe(stats.fetches)
          const evicted = events.filter(
            ([n, message]) => n === 'evict' && message.reason === 'evict',
          )
          expect(evicted).toHaveLength(stats.evictions)
          for (const [name, onMessage] of subscriptions.splice(0)) {
            diagnostics.unsubscribe(name, onMessage)
          }
        },
      ),
      { numRuns: 100 },
    )
  })
})
