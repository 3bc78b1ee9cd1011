// The Node-API floor: what one call into the addon costs at the least (enter it, copy the key
// into the reused buffer the store functions read keys from, return), next to a JavaScript
// Map.get of the same key, in the same loop. The difference is the price of keeping the registry
// in C++; issue 13's storm target allows herdcache that much per waiter over the best peer.
//
// Both ways a caller holds keys, over 1,000 ids: built per call ('user:' + id), as the hit
// workload does, where Map.get also pays for hashing a string V8 has never seen; and the same
// strings reused, whose hash V8 caches in the string after the first lookup. A storm's waiters
// all pass its one key string, so the storm targets use the second difference.

import { binding } from '../../dist/store/native.js'
import { fresh, randomIds, repeat, timeNs } from '../harness.mjs'
import { fmt, fmtRange, median, plural, spread } from '../stats.mjs'

const KEYS = 1000
const PREFIX = 'user:'
const REUSED = Array.from({ length: KEYS }, (_, id) => PREFIX + id)

// `target.get(key)` for both: the addon's floor through an object holding it, the Map itself.
function builtLoop(target, ids, prefix) {
  let found = 0
  for (let i = 0; i < ids.length; i++) {
    if (target.get(prefix + ids[i]) !== undefined) found++
  }
  return found
}

function reusedLoop(target, ids, keys) {
  let found = 0
  for (let i = 0; i < ids.length; i++) {
    if (target.get(keys[ids[i]]) !== undefined) found++
  }
  return found
}

function nativeFloor() {
  return { get: binding.floor }
}

// Filled with the very strings the reused-key loop looks up, as a caller that reuses its keys
// would have stored them: a found key is then the same string, equal at the first comparison.
function filledMap() {
  const map = new Map()
  for (let id = 0; id < KEYS; id++) map.set(REUSED[id], { id })
  return map
}

const variants = [
  { name: 'floor: Node-API call (copy key), keys built per call', keys: 'built', create: nativeFloor },
  { name: 'floor: Map.get, keys built per call', keys: 'built', create: filledMap },
  { name: 'floor: Node-API call (copy key), key strings reused', keys: 'reused', create: nativeFloor },
  { name: 'floor: Map.get, key strings reused', keys: 'reused', create: filledMap },
]

export const floor = {
  id: 'floor',
  async run(config) {
    const loops = new Map(variants.map((v) => [v.name, fresh(v.keys === 'built' ? builtLoop : reusedLoop)]))
    const ids = randomIds(config.floorOps, KEYS, 0xf1009)
    const samples = await repeat({
      adapters: variants,
      reps: config.reps,
      label: 'floor',
      async once(variant) {
        const target = variant.create()
        const loop = loops.get(variant.name)
        const ns = await timeNs(() => loop(target, ids, variant.keys === 'built' ? PREFIX : REUSED))
        return { nsPerCall: ns / ids.length }
      },
    })
    const nsOf = (variant) => samples[variant.name].map((s) => s.nsPerCall)
    const rows = []
    const premiums = {}
    for (const keys of ['built', 'reused']) {
      const [native, map] = variants.filter((v) => v.keys === keys)
      for (const variant of [native, map]) {
        rows.push([variant.name, fmt(median(nsOf(variant)), 1), fmtRange(spread(nsOf(variant)), 1)])
      }
      // Within each repetition, so drift during the run hits both alike.
      const differences = nsOf(native).map((ns, i) => ns - nsOf(map)[i])
      premiums[keys] = median(differences)
      rows.push([
        `difference (Node-API − Map.get), ${keys === 'built' ? 'keys built per call' : 'key strings reused'}`,
        fmt(premiums[keys], 1),
        fmtRange(spread(differences), 1),
      ])
    }
    return {
      tables: [
        {
          title: `floor: a Node-API call that copies its key and returns, against Map.get, over ${KEYS.toLocaleString('en-US')} keys; ${config.floorOps.toLocaleString('en-US')} calls per repetition, ${plural(config.reps, 'repetition')}`,
          columns: ['call', 'ns/call (median)', 'spread (min – max)'],
          rows,
          notes: [
            'Differences are taken within each repetition, then the median. With keys built per call, Map.get also hashes every new string (V8 caches a hash in the string only once computed), so it can cost more than the call into the addon. The storm targets add the reused-key difference to the best peer: all of a storm’s waiters pass one key string.',
          ],
        },
      ],
      samples,
      premiums,
      premiumNs: premiums.reused,
    }
  },
}
