/**
 * One process that grows a network of nodes step by step, for bench/scale.ts: bare libp2p
 * nodes (TCP, Noise, yamux, identify) or hyphae messengers (createMessenger on a temp profile,
 * loopback TCP, no mDNS). Every new node dials `--degree` random earlier nodes; every dial must
 * succeed. After each step it prints one JSON line:
 *   {"event":"step","nodes":N,"connections":C,"rss":...,"rssBeforeDials":...,...}
 * and stops at the last step, when RSS passes --max-rss-mib, after --deadline-ms, or at the first
 * failed dial, printing {"event":"end","reason":"..."}.
 *
 * usage: node --expose-gc --import tsx bench/scale-worker.ts --kind bare|hyphae --steps 50,100,200
 *          [--degree 3] [--max-rss-mib 3072] [--deadline-ms 600000] [--settle-ms 2000] [--relay-client false]
 *          [--keep-going] [--heap-snapshot FILE] [--profile FILE] [--profile-ms 30000]
 * --keep-going: failed dials are counted, not a reason to stop (on a loaded machine they fail from
 * CPU starvation long before memory runs out). --heap-snapshot: written after the last step, for
 * heap-summary.ts. --profile: a CPU profile of the idle network after the last step (for
 * profile-summary.ts). Each step also reports `idleCpu`, the share of one core the process used
 * during its last settle, when nothing but the nodes' own timers ran.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Session } from 'node:inspector/promises'
import { writeHeapSnapshot } from 'node:v8'
import { identify } from '@libp2p/identify'
import { createMessenger } from '../node/create-node.ts'
import { createBareNode } from './bare.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

const { values } = parseArgs({
  options: {
    kind: { type: 'string', default: 'bare' },
    steps: { type: 'string', default: '50,100' },
    degree: { type: 'string', default: '3' },
    'max-rss-mib': { type: 'string', default: '3072' },
    'deadline-ms': { type: 'string', default: '600000' },
    'settle-ms': { type: 'string', default: '2000' },
    'relay-client': { type: 'string', default: 'false' },
    'keep-going': { type: 'boolean', default: false },
    'heap-snapshot': { type: 'string' },
    profile: { type: 'string' },
    'profile-ms': { type: 'string', default: '30000' }
  }
})
const steps = values.steps.split(',').map(Number)
const degree = Number(values.degree)
const maxRss = Number(values['max-rss-mib']) * 2 ** 20
const deadline = performance.now() + Number(values['deadline-ms'])
const settleMs = Number(values['settle-ms'])
const print = (line: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(line) + '\n') }

interface Member {
  addrs: Multiaddr[]
  dial(addrs: Multiaddr[]): Promise<unknown>
  connections(): number
  remotes(): string[]
  id: string
  stop(): Promise<void>
}

const root = await mkdtemp(join(tmpdir(), 'hyphae-bench-scale-'))

async function start (index: number): Promise<Member> {
  if (values.kind === 'hyphae') {
    const m = await createMessenger({ dataDir: join(root, `n${index}`), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, relayClient: values['relay-client'] !== 'false' })
    return {
      addrs: m.libp2p.getMultiaddrs(),
      dial: async addrs => m.libp2p.dial(addrs),
      connections: () => m.libp2p.getConnections().length,
      remotes: () => m.libp2p.getConnections().map(c => c.remotePeer.toString()),
      id: m.peerId,
      stop: async () => m.stop()
    }
  }
  const n = await createBareNode({ identify: identify() })
  return {
    addrs: n.getMultiaddrs(),
    dial: async addrs => n.dial(addrs),
    connections: () => n.getConnections().length,
    remotes: () => n.getConnections().map(c => c.remotePeer.toString()),
    id: n.peerId.toString(),
    stop: async () => n.stop()
  }
}

let idleCpu = 0
const settle = async (): Promise<NodeJS.MemoryUsage> => {
  const cpu = process.cpuUsage()
  const t0 = performance.now()
  await new Promise(resolve => setTimeout(resolve, settleMs))
  const used = process.cpuUsage(cpu)
  idleCpu = (used.user + used.system) / 1000 / (performance.now() - t0)
  ;(globalThis as any).gc?.()
  return process.memoryUsage()
}

async function profileIdle (file: string, ms: number): Promise<void> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  await new Promise(resolve => setTimeout(resolve, ms))
  const { profile } = await session.post('Profiler.stop')
  session.disconnect()
  await writeFile(file, JSON.stringify(profile))
}

/** Distinct connected pairs, seen from either end. */
function connectionCount (members: Member[]): number {
  const pairs = new Set<string>()
  for (const m of members) for (const r of m.remotes()) pairs.add(m.id < r ? `${m.id} ${r}` : `${r} ${m.id}`)
  return pairs.size
}

const members: Member[] = []
let reason = 'done'
let dialFailures = 0
const empty = await settle()
print({ event: 'baseline', rss: empty.rss, heapUsed: empty.heapUsed })
try {
  outer:
  for (const target of steps) {
    const t0 = performance.now()
    const first = members.length
    while (members.length < target) {
      members.push(await start(members.length))
      if (performance.now() > deadline) { reason = `deadline while starting node ${members.length}`; break outer }
    }
    const connectionsBefore = connectionCount(members)
    const before = await settle()
    for (let i = Math.max(1, first); i < members.length; i++) {
      const targets = new Set<number>()
      while (targets.size < Math.min(i, degree)) targets.add(Math.floor(Math.random() * i))
      const results = await Promise.allSettled([...targets].map(async t => members[i].dial(members[t].addrs)))
      dialFailures += results.filter(r => r.status === 'rejected').length
    }
    const after = await settle()
    print({
      event: 'step',
      nodes: members.length,
      connections: connectionCount(members),
      connectionsBeforeDials: connectionsBefore,
      rss: after.rss,
      heapUsed: after.heapUsed,
      // outside V8's heap: Buffers and ArrayBuffers (external includes arrayBuffers)
      heapTotal: after.heapTotal,
      external: after.external,
      arrayBuffers: after.arrayBuffers,
      rssBeforeDials: before.rss,
      heapUsedBeforeDials: before.heapUsed,
      dialFailures,
      idleCpu: Math.round(idleCpu * 1000) / 1000,
      ms: Math.round(performance.now() - t0)
    })
    if (dialFailures > 0 && values['keep-going'] !== true) { reason = `${dialFailures} dial(s) failed`; break }
    if (after.rss > maxRss) { reason = `RSS over ${values['max-rss-mib']} MiB`; break }
    if (performance.now() > deadline) { reason = 'deadline'; break }
  }
} catch (err: any) {
  reason = `error: ${err?.message ?? err}`
}
if (values.profile != null) await profileIdle(values.profile, Number(values['profile-ms']))
if (values['heap-snapshot'] != null) {
  ;(globalThis as any).gc?.()
  writeHeapSnapshot(values['heap-snapshot'])
}
print({ event: 'end', reason, nodes: members.length })
// stop in parallel batches: one at a time would take minutes for hundreds of messengers
for (let i = 0; i < members.length; i += 50) await Promise.allSettled(members.slice(i, i + 50).map(async m => m.stop()))
await rm(root, { recursive: true, force: true, maxRetries: 3 })
process.exit(0)
