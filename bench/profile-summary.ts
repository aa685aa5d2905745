/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): time by area (LevelDB, Ed25519, transport...),
 * the top functions by self time (a native
 * function is named after its nearest JavaScript caller outside node itself), self time by package (node_modules/<pkg>, hyphae's own folders, node internals, GC...), and the
 * top hyphae functions by total (inclusive) time.
 *
 * usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top 25]
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'

interface CallFrame { functionName: string, url: string, lineNumber: number, columnNumber: number }
interface ProfileNode { id: number, callFrame: CallFrame, children?: number[] }
interface Profile { nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }

export interface Row { name: string, ms: number, percent: number }
export interface ProfileSummary { totalMs: number, byArea: Row[], topSelf: Row[], byPackage: Row[], topHyphaeTotal: Row[] }

/**
 * Areas a sample is charged to: walking up from the sampled frame, the first frame that matches
 * one of these (hyphae's own frames stop the walk: what called hyphae is not where time went).
 */
const AREAS: Array<[string, (fn: string, pkg: string) => boolean]> = [
  ['Ed25519 sign/verify (@libp2p/crypto)', fn => fn === 'hashAndSign' || fn === 'hashAndVerify'],
  ['LevelDB (classic-level, abstract-level)', (_fn, pkg) => ['classic-level', 'abstract-level', 'level-transcoder', 'datastore-level'].includes(pkg)],
  ['@noble ciphers, hashes, curves', (_fn, pkg) => pkg.startsWith('@noble/')],
  ['protobuf (protons)', (_fn, pkg) => pkg === 'protons-runtime' || pkg === 'uint8-varint'],
  ['transport (noise, yamux, tcp, streams)', (fn, pkg) => fn === 'writeBuffer' || pkg.startsWith('wasm://') ||
    ['@chainsafe/libp2p-noise', '@chainsafe/as-chacha20poly1305', '@libp2p/yamux', '@libp2p/tcp', '@libp2p/utils', 'uint8arraylist', 'it-length-prefixed', 'node:net', 'node:stream'].includes(pkg)],
  ['kad-dht and peer store', (_fn, pkg) => pkg === '@libp2p/kad-dht' || pkg === '@libp2p/peer-store'],
  ['gossipsub', (_fn, pkg) => pkg === '@libp2p/gossipsub'],
  ['garbage collector', fn => fn === '(garbage collector)'],
  ['idle, profiler', (fn, pkg) => fn === '(idle)' || fn === '(program)' || pkg === 'node:inspector']
]

const OWN = /\/(node|protocols|cli|bench|test)\/[^/]+/

/** Where a frame's code lives: an npm package, a folder of hyphae, node itself, or V8. */
export function packageOf (url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  const nm = url.lastIndexOf('node_modules/')
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0]
  const own = url.match(OWN)
  if (own != null) return `hyphae ${own[1]}/`
  return url
}

function label (frame: CallFrame): string {
  const file = frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(node|protocols|cli|bench|test)\//, '$1/')
  return `${frame.functionName === '' ? '(anonymous)' : frame.functionName} ${file === '' ? '' : `${file}:${frame.lineNumber + 1}`}`.trim()
}

export function summarizeProfile (profile: Profile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const selfUs = new Map<number, number>()
  let totalUs = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt)
    totalUs += dt
  }
  const selfByFn = new Map<string, number>()
  const selfByPkg = new Map<string, number>()
  const totalByOwnFn = new Map<string, number>()
  const byArea = new Map<string, number>()
  // a native frame (no url) is named after the nearest JavaScript caller, e.g. "(native) in _get classic-level/index.js"
  const nameOf = (id: number): string => {
    const frame = byId.get(id)!.callFrame
    if (frame.url !== '' || frame.functionName.startsWith('(')) return label(frame)
    for (let at = parent.get(id); at != null; at = parent.get(at)) {
      const caller = byId.get(at)!.callFrame
      if (caller.url !== '' && !caller.url.startsWith('node:')) return `${frame.functionName === '' ? '(native)' : frame.functionName} in ${label(caller)}`
    }
    return label(frame)
  }
  for (const [id, us] of selfUs) {
    const node = byId.get(id)
    if (node == null) continue
    const fn = nameOf(id)
    selfByFn.set(fn, (selfByFn.get(fn) ?? 0) + us)
    const pkg = packageOf(node.callFrame.url, node.callFrame.functionName)
    selfByPkg.set(pkg, (selfByPkg.get(pkg) ?? 0) + us)
    let area: string | undefined
    for (let at: number | undefined = id; at != null && area == null; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame
      if (frame == null) break
      const framePkg = packageOf(frame.url, frame.functionName)
      area = AREAS.find(([, test]) => test(frame.functionName, framePkg))?.[0]
      if (area == null && framePkg.startsWith('hyphae')) break
    }
    area ??= pkg.startsWith('hyphae') ? 'hyphae code' : pkg.startsWith('node:') || pkg === '(native)' ? 'other node internals' : 'other packages'
    byArea.set(area, (byArea.get(area) ?? 0) + us)
    // inclusive time of hyphae's own functions: once per distinct function on the stack
    const seen = new Set<string>()
    for (let at: number | undefined = id; at != null; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame
      if (frame == null || !OWN.test(frame.url) || frame.url.includes('node_modules')) continue
      const own = label(frame)
      if (seen.has(own)) continue
      seen.add(own)
      totalByOwnFn.set(own, (totalByOwnFn.get(own) ?? 0) + us)
    }
  }
  const rows = (m: Map<string, number>): Row[] => [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percent: Number((100 * us / totalUs).toFixed(1)) }))
  return { totalMs: Math.round(totalUs / 1000), byArea: rows(byArea), topSelf: rows(selfByFn), byPackage: rows(selfByPkg), topHyphaeTotal: rows(totalByOwnFn) }
}

export function markdownSummary (s: ProfileSummary): string {
  const table = (title: string, rows: Row[]): string => [
    `| ${title} | ms | % |`, '| --- | --- | --- |', ...rows.map(r => `| ${r.name.replaceAll('|', '\\|')} | ${r.ms} | ${r.percent} |`)
  ].join('\n')
  return [
    `profile: ${s.totalMs} ms sampled`, '',
    table('where the time goes', s.byArea), '',
    table('self time by function', s.topSelf), '',
    table('self time by package', s.byPackage), '',
    table('total time, hyphae functions', s.topHyphaeTotal)
  ].join('\n')
}

async function main (): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } })
  if (positionals.length === 0) {
    process.stderr.write('usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top 25]\n')
    process.exit(2)
  }
  for (const file of positionals) {
    const profile = JSON.parse(await readFile(file, 'utf8')) as Profile
    console.log(`## ${file}\n\n${markdownSummary(summarizeProfile(profile, Number(values.top)))}\n`)
  }
}

if (process.argv[1]?.endsWith('profile-summary.ts') === true) await main()
