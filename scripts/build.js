// Bundles cli/index.ts and everything it imports into one ESM file, dist/hyphae.mjs, which
// bin/hyphae.js runs instead of the sources when it is up to date: node then loads one file
// instead of ~770 modules through tsx's loader (bench/RESULTS.md, "Cold start").
//
// usage: node scripts/build.js [--if-stale] [--outfile FILE]
//   --if-stale      do nothing when the bundle is newer than every file that went into it
//   --outfile FILE  build FILE instead (no stamp, so bin/hyphae.js never runs it); it must be
//                   one directory below the root, like dist/, for ../package.json and node_modules
// Runs on `npm install` (prepare) and before `npm start` (prestart, --if-stale).
import { cp, rename, rm, stat, writeFile, mkdir } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { BUNDLE, ROOT, STAMP, freshBundle } from '../bin/bundle.js'

/**
 * Native addons: classic-level and libsignal find their .node files relative to their own
 * directories, so they load from node_modules, not from inside the bundle.
 */
const EXTERNAL = ['classic-level', '@signalapp/libsignal-client']

/**
 * ink imports its devtools only when DEV=true and react-devtools-core is installed (it is not a
 * dependency); esbuild still has to resolve the import, so it gets an empty module.
 */
const stubDevtools = {
  name: 'stub-react-devtools',
  setup (build) {
    build.onResolve({ filter: /^react-devtools-core$/ }, args => ({ path: args.path, namespace: 'stub' }))
    build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export default {}', loader: 'js' }))
  }
}

/**
 * Builds `outfile`; with `stamp`, records what went into it (see bin/bundle.js) so that
 * bin/hyphae.js runs it only while it matches the sources. Returns the number of input files.
 */
export async function build ({ root = ROOT, outfile = BUNDLE, stamp = STAMP } = {}) {
  const esbuild = await import('esbuild')
  await mkdir(dirname(outfile), { recursive: true })
  // no stamp while the bundle is being written: bin/hyphae.js runs the sources meanwhile
  if (stamp != null) await rm(stamp, { force: true })
  const marker = join(dirname(outfile), `.build-${process.pid}`)
  await writeFile(marker, '')
  const startedAt = (await stat(marker)).mtimeMs
  await rm(marker)

  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['cli/index.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: EXTERNAL,
    plugins: [stubDevtools],
    // 4.6 MiB to 2.9: ~10% less time to "listening" (node reads, hashes and compiles all of it);
    // identifiers are kept, so stack traces still name functions
    minifyWhitespace: true,
    minifySyntax: true,
    // React's production build, as a shipped program runs it
    define: { 'process.env.NODE_ENV': '"production"' },
    // CommonJS dependencies call require() for node's builtins; an ESM file has none
    banner: { js: 'import { createRequire as __hyphaeCreateRequire } from "node:module"; const require = __hyphaeCreateRequire(import.meta.url);' },
    metafile: true,
    logLevel: 'warning',
    write: false
  })
  // renamed into place, so that a process starting meanwhile reads the old file or the new one
  const [output] = result.outputFiles
  await writeFile(`${outfile}.${process.pid}.tmp`, output.contents)
  await rename(`${outfile}.${process.pid}.tmp`, outfile)
  // the relay's stock website is read from beside the module (node/net/decoy/), so beside the bundle too
  await cp(join(root, 'node/net/decoy'), join(dirname(outfile), 'decoy'), { recursive: true })

  const own = Object.keys(result.metafile.inputs).filter(f => !f.startsWith('node_modules/') && !f.includes(':'))
  if (stamp != null) {
    const inputs = [...own, 'package.json', 'scripts/build.js']
    try {
      await stat(join(root, 'package-lock.json'))
      inputs.push('package-lock.json')
    } catch {}
    await writeFile(`${stamp}.tmp`, JSON.stringify({ startedAt, inputs }, null, 1) + '\n')
    await rename(`${stamp}.tmp`, stamp)
  }
  return Object.keys(result.metafile.inputs).length
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { 'if-stale': { type: 'boolean' }, outfile: { type: 'string' } } })
  const outfile = values.outfile != null ? resolve(values.outfile) : BUNDLE
  if (values['if-stale'] === true && values.outfile == null && freshBundle() != null) process.exit(0)
  const t0 = performance.now()
  const modules = await build(values.outfile != null ? { outfile, stamp: null } : {})
  const size = (await stat(outfile)).size
  process.stdout.write(`built ${relative(process.cwd(), outfile)} (${(size / 2 ** 20).toFixed(1)} MiB, ${modules} modules) in ${Math.round(performance.now() - t0)} ms\n`)
}
