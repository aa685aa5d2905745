/**
 * The graph bench/dht.ts measures, built twice in one process, one after the other (two at
 * once starve each other on a shared machine): once of messengers, once of bare libp2p nodes
 * running stock kad-dht. Both have the same roles (a few DHT servers, as relays are; the rest
 * DHT clients, as users are) and the same bootstrap edges, node for node.
 */
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { createMessenger } from '../node/create-node.ts'
import { removeDir, tempDir } from '../test/fixtures/index.ts'
import { createBareNode } from './bare.ts'
import { now } from './stats.ts'
import type { HyphaeMessenger } from '../node/hyphae-messenger.ts'
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** messengers started at once; each later batch bootstraps through the ones before */
const BATCH = 10
/** bootstrap edges per node */
const EDGES = 3

export type BareDhtNode = Libp2p<{ dht: KadDHT, identify: unknown, ping: unknown }>

export interface Graph {
  /** nodes 0..servers-1 serve the DHT, the rest are clients */
  servers: number
  /** edges[k]: the earlier nodes node k bootstraps through */
  edges: number[][]
}

/** Servers bootstrap through up to 3 earlier servers, clients through 3 servers. */
export function makeGraph (size: number, servers: number): Graph {
  const edges: number[][] = []
  for (let k = 0; k < size; k++) {
    // a server knows the servers of earlier batches ([0], [1..BATCH], ...); a client every server
    const pool = k >= servers ? servers : k === 0 ? 0 : 1 + BATCH * Math.floor((k - 1) / BATCH)
    edges.push(pool === 0 ? [] : [...new Set(Array.from({ length: Math.min(EDGES, pool) * 3 }, () => Math.floor(Math.random() * pool)))].slice(0, EDGES))
  }
  return { servers, edges }
}

/**
 * The nodes started at once, in order: node 0 alone, then up to BATCH servers, then up to BATCH
 * clients at a time, so every node's bootstrap edges point into earlier batches.
 */
export function batchesOf (graph: Graph): number[][] {
  const size = graph.edges.length
  const out: number[][] = []
  for (let first = 0; first < size;) {
    const count = first === 0 ? 1 : first < graph.servers ? Math.min(BATCH, graph.servers - first) : Math.min(BATCH, size - first)
    out.push(Array.from({ length: count }, (_, b) => first + b))
    first += count
  }
  return out
}

/** Messengers `relayClient: false` (as in scale.ts): N relay searches would saturate the CPU. */
export async function startDhtMessenger (dataDir: string, server: boolean, bootstrap: string[]): Promise<HyphaeMessenger> {
  return createMessenger({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, relayClient: false, dhtServer: server, bootstrap })
}

/** Stock kad-dht, loopback addresses kept (its default mapper drops them), dialled to its bootstrap nodes */
export async function startBareDhtNode (server: boolean, bootstrap: Multiaddr[][]): Promise<BareDhtNode> {
  const node = await createBareNode({
    identify: identify(),
    ping: ping(),
    dht: kadDHT({ clientMode: !server, peerInfoMapper: passthroughMapper })
  }) as BareDhtNode
  await Promise.allSettled(bootstrap.map(async addrs => node.dial(addrs, { signal: AbortSignal.timeout(30_000) })))
  return node
}

export class DhtNetworks {
  readonly messengers: HyphaeMessenger[] = []
  readonly bare: BareDhtNode[] = []
  private readonly dirs: string[] = []

  constructor (readonly graph: Graph) {}

  isServer (k: number): boolean {
    return k < this.graph.servers
  }

  async startMessengers (): Promise<void> {
    for (const batch of batchesOf(this.graph)) {
      const started = await Promise.allSettled(batch.map(async k => {
        const dir = await tempDir('hyphae-bench-dht-')
        this.dirs.push(dir)
        const bootstrap = this.graph.edges[k].map(e => this.messengers[e].libp2p.getMultiaddrs()[0].toString())
        return startDhtMessenger(dir, this.isServer(k), bootstrap)
      }))
      for (const r of started) if (r.status === 'fulfilled') this.messengers.push(r.value)
      const failed = started.find(r => r.status === 'rejected')
      if (failed != null) throw (failed as PromiseRejectedResult).reason
    }
  }

  async startBare (): Promise<void> {
    for (const batch of batchesOf(this.graph)) {
      this.bare.push(...await Promise.all(batch.map(async k =>
        startBareDhtNode(this.isServer(k), this.graph.edges[k].map(e => this.bare[e].getMultiaddrs())))))
    }
  }

  /** Resolves once no routing table of the network has grown for 15 s (or at the timeout). */
  async settle (which: 'hyphae' | 'bare', timeoutMs: number): Promise<void> {
    const deadline = now() + timeoutMs
    let last = -1
    let still = 0
    while (now() < deadline && still < 3) {
      await new Promise(resolve => setTimeout(resolve, 5000))
      const total = this.tableSizes(which).reduce((x, y) => x + y, 0)
      still = total === last ? still + 1 : 0
      last = total
    }
  }

  tableSizes (which: 'hyphae' | 'bare'): number[] {
    return which === 'hyphae'
      ? this.messengers.map(n => n.libp2p.services.dht.routingTable.size)
      : this.bare.map(n => (n.services.dht as unknown as { routingTable: { size: number } }).routingTable.size)
  }

  async stopMessengers (): Promise<void> {
    await Promise.allSettled(this.messengers.map(async n => n.stop()))
    await Promise.allSettled(this.dirs.map(removeDir))
  }

  async stopBare (): Promise<void> {
    await Promise.allSettled(this.bare.map(async n => n.stop()))
  }
}
