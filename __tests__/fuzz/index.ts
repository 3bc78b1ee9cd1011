// The fuzzer's entry points: run one seed, shrink a failing run to a short list of operations,
// and format the report that lets anyone replay it with `npm run fuzz -- --seed N`.
import { CacheManager } from '../../dist/index.js'
import { formatOp, generateRun, HOSTILE, type Hostile, type Op, type Variant } from './ops.js'
import { type Failure, runOps } from './runner.js'

export { HOSTILE, type Hostile } from './ops.js'

export interface SeedResult {
  seed: number
  steps: number
  variant: Variant
  /** The hostile generators the run had: they change what a seed draws. */
  hostile: ReadonlySet<Hostile>
  failure: Failure | undefined
  /** The shortest failing list found by shrinking (when asked to shrink). */
  shrunk?: { ops: Op[]; failure: Failure }
}

export interface FuzzOptions {
  steps: number
  hostile: ReadonlySet<Hostile>
  /** Wall-clock budget for shrinking a failure, in ms (0: do not shrink). */
  shrinkMs: number
}

export const ALL_HOSTILE: ReadonlySet<Hostile> = new Set(HOSTILE)

/** Runs seed `seed`: its variant and its first `steps` operations, then the drain. */
export async function fuzzSeed(seed: number, options: FuzzOptions): Promise<SeedResult> {
  const { variant, ops } = generateRun(seed, options.steps, options.hostile)
  const failure = await runOps(variant, ops, options.hostile)
  const result: SeedResult = {
    seed,
    steps: options.steps,
    variant,
    hostile: options.hostile,
    failure,
  }
  if (failure !== undefined && options.shrinkMs > 0) {
    result.shrunk = await shrink(variant, ops.slice(0, failure.step + 1), failure, options)
  }
  return result
}

/**
 * Delta debugging over the operation list: drops chunks, then single operations, while the run
 * still fails with the same kind of failure. Ops are plain data, so any subsequence is a run.
 */
async function shrink(variant: Variant, ops: Op[], failure: Failure, options: FuzzOptions) {
  const deadline = Date.now() + options.shrinkMs
  let best = { ops, failure }
  for (
    let chunk = Math.max(1, Math.floor(ops.length / 2));
    chunk >= 1;
    chunk = Math.floor(chunk / 2)
  ) {
    for (let start = 0; start < best.ops.length && Date.now() < deadline; ) {
      const candidate = [...best.ops.slice(0, start), ...best.ops.slice(start + chunk)]
      const found =
        candidate.length === 0 ? undefined : await runOps(variant, candidate, options.hostile)
      if (found !== undefined && found.kind === failure.kind) {
        best = { ops: candidate.slice(0, found.step + 1), failure: found }
      } else {
        start += chunk
      }
    }
    if (chunk === 1 || Date.now() >= deadline) break
  }
  return best
}

/** The report of a failing seed. */
export function formatResult(result: SeedResult): string {
  if (result.failure === undefined) return `seed ${result.seed}: ok`
  const lines = [
    `seed ${result.seed} FAILED at step ${result.failure.step} [${result.failure.kind}]: ${result.failure.message}`,
    `  replay: npm run fuzz -- --seed ${result.seed} --steps ${result.steps} --only ${[...result.hostile].join(',') || 'none'}`,
    `  variant: ${JSON.stringify(result.variant, (_k, v: unknown) => (v === Infinity ? 'Infinity' : v))}`,
  ]
  if (result.shrunk !== undefined) {
    lines.push(
      `  shrunk to ${result.shrunk.ops.length} operations [${result.shrunk.failure.kind}]: ${result.shrunk.failure.message}`,
    )
    for (const op of result.shrunk.ops) lines.push(`    ${formatOp(op)}`)
  }
  return lines.join('\n')
}

/**
 * Whether tagging one entry with k tags costs O(k): times a set with k and with 4k distinct
 * tags (best of three each). Linear work grows about 4x; quadratic about 16x. Wall-clock time
 * is the only witness of a complexity bug, so this is the one check that reads it; the ratio
 * (not an absolute bound) keeps it independent of the machine's speed.
 */
export function probeTagScaling(k = 4000): { ratio: number; message: string } {
  const time = (count: number) => {
    const tags = Array.from({ length: count }, (_, i) => `tag${i}`)
    let best = Infinity
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const cache = new CacheManager({ maxSize: 4 })
      const start = performance.now()
      void cache.set('k', 1, { tags })
      void cache.invalidateTag('tag0')
      best = Math.min(best, performance.now() - start)
    }
    return best
  }
  time(k) // warm-up
  const small = time(k)
  const large = time(4 * k)
  const ratio = large / Math.max(small, 0.001)
  return {
    ratio,
    message: `set with ${k} tags took ${small.toFixed(2)} ms, with ${4 * k} tags ${large.toFixed(2)} ms (x${ratio.toFixed(1)}; linear is about x4, quadratic x16)`,
  }
}

/** The ratio above which probeTagScaling reports quadratic cost. */
export const QUADRATIC_RATIO = 9
