/**
 * Bare gossipsub fan-out: N bare libp2p nodes in one process (TCP, Noise, yamux, identify,
 * gossipsub with hyphae's settings), each dialling a few earlier ones, all subscribed to one
 * topic. Messages of 1 KiB are published one at a time from a rotating publisher; for each, the
 * time until the last of the other N-1 nodes has it ("time to all") and how many got it.
 * Baseline: one hop, a 1 KiB frame one way on a bare stream (same clock, same process).
 *
 * `gossipFanout()` is exported so that bench/group-fanout.ts can run it as its own baseline.
 */
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { waitFor } from '../test/fixtures/index.ts'
import { createBareNode, stopAll } from './bare.ts'
import { payload, sinkPair } from './pairs.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { now, round, summarize, type Summary } from './stats.ts'
import type { Libp2p } from '@libp2p/interface'

const TOPIC = 'hyphae-bench/fanout'
/** The options node/libp2p-options.ts gives gossipsub (kept in step by hand: it does not export them). */
const HYPHAE_GOSSIPSUB = { allowPublishToZeroTopicPeers: true, globalSignaturePolicy: 'StrictSign' as const, maxInboundDataLength: 1024 * 1024 }
/** how many earlier nodes each new node dials */
const DIALS_PER_NODE = 3

export interface FanoutOptions {
  nodes: number
  messages: number
  /**
   * ms to wait for one message to reach every node before publishing the next (default 2000):
   * one at a time, so that a message's time to all is its own and not a queue's
   */
  perMessageTimeout?: number
  /** ms to wait for stragglers after the last publication (default 2000) */
  grace?: number
  /** ms to wait for every node to have min(4, its connections) mesh peers (default 30000) */
  meshTimeout?: number
  log?: (message: string) => void
}

export interface FanoutResult {
  nodes: number
  messages: number
  connections: number
  /** ms until every other node had a message, over the messages every node got */
  timeToAll: Summary | null
  /** ms until any one node had it (first hop) */
  firstArrival: Summary | null
  /** deliveries / (messages x (nodes - 1)) */
  deliveryRatio: number
  /** ms to start the nodes, connect them and form the mesh */
  setupMs: number
  /** whether every node had min(4, its connections) mesh peers before the first publication */
  meshFormed: boolean
  meshSizes: number[]
}

type PubsubNode = Libp2p<{ pubsub: GossipSub }>

/** The implementation has getMeshPeers; the exported interface does not declare it. */
function meshSize (node: PubsubNode): number {
  return (node.services.pubsub as GossipSub & { getMeshPeers(topic: string): string[] }).getMeshPeers(TOPIC).length
}

/** Runs one fan-out experiment on a fresh network of bare gossipsub nodes and stops it. */
export async function gossipFanout (options: FanoutOptions): Promise<FanoutResult> {
  const log = options.log ?? (() => {})
  const perMessageTimeout = options.perMessageTimeout ?? 2000
  const grace = options.grace ?? 2000
  const nodes: PubsubNode[] = []
  const t0 = now()
  try {
    for (let i = 0; i < options.nodes; i++) {
      nodes.push(await createBareNode<{ pubsub: GossipSub }>({ identify: identify(), pubsub: gossipsub(HYPHAE_GOSSIPSUB) } as any))
    }
    // a connected graph: every node dials a few distinct earlier ones
    for (let i = 1; i < nodes.length; i++) {
      const targets = new Set<number>()
      while (targets.size < Math.min(i, DIALS_PER_NODE)) targets.add(Math.floor(Math.random() * i))
      for (const t of targets) await nodes[i].dial(nodes[t].getMultiaddrs())
    }
    for (const n of nodes) n.services.pubsub.subscribe(TOPIC)
    // every node meshed with as many peers as it can get, up to gossipsub's D_lo of 4; a mesh
    // that is not complete by then is measured as it is (the delivery ratio shows the cost)
    const meshFormed = await waitFor(() => nodes.every(n => meshSize(n) >= Math.min(4, n.getConnections().length)), {
      timeout: options.meshTimeout ?? 30_000,
      interval: 100,
      message: 'the gossipsub mesh to form'
    }).then(() => true, () => false)
    const meshSizes = nodes.map(meshSize)
    if (!meshFormed) log(`the mesh did not fully form (mesh sizes: ${meshSizes.join(' ')}); measuring it as it is`)
    const setupMs = now() - t0
    const pairs = new Set(nodes.flatMap(n => n.getConnections().map(c => [n.peerId.toString(), c.remotePeer.toString()].sort().join())))
    const connections = pairs.size
    log(`${nodes.length} nodes, ${connections} connections, mesh formed in ${Math.round(setupMs)} ms`)

    const published: number[] = []
    const arrivals: number[][] = Array.from({ length: options.messages }, () => [])
    const listeners = nodes.map((n, idx) => {
      const onMessage = (evt: CustomEvent<any>): void => {
        if (evt.detail.topic !== TOPIC) return
        const data: Uint8Array = evt.detail.data
        const k = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0)
        if (k < options.messages && idx !== k % nodes.length) arrivals[k].push(now())
      }
      n.services.pubsub.addEventListener('message', onMessage)
      return () => { n.services.pubsub.removeEventListener('message', onMessage) }
    })
    try {
      const body = payload()
      const expected = nodes.length - 1
      for (let k = 0; k < options.messages; k++) {
        const data = Uint8Array.from(body)
        new DataView(data.buffer).setUint32(0, k)
        published[k] = now()
        await nodes[k % nodes.length].services.pubsub.publish(TOPIC, data)
        await waitFor(() => arrivals[k].length >= expected, { timeout: perMessageTimeout, interval: 1, message: `message ${k} at every node` }).catch(() => {})
      }
      await waitFor(() => arrivals.every(a => a.length >= expected), { timeout: grace, interval: 50, message: 'every message at every node' }).catch(() => {})
      const complete = arrivals.map((a, k) => a.length >= expected ? Math.max(...a) - published[k] : undefined).filter(v => v != null)
      const first = arrivals.map((a, k) => a.length > 0 ? Math.min(...a) - published[k] : undefined).filter(v => v != null)
      const delivered = arrivals.reduce((sum, a) => sum + Math.min(a.length, expected), 0)
      return {
        nodes: nodes.length,
        messages: options.messages,
        connections,
        timeToAll: complete.length > 0 ? summarize(complete) : null,
        firstArrival: first.length > 0 ? summarize(first) : null,
        deliveryRatio: delivered / (options.messages * expected),
        setupMs,
        meshFormed,
        meshSizes
      }
    } finally {
      for (const off of listeners) off()
    }
  } finally {
    await stopAll(nodes)
  }
}

