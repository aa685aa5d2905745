/**
 * The hyphae side of group-fanout: N messengers in one process, built the way the tests build
 * them (test/fixtures createNetwork: createMessenger on temp profiles, loopback TCP, no mDNS),
 * connected along a graph (fanout.ts), all in one group: node 0 creates it and every other node
 * joins, once an earlier node it is connected to has, with an invite from node 0 (only the
 * admin signs invites). Joining also dials the members the invite lists (the admin and up to 3
 * members it is connected to), so the group's graph has more connections than the one it started
 * from, the admin's most of all; the bare baseline is then run on the graph measured here. Sending through it: group-send.ts.
 */
import { addressOf, createNetwork, waitFor, type Network, type NodeInit } from '../test/fixtures/index.ts'
import { edgesOf, exemptLoopback, meshed, type Edge } from './fanout.ts'
import { now } from './stats.ts'
import type { HyphaeMessenger } from '../node/hyphae-messenger.ts'

/**
 * What every member runs with besides the test defaults: no relay search (with no relay around
 * it never rests, see README), the DHT in client mode (groups do not use it; in server mode every
 * node's DHT walk dials what it meets, up to 32 connections each, and the graph would not be the
 * baseline's), and no redialling of remembered peers (fresh profiles remember none).
 */
export const GROUP_BENCH_INIT: NodeInit = { relayClient: false, dhtServer: false, reconnect: false }

export interface GroupNetworkOptions {
  members: number
  edges: Edge[]
  /** ms for every member to have joined; as much again for the joins to settle, each time (see formGroupNetwork) */
  formTimeout: number
  /** ms for every member to have min(4, its connections) mesh peers on the group's topic */
  meshTimeout: number
  /** a channel instead of a group: node 0 owns it, every other node follows it (no joins) */
  channel?: boolean
  log: (message: string) => void
}

export interface GroupNetwork {
  network: Network
  nodes: HyphaeMessenger[]
  /** a channel: node 0 alone posts */
  channel: boolean
  group: string
  topic: string
  startMs: number
  /** ms from createGroup until the joins settled (or formTimeout) */
  formMs: number
  /** whether they settled: no join arrived for 3 s and every member saw its neighbours subscribe (or none for 15 s) */
  settled: boolean
  /** whether every member saw all its neighbours subscribed once settled */
  neighboursSubscribed: boolean
  /** joins held over all members / members², and how many members lacked some */
  joinsHeld: number
  membersMissingJoins: number
  meshFormed: boolean
  meshSizes: number[]
  /** the connections among the members once formed */
  edges: Edge[]
  /** dials of the starting graph that failed (each is tried 3 times) */
  dialFailures: number
  /** connection ends closed (each connection counts at both ends) from the first join until the joins were quiet */
  closedForming: number
  /** connections of the starting graph dialled again once the joins were quiet */
  redialled: number
  /** connection ends closed since the first join, so far */
  closedEnds: () => number
}

/** `promise`, or an error once `ms` have passed */
async function within<T> (promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(message)) }, Math.max(0, ms)) })
  return Promise.race([promise, late]).finally(() => { clearTimeout(timer) })
}

const meshSize = (node: HyphaeMessenger, topic: string): number => node.libp2p.services.pubsub.getMeshPeers(topic).length
const connected = (a: HyphaeMessenger, b: HyphaeMessenger): boolean => a.libp2p.getConnections().some((c: any) => c.remotePeer.toString() === b.peerId)
/** joins held by every member unchanged for this long: the backlog of joins and histories is done */
export const QUIET_MS = 3_000

/**
 * Opens the connections of `edges` that are not open (the later node dials the earlier one),
 * each tried 3 times: a dial can fail when the process is this busy. Returns [dialled, failures].
 */
async function connectEdges (nodes: HyphaeMessenger[], edges: Edge[], log: (m: string) => void): Promise<[number, number]> {
  let dialled = 0
  let failures = 0
  for (const [a, b] of edges) {
    if (connected(nodes[b], nodes[a])) continue
    dialled++
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await nodes[b].connect(addressOf(nodes[a]))
        break
      } catch (err: any) {
        failures++
        log(`dialling ${a} from ${b} failed: ${err?.message ?? err}`)
      }
    }
  }
  return [dialled, failures]
}

/**
 * Starts the members and forms the group. `started` gets the network as soon as it exists: the
 * caller stops it, also when forming throws.
 *
 * Every member joins as soon as its inviter has (in waves, not one by one: a joiner fetches the
 * whole history from each neighbour, so one at a time costs O(members²) history items on top of
 * the O(members²) deliveries of the joins). From ~100 members on, the process is so busy that
 * libp2p's connection monitor sees pings take over 5 s and aborts connections (joining 25 or 5
 * at a time did not help); so once the joins are quiet, the connections of the starting graph
 * that were lost are dialled again and the joins left to settle once more. Both counts are
 * reported. Not every member ends up holding every join: one missed live (or the creator's,
 * which is never published) comes back only with a later sync, i.e. when its author next
 * speaks or a new neighbour subscribes; so the group counts as formed once the joins stop
 * arriving, and the joins held are reported.
 */
