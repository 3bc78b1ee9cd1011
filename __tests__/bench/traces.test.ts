// bench/traces.mjs: the hit-ratio benchmark's synthetic traces, and Bélády's optimal miss count
// checked against an exhaustive search of every admission and eviction choice on tiny traces.
import { describe, expect, it } from 'vitest'

import {
  beladyMisses,
  loopTrace,
  mulberry32,
  nextUses,
  topFrequencyMisses,
  withScans,
  zipfTrace,
} from '../../bench/traces.mjs'

/** The fewest misses over every choice a cache of `capacity` can make: admit or not, evict any. */
function bruteForceMisses(trace: readonly number[], capacity: number): number {
  const search = (at: number, resident: readonly number[]): number => {
    if (at === trace.length) return 0
    const id = trace[at]!
    if (resident.includes(id)) return search(at + 1, resident)
    let best = search(at + 1, resident) // not admitted
    if (resident.length < capacity) best = Math.min(best, search(at + 1, [...resident, id]))
    for (const victim of resident) {
      best = Math.min(best, search(at + 1, [...resident.filter((r) => r !== victim), id]))
    }
    return 1 + best
  }
  return search(0, [])
}

function counts(trace: Int32Array): Map<number, number> {
  const found = new Map<number, number>()
  for (const id of trace) found.set(id, (found.get(id) ?? 0) + 1)
  return found
}

describe('traces', () => {
  it('draws the same trace for the same seed and another for another seed', () => {
    const a = zipfTrace({ universe: 1000, requests: 5000, s: 0.9, seed: 1 })
    expect(zipfTrace({ universe: 1000, requests: 5000, s: 0.9, seed: 1 })).toEqual(a)
    expect(zipfTrace({ universe: 1000, requests: 5000, s: 0.9, seed: 2 })).not.toEqual(a)
    const random = mulberry32(3)
    for (let i = 0; i < 1000; i++) {
      const x = random()
      expect(x >= 0 && x < 1).toBe(true)
    }
  })

  it('draws Zipf ranks with frequencies falling as 1 / (rank + 1)^s', () => {
    for (const s of [0.7, 1.1]) {
      const trace = zipfTrace({ universe: 100, requests: 400_000, s, seed: 7 })
      const found = counts(trace)
      expect([...found.keys()].every((id) => id >= 0 && id < 100)).toBe(true)
      // Rank 0 against ranks 1 and 9: 2^s and 10^s times as frequent, within sampling noise.
      expect(found.get(0)! / found.get(1)!).toBeCloseTo(2 ** s, 1)
      expect(found.get(0)! / found.get(9)! / 10 ** s).toBeGreaterThan(0.9)
      expect(found.get(0)! / found.get(9)! / 10 ** s).toBeLessThan(1.1)
    }
  })

  it('inserts a scan of never-repeated ids above the base ids after every `every` requests', () => {
    const base = Int32Array.from([0, 1, 2, 0, 1, 2, 0])
    const trace = withScans(base, { every: 3, length: 2, firstId: 10 })
    expect([...trace]).toEqual([0, 1, 2, 10, 11, 0, 1, 2, 12, 13, 0])
  })

  it('cycles through its keys in a loop', () => {
    expect([...loopTrace({ keys: 3, requests: 7 })]).toEqual([0, 1, 2, 0, 1, 2, 0])
  })

  it('finds the next use of each request, or the trace length', () => {
    expect([...nextUses(Int32Array.from([5, 1, 5, 5, 2]))]).toEqual([2, 5, 3, 5, 5])
  })

  it('counts exactly the misses of the best possible cache on every tiny trace tried', () => {
    const random = mulberry32(0xbe1ad)
    for (let round = 0; round < 300; round++) {
      const length = 1 + Math.floor(random() * 11)
      const ids = 1 + Math.floor(random() * 5)
      const capacity = Math.floor(random() * 4)
      const trace = Array.from({ length }, () => Math.floor(random() * ids))
      expect(
        beladyMisses(Int32Array.from(trace), capacity),
        `${trace.join(',')} at ${capacity}`,
      ).toBe(bruteForceMisses(trace, capacity))
    }
  })

  it('misses only compulsorily when the cache holds every key', () => {
    const trace = zipfTrace({ universe: 50, requests: 2000, s: 0.9, seed: 5 })
    expect(beladyMisses(trace, 50)).toBe(counts(trace).size)
  })

  it('beats LRU on a loop larger than the cache, where LRU misses every request', () => {
    // 10 keys, 5 slots: after the first pass MIN keeps 4 of them for the next pass, and more.
    expect(beladyMisses(loopTrace({ keys: 10, requests: 100 }), 5)).toBeLessThan(100)
    expect(beladyMisses(loopTrace({ keys: 10, requests: 100 }), 5)).toBe(55)
  })
})

describe('topFrequencyMisses', () => {
  it('keeps the most frequent keys, each missing once, and misses every other request', () => {
    // Counts: 1 three times, 2 twice, 3 once. One slot holds key 1: one miss for it, three for
    // the others.
    expect(topFrequencyMisses(Int32Array.from([1, 2, 1, 3, 2, 1]), 1)).toBe(4)
    expect(topFrequencyMisses(Int32Array.from([1, 2, 1, 3, 2, 1]), 2)).toBe(3)
    expect(topFrequencyMisses(Int32Array.from([1, 2, 1, 3, 2, 1]), 0)).toBe(6)
  })

  it('never beats Bélády, and equals the compulsory misses when every key fits', () => {
    const trace = zipfTrace({ universe: 300, requests: 5000, s: 0.9, seed: 11 })
    for (const capacity of [1, 10, 50]) {
      expect(topFrequencyMisses(trace, capacity)).toBeGreaterThanOrEqual(
        beladyMisses(trace, capacity),
      )
    }
    expect(topFrequencyMisses(trace, 300)).toBe(new Set(trace).size)
  })
})
