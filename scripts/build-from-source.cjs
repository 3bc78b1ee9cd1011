#!/usr/bin/env node
'use strict'
// `npx herdcache-build`: builds the addon from source into build/Release/herdcache.node inside
// the herdcache package, where it is loaded ahead of the platform package (lib/store/addon_path.ts).
// herdcache has no install script, so npm never runs this by itself: a source build is something
// a user asks for. It needs CMake 3.18+, a C++20 compiler, and two packages the published
// herdcache does not depend on (they are only needed here): cmake-js, which drives CMake, and
// node-addon-api, whose headers the binding includes. In a checkout, `npm run build:native` runs
// this.
const { spawnSync } = require('node:child_process')
const { join, relative } = require('node:path')

const root = join(__dirname, '..')
const manifest = require(join(root, 'package.json'))
const tools = ['cmake-js', 'node-addon-api']

function resolvable(name) {
  try {
    require.resolve(`${name}/package.json`, { paths: [root] })
    return true
  } catch {
    return false
  }
}

const missing = tools.filter((name) => !resolvable(name))
if (missing.length > 0) {
  const specs = tools.map((name) => `${name}@${manifest.devDependencies?.[name] ?? 'latest'}`)
  console.error(
    `herdcache-build: ${missing.join(' and ')} not found; a source build needs both, ` +
      `and CMake 3.18+ with a C++20 compiler. Add them to your project, then build again:\n` +
      `  npm install --save-dev ${specs.join(' ')}\n  npx herdcache-build`,
  )
  process.exit(1)
}

const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] })
const args = ['compile', '--out', 'build']
console.log(`herdcache-build: cmake-js ${args.join(' ')} in ${root}`)
const child = spawnSync(process.execPath, [cmakeJs, ...args], { cwd: root, stdio: 'inherit' })
if (child.status !== 0) {
  console.error(
    `herdcache-build: the build failed (${child.error?.message ?? `exit ${child.status}`})`,
  )
  process.exit(child.status || 1)
}

// A build that does not load is no build: prove it here rather than at the first import.
const file = join(root, 'build', 'Release', 'herdcache.node')
const binding = require(file)
if (typeof binding.createStore !== 'function') {
  console.error(`herdcache-build: ${file} loads but has no createStore`)
  process.exit(1)
}
console.log(`herdcache-build: built ${relative(process.cwd(), file) || file}; herdcache loads it`)
