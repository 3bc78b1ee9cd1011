/**
 * The cache's side of its tier: applies other instances' changes to L1 without telling anyone,
 * with removals reported as for any change.
 */
import type { CacheParts } from './fetches.js'
import type { TierHost } from './tier.js'

export function tierHost(parts: CacheParts): TierHost {
  const change = (apply: () => void) => {
    parts.removals.watch()
    apply()
    parts.removals.report()
  }
  return {
    dropKeys: (keys) =>
      change(() => {
        for (const key of keys) parts.store.delete(key)
      }),
    dropTags: (tags) => change(() => parts.store.invalidateTags(tags)),
    dropAll: () => change(() => parts.store.clear()),
  }
}
