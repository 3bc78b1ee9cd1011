// Workload 6: the C++ core alone, through Google Benchmark (native/bench/). Builds the
// herdcache_core_bench target in build-bench/ (a plain Release CMake build) and runs it with
// repetitions in random interleaved order, reporting the median and spread of CPU time per
// operation (CPU time, not wall time, because this machine is shared: a descheduled thread's
// wall time says nothing about the core).

import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { fmt, fmtRange, median, plural, spread } from '../stats.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BUILD = 'build-bench'
const BINARY = `${ROOT}${BUILD}/herdcache_core_bench`

const NAMES = {
  // Not an operation of the store: the machine's cost of one cache miss, which bounds a lookup
  // at 1,000,000 entries from below (two dependent misses: the index's bucket, the entry).
  BM_DependentLoad: 'floor: one dependent load over 128 MiB (a cache miss)',
  BM_Lookup: 'lookup (fresh hit, random key)',
  BM_LookupTinyLfu: "lookup (fresh hit, random key), policy 'tinylfu'",
  BM_InsertWithEviction: 'insert with eviction',
  BM_FlightBeginComplete: 'in-flight begin/complete (ttl 0: nothing stored)',
  BM_FlightBeginCompleteStored: 'in-flight begin/complete, value stored (evicts)',
}

function run(command, args) {
  return spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 })
}

function build() {
  const configure = run('cmake', ['-S', '.', '-B', BUILD, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release'])
  if (configure.error || configure.status !== 0) {
    return `cmake configure failed: ${configure.error?.message ?? configure.stderr.trim().split('\n').slice(-3).join(' ')}`
  }
  const made = run('cmake', ['--build', BUILD, '--target', 'herdcache_core_bench'])
  if (made.status !== 0 || !existsSync(BINARY)) {
    return `no herdcache_core_bench target (is Google Benchmark installed? apt-get install libbenchmark-dev): ${made.stdout.trim().split('\n').slice(-2).join(' ')}`
  }
  return undefined
}

function unavailable(reason) {
  return {
    tables: [{ title: 'core: n/a', columns: ['benchmark', 'result'], rows: [['all', `n/a: ${reason}`]] }],
    rows: [],
  }
}

export const core = {
  id: 'core',
  async run(config) {
    process.stderr.write('  core: building herdcache_core_bench (cmake, Release)\n')
    const problem = build()
    if (problem) return unavailable(problem)
    process.stderr.write('  core: running Google Benchmark\n')
    const result = run(BINARY, [
      '--benchmark_format=json',
      `--benchmark_repetitions=${config.coreReps}`,
      '--benchmark_enable_random_interleaving=true',
      `--benchmark_min_time=${config.coreMinTime}`,
      ...(config.coreFilter ? [`--benchmark_filter=${config.coreFilter}`] : []),
    ])
    if (result.status !== 0) return unavailable(`herdcache_core_bench exited with ${result.status}: ${result.stderr}`)
    const report = JSON.parse(result.stdout)
    const runs = new Map()
    for (const b of report.benchmarks.filter((b) => b.run_type === 'iteration')) {
      if (b.error_occurred) return unavailable(`${b.name}: ${b.error_message}`)
      const key = b.run_name ?? b.name
      if (!runs.has(key)) runs.set(key, { cpu: [], real: [] })
      runs.get(key).cpu.push(b.cpu_time)
      runs.get(key).real.push(b.real_time)
    }
    const rows = [...runs].map(([name, { cpu, real }]) => {
      const [fn, entries] = name.split('/')
      // The floor's argument is a size in MiB, not a number of entries.
      const count = fn === 'BM_DependentLoad' ? undefined : Number(entries)
      return { name, fn, label: NAMES[fn] ?? fn, entries: count, cpu, real, median: median(cpu) }
    })
    const order = Object.keys(NAMES)
    rows.sort((a, b) => order.indexOf(a.fn) - order.indexOf(b.fn) || (a.entries ?? 0) - (b.entries ?? 0))
    return {
      tables: [
        {
          title: `core: Google Benchmark of native/core alone at a full store, ${plural(config.coreReps, 'repetition')} (interleaved), CPU time per operation (${report.context.num_cpus} CPUs, ${report.context.library_build_type} libbenchmark)`,
          columns: ['operation', 'entries', 'ns/op CPU (median)', 'spread', 'ns/op wall (median)'],
          rows: rows.map((r) => [
            r.label,
            r.entries === undefined ? '-' : fmt(r.entries),
            fmt(r.median, 1),
            fmtRange(spread(r.cpu), 1),
            fmt(median(r.real), 1),
          ]),
        },
      ],
      rows,
    }
  },
}
