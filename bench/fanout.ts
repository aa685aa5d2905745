/**
 * What the two fan-out benches share, so that bare gossipsub (gossip-baseline.ts) and hyphae
 * groups (group-fanout.ts) are built and counted the same way: the topology (each new node dials
 * a few random earlier ones, or a given edge list), the mesh criterion, and the tally of a run's
 * messages (when each was published, when each other member first had it).
 */
import { now, summarize, type Summary } from './stats.ts'

/** how many earlier nodes each new node dials */
export const DIALS_PER_NODE = 3
/** gossipsub's D_lo: a node is meshed once it has this many mesh peers, or all its connections */
export const MESH_WANTED = 4

/**
 * gossipsub's P6 (IP colocation) scores every peer of a node -5 x (n - 10)² once n > 10 of its
 * peers share an IP: with 11 peers on one IP each scores -5 (a negative score is pruned from the
 * mesh and never grafted), with 12 -20 (below -10: no gossip with them either), with 15 -125
 * (below -80: graylisted, everything they send is dropped unread). In one process every peer is
 * 127.0.0.1, so the best-connected nodes of a bench network end up meshless or deaf, which a
 * network with an IP per member never sees. This exempts 127.0.0.1 on a running gossipsub (its
 * score parameters are read on every use); the Set is replaced, not added to: by default every
 * instance in the process shares the same one.
 */
export function exemptLoopback (pubsub: any): void {
  const params = pubsub?.score?.params
  if (params == null) throw new Error('this gossipsub keeps no peer score')
  params.IPColocationFactorWhitelist = new Set(['127.0.0.1'])
}

/**
 * libp2p's connection monitor pings every connection each 10 s and aborts one whose ping takes
 * over 5 s. When dozens of nodes share 2 busy cores, a process stalls that long (a GC, a burst
 * of history syncs) and every connection it holds is aborted at once: what a bench then measures
 * is the machine's load, not fan-out. This keeps the pings (and their log) and drops the abort,
 * on a running node; a bench applies it to both of the sides it compares.
 */
export function keepSlowConnections (libp2p: any): void {
  const monitor = libp2p?.components?.connectionMonitor
  if (monitor == null || !('abortConnectionOnPingFailure' in monitor)) throw new Error('this libp2p has no connection monitor to relax')
  monitor.abortConnectionOnPingFailure = false
}

/** A connection between node a and node b (indexes), a < b. */
export type Edge = [number, number]

/** A connected graph: node i (i >= 1) dials min(i, dials) distinct random earlier nodes. */
export function randomEdges (nodes: number, dials = DIALS_PER_NODE): Edge[] {
  const edges: Edge[] = []
  for (let i = 1; i < nodes; i++) {
    const targets = new Set<number>()
    while (targets.size < Math.min(i, dials)) targets.add(Math.floor(Math.random() * i))
    for (const t of targets) edges.push([t, i])
  }
  return edges
}

/** The distinct connected pairs among nodes whose peer ids are `ids`, from each node's connections. */
export function edgesOf (ids: string[], remotes: (index: number) => string[]): Edge[] {
  const index = new Map(ids.map((id, i) => [id, i]))
  const pairs = new Map<string, Edge>()
  for (let a = 0; a < ids.length; a++) {
    for (const remote of remotes(a)) {
      const b = index.get(remote)
      if (b == null || b === a) continue
      const edge: Edge = a < b ? [a, b] : [b, a]
      pairs.set(edge.join(), edge)
    }
  }
  return [...pairs.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1])
}

/** The sizes of the connected pieces of a graph of `nodes` nodes, largest first (one piece: connected). */
export function pieces (nodes: number, edges: Edge[]): number[] {
  const parent = Array.from({ length: nodes }, (_, i) => i)
  const root = (i: number): number => { while (parent[i] !== i) { parent[i] = parent[parent[i]]; i = parent[i] } return i }
  for (const [a, b] of edges) parent[root(a)] = root(b)
  const sizes = new Map<number, number>()
  for (let i = 0; i < nodes; i++) sizes.set(root(i), (sizes.get(root(i)) ?? 0) + 1)
  return [...sizes.values()].sort((x, y) => y - x)
}

/** Whether every node has min(MESH_WANTED, its connections) mesh peers. */
export function meshed (meshSizes: number[], connections: number[]): boolean {
  return meshSizes.every((m, i) => m >= Math.min(MESH_WANTED, connections[i]))
}

export interface TallySummary {
  /** ms from publication until the last of the other members had it, over the messages all of them got */
  timeToAll: Summary | null
  /** ms until the first other member had it */
  firstArrival: Summary | null
  /** ms from publication until a member had it, every (message, member) delivered */
  perMember: Summary | null
  /** deliveries / (messages x (members - 1)) */
  deliveryRatio: number
  /** messages that reached every other member */
  complete: number
}

/** When each message was published and when each other member first had it. */
export class FanoutTally {
  private readonly published: number[] = []
  private readonly publishers: number[] = []
  private readonly arrivals: Array<Map<number, number>>
  private readonly waiters = new Map<number, () => void>()
  readonly expected: number

  constructor (readonly messages: number, readonly members: number) {
    this.arrivals = Array.from({ length: messages }, () => new Map())
    this.expected = members - 1
  }

  /** Message k is about to be handed to member `publisher`. */
  publish (k: number, publisher: number, at = now()): void {
    this.published[k] = at
    this.publishers[k] = publisher
  }

  /** Member `member` has message k (the publisher's own copy and repeats are not counted). */
  arrive (k: number, member: number, at = now()): void {
    const got = this.arrivals[k]
    if (got == null || member === this.publishers[k] || got.has(member)) return
    got.set(member, at)
    if (got.size >= this.expected) this.waiters.get(k)?.()
  }

  publishedAt (k: number): number {
    return this.published[k]
  }

  count (k: number): number {
    return this.arrivals[k]?.size ?? 0
  }

  /** Resolves true once every other member has message k, false after `timeoutMs`. */
  async complete (k: number, timeoutMs: number): Promise<boolean> {
    if (this.count(k) >= this.expected) return true
    return new Promise(resolve => {
      const timer = setTimeout(() => { this.waiters.delete(k); resolve(false) }, timeoutMs)
      this.waiters.set(k, () => { clearTimeout(timer); this.waiters.delete(k); resolve(true) })
    })
  }

  /** Resolves true once every message published so far reached everyone, false after `timeoutMs`. */
  async allComplete (timeoutMs: number): Promise<boolean> {
    const deadline = now() + timeoutMs
    for (let k = 0; k < this.published.length; k++) {
      if (!(await this.complete(k, Math.max(0, deadline - now())))) return false
    }
    return true
  }

  /** Over messages `from` (e.g. past a warm-up) to the last published. */
  summary (from = 0): TallySummary {
    const tta: number[] = []
    const first: number[] = []
    const each: number[] = []
    let delivered = 0
    for (let k = from; k < this.published.length; k++) {
      const times = [...this.arrivals[k].values()].map(at => at - this.published[k])
      if (times.length === 0) continue
      delivered += times.length
      each.push(...times)
      first.push(Math.min(...times))
      if (times.length >= this.expected) tta.push(Math.max(...times))
    }
    const summary = (s: number[]): Summary | null => s.length > 0 ? summarize(s) : null
    return {
      timeToAll: summary(tta),
      firstArrival: summary(first),
      perMember: summary(each),
      deliveryRatio: this.expected === 0 ? 1 : delivered / ((this.messages - from) * this.expected),
      complete: tta.length
    }
  }
}
