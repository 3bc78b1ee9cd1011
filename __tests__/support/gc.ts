// Helpers for tests that prove values and caches become collectable (vitest runs with
// --expose-gc).
import { nextMacrotask } from './async.js'

export function collectGarbage(): void {
  if (globalThis.gc === undefined) throw new Error('memory tests need node --expose-gc')
  globalThis.gc()
}

/**
 * Whether `ref`'s target is collected within `attempts` rounds of (macrotask turn, full GC).
 * The turn lets pending reactions run and clears WeakRef's keep-alive set before each check.
 */
export async function isCollected(ref: WeakRef<object>, attempts = 10): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    await nextMacrotask()
    await nextMacrotask()
    collectGarbage()
    if (ref.deref() === undefined) return true
  }
  return false
}
