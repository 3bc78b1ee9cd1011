// @ts-check
// cache.wrap: memoize an async function through the cache. Equal arguments (by value, object key
// order aside) share one call and one entry; tags let you drop a group of entries at once.
//
// Run: node examples/wrap.mjs
// expect: 3 concurrent searches with equal arguments: 1 upstream call
// expect: same query, keys in another order: cached, upstream calls still 1
// expect: another page: upstream calls 2
// expect: key of the first search: s6:searchs4:cats{4:pagen1;4:sizen20;}
// expect: after invalidateTag('search'): 2 entries removed, the next search calls the upstream (3)
import { CacheManager, cacheKey } from 'herdcache'

let upstreamCalls = 0
/**
 * @param {string} query
 * @param {{ page: number, size: number }} paging
 */
async function searchApi(query, { page, size }) {
  upstreamCalls += 1
  await new Promise((resolve) => setTimeout(resolve, 10))
  return { query, page, size, results: [`${query} #${(page - 1) * size + 1}`] }
}

const cache = new CacheManager({ maxSize: 1_000 })
// The key names the function, so other wrapped functions can share this cache safely.
const search = cache.wrap(searchApi, {
  key: (query, paging) => cacheKey('search', query, paging),
  ttlMs: 30_000,
  tags: ['search'],
})

await Promise.all([
  search('cats', { page: 1, size: 20 }),
  search('cats', { page: 1, size: 20 }),
  search('cats', { page: 1, size: 20 }),
])
console.log(`3 concurrent searches with equal arguments: ${upstreamCalls} upstream call`)

await search('cats', { size: 20, page: 1 })
console.log(`same query, keys in another order: cached, upstream calls still ${upstreamCalls}`)

await search('cats', { page: 2, size: 20 })
console.log(`another page: upstream calls ${upstreamCalls}`)

console.log(`key of the first search: ${cacheKey('search', 'cats', { page: 1, size: 20 })}`)

const removed = await cache.invalidateTag('search')
await search('cats', { page: 1, size: 20 })
console.log(
  `after invalidateTag('search'): ${removed} entries removed, the next search calls the ` +
    `upstream (${upstreamCalls})`,
)