export async function formGroupNetwork (options: GroupNetworkOptions, started: (network: Network) => void): Promise<GroupNetwork> {
  const { members, log } = options
  const t0 = now()
  const network = await createNetwork(members, { init: GROUP_BENCH_INIT })
  started(network)
  const nodes = network.nodes
  const startMs = now() - t0
  log(`${members} messengers started in ${Math.round(startMs)} ms`)
  // every member is 127.0.0.1 here: without this the best-connected ones graylist all their peers
  for (const node of nodes) exemptLoopback(node.libp2p.services.pubsub)
  const [, dialFailures] = await connectEdges(nodes, options.edges, log)
  let closed = 0
  for (const node of nodes) node.libp2p.addEventListener('connection:close', () => { closed++ })

  // per member: the authors whose join it holds (its own included)
  const joins = nodes.map(() => new Set<string>())
  nodes.forEach((node, i) => node.addEventListener('group:message', evt => { if (evt.detail.kind === 'join') joins[i].add(evt.detail.author) }))
  const t1 = now()
  const channel = options.channel === true
  const { id: group } = channel ? await nodes[0].createChannel('bench') : await nodes[0].createGroup('bench')
  const topic = await nodes[0].groups.topic(group)
  // followers announce nothing: each counts as its own and the owner's "join" once it follows
  if (channel) joins.forEach((j, i) => { j.add(nodes[i].peerId) })
  const inviter = new Map<number, number>()
  for (const [a, b] of options.edges) if (!inviter.has(b)) inviter.set(b, a)
  const joined: Array<Promise<void>> = [Promise.resolve()]
  for (let i = 1; i < members; i++) {
    const by = inviter.get(i) ?? 0
    // only the admin (node 0) signs invites; a joiner still waits for the neighbour it joins next to
    joined[i] = joined[by].then(async () => {
      if (channel) await nodes[i].followChannel(await nodes[0].channelInvite(group))
      else await nodes[i].joinGroup(await nodes[0].groupInvite(group))
    })
  }
  await within(Promise.all(joined), options.formTimeout, `joining ${members} members took more than ${options.formTimeout} ms`)
  log(`${members} joined in ${Math.round(now() - t1)} ms; ${closed} connection ends closed so far`)

  const held = (): number => joins.reduce((sum, j) => sum + j.size, 0)
  const subscribed = (): boolean => nodes.every(n => {
    const subs = new Set(n.libp2p.services.pubsub.getSubscribers(topic).map((p: any) => p.toString()))
    return n.libp2p.getConnections().every((c: any) => subs.has(c.remotePeer.toString()))
  })
  // quiet: no join arrived for QUIET_MS and every member sees its neighbours subscribed; a
  // neighbour whose subscription never shows (its pubsub stream failed) stops holding it up
  // once nothing has arrived for 5 x QUIET_MS
  const settle = async (): Promise<boolean> => {
    let last = -1
    let since = now()
    let logged = now()
    return waitFor(() => {
      const h = held()
      if (h !== last) { last = h; since = now() }
      const quiet = now() - since
      if (now() - logged >= 10_000) { logged = now(); log(`${channel ? 'followers' : `${h} of ${members * members} joins held, none`} for ${Math.round(quiet)} ms; ${closed} connection ends closed so far`) }
      // a channel has no joins to wait for: its followers only need to see each other subscribed
      return (channel ? subscribed() : h >= members * members) || (quiet >= QUIET_MS && subscribed()) || quiet >= 5 * QUIET_MS
    }, { timeout: options.formTimeout, interval: 250, message: 'the joins to settle' }).then(() => true, () => false)
  }
  let settled = await settle()
  const closedForming = closed
  const [redialled] = await connectEdges(nodes, options.edges, log)
  if (redialled > 0) {
    log(`${closedForming} connection ends closed while forming; ${redialled} connections of the starting graph dialled again`)
    settled = await settle()
  }
  const formMs = now() - t1
  const missing = joins.filter(j => j.size < members).length
  const neighboursSubscribed = subscribed()
  const joinsNote = channel ? 'a channel: no joins' : `${missing} members lack some joins (${held()} of ${members * members} held)`
  log(`${settled ? 'settled' : 'not settled'} after ${Math.round(formMs)} ms; ${joinsNote}${neighboursSubscribed ? '' : '; some neighbours not seen subscribed'}`)

  const meshFormed = await waitFor(() => meshed(nodes.map(n => meshSize(n, topic)), nodes.map(n => n.libp2p.getConnections().length)), {
    timeout: options.meshTimeout,
    interval: 100,
    message: 'the mesh to form'
  }).then(() => true, () => false)
  const meshSizes = nodes.map(n => meshSize(n, topic))
  if (!meshFormed) log(`the mesh did not fully form (mesh sizes: ${meshSizes.join(' ')}); measuring it as it is`)
  const edges = edgesOf(nodes.map(n => n.peerId), i => nodes[i].libp2p.getConnections().map(c => c.remotePeer.toString()))
  return {
    network, nodes, channel, group, topic, startMs, formMs, settled, neighboursSubscribed, joinsHeld: held() / (members * members), membersMissingJoins: missing,
    meshFormed, meshSizes, edges, dialFailures, closedForming, redialled, closedEnds: () => closed
  }
}
