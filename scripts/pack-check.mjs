#!/usr/bin/env node
// Checks the npm packages as a user gets them: herdcache's tarball and this machine's platform
// package (@herdcache/linux-x64-gnu), made by scripts/platform-packages.mjs as the release
// workflow makes them, installed into fresh projects in a temporary directory.
// - publint: package.json's entry points, `exports` and `types` name files the tarball ships, and
//   its fields are well formed. attw (@arethetypeswrong/cli): the types resolve and match the
//   JavaScript for `require` and `import` under every TypeScript module resolution.
// - herdcache's tarball holds what those tools cannot know it needs (the sources and the command
//   for a source build, LICENSE, README, CHANGELOG), no addon, no tests or builds, no install
//   script and no dependency but the platform packages, each pinned at its own version; the
//   platform package holds the addon, with `os`, `cpu` and `libc` to match.
// - Installed with a PATH that holds only node, npm and sh (no cmake, no compiler), with and
//   without --ignore-scripts: npm prints no install-script warning, nothing is built, and
//   `import`, `require` and the types all work, loading the platform package's addon.
// - Installed without a platform package (--omit=optional, as on a machine none fits), loading
//   fails with an error that names the package and `npx herdcache-build`; that command asks for
//   cmake-js and node-addon-api, and with them builds the addon, which then loads.
// Each check prints `ok` or `not ok`; the last line is `pack-check: N passed, M failed`.
// With --keep, the temporary directory is left for inspection.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
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
const platform = createRequire(import.meta.url)(join(root, 'dist', 'store', 'platform.js'))
const target = platform.currentTarget()
const platformPackage = platform.packageName(target)
const platformDir = platformPackage.replace('@herdcache/', '')
const builtAddon = join(root, 'npm', platformDir, platform.ADDON_FILE)
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const npmInstallFlags = ['--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts']
// What npm 11 prints for a dependency with install scripts that allowScripts does not cover.
const scriptWarning = /install-scripts|allow-scripts/
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

/** The packages a project's node_modules holds, and their bytes on disk. */
function footprint(dir) {
  const modules = join(dir, 'node_modules')
  const names = readdirSync(modules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) =>
      name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => `${name}/${n}`) : [name],
    )
  const bytes = Number(sh('du', ['-sb', modules]).output.split('\t')[0])
  return `${names.length} packages (${names.join(', ')}), ${(bytes / 1e6).toFixed(2)} MB`
}

/** Fails the check when an install's output has npm's install-script warning. */
function noScriptWarning(install) {
  const lines = install.output.split('\n').filter((line) => scriptWarning.test(line))
  return lines.length === 0 ? [] : ['npm warned about install scripts:', ...lines]
}

// 1. Pack, as the release workflow does: this machine's platform package, herdcache staged with
// its optionalDependencies, both packed.
console.log(`pack-check: in ${temp}`)
const tarballDir = join(temp, 'tarballs')
const makers = [['build'], ['main'], ['pack', tarballDir]]
const made = makers.map((args) => sh(process.execPath, ['scripts/platform-packages.mjs', ...args]))
const tarballs = existsSync(tarballDir) ? readdirSync(tarballDir) : []
const tarball = join(tarballDir, `herdcache-${manifest.version}.tgz`)
const platformTarball = join(tarballDir, `herdcache-${platformDir}-${manifest.version}.tgz`)
check(
  `platform-packages.mjs packs herdcache and ${platformPackage}`,
  made.every((m) => m.ok) && existsSync(tarball) && existsSync(platformTarball)
    ? []
    : [`made ${tarballs.join(', ') || 'nothing'}`, ...made.map((m) => tail(m.output, 10))],
  `${made.reduce((sum, m) => sum + m.seconds, 0).toFixed(0)} s`,
)
if (!existsSync(tarball) || !existsSync(platformTarball)) finish()

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

