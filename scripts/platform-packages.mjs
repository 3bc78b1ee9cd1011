#!/usr/bin/env node
// Makes the npm packages herdcache is published as, into npm/ (not committed):
//
// - npm/<platform>-<arch>[-<abi>]/: one package per target in lib/store/platform.ts, holding the
//   prebuilt addon as herdcache.node, with `os`, `cpu` and (Linux) `libc` in its package.json so
//   that npm installs only the one that fits the machine.
// - npm/herdcache/: herdcache itself, as `npm pack` makes it, with every platform package pinned
//   at herdcache's own version in `optionalDependencies`. They are added here, not in the
//   repository's package.json: `npm ci` refuses a package.json whose dependencies the lockfile
//   does not hold, and the lockfile cannot hold a version of a platform package before the
//   release workflow has published it.
//
// Commands (build:ts first: they read the targets from dist/store/platform.js):
//   build [--target NAME]  compile the addon (Release, stripped) for this machine, or cross-compile
//                          for linux-arm64-gnu on linux-x64 (cmake/aarch64-linux-gnu.cmake), check
//                          what it links against, and assemble its package
//   assemble DIR [--all]   assemble the package of every DIR/<NAME>/herdcache.node (the release
//                          workflow's downloaded build artifacts); --all: every target must be there
//   main                   stage npm/herdcache/
//   pack DEST              `npm pack` npm/herdcache/ and every assembled platform package into DEST
// Each prints what it made; a failure exits non-zero with the reason.
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
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const platform = require(join(root, 'dist', 'store', 'platform.js'))
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const out = join(root, 'npm')

/** The unscoped name of a target's package: its directory under npm/ and in artifacts. */
function directoryOf(target) {
  return platform.packageName(target).replace('@herdcache/', '')
}

function fail(message) {
  console.error(`platform-packages: ${message}`)
  process.exit(1)
}

function sh(command, args, options = {}) {
  const child = spawnSync(command, args, { cwd: root, encoding: 'utf8', ...options })
  if (child.status !== 0) {
    const output = `${child.stdout ?? ''}${child.stderr ?? ''}`.trim()
    fail(
      `${command} ${args.join(' ')} failed (${child.error?.message ?? `exit ${child.status}`})\n${output}`,
    )
  }
  return child.stdout ?? ''
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

function targetNamed(name) {
  const target = platform.TARGETS.find((t) => directoryOf(t) === name)
  if (target === undefined) {
    fail(`no target ${name}; the targets are ${platform.TARGETS.map(directoryOf).join(', ')}`)
  }
  return target
}

/** The package.json of a target's package. */
export function platformManifest(target) {
  return {
    name: platform.packageName(target),
    version: manifest.version,
    description: `The prebuilt native addon of herdcache for ${platform.describeTarget(target)}`,
    license: manifest.license,
    ...(manifest.repository ? { repository: manifest.repository } : {}),
    os: [target.platform],
    cpu: [target.arch],
    ...(target.libc ? { libc: [target.libc] } : {}),
    main: platform.ADDON_FILE,
    files: [platform.ADDON_FILE],
    engines: manifest.engines,
    publishConfig: { access: 'public' },
  }
}

/** Writes npm/<NAME>/ around `addon`, a built herdcache.node for `target`. */
function assemble(target, addon) {
  const dir = join(out, directoryOf(target))
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  copyFileSync(addon, join(dir, platform.ADDON_FILE))
  copyFileSync(join(root, 'LICENSE'), join(dir, 'LICENSE'))
  const pkg = platformManifest(target)
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`)
  writeFileSync(
    join(dir, 'README.md'),
    `# ${pkg.name}\n\n${pkg.description}. Do not install it yourself: \`npm install herdcache\` ` +
      'installs it, as an optional dependency, on the machines it fits.\n',
  )
  const file = join(dir, platform.ADDON_FILE)
  console.log(
    `platform-packages: ${relative(root, dir)}/ ${pkg.name}@${pkg.version} ` +
      `(${platform.ADDON_FILE}: ${readFileSync(file).length} bytes, sha256 ${sha256(file)})`,
  )
}

/**
 * A Linux glibc addon may need only what every process running Node has: libc, libm, libgcc_s
 * and libstdc++ (each symbol of theirs carries a version), and Node-API functions, which the node
 * binary exports and the loader resolves when the file is loaded. Prints the newest glibc and
 * libstdc++ versions it needs, which bound the distributions it loads on.
 */
function checkLinks(file, tools) {
  const needed = [...sh(`${tools}readelf`, ['-d', file]).matchAll(/\(NEEDED\).*\[(.+)\]/g)].map(
    (m) => m[1],
  )
  const allowed = /^(libc\.so\.6|libm\.so\.6|libgcc_s\.so\.1|libstdc\+\+\.so\.6|ld-linux-.*)$/
  const extra = needed.filter((lib) => !allowed.test(lib))
  const undefinedSymbols = sh(`${tools}nm`, ['-D', '--undefined-only', file])
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([kind]) => kind === 'U')
    .map(([, symbol]) => symbol)
  const foreign = undefinedSymbols.filter(
    (symbol) => !symbol.includes('@') && !/^(napi|node_api)_/.test(symbol),
  )
  if (extra.length > 0 || foreign.length > 0) {
    fail(`${file} links against more than libc, libstdc++ and Node-API: ${[...extra, ...foreign]}`)
  }
  const newest = (prefix) =>
    undefinedSymbols
      .map((symbol) => symbol.split('@').pop())
      .filter((version) => version.startsWith(prefix))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .at(-1)
  const napi = undefinedSymbols.filter((symbol) => /^(napi|node_api)_/.test(symbol)).length
  console.log(
    `platform-packages: links ${needed.join(', ')}; needs ${newest('GLIBC_')}, ` +
      `${newest('GLIBCXX_')}; ${napi} Node-API functions resolved at load`,
  )
}

