// Runs one list of operations against a fresh cache and the model, checking every invariant
// after every step. Time is vitest's fake time: the cache's clock reads it and the fetch
// timeouts and the expiry sweep are fake timers, so nothing depends on the machine's speed.
import { vi } from 'vitest'
import { CacheManager } from '../../dist/index.js'
import { deferred, type Deferred } from '../support/async.js'
import { badCallsFor } from './bad_input.js'
import {
  checkCounters,
  checkMetrics,
  checkRemovals,
  checkWarnings,
  Fail,
  type Handed,
  sameExpectation,
} from './checks.js'
import { Model, type ModelFlight, type Spec, type Waiter } from './model.js'
import { NO_VALUE, type Observed, Observer, safeString, showKey } from './observe.js'
import {
  type CallSpec,
  type FetcherKind,
  type FuzzValue,
  formatOp,
  type Hostile,
  type Op,
  sizeOfValue,
  type ValueSpec,
  type Variant,
} from './ops.js'

export interface Failure {
  /** Index of the failing step (ops.length for the final drain). */
  step: number
  /** A stable category, so shrinking keeps looking for the same failure. */
  kind: string
  message: string
}

const START_TIME = 1_000_000
// The README promises a sweep "within about a second" of an entry's end; twice that is slack.
const SWEEP_GRACE_MS = 2_000
const DRAIN_MS = 3_600_000

interface Snapshot {
  stats: string
  size: number
  fetcherCalls: number
  removals: number
}

interface Open {
  flight: ModelFlight
  deferred: Deferred<unknown>
}

interface FetchCall {
  kind: FetcherKind
  value: unknown
  error: Error
  deferred: Deferred<unknown> | undefined
}

type Action = 'get' | 'peek' | 'delete' | 'stats'

/** What a re-entrant onEvict does for a removal: chosen by the removal alone, in any order. */
function reentrantAction(key: string, reason: string): Action {
  return (['get', 'peek', 'delete', 'stats'] as const)[(key.length + reason.length) % 4]!
}

function flush(): Promise<void> {
  return new Promise<void>((resolve) => {
    let turns = 4
    const next = () => (--turns === 0 ? resolve() : setImmediate(next))
    setImmediate(next)
  })
}

class Run {
  readonly model: Model
  readonly cache: CacheManager
  readonly observer: Observer
  #step = -1
  #values = 0
  #clockReads = 0
  #clockFailAt = Infinity
  #clockError: Error | undefined
  #clockDepth = 0
  #fetcherCalls = 0
  /** Lookups made (get, getOrFetch past its checks), counted apart from the model. */
  #lookups = 0
  #evictDepth = 0
  #open: Open[] = []
  #handed: Handed[] = []
  #signalWaiters: { flight: ModelFlight; waiter: Waiter }[] = []
  #controllers = [new AbortController(), new AbortController(), new AbortController()]
  #aborted: AbortController[] = []
  #nextWrap: FetchCall | undefined
  readonly #wrapped: (key: string) => Promise<unknown>
  readonly #badCalls