/** One hop: a 1 KiB frame written on a bare stream until the receiver has read it. */
export async function oneHop (samples: number): Promise<Summary> {
  const pair = await sinkPair()
  try {
    const data = payload()
    const times: number[] = []
    for (let i = 0; i < samples; i++) {
      const t0 = now()
      await pair.lp.write(data)
      await pair.received(i + 1)
      times.push(now() - t0)
    }
    return summarize(times)
  } finally {
    await pair.stop()
  }
}

const rounded = (s: Summary | null): Record<string, number> | null =>
  s == null ? null : Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'n' ? v : round(v)]))

export async function run (ctx: BenchContext): Promise<BenchResult> {
  const size = ctx.quick ? 20 : 100
  const messages = ctx.quick ? 30 : 200
  ctx.log(`bare one-hop latency, then gossipsub fan-out over ${size} nodes, ${messages} messages`)
  const hop = await oneHop(ctx.quick ? 200 : 1000)
  // a node left with an empty mesh stays so for gossipsub's 60 s prune backoff: waiting longer does not help
  const result = await gossipFanout({ nodes: size, messages, log: ctx.log, meshTimeout: ctx.quick ? 5_000 : 20_000, perMessageTimeout: ctx.quick ? 1_000 : 2_000 })
  const tta = result.timeToAll
  return {
    figures: [
      figure({ name: `gossipsub time to all ${size} p50`, unit: 'ms', value: tta?.p50, baseline: 'bare one hop p50', baselineValue: hop.p50, better: 'lower', n: tta?.n }),
      figure({ name: `gossipsub time to all ${size} p99`, unit: 'ms', value: tta?.p99, baseline: 'bare one hop p99', baselineValue: hop.p99, better: 'lower', n: tta?.n }),
      figure({ name: 'gossipsub delivery ratio', unit: '', value: result.deliveryRatio, baseline: 'every message to every node', baselineValue: 1, better: 'higher', n: result.messages })
    ],
    details: {
      ...result,
      timeToAll: rounded(result.timeToAll),
      firstArrival: rounded(result.firstArrival),
      setupMs: Math.round(result.setupMs),
      oneHopMs: rounded(hop),
      messageBytes: 1024,
      dialsPerNode: DIALS_PER_NODE
    },
    notes: result.meshFormed ? [] : [`the mesh had not fully formed when publishing started (mesh sizes ${result.meshSizes.join(' ')})`]
  }
}

export const bench: Bench = {
  name: 'gossip-baseline',
  description: 'bare gossipsub fan-out: time to all N nodes p50/p99 and delivery ratio, vs one bare stream hop',
  tags: ['gossip', 'group'],
  run
}
