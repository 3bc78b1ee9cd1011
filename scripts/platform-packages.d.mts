// Types for the functions of platform-packages.mjs that the tests import.
import type { Target } from '../lib/store/platform.js'

/** The package.json of a target's platform package. */
export function platformManifest(target: Target): Record<string, unknown>
/** herdcache's manifest as published: every platform package pinned at herdcache's version. */
export function publishedManifest<T extends { version: string; scripts?: Record<string, string> }>(
  base: T,
): T & { optionalDependencies: Record<string, string>; scripts: Record<string, string> }
