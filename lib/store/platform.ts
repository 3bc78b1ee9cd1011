/**
 * The machines herdcache ships a prebuilt addon for, and the npm package that holds each one.
 * Internal: the loader (addon_path.ts) and the release scripts (scripts/platform-packages.mjs)
 * both name packages through here, so the names cannot drift apart.
 */

/** A machine an addon file is built for, in Node's own words (`process.platform`, `.arch`). */
export interface Target {
  readonly platform: string
  readonly arch: string
  /** The C library on Linux, which decides what a `.node` file links against; else undefined. */
  readonly libc?: 'glibc' | 'musl'
}

/** Every target with a platform package, in the order package.json lists them. */
export const TARGETS: readonly Target[] = [
  { platform: 'linux', arch: 'x64', libc: 'glibc' },
  { platform: 'linux', arch: 'arm64', libc: 'glibc' },
  { platform: 'linux', arch: 'x64', libc: 'musl' },
  { platform: 'linux', arch: 'arm64', libc: 'musl' },
  { platform: 'darwin', arch: 'arm64' },
  { platform: 'darwin', arch: 'x64' },
  { platform: 'win32', arch: 'x64' },
]

/** The file name of the addon inside every platform package (its `main`). */
export const ADDON_FILE = 'herdcache.node'

/**
 * The platform package of `target`: `@herdcache/<platform>-<arch>` with the ABI as a suffix
 * where one platform has several (`-gnu` or `-musl` on Linux, `-msvc` on Windows), as Rust's
 * target triples and napi-rs name them.
 */
export function packageName(target: Target): string {
  const abi =
    target.platform === 'linux'
      ? target.libc === 'musl'
        ? '-musl'
        : '-gnu'
      : target.platform === 'win32'
        ? '-msvc'
        : ''
  return `@herdcache/${target.platform}-${target.arch}${abi}`
}

/** A target as a person reads it: `linux-x64 (glibc)`, `darwin-arm64`. */
export function describeTarget(target: Target): string {
  const base = `${target.platform}-${target.arch}`
  return target.libc === undefined ? base : `${base} (${target.libc})`
}

/**
 * The C library this Linux process runs on. Node's diagnostic report names the glibc version it
 * runs with, and has no such field under musl (Alpine); the network part of the report (a DNS
 * lookup per interface on some systems) is left out, which keeps this to a few milliseconds.
 */
function runningLibc(): 'glibc' | 'musl' {
  const report = process.report as NodeJS.ProcessReport & { excludeNetwork: boolean | undefined }
  const excluded = report.excludeNetwork
  report.excludeNetwork = true
  try {
    const { header } = report.getReport() as { header?: { glibcVersionRuntime?: string } }
    return header?.glibcVersionRuntime === undefined ? 'musl' : 'glibc'
  } finally {
    report.excludeNetwork = excluded
  }
}

/** This process's target; `libc` is read only on Linux. */
export function currentTarget(): Target {
  const { platform, arch } = process
  return platform === 'linux' ? { platform, arch, libc: runningLibc() } : { platform, arch }
}
