#!/usr/bin/env node
// Checks the npm package as a user gets it: `npm pack`, then install the tarball into fresh
// projects in a temporary directory.
// - publint: package.json's entry points, `exports` and `types` name files the tarball ships, and
//   its fields are well formed. attw (@arethetypeswrong/cli): the types resolve and match the
//   JavaScript for `require` and `import` under every TypeScript module resolution.
// - The tarball holds what those tools cannot know it needs (the prebuilt addon, the sources for
//   a fallback build, LICENSE, README, CHANGELOG) and nothing it should not (tests, build dirs).
// - Installed with a PATH that holds only node, npm and sh (no cmake, no compiler), it uses the
//   prebuilt addon and builds nothing; `import` and `require` both work and export the same names.
// - Repacked with the prebuild moved to another platform, the install builds from source.
// Each check prints `ok` or `not ok`; the last line is `pack-check: N passed, M failed`.
// With --keep, the temporary directory is left for inspection.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const temp = mkdtempSync(join(tmpdir(), 'herdcache-pack-'))
const prebuildPath = `prebuilds/${process.platform}-${process.arch}/herdcache.napi.glibc.node`
const npmInstallFlags = ['--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts']
const results = []

function sh(command, args, { cwd = root, env = process.env } = {}) {
  const started = Date.now()
  const child = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 })
  const output = [child.stdout, child.stderr, child.error?.message].filter(Boolean).join('')
  return { ok: child.status === 0, output, seconds: (Date.now() - started) / 1000 }
}

/** Records a check: `problems` is a list of what is wrong, empty when it passed. */
function check(name, problems, detail = '') {
  results.push(problems.length === 0)
  if (problems.length === 0) console.log(`ok - ${name}${detail ? ` (${detail})` : ''}`)
  else console.log(`not ok - ${name}\n${problems.map((p) => `    ${p}`).join('\n')}`)
}

