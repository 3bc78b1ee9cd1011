#!/usr/bin/env node
'use strict'
// npm's install step for herdcache. An installed copy uses the prebuilt addon in
// prebuilds/<platform>-<arch>/ when one matches this machine and loads, touching no compiler;
// otherwise it builds the addon from source with cmake-js, which needs CMake and a C++20
// compiler. It also builds from source when asked to (npm_config_build_from_source=true, as
// `npm install --build-from-source` sets it for node-gyp-build packages), and in a git checkout:
// development and CI need build/ (the tests, clang-tidy's compile commands, the sanitizer build).
//
// node-gyp-build's own install command cannot do this: after the command it is given it always
// runs `node-gyp rebuild`, and herdcache has no binding.gyp.
const { spawnSync } = require('node:child_process')
const { existsSync } = require('node:fs')
const { join, relative } = require('node:path')

const root = join(__dirname, '..')

/** Why this install builds from source whatever prebuilds ship, or undefined. */
function sourceBuildReason() {
  if (process.env.npm_config_build_from_source === 'true') return 'build from source requested'
  if (existsSync(join(root, '.git'))) return 'a git checkout'
  return undefined
}

/** The prebuilt addon for this machine if one matches and loads, else undefined. */
function usablePrebuild() {
  // node-gyp-build reads PREBUILDS_ONLY when it is first required: skip build/ from an earlier
  // source build, so a prebuild is chosen only when a prebuild matches.
  const previous = process.env.PREBUILDS_ONLY
  process.env.PREBUILDS_ONLY = '1'
  try {
    const file = require('node-gyp-build').path(root)
    // Loading proves the file fits this machine (its libc, its libstdc++), not only its name.
    require(file)
    return file
  } catch (error) {
    console.log(`herdcache: no usable prebuilt addon: ${String(error.message).split('\n')[0]}`)
    return undefined
  } finally {
    if (previous === undefined) delete process.env.PREBUILDS_ONLY
    else process.env.PREBUILDS_ONLY = previous
  }
}

function buildFromSource(reason) {
  console.log(`herdcache: building the addon from source (${reason}): cmake-js compile --out build`)
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js')
  const child = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build'], {
    cwd: root,
    stdio: 'inherit',
  })
  if (child.error) console.error(`herdcache: ${child.error.message}`)
  process.exitCode = child.status ?? 1
}

const reason = sourceBuildReason()
const prebuild = reason === undefined ? usablePrebuild() : undefined
if (prebuild) console.log(`herdcache: using the prebuilt addon ${relative(root, prebuild)}`)
else buildFromSource(reason ?? 'no usable prebuilt addon for this machine')
