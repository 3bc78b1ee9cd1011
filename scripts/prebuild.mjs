#!/usr/bin/env node
// Builds the prebuilt addon that ships in the npm tarball (run by `prepack`):
// prebuilds/<platform>-<arch>/herdcache.napi.<libc>.node, the name node-gyp-build looks for.
// One file serves every Node version: the addon uses only Node-API 8, whose ABI is stable.
//
// prebuildify would do this for a node-gyp project, but it always runs `node-gyp rebuild` (and
// downloads Node's headers); herdcache builds with cmake-js, against node-api-headers, offline.
// The build is a Release build in build-prebuild/ (kept apart from the development build in
// build/), stripped of debug and local symbols as `prebuildify --strip` would. It links libstdc++
// dynamically: linked statically, GCC 12's libstdc++.a needs glibc 2.36 (arc4random), a narrower
// reach than the libstdc++ 3.4.29 (GCC 11+) the shared build needs. Where the file does not load,
// the install builds from source (scripts/install.cjs). Prints the file's sha256.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

function sh(command, args) {
  const child = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  if (child.status !== 0) {
    const why = child.error?.message ?? `exit ${child.status}`
    console.error(`prebuild: ${command} ${args.join(' ')} failed (${why})`)
    process.exit(1)
  }
}

// node-gyp-build matches a libc tag against glibc, or musl on Alpine; glibc is the only libc
// Node's report names.
const libc = process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl'
const tuple = `${process.platform}-${process.arch}`
const dir = join(root, 'prebuilds', tuple)
const file = join(dir, `herdcache.napi.${libc}.node`)

sh(process.execPath, [
  require.resolve('cmake-js/bin/cmake-js'),
  'compile',
  '--out',
  'build-prebuild',
])
rmSync(join(root, 'prebuilds'), { recursive: true, force: true })
mkdirSync(dir, { recursive: true })
copyFileSync(join(root, 'build-prebuild', 'Release', 'herdcache.node'), file)
if (process.platform === 'linux') sh('strip', ['--strip-debug', '--discard-all', file])

// A file that does not load must not ship.
const binding = require(file)
if (typeof binding.createStore !== 'function') {
  console.error(`prebuild: ${relative(root, file)} loads but has no createStore`)
  process.exit(1)
}
const bytes = readFileSync(file)
const sha256 = createHash('sha256').update(bytes).digest('hex')
console.log(`prebuild: ${relative(root, file)} (${bytes.length} bytes) sha256 ${sha256}`)