// 3. Contents and manifests: what a source build needs, which no package.json field names (the
// entry points and their types are publint's and attw's), and what npm decides the install by.
function unpack(file, name) {
  const dir = join(temp, name)
  mkdirSync(dir)
  sh('tar', ['-xzf', file, '-C', dir])
  const files = sh('tar', ['-tzf', file])
    .output.trim()
    .split('\n')
    .map((entry) => entry.replace(/^package\//, ''))
  const pkg = JSON.parse(readFileSync(join(dir, 'package', 'package.json'), 'utf8'))
  return { dir: join(dir, 'package'), files, pkg }
}
const main = unpack(tarball, 'unpacked-main')
const required = [
  'LICENSE',
  'README.md',
  'CHANGELOG.md',
  'dist/watch/index.js',
  'dist/redis/index.js',
  'dist/store/native.js',
  'dist/store/addon_path.js',
  'scripts/build-from-source.cjs',
  'CMakeLists.txt',
  'native/core/store.cc',
  'native/binding/addon.cc',
]
const forbidden = [
  /\.node$/,
  /^prebuilds\//,
  /^__tests__\//,
  /^build/,
  /^native\/(test|bench)\//,
  /^bench\//,
  /^demo\//,
  /^docs\//,
  /^node_modules\//,
  /^npm\//,
  /^\.ci\//,
  /^\.node-versions\//,
  /\.tgz$/,
  /^scripts\/(?!build-from-source\.cjs$)/,
]
const pinned = Object.fromEntries(
  platform.TARGETS.map((t) => [platform.packageName(t), manifest.version]),
)
const lifecycle = ['preinstall', 'install', 'postinstall', 'prepare']
check(
  'herdcache ships the sources and build command, no addon, no install script, no dependency',
  [
    ...required.filter((file) => !main.files.includes(file)).map((file) => `missing ${file}`),
    ...main.files
      .filter((file) => forbidden.some((re) => re.test(file)))
      .map((file) => `ships ${file}`),
    ...lifecycle.filter((name) => main.pkg.scripts?.[name]).map((name) => `has a ${name} script`),
    ...(main.pkg.dependencies ? [`has dependencies ${JSON.stringify(main.pkg.dependencies)}`] : []),
    ...(isDeepStrictEqual(main.pkg.optionalDependencies, pinned)
      ? []
      : [`optionalDependencies ${JSON.stringify(main.pkg.optionalDependencies)}`]),
    ...(main.pkg.bin?.['herdcache-build'] === './scripts/build-from-source.cjs'
      ? []
      : [`bin ${JSON.stringify(main.pkg.bin)}`]),
  ],
  `${main.files.length} files, ${(statSync(tarball).size / 1024).toFixed(0)} KiB, ` +
    `optionalDependencies: ${Object.keys(pinned).length} platform packages at ${manifest.version}`,
)
const native = unpack(platformTarball, 'unpacked-platform')
const packedAddon = join(native.dir, platform.ADDON_FILE)
const expectedFields = {
  name: platformPackage,
  version: manifest.version,
  os: [target.platform],
  cpu: [target.arch],
  libc: target.libc ? [target.libc] : undefined,
  main: platform.ADDON_FILE,
}
const actualFields = Object.fromEntries(Object.keys(expectedFields).map((k) => [k, native.pkg[k]]))
check(
  `${platformPackage} ships the addon, with os, cpu and libc in its package.json`,
  [
    ...(isDeepStrictEqual([...native.files].sort(), [
      'LICENSE',
      'README.md',
      platform.ADDON_FILE,
      'package.json',
    ])
      ? []
      : [`files ${native.files.join(', ')}`]),
    ...(isDeepStrictEqual(actualFields, expectedFields)
      ? []
      : [`expected ${JSON.stringify(expectedFields)}`, `received ${JSON.stringify(actualFields)}`]),
    ...(existsSync(packedAddon) && sha256(packedAddon) === sha256(builtAddon)
      ? []
      : [`${platform.ADDON_FILE} differs from ${builtAddon}`]),
  ],
  `${(statSync(platformTarball).size / 1024).toFixed(0)} KiB, addon sha256 ${sha256(packedAddon)}`,
)
console.log(
  sh('readelf', ['-d', packedAddon])
    .output.split('\n')
    .filter((line) => line.includes('NEEDED'))
    .join('\n'),
)

// 4. No compiler: PATH holds only node, npm and sh.
const bareBin = join(temp, 'bin')
mkdirSync(bareBin)
for (const tool of ['node', 'npm', 'npx', 'sh']) {
  const found = sh('sh', ['-c', `command -v ${tool}`]).output.trim()
  symlinkSync(found, join(bareBin, tool))
}
const bareEnv = { ...process.env, PATH: bareBin }
const absent = ['cmake', 'ninja', 'make', 'cc', 'c++', 'gcc', 'g++', 'clang', 'clang++']
const reachable = absent.filter((tool) => {
  return sh('sh', ['-c', `command -v ${tool}`], { env: bareEnv }).ok
})

/** Installs both tarballs into a new project with `flags`; checks what npm printed and did. */
function installWithPlatformPackage(name, flags) {
  const dir = newProject(name)
  const install = sh('npm', ['install', tarball, platformTarball, ...flags, ...npmInstallFlags], {
    cwd: dir,
    env: bareEnv,
  })
  const installed = join(dir, 'node_modules', 'herdcache')
  check(
    `installs with ${flags.join(' ') || 'no flags'}, no compiler on PATH: no install-script ` +
      'warning, nothing built',
    [
      ...reachable.map((tool) => `${tool} is on the restricted PATH`),
      ...(install.ok ? [] : ['npm install failed:', tail(install.output)]),
      ...noScriptWarning(install),
      ...(existsSync(join(installed, 'build')) ? ['it made a build/ directory'] : []),
    ],
    `${install.seconds.toFixed(0)} s; ${install.ok ? footprint(dir) : 'not installed'}`,
  )
  const addon = join(dir, 'node_modules', platformPackage, platform.ADDON_FILE)
  smokeChecks(`${name} install`, dir, addon, bareEnv)
  return dir
}
const plain = installWithPlatformPackage('no-compiler', [])
installWithPlatformPackage('ignore-scripts', ['--ignore-scripts'])

// The types as a TypeScript user compiles against them: strict, NodeNext, from node_modules.
copyFileSync(join(root, '__tests__', 'fixtures', 'typed-usage.ts'), join(plain, 'usage.ts'))
const typecheck = sh(
  process.execPath,
  [
    join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '--noEmit',
    '--strict',
    '--module',
    'nodenext',
    '--typeRoots',
    join(root, 'node_modules', '@types'),
    '--types',
    'node',
    'usage.ts',
  ],
  { cwd: plain },
)
check(
  'TypeScript (strict, NodeNext) compiles a program against the installed types',
  typecheck.ok ? [] : [tail(typecheck.output)],
)

// 5. No platform package: a clear error, then the source build the user opts into.
const source = newProject('from-source')
const sourceInstall = sh('npm', ['install', tarball, '--omit=optional', ...npmInstallFlags], {
  cwd: source,
})
const missing = sh(process.execPath, ['-e', "require('herdcache')"], { cwd: source })
check('without a platform package, loading fails naming the package and the source build', [
  ...(sourceInstall.ok ? [] : ['npm install failed:', tail(sourceInstall.output)]),
  ...noScriptWarning(sourceInstall),
  ...(!missing.ok &&
  missing.output.includes('ERR_HERDCACHE_ADDON_NOT_FOUND') &&
  missing.output.includes(`its optional dependency ${platformPackage} is not installed`) &&
  missing.output.includes('npx herdcache-build')
    ? []
    : ['expected ERR_HERDCACHE_ADDON_NOT_FOUND naming the package:', tail(missing.output, 8)]),
])
const noTools = sh('npx', ['herdcache-build'], { cwd: source })
const wanted = ['cmake-js', 'node-addon-api'].map(
  (name) => `${name}@${manifest.devDependencies[name]}`,
)
check(
  'npx herdcache-build without cmake-js says what to install',
  !noTools.ok && noTools.output.includes(`npm install --save-dev ${wanted.join(' ')}`)
    ? []
    : [tail(noTools.output, 8)],
)
const tools = sh(
  'npm',
  ['install', '--save-dev', ...wanted, '--omit=optional', ...npmInstallFlags],
  {
    cwd: source,
  },
)
const sourceBuild = sh('npx', ['herdcache-build'], { cwd: source })
const built = join(source, 'node_modules', 'herdcache', 'build', 'Release', platform.ADDON_FILE)
check(
  'npx herdcache-build builds the addon from source',
  [
    ...(tools.ok ? [] : ['npm install cmake-js node-addon-api failed:', tail(tools.output)]),
    ...(sourceBuild.ok && existsSync(built) ? [] : [tail(sourceBuild.output)]),
  ],
  `${sourceBuild.seconds.toFixed(0)} s`,
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