function build(name) {
  const here = platform.currentTarget()
  const target = name === undefined ? here : targetNamed(name)
  const dir = directoryOf(target)
  const native = directoryOf(here) === dir
  const cross = !native && dir === 'linux-arm64-gnu' && directoryOf(here) === 'linux-x64-gnu'
  if (!native && !cross) fail(`cannot build ${dir} on ${directoryOf(here)}`)
  const buildDir = `build-${dir}`
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] })
  const args = [cmakeJs, 'compile', '--out', buildDir]
  if (cross) args.push('--CDCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake')
  console.log(`platform-packages: cmake-js ${args.slice(1).join(' ')}`)
  const compiled = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' })
  if (compiled.status !== 0) fail(`the ${dir} build failed`)

  const staged = mkdtempSync(join(tmpdir(), 'herdcache-addon-'))
  const addon = join(staged, platform.ADDON_FILE)
  copyFileSync(join(root, buildDir, 'Release', platform.ADDON_FILE), addon)
  const tools = cross ? 'aarch64-linux-gnu-' : ''
  // Debug and local symbols out, as `prebuildify --strip` does; the exported ones stay.
  if (target.platform === 'linux') sh(`${tools}strip`, ['--strip-debug', '--discard-all', addon])
  if (target.platform === 'darwin') sh('strip', ['-x', addon])
  if (target.libc === 'glibc') checkLinks(addon, tools)
  if (native) {
    // A file that does not load must not ship; a cross build loads under emulation instead
    // (scripts/emulated-tests.mjs).
    const binding = require(addon)
    if (typeof binding.createStore !== 'function') fail(`${addon} loads but has no createStore`)
  }
  assemble(target, addon)
  rmSync(staged, { recursive: true, force: true })
}

function assembleFrom(dir, all) {
  const found = platform.TARGETS.filter((t) =>
    existsSync(join(dir, directoryOf(t), platform.ADDON_FILE)),
  )
  const missing = platform.TARGETS.filter((t) => !found.includes(t)).map(directoryOf)
  if (found.length === 0 || (all && missing.length > 0)) {
    fail(`no ${platform.ADDON_FILE} in ${dir}/ for ${missing.join(', ')}`)
  }
  for (const target of found) {
    assemble(target, join(dir, directoryOf(target), platform.ADDON_FILE))
  }
}

/** herdcache's manifest as published: every platform package pinned at herdcache's version. */
export function publishedManifest(base) {
  const optionalDependencies = Object.fromEntries(
    platform.TARGETS.map((t) => [platform.packageName(t), base.version]),
  )
  // Its prepack built dist/ already; publishing the staged copy must not try again.
  const { prepack: _, ...scripts } = base.scripts ?? {}
  return { ...base, optionalDependencies, scripts }
}

function stageMain() {
  const temp = mkdtempSync(join(tmpdir(), 'herdcache-main-'))
  sh('npm', ['pack', '--pack-destination', temp], { stdio: ['ignore', 'ignore', 'inherit'] })
  const tarball = readdirSync(temp).find((file) => file.endsWith('.tgz'))
  if (tarball === undefined) fail('npm pack made no tarball')
  const dir = join(out, 'herdcache')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  sh('tar', ['-xzf', join(temp, tarball), '-C', dir, '--strip-components=1'])
  rmSync(temp, { recursive: true, force: true })
  const staged = publishedManifest(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')))
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(staged, null, 2)}\n`)
  console.log(
    `platform-packages: npm/herdcache/ herdcache@${staged.version} with optionalDependencies ` +
      Object.keys(staged.optionalDependencies).join(', '),
  )
}

function pack(dest) {
  mkdirSync(dest, { recursive: true })
  const dirs = ['herdcache', ...platform.TARGETS.map(directoryOf)].filter((dir) =>
    existsSync(join(out, dir, 'package.json')),
  )
  if (!dirs.includes('herdcache')) fail('no npm/herdcache/: run the main command first')
  for (const dir of dirs) {
    const made = sh('npm', ['pack', join(out, dir), '--pack-destination', dest, '--silent'])
    console.log(`platform-packages: ${join(dest, made.trim().split('\n').at(-1))}`)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, ...rest] = process.argv.slice(2)
  const option = (flag) => (rest.includes(flag) ? rest[rest.indexOf(flag) + 1] : undefined)
  const positional = rest.find((arg) => !arg.startsWith('--') && arg !== option('--target'))
  if (command === 'build') build(option('--target'))
  else if (command === 'assemble' && positional) assembleFrom(positional, rest.includes('--all'))
  else if (command === 'main') stageMain()
  else if (command === 'pack' && positional) pack(positional)
  else fail('usage: build [--target NAME] | assemble DIR [--all] | main | pack DEST')
}
