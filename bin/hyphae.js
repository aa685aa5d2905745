#!/usr/bin/env node
// Runs dist/hyphae.mjs, the bundle `npm install` builds (scripts/build.js), while it matches the
// sources; otherwise the TypeScript sources through tsx's loader. Sources edited since the
// build are never run stale: they are run as they are, only slower.
//   HYPHAE_FROM_SOURCE=1  always the sources
//   HYPHAE_FROM_SOURCE=0  always the bundle, even when the sources changed since (benchmarks)
//   HYPHAE_DEBUG          says on stderr which one runs and why
import module from 'node:module'
import { pathToFileURL } from 'node:url'
import { BUNDLE, freshBundle } from './bundle.js'

// V8's compiled code for what this process loads, kept in the OS temp directory
// (or $NODE_COMPILE_CACHE) for the next start
module.enableCompileCache?.()

const why = []
const fromSource = process.env.HYPHAE_FROM_SOURCE
const bundle = fromSource === '1' ? undefined : fromSource === '0' ? BUNDLE : freshBundle(undefined, why)
if (process.env.HYPHAE_DEBUG != null) {
  process.stderr.write(`hyphae: running ${bundle ?? 'the sources through tsx'}${why.length > 0 ? ` (${why.join('; ')})` : ''}\n`)
}
let main
if (bundle != null) {
  ({ main } = await import(pathToFileURL(bundle).href))
} else {
  const { register } = await import('tsx/esm/api')
  register()
  ;({ main } = await import('../cli/index.ts'))
}
const code = await main(process.argv.slice(2))
// a pipe that reads slowly (| less, | (sleep 1; wc -c)) still gets everything: exit once the
// writes queued on stdout and stderr are out, or the reader went away
await Promise.all([process.stdout, process.stderr].map(async stream => {
  if (stream.writableLength === 0) return
  await new Promise(resolve => { stream.once('drain', resolve); stream.once('error', resolve); stream.once('close', resolve) })
}))
process.exit(code)