  constructor(
    readonly variant: Variant,
    readonly hostile: ReadonlySet<Hostile>,
  ) {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: START_TIME })
    this.model = new Model(variant)
    this.model.now = START_TIME
    let cache: CacheManager | undefined
    this.observer = new Observer((c) => c === cache && cache !== undefined)
    this.cache = cache = new CacheManager(this.#options())
    if (variant.onEvict === 'reentrant')
      this.model.reentrant = (r) => this.#modelReentrant(r.key, r.reason)
    const wrapped: (key: string) => unknown = (key) => {
      void key
      return this.#fetch(this.#nextWrap!)
    }
    this.#wrapped = this.cache.wrap(wrapped, {
      key: (key: string) => key,
      ttlMs: variant.wrapTtlMs,
      ...(variant.wrapTags === undefined ? {} : { tags: variant.wrapTags }),
    })
    this.#badCalls = badCallsFor(variant, hostile)
  }

  close(): void {
    vi.useRealTimers()
    this.observer.close()
  }

  #options() {
    const v = this.variant
    const options: Record<string, unknown> = { maxSize: v.maxSize, clock: () => this.#clock() }
    if (v.maxBytes !== undefined) options.maxBytes = v.maxBytes
    if (v.sizeOf) options.sizeOf = sizeOfValue
    if (v.onEvict !== 'none')
      options.onEvict = (k: string, val: unknown, r: string) => this.#onEvict(k, val, r)
    if (v.defaultTtlMs !== undefined) options.defaultTtlMs = v.defaultTtlMs
    if (v.staleWhileRevalidateMs !== undefined)
      options.staleWhileRevalidateMs = v.staleWhileRevalidateMs
    if (v.staleIfErrorMs !== undefined) options.staleIfErrorMs = v.staleIfErrorMs
    if (v.timeoutMs !== undefined) options.timeoutMs = v.timeoutMs
    return options
  }

  #clock(): number {
    this.#clockReads += 1
    if (this.#clockReads === this.#clockFailAt) throw this.#clockError!
    if (this.variant.clock === 'reentrant' && this.#clockDepth === 0) {
      // Read-only calls: a clock that writes to the cache would make its effect depend on how
      // many times an operation reads the clock, which the contract leaves open.
      this.#clockDepth += 1
      try {
        if (this.cache.size !== this.cache.stats().size)
          this.#problem('size and stats().size differ inside clock()')
      } finally {
        this.#clockDepth -= 1
      }
    }
    return Date.now()
  }

  get #clockArmed(): boolean {
    return this.#clockFailAt !== Infinity
  }

  #problem(message: string): void {
    this.observer.problems.push(message)
  }

  #onEvict(key: string, value: unknown, reason: string): void {
    this.observer.fromOnEvict.push({ key, value, reason })
    const mode = this.variant.onEvict
    // Not while the clock is set to fail: a re-entrant call would be the one to see it fail,
    // and whether it does depends on how many reads came before.
    if (mode === 'reentrant' && this.#evictDepth === 0 && !this.#clockArmed) {
      this.#evictDepth += 1
      try {
        if (this.cache.size !== this.cache.stats().size)
          this.#problem('size and stats().size differ inside onEvict')
        const action = reentrantAction(key, reason)
        if (action === 'get') {
          this.#lookups += 1
          this.cache
            .get(key)
            .catch((e: unknown) => this.#problem(`re-entrant get rejected: ${safeString(e)}`))
        } else if (action === 'peek') {
          this.cache.peek(key)
        } else if (action === 'delete') {
          void this.cache.delete(key)
        } else {
          this.cache.metrics()
        }
      } catch (error) {
        this.#problem(`a re-entrant call from onEvict threw: ${safeString(error)}`)
      } finally {
        this.#evictDepth -= 1
      }
    }
    if (mode === 'throw') {
      this.observer.onEvictThrows += 1
      throw new Error(`onEvict refuses ${showKey(key)}`)
    }
    if (mode === 'throwUnprintable') {
      this.observer.onEvictThrows += 1
      throw Object.create(null)
    }
  }

  #modelReentrant(key: string, reason: string): void {
    if (this.#clockArmed) return
    const action = reentrantAction(key, reason)
    if (action === 'get') this.model.get(key)
    else if (action === 'peek') this.model.peek(key)
    else if (action === 'delete') this.model.delete(key)
  }

  #makeValue(spec: ValueSpec): FuzzValue {
    this.#values += 1
    if (spec.kind === 'object') return { id: this.#values, size: spec.size }
    if (spec.kind === 'string') return `v${this.#values}`.padEnd(spec.length, '.')
    return null
  }

  // The fetcher body shared by getOrFetch and wrap: counts the call and answers per its kind.
  #fetch(call: FetchCall): unknown {
    this.#fetcherCalls += 1
    switch (call.kind) {
      case 'value':
        return call.value
      case 'resolved':
        return Promise.resolve(call.value)
      case 'throw':
        throw call.error
      case 'rejected':
        return Promise.reject(call.error)
      case 'badCtor': {
        const promise = Promise.resolve(call.value)
        const { error } = call
        // defineProperty returns the Promise; nothing here is left floating.
        void Object.defineProperty(promise, 'constructor', {
          get() {
            throw error
          },
        })
        return promise
      }
      default:
        call.deferred = deferred<unknown>()
        return call.deferred.promise
    }
  }

  #track(label: string, promise: Promise<unknown>, waiter: Waiter): void {
    const handed: Handed = { label, promise, waiter, actual: { state: 'pending' } }
    promise.then(
      (value) => (handed.actual = { state: 'fulfilled', value }),
      (error: unknown) => (handed.actual = { state: 'rejected', error }),
    )
    this.#handed.push(handed)
  }

  #trackValue(label: string, promise: unknown, value: unknown): void {
    if (!(promise instanceof Promise))
      throw new Fail('return', `${label} returned ${safeString(promise)}, not a Promise`)
    this.#track(label, promise, {
      expect: { state: 'fulfilled', value },
      controller: undefined,
      left: false,
    })
  }

  #spec(call: CallSpec | undefined): Spec {
    const v = this.variant
    return {
      ttlMs: call?.ttlMs ?? v.defaultTtlMs ?? Infinity,
      staleWhileRevalidateMs: call?.staleWhileRevalidateMs ?? v.staleWhileRevalidateMs ?? 0,
      staleIfErrorMs: call?.staleIfErrorMs ?? v.staleIfErrorMs ?? 0,
      timeoutMs: call?.timeoutMs ?? v.timeoutMs ?? Infinity,
    }
  }

  #controller(index: number | undefined): AbortController | undefined {
    if (index === undefined) return undefined
    if (index === 3) return this.#aborted.at(-1) ?? this.#controllers[0]
    return this.#controllers[index % 3]
  }

  // The options argument a CallSpec describes, built fresh for each call.
  #callOptions(call: CallSpec, controller: AbortController | undefined, size?: number): unknown {
    if (call.form === 'none' && size === undefined) return undefined
    if (call.form === 'number' && size === undefined) return call.ttlMs
    const options: Record<string, unknown> = {}
    for (const name of [
      'ttlMs',
      'staleWhileRevalidateMs',
      'staleIfErrorMs',
      'timeoutMs',
      'forceRefresh',
    ] as const) {
      if (call[name] !== undefined) options[name] = call[name]
    }
    if (call.tags !== undefined) options.tags = [...call.tags]
    if (call.tagsProxy) options.tags = tagsProxy()
    if (controller !== undefined) options.signal = controller.signal
    if (size !== undefined) options.size = size
    return options
  }

  #tagsOf(call: CallSpec | undefined): string[] {
    if (call?.tagsProxy) return ['t1']
    return call?.tags ?? []
  }

  #snapshot(): Snapshot {
    return {
      stats: JSON.stringify(this.cache.stats()),
      size: this.cache.size,
      fetcherCalls: this.#fetcherCalls,
      removals: this.observer.fromChannel.length,
    }
  }

  #expectUnchanged(before: Snapshot, what: string, key?: string): void {
    const after = this.#snapshot()
    if (key !== undefined) {
      // A replaced value leaves the counters alone, so look at the entry itself (the model
      // mirrors the peek, which may remove an expired entry).
      const held = this.cache.peek(key)
      const expected = this.model.peek(key)?.value
      this.model.deliver()
      if (!Object.is(held, expected)) {
        throw new Fail(
          'rejected call changed the cache',
          `${what} threw, but ${showKey(key)} now holds ${safeString(held)} instead of ${safeString(expected)}`,
        )
      }
    }
    if (after.stats !== before.stats || after.size !== before.size) {
      throw new Fail(
        'rejected call changed the cache',
        `${what} threw, but stats went from ${before.stats} to ${after.stats} (size ${before.size} -> ${after.size})`,
      )
    }
    if (after.fetcherCalls !== before.fetcherCalls)
      throw new Fail('rejected call changed the cache', `${what} threw, but called the fetcher`)
    if (after.removals !== before.removals)
      throw new Fail('rejected call changed the cache', `${what} threw, but removed entries`)
  }

  // A throw the contract allows for this op: the broken clock's error, or a named argument
  // error for the hostile inputs a fixed cache may reject. Anything else fails the run.
  #allowedThrow(error: unknown, op: Op): boolean {
    if (this.#clockError !== undefined && error === this.#clockError) return true
    const named = (prefix: string) =>
      (error instanceof TypeError || error instanceof RangeError) &&
      error.message.startsWith(prefix)
    if ('call' in op && op.call.tagsProxy && named('tags')) return true
    if (op.op === 'set' && op.size === 1e20 && named('size ')) return true
    return false
  }

  async execute(op: Op, step: number): Promise<void> {
    this.#step = step
    const after = this.#apply(op)
    await flush()
    after?.()
    this.check(formatOp(op))
  }

  #apply(op: Op): (() => void) | undefined {
    const cache = this.cache
    const model = this.model
    model.now = Date.now()
    switch (op.op) {
      case 'getOrFetch':
      case 'wrap':
        return this.#getOrFetch(op)
      case 'settle': {
        if (this.#open.length === 0) return undefined
        const [open] = this.#open.splice(op.pick % this.#open.length, 1) as [Open]
        if (op.reject) {
          const error = new Error(`fetch ${open.flight.id} failed late`)
          open.deferred.reject(error)
          model.fail(open.flight, 'error', { state: 'rejected', error })
        } else {
          const value = this.#makeValue(op.value)
          open.deferred.resolve(value)
          model.complete(open.flight, value)
        }
        return undefined
      }
      case 'abort': {
        const index = op.pick % 3
        const controller = this.#controllers[index]!
        const reason = new Error(`caller ${index} left`)
        for (const { flight, waiter } of this.#signalWaiters) {
          if (waiter.controller === controller && !waiter.left && !flight.done)
            model.leave(flight, waiter, reason)
        }
        this.#signalWaiters = this.#signalWaiters.filter((w) => !w.waiter.left && !w.flight.done)
        controller.abort(reason)
        this.#aborted.push(controller)
        this.#controllers[index] = new AbortController()
        return undefined
      }
      case 'set':
        this.#set(op)
        return undefined
      case 'get': {
        const promise = this.#call(op, () => cache.get(op.key))
        if (promise === undefined) return undefined
        this.#lookups += 1
        this.#trackValue('get', promise, model.get(op.key))
        model.deliver()
        return undefined
      }
      case 'peek':
      case 'has': {
        const answer = this.#call(op, () =>
          op.op === 'peek' ? cache.peek(op.key) : cache.has(op.key),
        )
        if (answer === undefined && this.#threw) return undefined
        const entry = model.peek(op.key)
        model.deliver()
        const expected = op.op === 'peek' ? entry?.value : entry !== undefined
        if (!Object.is(answer, expected)) {
          throw new Fail(
            `${op.op} answer`,
            `${op.op}(${showKey(op.key)}) answered ${safeString(answer)}, expected ${safeString(expected)}`,
          )
        }
        return undefined
      }
      case 'delete':
        this.#trackValue(
          'delete',
          this.#call(op, () => cache.delete(op.key)),
          model.delete(op.key),
        )
        return undefined
      case 'invalidateTag':
        this.#trackValue(
          'invalidateTag',
          this.#call(op, () => cache.invalidateTag(op.tag)),
          model.invalidateTag(op.tag),
        )
        return undefined
      case 'clear':
        this.#trackValue(
          'clear',
          this.#call(op, () => cache.clear()),
          undefined,
        )
        model.clear()
        return undefined
      case 'advance':
        this.#advance(op.ms)
        return undefined
      case 'metrics':
        checkMetrics(this.cache, this.variant.maxSize)
        return undefined
      case 'badInput':
        this.#badInput(op.pick)
        return undefined
      case 'brokenClock': {
        this.#clockError = new Error('the clock broke')
        this.#clockFailAt = this.#clockReads + op.failOnRead
        try {
          return this.#apply(op.inner)
        } finally {
          this.#clockFailAt = Infinity
        }
      }
    }
  }

  #threw = false
  #sweepCursor = 0

  // Calls the cache; a throw the op allows ends it with the cache unchanged.
  #call<T>(op: Op, call: () => T): T | undefined {
    const before = this.#snapshot()
    this.#threw = false
    try {
      return call()
    } catch (error) {
      if (!this.#allowedThrow(error, op)) {
        throw new Fail('unexpected throw', `${op.op} threw ${safeString(error)}`)
      }
      this.#threw = true
      this.#expectUnchanged(
        before,
        `${op.op} (${safeString(error)})`,
        'key' in op ? op.key : undefined,
      )
      return undefined
    }
  }

  #getOrFetch(op: Extract<Op, { op: 'getOrFetch' | 'wrap' }>): (() => void) | undefined {
    const model = this.model
    const call = op.op === 'getOrFetch' ? op.call : undefined
    const controller = this.#controller(call?.signal)
    const fetchCall: FetchCall = {
      kind: op.fetcher,
      value: this.#makeValue(op.value),
      error: new Error(`fetch failed (${showKey(op.key)})`),
      deferred: undefined,
    }
    const key = op.key
    const fetcher = (context: { key: string }) => {
      if (context.key !== key)
        this.#problem(`the fetcher got key ${showKey(context.key)} for ${showKey(key)}`)
      return this.#fetch(fetchCall)
    }
    const callsBefore = this.#fetcherCalls
    let promise: Promise<unknown> | undefined
    if (op.op === 'wrap') {
      this.#nextWrap = fetchCall
      promise = this.#call(op, () => this.#wrapped(key))
    } else {
      const options = this.#callOptions(op.call, controller)
      promise = this.#call(op, () => this.cache.getOrFetch(key, fetcher, options as never))
    }
    if (promise === undefined) return undefined
    if (controller?.signal.aborted) {
      // Rejected at once with the signal's reason; no lookup is made.
      if (this.#fetcherCalls !== callsBefore)
        throw new Fail('fetcher calls', 'a caller with an aborted signal started a fetch')
      const waiter: Waiter = {
        expect: { state: 'rejected', error: controller.signal.reason },
        controller,
        left: true,
      }
      this.#track('getOrFetch(aborted signal)', promise, waiter)
      return undefined
    }
    this.#lookups += 1
    const spec =
      op.op === 'wrap'
        ? this.#spec({ form: 'object', ttlMs: this.variant.wrapTtlMs })
        : this.#spec(call)
    const tags = op.op === 'wrap' ? (this.variant.wrapTags ?? []) : this.#tagsOf(call)
    const answer = model.acquire(key, spec, tags, call?.forceRefresh ?? false)
    const started =
      answer.kind === 'start' ? answer.flight : answer.kind === 'stale' ? answer.refresh : undefined
    const calls = this.#fetcherCalls - callsBefore
    if (calls !== (started === undefined ? 0 : 1)) {
      throw new Fail(
        'fetcher calls',
        `${op.op}(${showKey(key)}) called the fetcher ${calls} times; the model expected ${started === undefined ? 0 : 1} (${answer.kind})`,
      )
    }
    const waiter: Waiter = { expect: { state: 'pending' }, controller, left: false }
    if (answer.kind === 'hit' || answer.kind === 'stale') {
      waiter.expect = { state: 'fulfilled', value: answer.value }
    } else {
      const flight = answer.flight
      flight.waiters.push(waiter)
      if (controller !== undefined) {
        flight.waitersWithSignal += 1
        this.#signalWaiters.push({ flight, waiter })
      } else {
        flight.shared = true
        if (flight.sharedPromise === undefined) flight.sharedPromise = promise
        else if (flight.sharedPromise !== promise) {
          throw new Fail(
            'identical Promise',
            `a caller of ${showKey(key)} without a signal got a different Promise than the others`,
          )
        }
      }
    }
    this.#track(`${op.op}(${showKey(key)})`, promise, waiter)
    if (started === undefined) {
      model.deliver()
      return undefined
    }
    const kind = fetchCall.kind
    // A result that cannot even be adopted (a constructor getter that throws) fails the fetch at
    // once, as a synchronous throw does (README, "getOrFetch options").
    if (kind === 'throw' || kind === 'badCtor') {
      model.fail(started, 'error', { state: 'rejected', error: fetchCall.error })
      return undefined
    }
    model.deliver()
    if (kind === 'value' || kind === 'resolved') model.complete(started, fetchCall.value)
    else if (kind === 'rejected')
      model.fail(started, 'error', { state: 'rejected', error: fetchCall.error })
    else if (kind === 'deferred')
      this.#open.push({ flight: started, deferred: fetchCall.deferred! })
    return undefined
  }

  #set(op: Extract<Op, { op: 'set' }>): void {
    const model = this.model
    const value = this.#makeValue(op.value)
    const spec = this.#spec(op.call)
    const bytes =
      op.size !== undefined
        ? Math.ceil(op.size)
        : model.sized && spec.ttlMs !== 0
          ? model.sizeOf(value)
          : 0
    const options = this.#callOptions(op.call, undefined, op.size)
    if (bytes === undefined) {
      // Under maxBytes a value with no size is a programmer error (README, Errors).
      const before = this.#snapshot()
      try {
        void this.cache.set(op.key, value, options as never)
      } catch (error) {
        if (
          !(error instanceof TypeError) ||
          (error as { code?: unknown }).code !== 'ERR_HERDCACHE_SIZE'
        ) {
          throw new Fail('unexpected throw', `set of an unsizable value threw ${safeString(error)}`)
        }
        this.#expectUnchanged(before, 'set of an unsizable value')
        return
      }
      throw new Fail('bad input accepted', 'set stored a value with no size under maxBytes')
    }
    const promise = this.#call(op, () => this.cache.set(op.key, value, options as never))
    if (promise === undefined) return
    this.#trackValue('set', promise, undefined)
    model.set(op.key, value, spec, bytes, this.#tagsOf(op.call))
  }

  // Moves fake time in chunks that end at each fetch deadline, so the model applies timeouts
  // and the sweep's removals in the order they happened. Within one millisecond the model
  // takes the sweep first; the order could only matter if a re-entrant onEvict detached a
  // refresh that times out in that same millisecond (refreshErrors would then differ).
  #advance(ms: number): void {
    const model = this.model
    const target = model.now + ms
    const deadlines = [...new Set([...model.running].map((f) => f.deadline))]
      .filter((d) => d <= target)
      .sort((a, b) => a - b)
    for (const stop of [...deadlines, target]) {
      const step = stop - Date.now()
      if (step > 0) {
        try {
          vi.advanceTimersByTime(step)
        } catch (error) {
          throw new Fail('timer threw', `a timer callback threw: ${safeString(error)}`)
        }
      }
      model.now = stop
      this.#reconcileSweep()
      const due = [...model.running].filter((f) => f.deadline === stop).sort((a, b) => a.id - b.id)
      for (const flight of due) {
        model.fail(flight, 'timeout', {
          state: 'rejected',
          matches: (e) => e instanceof Error && e.name === 'TimeoutError',
          describe: 'a TimeoutError',
        })
      }
    }
  }

  // Takes the removals seen since the last call that are expirations of entries the model
  // still holds: the sweep's work, whose timing the cache chooses.
  #reconcileSweep(): void {
    const seen = this.#removalsSeen()
    for (; this.#sweepCursor < seen.length; this.#sweepCursor += 1) {
      const removal = seen[this.#sweepCursor]!
      if (removal.reason !== 'expire' || !this.model.entries.has(removal.key)) continue
      const problem = this.model.swept(
        removal.key,
        removal.value === NO_VALUE ? this.model.entries.get(removal.key)?.value : removal.value,
      )
      if (problem !== undefined) throw new Fail('sweep', problem)
    }
  }

  #removalsSeen(): Observed[] {
    return this.variant.onEvict === 'none' ? this.observer.fromChannel : this.observer.fromOnEvict
  }

  #badInput(pick: number): void {
    if (this.#badCalls.length === 0) return
    const bad = this.#badCalls[pick % this.#badCalls.length]!
    const before = this.#snapshot()
    let returned: unknown
    try {
      returned = bad.call(this.cache, () => {
        this.#problem(`bad input '${bad.name}' called the fetcher`)
      })
    } catch (error) {
      const name = error instanceof Error ? error.constructor.name : typeof error
      if (
        !(error instanceof bad.type) ||
        error.constructor !== bad.type ||
        !error.message.startsWith(`${bad.argument} `)
      ) {
        throw new Fail(
          `bad input: ${bad.name}`,
          `'${bad.name}' threw ${name}: ${safeString(error instanceof Error ? error.message : error)}; expected a ${bad.type.name} naming ${bad.argument}`,
        )
      }
      this.#expectUnchanged(before, `bad input '${bad.name}'`)
      return
    }
    if (returned instanceof Promise) returned.catch(() => undefined)
    throw new Fail(
      `bad input: ${bad.name}`,
      `'${bad.name}' was accepted; expected a ${bad.type.name} naming ${bad.argument}`,
    )
  }

  /** Every invariant, after a step. */
  check(what: string): void {
    const model = this.model
    const observer = this.observer
    if (observer.problems.length > 0)
      throw new Fail(observer.problems[0]!.split(':')[0]!, observer.problems.join('; '))
    // Removals first: a wrong key in onEvict also skews counters later, and this says why.
    this.#checkRemovals(what)
    checkCounters(
      this.cache,
      model,
      { lookups: this.#lookups, fetcherCalls: this.#fetcherCalls },
      what,
    )
    for (const handed of this.#handed) {
      const problem = sameExpectation(handed.waiter.expect, handed.actual)
      if (problem !== undefined)
        throw new Fail(
          `promise of ${handed.label.split('(')[0]}`,
          `after ${what}: the Promise of ${handed.label} ${problem}`,
        )
    }
    this.#handed = this.#handed.filter((h) => h.actual.state === 'pending')
    checkWarnings(observer)
  }

  #checkRemovals(what: string): void {
    const onEvict = this.variant.onEvict === 'none' ? undefined : this.observer.fromOnEvict
    checkRemovals(this.model.removals, this.observer.fromChannel, onEvict, what)
    this.observer.fromOnEvict = []
    this.observer.fromChannel = []
    this.model.removals = []
    this.#sweepCursor = 0
  }

  /** Ends the run: settles every fetch, lets every timer run, and checks nothing is left. */
  async drain(): Promise<void> {
    this.#step = Infinity
    while (this.#open.length > 0)
      await this.execute(
        { op: 'settle', pick: 0, reject: false, value: { kind: 'object', size: 1 } },
        Infinity,
      )
    await this.execute({ op: 'advance', ms: DRAIN_MS }, Infinity)
    const stats = this.cache.stats()
    if (stats.inFlight !== 0)
      throw new Fail(
        'in-flight record outlives its fetch',
        `after every fetch settled, stats().inFlight is ${stats.inFlight}`,
      )
    if (this.model.running.size > 0)
      throw new Fail('fetch never ended', `${this.model.running.size} fetches never ended`)
    const pending = this.#handed.filter((h) => h.actual.state === 'pending')
    if (pending.length > 0)
      throw new Fail(
        'promise never settled',
        `${pending.length} Promises never settled: ${pending.map((h) => h.label).join(', ')}`,
      )
    const overdue = this.model.overdue(SWEEP_GRACE_MS)
    if (overdue.length > 0)
      throw new Fail(
        'sweep',
        `expired entries were never swept: ${overdue.map(showKey).join(', ')}`,
      )
  }

  get step(): number {
    return this.#step
  }
}

/** A tags array whose element 0 is a string when first read and a number afterwards. */
function tagsProxy(): string[] {
  let reads = 0
  return new Proxy(['t1'], {
    get(target, property, receiver) {
      if (property === '0') {
        reads += 1
        return reads === 1 ? 't1' : 5
      }
      return Reflect.get(target, property, receiver) as unknown
    },
  })
}

/** Runs `ops` on a fresh cache of `variant`; the first failure, or undefined. */
export async function runOps(
  variant: Variant,
  ops: readonly Op[],
  hostile: ReadonlySet<Hostile>,
): Promise<Failure | undefined> {
  let run: Run | undefined
  let step = -1
  try {
    run = new Run(variant, hostile)
    for (step = 0; step < ops.length; step += 1) await run.execute(ops[step]!, step)
    step = ops.length
    await run.drain()
    return undefined
  } catch (error) {
    if (error instanceof Fail) return { step, kind: error.kind, message: error.message }
    return {
      step,
      kind: 'fuzzer error',
      message: error instanceof Error ? (error.stack ?? error.message) : safeString(error),
    }
  } finally {
    run?.close()
  }
}
