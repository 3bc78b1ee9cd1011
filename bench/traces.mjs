// Synthetic request traces for the hit-ratio benchmark (hit_ratio.mjs), and Bélády's optimal
// miss count over a trace. Pure functions of their arguments: a trace is an Int32Array of key
// ids, the same for the same seed on every machine.

import { mulberry32 } from '../demo/seeded_random.mjs'

// The demos' seeded generator of floats in [0, 1), so a trace is the same on every machine.
export { mulberry32 }

/**
 * `requests` ids in [0, universe) drawn from a Zipf distribution of exponent `s`: id k (its
 * rank, 0 the most popular) with probability proportional to 1 / (k + 1)^s. O(universe +
 * requests · log universe), by binary search of the cumulative weights.
 */
export function zipfTrace({ universe, requests, s, seed }) {
  const cumulative = new Float64Array(universe)
  let total = 0
  for (let k = 0; k < universe; k++) {
    total += 1 / (k + 1) ** s
    cumulative[k] = total
  }
  const random = mulberry32(seed)
  const trace = new Int32Array(requests)
  for (let i = 0; i < requests; i++) {
    const target = random() * total
    let low = 0
    let high = universe - 1
    while (low < high) {
      const mid = (low + high) >>> 1
      if (cumulative[mid] <= target) low = mid + 1
      else high = mid
    }
    trace[i] = low
  }
  return trace
}

/**
 * `base` with a scan after every `every` of its requests: `length` ids never requested before
 * or after, counting up from `firstId` (which must lie above every id of `base`). Models a batch
 * job or a crawler walking keys once, which an LRU cache admits at the expense of its hot keys.
 */
export function withScans(base, { every, length, firstId }) {
  const scans = Math.floor(base.length / every)
  const trace = new Int32Array(base.length + scans * length)
  let next = firstId
  let at = 0
  for (let i = 0; i < base.length; i++) {
    trace[at++] = base[i]
    if ((i + 1) % every === 0) for (let j = 0; j < length; j++) trace[at++] = next++
  }
  return trace
}

/** `requests` ids cycling through [0, keys): the loop that defeats LRU once keys > its size. */
export function loopTrace({ keys, requests }) {
  const trace = new Int32Array(requests)
  for (let i = 0; i < requests; i++) trace[i] = i % keys
  return trace
}

/** For each request, the index of the next request of the same id, or trace.length if none. */
export function nextUses(trace) {
  const n = trace.length
  let maxId = 0
  for (let i = 0; i < n; i++) if (trace[i] > maxId) maxId = trace[i]
  const seen = new Int32Array(maxId + 1).fill(n)
  const next = new Int32Array(n)
  for (let i = n - 1; i >= 0; i--) {
    next[i] = seen[trace[i]]
    seen[trace[i]] = i
  }
  return next
}

/**
 * The fewest misses any cache of `capacity` entries can have on `trace` (Bélády's MIN, with
 * bypass: a missed key need not be admitted). On a miss with the cache full, the candidate
 * whose next use is farthest (the missed key included) is the one left out. O(n log n): a
 * max-heap of (next use, id) with stale pairs dropped when they surface.
 */
export function beladyMisses(trace, capacity) {
  const n = trace.length
  const next = nextUses(trace)
  let maxId = 0
  for (let i = 0; i < n; i++) if (trace[i] > maxId) maxId = trace[i]
  // residentNext[id]: the next use of a resident id, -1 when the id is not resident. A heap pair
  // is current exactly when its next use equals it (an id's next uses never repeat).
  const residentNext = new Int32Array(maxId + 1).fill(-1)
  const heap = new MaxHeap(n)
  let resident = 0
  let misses = 0
  for (let i = 0; i < n; i++) {
    const id = trace[i]
    const use = next[i]
    if (residentNext[id] >= 0) {
      residentNext[id] = use
      heap.push(use, id)
      continue
    }
    misses++
    if (use === n || capacity === 0) continue // never requested again: not worth a slot
    if (resident === capacity) {
      while (residentNext[heap.topId()] !== heap.topKey()) heap.pop()
      if (heap.topKey() < use) continue // every resident is needed sooner: leave this one out
      residentNext[heap.topId()] = -1
      heap.pop()
      resident--
    }
    residentNext[id] = use
    heap.push(use, id)
    resident++
  }
  return misses
}

/**
 * The misses of a cache of `capacity` entries that holds, from its first request on, each of
 * the `capacity` keys requested most often over the whole trace (ties to the lower id) and
 * nothing else: perfect knowledge of frequency, none of order. Each of those keys misses once,
 * every request of any other key misses. On a stationary trace (Zipf, Zipf with one-time scans)
 * it is what an admission policy guided by frequency, such as W-TinyLFU, approaches; only a
 * policy that knows the future order (Bélády) does better.
 */
export function topFrequencyMisses(trace, capacity) {
  const counts = new Map()
  for (const id of trace) counts.set(id, (counts.get(id) ?? 0) + 1)
  const kept = [...counts]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, capacity)
    .reduce((sum, [, count]) => sum + count - 1, 0)
  return trace.length - kept
}

/** A binary max-heap of (key, id) int pairs with room for `capacity` pushes outstanding. */
class MaxHeap {
  #keys
  #ids
  #size = 0

  constructor(capacity) {
    this.#keys = new Int32Array(capacity)
    this.#ids = new Int32Array(capacity)
  }

  topKey() {
    return this.#keys[0]
  }

  topId() {
    return this.#ids[0]
  }

  push(key, id) {
    const keys = this.#keys
    const ids = this.#ids
    let at = this.#size++
    while (at > 0) {
      const parent = (at - 1) >> 1
      if (keys[parent] >= key) break
      keys[at] = keys[parent]
      ids[at] = ids[parent]
      at = parent
    }
    keys[at] = key
    ids[at] = id
  }

  pop() {
    const keys = this.#keys
    const ids = this.#ids
    const size = --this.#size
    const key = keys[size]
    const id = ids[size]
    let at = 0
    for (;;) {
      let child = 2 * at + 1
      if (child >= size) break
      if (child + 1 < size && keys[child + 1] > keys[child]) child++
      if (keys[child] <= key) break
      keys[at] = keys[child]
      ids[at] = ids[child]
      at = child
    }
    keys[at] = key
    ids[at] = id
  }
}