function tail(output, lines = 30) {
  return output.trimEnd().split('\n').slice(-lines).join('\n')
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

function newProject(name) {
  const dir = join(temp, name)
  mkdirSync(dir)
  const manifest = { name: `herdcache-${name}`, version: '1.0.0', private: true }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  return dir
}

// The usage both smoke scripts run: two concurrent calls of one key share one fetch. They print
// the result, the addon files the process mapped, and the names the package exports.
const smokeBody = `
const cache = new CacheManager({ maxSize: 2 })
let calls = 0
const fetcher = async () => { calls += 1; return 'v' }
const run = async () => {
  const [a, b] = await Promise.all([cache.getOrFetch('k', fetcher), cache.getOrFetch('k', fetcher)])
  const addons = [...new Set(readFileSync('/proc/self/maps', 'utf8').split('\\n')
    .map((line) => line.split(/\\s+/).slice(5).join(' '))
    .filter((file) => file.endsWith('.node')))]
  return { a, b, calls, size: cache.size, addons }
}
`
const smokeEsm = `import { CacheManager } from 'herdcache'
import * as namespace from 'herdcache'
import { readFileSync } from 'node:fs'
${smokeBody}
// A CommonJS module's namespace also has 'default', '__esModule' and (Node 23+) 'module.exports'.
const names = Object.keys(namespace)
  .filter((name) => !['default', '__esModule', 'module.exports'].includes(name)).sort()
console.log(JSON.stringify({ ...(await run()), names }))
`
const smokeCjs = `'use strict'
const { CacheManager } = require('herdcache')
const { readFileSync } = require('node:fs')
${smokeBody}
const names = Object.keys(require('herdcache')).sort()
run().then((result) => console.log(JSON.stringify({ ...result, names })))
`
// Every name the package exports, as the checkout's own build has them.
const requireHere = createRequire(import.meta.url)
const exportedNames = Object.keys(requireHere(join(root, 'dist', 'index.js'))).sort()

/** Runs both smoke scripts in `dir`; each must coalesce and map exactly `addon`. */
function smokeChecks(label, dir, addon, env) {
  writeFileSync(join(dir, 'smoke.mjs'), smokeEsm)
  writeFileSync(join(dir, 'smoke.cjs'), smokeCjs)
  const expected = { a: 'v', b: 'v', calls: 1, size: 1, addons: [addon], names: exportedNames }
  const scripts = [
    ['import (ESM)', 'smoke.mjs'],
    ['require (CommonJS)', 'smoke.cjs'],
  ]
  for (const [kind, script] of scripts) {
    const run = sh(process.execPath, [script], { cwd: dir, env })
    let actual
    try {
      actual = JSON.parse(run.output.trim().split('\n').at(-1))
    } catch {
      actual = undefined
    }
    check(
      `${label}: ${kind} coalesces two calls and loads ${addon.slice(dir.length + 1)}`,
      run.ok && isDeepStrictEqual(actual, expected)
        ? []
        : [`expected ${JSON.stringify(expected)}`, `received:`, tail(run.output)],
    )
  }
}

// 1. Pack: prepack builds the prebuilt addon, prepare the TypeScript.
console.log(`pack-check: in ${temp}`)
const pack = sh('npm', ['pack', '--pack-destination', temp])
const tarballs = readdirSync(temp).filter((file) => file.endsWith('.tgz'))
check(
  'npm pack makes one tarball',
  pack.ok && tarballs.length === 1 ? [] : [tail(pack.output)],
  `${pack.seconds.toFixed(0)} s`,
)
if (tarballs.length !== 1) finish()
const tarball = join(temp, tarballs[0])

// 2. package.json against the files shipped (publint), and the types against the JavaScript for
// CommonJS and ESM callers (attw), both reading the tarball itself.
// Suggestions count too: each names something a user's tooling may trip on.
const lint = await publint({
  pack: { tarball: new Uint8Array(readFileSync(tarball)).buffer },
  strict: true,
})
check(
  'publint: package.json fields, entry points and exports match the files shipped',
  lint.messages.map((m) => `${m.type}: ${formatMessage(m, lint.pkg, { color: false })}`),
)
// attw, found on PATH as npm scripts find it, whether or not npm started this script.
const attw = spawnSync('attw', [tarball, '--format', 'table-flipped', '--no-emoji', '--no-color'], {
  encoding: 'utf8',
  env: { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` },
})
check(
  'attw: types resolve and match the JavaScript under node10, node16 (CJS and ESM), bundler',
  attw.status === 0
    ? []
    : [tail(`${attw.stdout ?? ''}${attw.stderr ?? ''}${attw.error?.message ?? ''}`)],
)

// 3. Contents: what the install script and a source build need, which no package.json field
// names (the entry points and their types are publint's and attw's).
const files = sh('tar', ['-tzf', tarball])
  .output.trim()
  .split('\n')
  .map((file) => file.replace(/^package\//, ''))
const required = [
  'LICENSE',
  'README.md',
  'CHANGELOG.md',
  'dist/watch/index.js',
  'dist/redis/index.js',
  'dist/store/native.js',
  prebuildPath,
  'scripts/install.cjs',
  'CMakeLists.txt',
  'native/core/store.cc',
  'native/binding/addon.cc',
]
const forbidden = [
  /^__tests__\//,
  /^build/,
  /^native\/(test|bench)\//,
  /^bench\//,
  /^demo\//,
  /^docs\//,
  /^node_modules\//,
  /^\.ci\//,
  /^\.node-versions\//,
  /\.tgz$/,
  /^scripts\/(?!install\.cjs$)/,
]
const unpacked = join(temp, 'unpacked')
mkdirSync(unpacked)
sh('tar', ['-xzf', tarball, '-C', unpacked])
const packedPrebuild = join(unpacked, 'package', prebuildPath)
const contentProblems = [
  ...required.filter((file) => !files.includes(file)).map((file) => `missing ${file}`),
  ...files.filter((file) => forbidden.some((re) => re.test(file))).map((file) => `ships ${file}`),
]
if (existsSync(packedPrebuild) && sha256(packedPrebuild) !== sha256(join(root, prebuildPath))) {
  contentProblems.push(`${prebuildPath} differs from the checkout's`)
}
const needed = sh('readelf', ['-d', packedPrebuild]).output
check(
  'the tarball ships the prebuild, the sources, LICENSE, and no tests or builds',
  contentProblems,
  `${files.length} files, ${(statSync(tarball).size / 1024).toFixed(0)} KiB, ` +
    `prebuild sha256 ${existsSync(packedPrebuild) ? sha256(packedPrebuild) : 'none'}`,
)
console.log(
  needed
    .split('\n')
    .filter((line) => line.includes('NEEDED'))
    .join('\n'),
)

// 4. No compiler: PATH holds only node, npm and sh.
const bareBin = join(temp, 'bin')
mkdirSync(bareBin)
for (const tool of ['node', 'npm', 'sh']) {
  const found = sh('sh', ['-c', `command -v ${tool}`]).output.trim()
  symlinkSync(found, join(bareBin, tool))
}
const bareEnv = { ...process.env, PATH: bareBin }
const absent = ['cmake', 'ninja', 'make', 'cc', 'c++', 'gcc', 'g++', 'clang', 'clang++']
const reachable = absent.filter((tool) => {
  return sh('sh', ['-c', `command -v ${tool}`], { env: bareEnv }).ok
})
const bare = newProject('no-compiler')
const bareInstall = sh('npm', ['install', tarball, ...npmInstallFlags], { cwd: bare, env: bareEnv })
const bareRoot = join(bare, 'node_modules', 'herdcache')
check(
  'installs with no cmake or compiler on PATH, using the prebuilt addon',
  [
    ...reachable.map((tool) => `${tool} is on the restricted PATH`),
    ...(bareInstall.ok ? [] : ['npm install failed:', tail(bareInstall.output)]),
    ...(bareInstall.output.includes(`herdcache: using the prebuilt addon ${prebuildPath}`)
      ? []
      : ['the install did not report using the prebuild:', tail(bareInstall.output)]),
    ...(existsSync(join(bareRoot, 'build')) ? ['it made a build/ directory'] : []),
  ],
  `PATH=${bareBin} (${readdirSync(bareBin).join(', ')}), ${bareInstall.seconds.toFixed(0)} s`,
)
smokeChecks('no-compiler install', bare, join(bareRoot, prebuildPath), bareEnv)

// npm may not run install scripts at all (--ignore-scripts; npm 11 already warns of packages whose
// scripts were not approved with allowScripts): node-gyp-build still finds the prebuild at load.
const unscripted = newProject('ignore-scripts')
const unscriptedInstall = sh('npm', ['install', tarball, '--ignore-scripts', ...npmInstallFlags], {
  cwd: unscripted,
  env: bareEnv,
})
check(
  'installs with --ignore-scripts',
  unscriptedInstall.ok ? [] : [tail(unscriptedInstall.output)],
)
smokeChecks(
  '--ignore-scripts install',
  unscripted,
  join(unscripted, 'node_modules', 'herdcache', prebuildPath),
  bareEnv,
)

// 5. No matching prebuild: the same tarball with its prebuild moved to another platform.
const repack = join(temp, 'repack')
mkdirSync(repack)
sh('tar', ['-xzf', tarball, '-C', repack])
const prebuilds = join(repack, 'package', 'prebuilds')
renameSync(join(prebuilds, `${process.platform}-${process.arch}`), join(prebuilds, 'sunos-riscv64'))
const foreignTarball = join(temp, 'herdcache-foreign-prebuild.tgz')
sh('tar', ['-czf', foreignTarball, '-C', repack, 'package'])
const source = newProject('from-source')
const sourceInstall = sh('npm', ['install', foreignTarball, ...npmInstallFlags], { cwd: source })
const sourceRoot = join(source, 'node_modules', 'herdcache')
const built = join(sourceRoot, 'build', 'Release', 'herdcache.node')
check(
  'installs without a matching prebuild by building from source',
  [
    ...(sourceInstall.ok ? [] : ['npm install failed:', tail(sourceInstall.output)]),
    ...(sourceInstall.output.includes(
      'herdcache: building the addon from source (no usable prebuilt',
    )
      ? []
      : ['the install did not report a source build:', tail(sourceInstall.output)]),
    ...(existsSync(built) ? [] : [`no ${built}`]),
  ],
  `${sourceInstall.seconds.toFixed(0)} s`,
)
smokeChecks('source-built install', source, built, process.env)

finish()

function finish() {
  if (process.argv.includes('--keep')) console.log(`pack-check: left ${temp}`)
  else rmSync(temp, { recursive: true, force: true })
  const passed = results.filter(Boolean).length
  console.log(`pack-check: ${passed} passed, ${results.length - passed} failed`)
  process.exit(passed === results.length ? 0 : 1)
}
