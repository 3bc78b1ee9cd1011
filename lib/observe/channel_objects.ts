/**
 * The channel objects herdcache publishes on. Internal, and apart from channels.ts, so the
 * public declarations need no Node type definitions.
 */
import { channel } from 'node:diagnostics_channel'

import { channels } from './channels.js'

// Held here for the life of the process: diagnostics_channel keeps channels only weakly.
export const hitChannel = channel(channels.hit)
export const missChannel = channel(channels.miss)
export const coalesceChannel = channel(channels.coalesce)
export const evictChannel = channel(channels.evict)
