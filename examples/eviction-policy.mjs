// @ts-check
// policy: 'tinylfu' keeps the keys asked for often through a crawl of keys asked for once, which
// under the default LRU flushes them: fewer upstream calls for the same traffic.
//
// Run: node examples/eviction-policy.mjs
// expect: lru: 540 upstream calls, 20 of them for the popular products after the crawl
// expect: tinylfu: 520 upstream calls, 0 of them for the popular products after the crawl
import { CacheManager } from 'herdcache'

/** @param {'lru' | 'tinylfu'} policy */
async function serve(policy) {
  let calls = 0
  // #region policy
  const cache = new CacheManager({ maxSize: 100, policy })
  const product = (id) =>
    cache.getOrFetch(`product:${id}`, async () => {
      calls += 1 // the upstream call a miss costs
      return { id }
    })

  // Twenty popular products, asked for again and again.
  for (let round = 0; round < 10; round++) {
    for (let id = 0; id < 20; id++) await product(id)
  }
  // A crawler asks for 500 other products, once each.
  for (let id = 1000; id < 1500; id++) await product(id)
  const beforeReturn = calls
  // The popular products again: still cached?
  for (let id = 0; id < 20; id++) await product(id)
  // #endregion policy
  console.log(
    `${policy}: ${calls} upstream calls, ${calls - beforeReturn} of them for the popular ` +
      'products after the crawl',
  )
}

await serve('lru')
await serve('tinylfu')
