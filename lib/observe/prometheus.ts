/**
 * prom-client integration: a cache's metric families as metrics of a prom-client `Registry`,
 * read at scrape time. prom-client is an optional peer dependency, loaded only when no registry
 * is passed.
 */
import type { CacheManager } from '../cache_manager.js'
import { argumentTypeError, describeThrown, unknownOptionError } from '../errors.js'
import { FAMILIES, familiesSymbol, type MetricsProvider, type Sample } from './metrics.js'

/**
 * The part of a prom-client `Registry` herdcache uses (`registerMetric`, `removeSingleMetric`,
 * `getSingleMetric`); a prom-client `Registry` or its default `register` fits.
 */
export interface PrometheusRegistry {
  /** Adds a metric; throws when another metric already has its name. */
  registerMetric(metric: never): void
  /** Removes the metric of that name. */
  removeSingleMetric(name: string): void
  /** The metric of that name, or `undefined`. */
  getSingleMetric(name: string): unknown
}

/** Options of {@link collectCacheMetrics}. */
export interface CollectCacheMetricsOptions {
  /** The registry to report in. Defaults to prom-client's global `register`. */
  register?: PrometheusRegistry
}

// The caches reporting in one registry, and the collectors registered there for them.
interface Group {
  readonly caches: Map<string | undefined, WeakRef<MetricsProvider>>
  readonly collectors: Collector[]
  // The samples of the scrape under way, by family: a registry calls every collector's get() in
  // one synchronous pass, so each cache's families are read once per scrape, not once per
  // family. Dropped at the next microtask.
  scrape: Map<string, Sample[]> | undefined
}

// Every family of every live cache of `group`, read once and kept for the rest of this pass.
function scrapeOf(group: Group): Map<string, Sample[]> {
  if (group.scrape !== undefined) return group.scrape
  const scrape = new Map<string, Sample[]>()
  for (const [name, ref] of group.caches) {
    const cache = ref.deref()
    if (cache === undefined) {
      group.caches.delete(name) // collected: it has nothing more to report
      continue
    }
    for (const family of cache[familiesSymbol]()) {
      const values = scrape.get(family.name)
      if (values === undefined) scrape.set(family.name, [...family.values])
      else values.push(...family.values)
    }
  }
  group.scrape = scrape
  queueMicrotask(() => {
    group.scrape = undefined
  })
  return scrape
}

const groups = new WeakMap<PrometheusRegistry, Group>()

/**
 * One metric family across every cache of a group, shaped like a prom-client metric: the
 * registry calls `get()` at each scrape. The registry may rename a counter (OpenMetrics drops
 * `_total`), so the family it stands for is kept apart from `name`.
 */
class Collector {
  readonly aggregator = 'sum'
  readonly #family: string
  readonly #group: Group

  constructor(
    public name: string,
    readonly help: string,
    readonly type: string,
    group: Group,
  ) {
    this.#family = name
    this.#group = group
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values = scrapeOf(this.#group).get(this.#family) ?? []
    const { name, help, type, aggregator } = this
    return { name, help, type, aggregator, values }
  }

  /** Counters belong to the cache; a registry reset leaves them as they are. */
  reset(): void {}
}

function defaultRegistry(): PrometheusRegistry {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('prom-client') as { register: PrometheusRegistry }).register
  } catch (error) {
    /* v8 ignore start -- prom-client is a dev dependency here, so it always loads in tests */
    throw Object.assign(
      new Error(
        'collectCacheMetrics needs prom-client (npm install prom-client), or a registry in ' +
          `options.register: ${describeThrown(error)}`,
      ),
      { code: 'ERR_HERDCACHE_NO_PROM_CLIENT' },
    )
    /* v8 ignore stop */
  }
}

/**
 * Reports `cache`'s metrics (those of `cache.metrics()`) in a prom-client registry, read at each
 * scrape. Caches reporting in one registry are told apart by their `name` option (the `cache`
 * label), so their names must differ. The registry holds the cache weakly: a cache that is
 * collected stops reporting.
 *
 * @returns a function that stops reporting this cache (and unregisters herdcache's metrics once
 *   no cache reports in the registry).
 * @throws TypeError for a bad argument; an Error with code `ERR_HERDCACHE_DUPLICATE_NAME` when a
 *   cache of the same name already reports in the registry.
 */
export function collectCacheMetrics<V>(
  cache: CacheManager<V>,
  options: CollectCacheMetricsOptions = {},
): () => void {
  const provider = cache as unknown as MetricsProvider
  if (typeof cache !== 'object' || cache === null || !(familiesSymbol in cache)) {
    throw argumentTypeError('cache', 'a CacheManager', cache)
  }
  if (typeof options !== 'object' || options === null) {
    throw argumentTypeError('options', 'an object', options)
  }
  for (const name of Object.keys(options)) {
    if (name !== 'register') throw unknownOptionError(name, ['register'])
  }
  const register = options.register ?? defaultRegistry()
  if (typeof register !== 'object' || typeof register.registerMetric !== 'function') {
    throw argumentTypeError('options.register', 'a prom-client Registry', register)
  }

  let group = groups.get(register)
  if (group === undefined) {
    const created: Group = { caches: new Map(), collectors: [], scrape: undefined }
    for (const { name, help, type } of FAMILIES) {
      created.collectors.push(new Collector(name, help, type, created))
    }
    registerAll(register, created.collectors)
    groups.set(register, created)
    group = created
  }
  const { name } = provider
  const present = group.caches.get(name)?.deref()
  if (present === provider) return stopper(register, group, name, provider)
  if (present !== undefined) {
    const message =
      name === undefined
        ? 'an unnamed cache already reports in this registry; give each cache a name option'
        : `a cache named '${name}' already reports in this registry; cache names must differ`
    throw Object.assign(new Error(message), { code: 'ERR_HERDCACHE_DUPLICATE_NAME' })
  }
  group.caches.set(name, new WeakRef(provider))
  return stopper(register, group, name, provider)
}

// Registers every collector, or none: a name taken by another metric leaves the registry as it
// was.
function registerAll(register: PrometheusRegistry, collectors: readonly Collector[]): void {
  const done: Collector[] = []
  try {
    for (const collector of collectors) {
      register.registerMetric(collector as never)
      done.push(collector)
    }
  } catch (error) {
    for (const collector of done) register.removeSingleMetric(collector.name)
    throw error
  }
}

function stopper(
  register: PrometheusRegistry,
  group: Group,
  name: string | undefined,
  provider: MetricsProvider,
): () => void {
  return () => {
    if (group.caches.get(name)?.deref() !== provider) return
    group.caches.delete(name)
    if (group.caches.size > 0 || groups.get(register) !== group) return
    groups.delete(register)
    for (const collector of group.collectors) {
      if (register.getSingleMetric(collector.name) === collector) {
        register.removeSingleMetric(collector.name)
      }
    }
  }
}
