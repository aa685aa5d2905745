/**
 * Idle memory: one node in a process of its own (bench/idle-node.ts) connected to 6 peers that
 * run in this process, sampled every second for a fixed span (60 s, 10 s with --quick): RSS,
 * V8 heap used, and CPU time (over the second half of the span, past the start-up). A hyphae messenger with 6 messenger peers (default settings),
 * the same with the relay client off on all 7, and a bare libp2p node (TCP, Noise, yamux) with 6
 * bare peers; the three children run at the same time (each reports its own memory and CPU).
 */
import { join } from 'node:path'
import { addressOf, createNetwork, removeDir, tempDir } from '../test/fixtures/index.ts'
import { createBareNode, stopAll } from './bare.ts'
import { JsonLineChild, ROOT } from './child.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { percentile, round, slope } from './stats.ts'
import type { Libp2p } from '@libp2p/interface'

const PEERS = 6
const MiB = 2 ** 20

interface Sample { t: number, rss: number, heapUsed: number, heapTotal: number, external: number, arrayBuffers: number, cpuMs: number, connections: number }

interface Series {
  samples: Sample[]
  connected: number
}

async function observe (kind: 'hyphae' | 'bare', peers: string[], spanMs: number, dataDir?: string, relayClient = true): Promise<Series> {
  const args = ['--import', 'tsx', join(ROOT, 'bench', 'idle-node.ts'), '--kind', kind, '--peers', peers.join(','), '--span', String(spanMs), '--relay-client', String(relayClient)]
  if (dataDir != null) args.push('--data-dir', dataDir)
  const child = new JsonLineChild(process.execPath, args)
  try {
    const connected = await child.next(v => v?.event === 'connected', 60_000)
    await child.next(v => v?.event === 'done', spanMs + 30_000)
    return { samples: child.values().filter(v => v.event === 'sample'), connected: connected.value.peers }
  } finally {
    await child.stop()
  }
}

function describe (series: Series): Record<string, number> {
  const s = series.samples
  const mib = (xs: number[], p: number): number => round(percentile(xs, p) / MiB)
  const last = s[s.length - 1]
  const mid = s[Math.floor(s.length / 2)]
  return {
    samples: s.length,
    connectedPeers: series.connected,
    connectionsAtEnd: last.connections,
    rssMedianMiB: mib(s.map(x => x.rss), 50),
    rssMaxMiB: mib(s.map(x => x.rss), 100),
    heapUsedMedianMiB: mib(s.map(x => x.heapUsed), 50),
    heapUsedMaxMiB: mib(s.map(x => x.heapUsed), 100),
    heapTotalMedianMiB: mib(s.map(x => x.heapTotal), 50),
    externalMedianMiB: mib(s.map(x => x.external), 50),
    /** least-squares growth of RSS over the span */
    rssSlopeMiBPerMin: round(slope(s.map(x => x.t), s.map(x => x.rss)) * 60_000 / MiB),
    heapSlopeMiBPerMin: round(slope(s.map(x => x.t), s.map(x => x.heapUsed)) * 60_000 / MiB),
    /** CPU time over the second half of the span (past the start-up's DHT join), in percent of one core */
    cpuPercent: last.t > mid.t ? round(100 * (last.cpuMs - mid.cpuMs) / (last.t - mid.t)) : 0,
    cpuPercentWholeSpan: last.t > 0 ? round(100 * last.cpuMs / last.t) : 0
  }
}

export async function run (ctx: BenchContext): Promise<BenchResult> {
  const spanMs = ctx.quick ? 10_000 : 60_000
  const network = await createNetwork(PEERS)
  const quietNetwork = await createNetwork(PEERS, { init: { relayClient: false } })
  const barePeers: Array<Libp2p<any>> = []
  const dataDir = await tempDir('hyphae-bench-idle-')
  const quietDir = await tempDir('hyphae-bench-idle-')
  try {
    for (let i = 0; i < PEERS; i++) barePeers.push(await createBareNode())
    ctx.log(`a hyphae node (default, and relay client off) and a bare node, each with ${PEERS} peers, sampled every second for ${spanMs / 1000} s`)
    const [hyphae, quiet, bare] = await Promise.all([
      observe('hyphae', network.nodes.map(addressOf), spanMs, dataDir),
      observe('hyphae', quietNetwork.nodes.map(addressOf), spanMs, quietDir, false),
      observe('bare', barePeers.map(p => p.getMultiaddrs()[0].toString()), spanMs)
    ])
    const h = describe(hyphae)
    const q = describe(quiet)
    const b = describe(bare)
    return {
      figures: [
        figure({ name: `idle RSS, ${PEERS} peers (median)`, unit: 'MiB', value: h.rssMedianMiB, baseline: 'bare libp2p node', baselineValue: b.rssMedianMiB, better: 'lower', n: h.samples }),
        figure({ name: `idle heap used, ${PEERS} peers (median)`, unit: 'MiB', value: h.heapUsedMedianMiB, baseline: 'bare libp2p node', baselineValue: b.heapUsedMedianMiB, better: 'lower', n: h.samples }),
        figure({ name: 'idle CPU', unit: '% of a core', value: h.cpuPercent, baseline: 'bare libp2p node', baselineValue: b.cpuPercent, better: 'lower', n: h.samples }),
        figure({ name: 'idle RSS, relay client off (median)', unit: 'MiB', value: q.rssMedianMiB, baseline: 'bare libp2p node', baselineValue: b.rssMedianMiB, better: 'lower', n: q.samples }),
        figure({ name: 'idle heap used, relay client off (median)', unit: 'MiB', value: q.heapUsedMedianMiB, baseline: 'bare libp2p node', baselineValue: b.heapUsedMedianMiB, better: 'lower', n: q.samples }),
        figure({ name: 'idle CPU, relay client off', unit: '% of a core', value: q.cpuPercent, baseline: 'bare libp2p node', baselineValue: b.cpuPercent, better: 'lower', n: q.samples })
      ],
      details: { spanMs, peers: PEERS, hyphae: h, hyphaeRelayClientOff: q, bare: b },
      notes: ['the hyphae node may hold more than 6 connections: its DHT walk dials the peers it discovers']
    }
  } finally {
    await stopAll(barePeers)
    await network.stop()
    await quietNetwork.stop()
    await removeDir(dataDir)
    await removeDir(quietDir)
  }
}

export const bench: Bench = {
  name: 'idle-memory',
  description: 'RSS, heap and CPU of an idle node with 6 peers over a fixed span, vs a bare libp2p node',
  tags: ['memory', 'process'],
  run
}
