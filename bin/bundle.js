// Where the bundle built by scripts/build.js lives, and whether it is safe to run. Plain
// JavaScript: bin/hyphae.js reads it before anything else is loaded.
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** One ESM file, one level below the root like cli/index.ts (it reads ../package.json). */
export const BUNDLE = join(ROOT, 'dist', 'hyphae.mjs')
/**
 * Written after the bundle: { startedAt, inputs }. startedAt is the file system's clock when the
 * build began (the mtime of a file written then, so it compares with other mtimes without any
 * clock skew); inputs are the project's files that went into the bundle, relative to the root.
 */
export const STAMP = join(ROOT, 'dist', 'hyphae.stamp.json')

/**
 * The bundle's path when it exists and none of its inputs changed since its build began;
 * otherwise undefined, with the reason in `why` (for HYPHAE_DEBUG). Stats ~150 files (~1-2 ms).
 * node_modules is covered by package.json and package-lock.json, which npm changes when it
 * installs something else.
 */
export function freshBundle (root = ROOT, why = []) {
  const bundle = join(root, 'dist', 'hyphae.mjs')
  let stamp
  try {
    stamp = JSON.parse(readFileSync(join(root, 'dist', 'hyphae.stamp.json'), 'utf8'))
    statSync(bundle)
  } catch {
    why.push('no bundle (npm run build makes one)')
    return undefined
  }
  if (typeof stamp?.startedAt !== 'number' || !Array.isArray(stamp.inputs)) {
    why.push('the build stamp is unreadable')
    return undefined
  }
  for (const input of stamp.inputs) {
    let mtimeMs
    try {
      mtimeMs = statSync(join(root, input)).mtimeMs
    } catch {
      why.push(`${input} is gone since the build`)
      return undefined
    }
    // equal counts as changed: a write in the same clock tick as the build's start may be
    // newer than what the build read
    if (mtimeMs >= stamp.startedAt) {
      why.push(`${input} changed since the build`)
      return undefined
    }
  }
  return bundle
}
