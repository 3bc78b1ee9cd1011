/** A seeded pseudo-random integer source (mulberry32): `next(bound)` is in [0, bound). */
export function randomInts(seed: number) {
  let state = seed >>> 0
  return (bound: number) => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) % bound
  }
}
