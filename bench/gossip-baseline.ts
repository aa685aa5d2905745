/**
 * Bare gossipsub fan-out: N bare libp2p nodes in one process (TCP, Noise, yamux, identify,
 * gossipsub with hyphae's settings), each dialling a few earlier ones, all subscribed to one
 * topic. Messages of 1 KiB are published one at a time from a rotating publisher; for each, the
 * time until the last of the other N-1 nodes has it ("time to all") and how many got it.
 * Baseline: one hop, a 1 KiB frame one way on a bare stream (same clock, same process).
 *
 * `gossipFanout()` is exported so that bench/group-fanout.ts can run it as its own baseline, on
 * the same graph as the group (fanout.ts holds what the two share).
 */
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { waitFor } from '../test/fixtures/index.ts'
import { createBareNode, stopAll } from './bare.ts'
import { DIALS_PER_NODE, edgesOf, exemptLoopback, FanoutTally, meshed, randomEdges, type Edge, type TallySummary } from './fanout.ts'
import { payload, sinkPair } from './pairs.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { now, rounded, summarize, type Summary } from './stats.ts'
import type { Libp2p } from '@libp2p/interface'

const TOPIC = 'hyphae-bench/fanout'
/** The options node/libp2p-options.ts gives gossipsub (kept in step by hand: it does not export them). */
export const HYPHAE_GOSSIPSUB = { allowPublishToZeroTopicPeers: true, globalSignaturePolicy: 'StrictSign' as const, maxInboundDataLength: 1024 * 1024 }

export interface FanoutOptions {
  nodes: number
  messages: number
  /** the connections to open (fanout.ts); default: each new node dials DIALS_PER_NODE random earlier ones */
  edges?: Edge[]
  /**
   * ms to wait for one message to reach every node before publishing the next (default 2000):
   * one at a time, so that a message's time to all is its own and not a queue's
   */
  perMessageTimeout?: number
  /** ms to wait for stragglers after the last publication (default 2000) */
  grace?: number
  /** ms to wait for every node to have min(4, its connections) mesh peers (default 30000) */
  meshTimeout?: number
  /** exempt 127.0.0.1 from gossipsub's IP colocation penalty (fanout.ts exemptLoopback); default false */
  exemptLoopback?: boolean
  /** messages published first and left out of the figures (default 0) */
  warmup?: number
  /** ms to leave the network alone once meshed, before the first publication (default 0) */
  settleMs?: number
  /** every message from node 0 (a channel's one author) instead of a rotating publisher; default false */
  onePublisher?: boolean
  /** called once the mesh is measured, before the first publication (e.g. to read memory) */
  onReady?: () => void | Promise<void>
  log?: (message: string) => void
}

export interface FanoutResult extends TallySummary {
  nodes: number
  messages: number
  connections: number
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
  const nodes: PubsubNode[] = []
  const t0 = now()
  try {
    for (let i = 0; i < options.nodes; i++) {
      nodes.push(await createBareNode<{ pubsub: GossipSub }>({ identify: identify(), pubsub: gossipsub(HYPHAE_GOSSIPSUB) } as any))
    }
    if (options.exemptLoopback === true) for (const n of nodes) exemptLoopback(n.services.pubsub)
    // a connected graph: the later node of each pair dials the earlier one
    for (const [a, b] of options.edges ?? randomEdges(nodes.length)) await nodes[b].dial(nodes[a].getMultiaddrs())
    for (const n of nodes) n.services.pubsub.subscribe(TOPIC)
    // every node meshed with as many peers as it can get, up to gossipsub's D_lo of 4; a mesh
    // that is not complete by then is measured as it is (the delivery ratio shows the cost)
    const meshFormed = await waitFor(() => meshed(nodes.map(meshSize), nodes.map(n => n.getConnections().length)), {
      timeout: options.meshTimeout ?? 30_000,
      interval: 100,
      message: 'the gossipsub mesh to form'
    }).then(() => true, () => false)
    const meshSizes = nodes.map(meshSize)
    if (!meshFormed) log(`the mesh did not fully form (mesh sizes: ${meshSizes.join(' ')}); measuring it as it is`)
    const setupMs = now() - t0
    const connections = edgesOf(nodes.map(n => n.peerId.toString()), i => nodes[i].getConnections().map(c => c.remotePeer.toString())).length
    log(`${nodes.length} nodes, ${connections} connections, mesh formed in ${Math.round(setupMs)} ms`)
    if ((options.settleMs ?? 0) > 0) await new Promise(resolve => setTimeout(resolve, options.settleMs))
    await options.onReady?.()

    const warmup = options.warmup ?? 0
    const total = warmup + options.messages
    const tally = new FanoutTally(total, nodes.length)
    const listeners = nodes.map((n, idx) => {
      const onMessage = (evt: CustomEvent<any>): void => {
        if (evt.detail.topic !== TOPIC) return
        const data: Uint8Array = evt.detail.data
        tally.arrive(new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0), idx)
      }
      n.services.pubsub.addEventListener('message', onMessage)
      return () => { n.services.pubsub.removeEventListener('message', onMessage) }
    })
    try {
      const body = payload()
      for (let k = 0; k < total; k++) {
        const data = Uint8Array.from(body)
        new DataView(data.buffer).setUint32(0, k)
        const publisher = options.onePublisher === true ? 0 : k % nodes.length
        tally.publish(k, publisher)
        await nodes[publisher].services.pubsub.publish(TOPIC, data)
        await tally.complete(k, perMessageTimeout)
      }
      await tally.allComplete(options.grace ?? 2000)
      return { nodes: nodes.length, messages: options.messages, connections, ...tally.summary(warmup), setupMs, meshFormed, meshSizes }
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

export async function run (ctx: BenchContext): Promise<BenchResult> {
  const size = ctx.quick ? 20 : 100
  const messages = ctx.quick ? 30 : 200
  ctx.log(`bare one-hop latency, then gossipsub fan-out over ${size} nodes, ${messages} messages`)
  const hop = await oneHop(ctx.quick ? 200 : 1000)
  // every node here is 127.0.0.1: without the exemption the best-connected ones are meshless or deaf (fanout.ts)
  const result = await gossipFanout({ nodes: size, messages, exemptLoopback: true, log: ctx.log, meshTimeout: ctx.quick ? 5_000 : 20_000, perMessageTimeout: ctx.quick ? 1_000 : 2_000 })
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
      perMember: rounded(result.perMember),
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
