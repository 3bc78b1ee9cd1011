// @ts-check
// getOrFetch: concurrent callers of one key share one upstream call, the result is stored for
// its TTL, and a failure is never stored.
//
// Run: node examples/basic.mjs
// expect: 5 concurrent callers: 1 upstream call, 1 distinct Promise, answers ["ada","ada","ada","ada","ada"]
// expect: later caller: "ada" from the cache, upstream calls still 1
// expect: failed fetch: 2 callers rejected, same Error object: true (user 99 not found)
// expect: next call after the failure fetches again: upstream calls for user 99: 2
// expect: stats: {"hits":1,"misses":8,"fetches":3,"fetchErrors":2,"coalesced":5,"size":1}
import { CacheManager } from 'herdcache'

// A stand-in for a slow or paid upstream: counts its calls and answers after a short delay.
const calls = new Map()
async function fetchUserName(id) {
  calls.set(id, (calls.get(id) ?? 0) + 1)
  await new Promise((resolve) => setTimeout(resolve, 10))
  if (id === 99) throw new Error(`user ${id} not found`)
  return 'ada'
}

const cache = new CacheManager({ maxSize: 10_000 })
const userName = (id) => cache.getOrFetch(`user:${id}`, () => fetchUserName(id), 60_000)

const callers = Array.from({ length: 5 }, () => userName(42))
const answers = await Promise.all(callers)
console.log(
  `5 concurrent callers: ${calls.get(42)} upstream call, ${new Set(callers).size} distinct ` +
    `Promise, answers ${JSON.stringify(answers)}`,
)

const later = await userName(42)
console.log(`later caller: "${later}" from the cache, upstream calls still ${calls.get(42)}`)

const failures = await Promise.allSettled([userName(99), userName(99)])
const [first, second] = failures.map((outcome) => outcome.status === 'rejected' && outcome.reason)
console.log(
  `failed fetch: ${failures.length} callers rejected, same Error object: ${first === second} ` +
    `(${first.message})`,
)

await userName(99).catch(() => {})
console.log(
  `next call after the failure fetches again: upstream calls for user 99: ${calls.get(99)}`,
)

const { hits, misses, fetches, fetchErrors, coalesced, size } = cache.stats()
console.log(`stats: ${JSON.stringify({ hits, misses, fetches, fetchErrors, coalesced, size })}`)
