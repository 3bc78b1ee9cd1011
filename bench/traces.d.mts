// Types of bench/traces.mjs, for the tests that import it.
export function mulberry32(seed: number): () => number
export function zipfTrace(options: { universe: number; requests: number; s: number; seed: number }): Int32Array
export function withScans(base: Int32Array, options: { every: number; length: number; firstId: number }): Int32Array
export function loopTrace(options: { keys: number; requests: number }): Int32Array
export function nextUses(trace: Int32Array): Int32Array
export function beladyMisses(trace: Int32Array, capacity: number): number
export function topFrequencyMisses(trace: Int32Array, capacity: number): number
