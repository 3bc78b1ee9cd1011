// Not a timing: what each adapter actually does in the situations where caches differ, probed
// through the same getOrFetch the benchmarks use. The answers go into docs/BENCHMARKS.md so the
// numbers are read alongside what each peer promises.

import { setImmediate as nextTurn } from 'node:timers/promises'
import { adapters } from '../adapters.mjs'

const TTL = 60_000

function deferred() {
  let resolve
  let reject
  const promise = new Promise((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

async function settle(promise) {
  try {
    return { value: await promise }
  } catch (error) {
    return { error }
  }
}

const probes = {
  // Three concurrent callers of a cold key: how many fetcher calls, and the same Promise?
  async coalesces(adapter) {
    const cache = adapter.create({ maxSize: 10, ttlMs: TTL })
    let calls = 0
    const gate = deferred()
    const fetcher = () => {
      calls++
      return gate.promise
    }
    const a = cache.getOrFetch('k', fetcher)
    const b = cache.getOrFetch('k', fetcher)
    const c = cache.getOrFetch('k', fetcher)
    await nextTurn()
    gate.resolve(1)
    await Promise.all([a, b, c])
    return `${calls} call${calls === 1 ? '' : 's'}, ${a === b && b === c ? 'same Promise' : 'a Promise each'}`
  },
  // Is the stored object returned by identity on a later hit?
  async identity(adapter) {
    const cache = adapter.create({ maxSize: 10, ttlMs: TTL })
    const stored = { id: 1 }
    await cache.getOrFetch('k', () => Promise.resolve(stored))
    const again = await cache.getOrFetch('k', () => Promise.resolve({ id: 2 }))
    if (again === stored) return 'same object'
    return again?.id === 1 ? 'a copy' : 'refetched'
  },
  // After a rejected fetch, does the next call fetch again?
  async rejections(adapter) {
    const cache = adapter.create({ maxSize: 10, ttlMs: TTL })
    const first = await settle(cache.getOrFetch('k', () => Promise.reject(new Error('boom'))))
    let calls = 0
    const second = await settle(
      cache.getOrFetch('k', () => {
        calls++
        return Promise.resolve(2)
      }),
    )
    if (!first.error) return 'first call did not reject'
    return calls === 1 && second.value === 2 ? 'not cached' : 'cached'
  },
  // A fetcher that throws synchronously: thrown from getOrFetch, or a rejected Promise?
  async syncThrow(adapter) {
    const cache = adapter.create({ maxSize: 10, ttlMs: TTL })
    let answer
    try {
      answer = cache.getOrFetch('k', () => {
        throw new Error('sync')
      })
    } catch {
      return 'throws synchronously'
    }
    const outcome = await settle(answer)
    return outcome.error ? 'rejects' : `resolves to ${String(outcome.value)}`
  },
  // null from the fetcher: stored (the next call is a hit)?
  async storesNull(adapter) {
    const cache = adapter.create({ maxSize: 10, ttlMs: TTL })
    await cache.getOrFetch('k', () => Promise.resolve(null))
    let calls = 0
    await cache.getOrFetch('k', () => {
      calls++
      return Promise.resolve(null)
    })
    return calls === 0 ? 'stored' : 'not stored (refetched)'
  },
  // maxSize 3: store a, b, c; hit a; store d. LRU keeps a; FIFO (or no recency on hits) drops it.
  async recency(adapter) {
    const cache = adapter.create({ maxSize: 3, ttlMs: TTL })
    for (const key of ['a', 'b', 'c']) await cache.getOrFetch(key, () => Promise.resolve(key))
    await cache.getOrFetch('a', () => Promise.resolve('a'))
    await cache.getOrFetch('d', () => Promise.resolve('d'))
    const missed = []
    for (const key of ['a', 'b']) {
      let calls = 0
      await cache.getOrFetch(key, () => {
        calls++
        return Promise.resolve(key)
      })
      if (calls > 0) missed.push(key)
      if (missed.length > 0) break
    }
    if (missed[0] === 'b') return 'LRU (hit a kept, b evicted)'
    if (missed[0] === 'a') return 'FIFO (a evicted despite the hit)'
    return 'nothing evicted at maxSize 3'
  },
  // maxSize 2: a fetch of x in flight while 3 other keys are stored. Does x's caller still get
  // its value, and is x stored afterwards?
  async inflightEviction(adapter) {
    const cache = adapter.create({ maxSize: 2, ttlMs: TTL })
    const gate = deferred()
    const x = settle(cache.getOrFetch('x', () => gate.promise))
    for (const key of ['a', 'b', 'c']) await cache.getOrFetch(key, () => Promise.resolve(key))
    gate.resolve('x')
    const outcome = await x
    if (outcome.error) return `waiter rejected (${outcome.error?.message ?? outcome.error})`
    let calls = 0
    await cache.getOrFetch('x', () => {
      calls++
      return Promise.resolve('x')
    })
    return `waiter got ${String(outcome.value)}, ${calls === 0 ? 'then stored' : 'not stored'}`
  },
}

const STORAGE_PROBES = new Set(['identity', 'storesNull', 'recency', 'inflightEviction'])

export const semantics = {
  id: 'semantics',
  async run() {
    const subjects = adapters.filter((a) => a.role !== 'floor')
    const rows = []
    for (const adapter of subjects) {
      const row = [adapter.name]
      const storing = adapter.skip.hit === undefined
      for (const [name, probe] of Object.entries(probes)) {
        if (!storing && STORAGE_PROBES.has(name)) {
          row.push('n/a (stores nothing)')
          continue
        }
        try {
          row.push(await probe(adapter))
        } catch (error) {
          row.push(`threw: ${error?.message ?? error}`)
        }
      }
      rows.push(row)
    }
    return {
      tables: [
        {
          title: 'semantics: what each adapter does (probed through the same getOrFetch as the benchmarks)',
          columns: [
            'adapter',
            '3 concurrent callers',
            'hit returns',
            'after a rejection',
            'fetcher throws',
            'null value',
            'maxSize 3, hit a, add d',
            'fetch in flight while 3 keys stored (maxSize 2)',
          ],
          rows,
        },
      ],
    }
  },
}
