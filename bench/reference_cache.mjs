// The TASK-034 reference: the CacheManager class from ../shared/seeds/002_96f0bd4fa5535b27.txt,
// written out as plain JavaScript so the benchmarks can compare herdcache with what it replaces.
//
// getOrFetch is the seed's code as given. get() and set() come from TASK-003, which the seed only
// refers to ("... rest of implementation"); they are RECONSTRUCTED here, minimally, from what the
// seed shows: a Map of { value, expiresAt }, get() answering null on a miss, and a maxSize bound
// (1000 in the seed, a constructor option here so the scale workload can hold 1,000,000) enforced
// by deleting the Map's first key. That makes eviction insertion-ordered (FIFO, hits do not
// refresh recency), and `keys().next()` must skip every deleted slot at the front of V8's
// ordered hash table, which is what makes eviction slow in large caches.

export class ReferenceCacheManager {
  cache = new Map()
  inFlight = new Map()
  maxSize = 1000

  constructor({ maxSize = 1000 } = {}) {
    this.maxSize = maxSize
  }

  async getOrFetch(key, fetcher, ttlMs) {
    // Check cache first
    const cached = await this.get(key)
    if (cached !== null) {
      return cached
    }

    // Check if there's already an in-flight request for this key
    const existing = this.inFlight.get(key)
    if (existing) {
      return existing
    }

    // Create new fetch promise
    const fetchPromise = (async () => {
      try {
        const value = await fetcher()
        await this.set(key, value, ttlMs)
        return value
      } finally {
        // Clean up in-flight tracking
        this.inFlight.delete(key)
      }
    })()

    // Track in-flight request
    this.inFlight.set(key, fetchPromise)

    return fetchPromise
  }

  // Reconstructed (TASK-003).
  async get(key) {
    const entry = this.cache.get(key)
    if (!entry) return null
    if (Date.now() > entry.expiresAt) {
      this.cache.delete(key)
      return null
    }
    return entry.value
  }

  // Reconstructed (TASK-003).
  async set(key, value, ttlMs) {
    if (this.cache.size >= this.maxSize && !this.cache.has(key)) {
      this.cache.delete(this.cache.keys().next().value)
    }
    this.cache.set(key, { value, expiresAt: Date.now() + ttlMs })
  }
}
