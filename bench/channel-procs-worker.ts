/**
 * A share of a channel (or of its bare gossipsub baseline) spread over several processes, for
 * channel-procs.ts: hosts `--count` hyphae messengers or bare gossipsub nodes and does what the
 * coordinator asks on stdin, one JSON command a line; answers on stdout.
 *   {"id":1,"cmd":"connect","member":0,"to":"/ip4/..."}      -> {"id":1,"ok":true}
 *   {"id":2,"cmd":"create","member":0}                        -> {"ok":true,"channel":"...","topic":"..."}  (hyphae)
 *   {"id":3,"cmd":"invite","member":0,"channel":"..."}        -> {"ok":true,"invite":"..."}   (hyphae)
 *   {"id":4,"cmd":"follow","member":1,"invite":"..."}         -> {"ok":true}                  (hyphae)
 *   {"id":5,"cmd":"subscribe"}                                -> {"ok":true}   every member (bare)
 *   {"id":6,"cmd":"post","member":0,"channel":"...","k":7}    -> {"ok":true}
 *   {"id":7,"cmd":"state","topic":"..."}                      -> {"ok":true,"members":[{mesh,subscribed,remotes}],"closed":n}
 *   {"id":8,"cmd":"memory"}                                   -> {"ok":true,"rss":..,"heapUsed":..}  after a GC
 *   {"id":9,"cmd":"loop"}                   -> {"ok":true,"p50":ms,"p99":ms,"max":ms,"mean":ms}  event-loop delay since the last
 *   {"id":10,"cmd":"probe","member":0}      -> thread-pool wait, level ops by sublevel, the groups' locks and queues (hyphae)
 *   {"id":11,"cmd":"profile","action":"start","file":"..."}   a CPU profile of the process, written at "stop" (or at exit)
 * Unasked: {"event":"ready","empty":{rss,heapUsed},"members":[{peerId,address}]}, and per post a
 * member has (hyphae: emitted as a stored 'group:message'; bare: gossipsub's 'message'):
 * {"event":"arrive","member":i,"k":7,"at":wall ms}; and member 0's {"event":"sent","id":...,"at":...} once its outbox
 * published a post. Members are numbered within this process.
 */
import { writeFileSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { multiaddr } from '@multiformats/multiaddr'
import { createBareNode, stopAll } from './bare.ts'
import { exemptLoopback, keepSlowConnections } from './fanout.ts'
import { HYPHAE_GOSSIPSUB } from './gossip-baseline.ts'
import { GROUP_BENCH_INIT } from './group-network.ts'
import { answerCommands, printLine as print } from './worker-process.ts'
import { messageText, payload } from './pairs.ts'
import { addressOf, createNetwork, type Network } from '../test/fixtures/index.ts'
import { EncryptedLevel } from '../node/store/encrypted-level.ts'
import type { Libp2p } from '@libp2p/interface'

const { values } = parseArgs({ options: { count: { type: 'string', default: '5' }, side: { type: 'string', default: 'hyphae' } } })
const count = Number(values.count)
const TEXT_PREFIX = 'bench message '
const BARE_TOPIC = 'hyphae-bench/channel'
/** wall-clock ms with sub-ms precision, comparable across processes on one machine */
const wallNow = (): number => performance.timeOrigin + performance.now()
const memory = (): { rss: number, heapUsed: number } => {
  ;(globalThis as any).gc?.()
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed }
}

interface Share {
  libp2p: (member: number) => Libp2p<{ pubsub: GossipSub }>
  addresses: () => Array<{ peerId: string, address: string }>
  run: (c: any) => Promise<Record<string, unknown> | undefined>
  /** of `peers` on `topic`, how many `member` still keeps out of its mesh as unproven (hyphae) */
  suspected: (member: number, topic: string, peers: string[]) => number
  stop: () => Promise<void>
}

let closed = 0
/** level operations this process asked for since the last probe, by kind and sublevel (each a thread-pool trip) */
let levelOps: Record<string, number> = {}
const sublevelOf = (key: unknown): string => typeof key === 'string' ? key.split('!')[1] ?? '?' : '?'
const countOp = (kind: string, key: unknown, n = 1): void => { const k = `${kind} ${sublevelOf(key)}`; levelOps[k] = (levelOps[k] ?? 0) + n }
for (const kind of ['_get', '_put', '_del', '_has', '_getMany', '_hasMany', '_iterator', '_batch', 'compact']) {
  const proto = EncryptedLevel.prototype as any
  const original = proto[kind]
  if (typeof original !== 'function') continue
  proto[kind] = function (this: unknown, ...args: any[]) {
    if (kind === '_batch') for (const op of args[0]) countOp(`batch-${op.type as string}`, op.key)
    else if (kind === '_iterator') countOp(kind, args[0]?.gt ?? args[0]?.gte)
    else countOp(kind, Array.isArray(args[0]) ? args[0][0] : args[0], Array.isArray(args[0]) ? args[0].length : 1)
    return original.apply(this, args)
  }
}
const inFlight = new Map<number, { name: string, at: number }>()
let callId = 0
const empty = memory()
/** this process's event-loop delay since the last 'loop' command: a starved process from a slow path */
const loopDelay = monitorEventLoopDelay({ resolution: 10 })
loopDelay.enable()
let profiler: { session: Session, file: string } | undefined
const writeProfile = async (): Promise<void> => {
  if (profiler == null) return
  const { session, file } = profiler
  profiler = undefined
  const { profile } = await session.post('Profiler.stop')
  writeFileSync(file, JSON.stringify(profile))
  session.disconnect()
}

async function hyphaeShare (): Promise<Share> {
  const network: Network = await createNetwork(count, { init: GROUP_BENCH_INIT })
  const nodes = network.nodes
  nodes.forEach((node, member) => {
    // every member is 127.0.0.1 here: without this the best-connected ones graylist their peers
    exemptLoopback(node.libp2p.services.pubsub)
    keepSlowConnections(node.libp2p)
    // when the owner's outbox published a post (the message ids it sent), to tell storing from publishing
    node.addEventListener('group:receipt', (evt: CustomEvent<any>) => {
      if (member === 0 && evt.detail.status === 'sent') print({ event: 'sent', member, id: evt.detail.id, at: wallNow() })
    })
    node.addEventListener('group:message', (evt: CustomEvent<any>) => {
      const m = evt.detail
      if (m.kind === 'text' && m.body.startsWith(TEXT_PREFIX)) print({ event: 'arrive', member, k: Number.parseInt(m.body.slice(TEXT_PREFIX.length)), at: wallNow() })
    })
  })
  // the owner's store calls under way (bench diagnostics: where a slow post waits)
  const store = nodes[0].groups.store as any
  for (const name of ['listGroups', 'group', 'clock', 'head', 'member', 'batch', 'unreadCount']) {
    const original = store[name].bind(store)
    store[name] = async (...args: unknown[]) => {
      const key = callId++
      inFlight.set(key, { name, at: wallNow() })
      try { return await original(...args) } finally { inFlight.delete(key) }
    }
  }
  return {
    libp2p: member => nodes[member].libp2p as any,
    addresses: () => nodes.map(n => ({ peerId: n.peerId, address: addressOf(n) })),
    run: async c => {
      const node = nodes[c.member]
      switch (c.cmd) {
        case 'create': {
          const { id } = await node.createChannel('bench')
          return { channel: id, topic: await node.groups.topic(id) }
        }
        case 'invite': return { invite: await node.channelInvite(c.channel) }
        case 'follow': await node.followChannel(c.invite); return {}
        case 'post': {
          const t0 = wallNow()
          const { id } = await node.sendGroupMessage(c.channel, messageText(c.k))
          return { messageId: id, stored: wallNow(), postMs: wallNow() - t0 }
        }
        // what the owner's groups are busy with (internals, read only): while a post is slow to be taken
        case 'probe': {
          const g = node.groups as any
          const t0 = wallNow()
          await stat('/')
          const threadPoolMs = Math.round(wallNow() - t0)
          return {
            threadPoolMs,
            levelOps: (() => { const o = levelOps; levelOps = {}; return o })(),
            storeCallsInFlight: [...inFlight.values()].map(({ name, at }) => `${name} for ${Math.round(wallNow() - at)} ms`).slice(0, 10),
            lockedGroups: g.ctx.mutex.tails.size,
            tasks: g.ctx.tasks.size,
            ledgerQueued: g.ledger.queued.size,
            syncsInFlight: g.history.syncs.size,
            retryTimers: g.history.gapTimers.size,
            connections: node.libp2p.getConnections().length,
            reasons: g.stats.reasons
          }
        }
        case 'stats': {
          const s = { accepted: 0, ignored: 0, rejected: 0, reasons: {} as Record<string, number> }
          for (const n of nodes) {
            s.accepted += n.groups.stats.accepted; s.ignored += n.groups.stats.ignored; s.rejected += n.groups.stats.rejected
            for (const [r, k] of Object.entries(n.groups.stats.reasons)) s.reasons[r] = (s.reasons[r] ?? 0) + k
          }
          return s
        }
      }
      return undefined
    },
    // the gate is internal to GroupChats: read here only to count, never changed
    suspected: (member, topic, peers) => peers.filter(p => (nodes[member].groups as any).topics.gate.suspects(topic, p) === true).length,
    stop: async () => { await network.stop() }
  }
}

async function bareShare (): Promise<Share> {
  const nodes: Array<Libp2p<{ pubsub: GossipSub }>> = []
  for (let i = 0; i < count; i++) {
    const node = await createBareNode<{ pubsub: GossipSub }>({ identify: identify(), pubsub: gossipsub(HYPHAE_GOSSIPSUB) } as any)
    exemptLoopback(node.services.pubsub)
    keepSlowConnections(node)
    node.services.pubsub.addEventListener('message', (evt: CustomEvent<any>) => {
      if (evt.detail.topic !== BARE_TOPIC) return
      const data: Uint8Array = evt.detail.data
      print({ event: 'arrive', member: i, k: new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0), at: wallNow() })
    })
    nodes.push(node)
  }
  const body = payload()
  return {
    libp2p: member => nodes[member],
    addresses: () => nodes.map(n => ({ peerId: n.peerId.toString(), address: n.getMultiaddrs()[0].toString() })),
    run: async c => {
      switch (c.cmd) {
        case 'subscribe': for (const n of nodes) n.services.pubsub.subscribe(BARE_TOPIC); return {}
        case 'post': {
          const data = Uint8Array.from(body)
          new DataView(data.buffer).setUint32(0, c.k)
          await nodes[c.member].services.pubsub.publish(BARE_TOPIC, data)
          return {}
        }
        case 'stats': return {}
      }
      return undefined
    },
    suspected: () => 0,
    stop: async () => { await stopAll(nodes) }
  }
}

const share = values.side === 'bare' ? await bareShare() : await hyphaeShare()
for (let i = 0; i < count; i++) share.libp2p(i).addEventListener('connection:close', () => { closed++ })
print({ event: 'ready', empty, members: share.addresses() })

/** The implementation has getMeshPeers; the exported interface does not declare it. */
const meshOf = (pubsub: GossipSub, topic: string): string[] => (pubsub as GossipSub & { getMeshPeers(topic: string): string[] }).getMeshPeers(topic)

async function run (c: any): Promise<Record<string, unknown>> {
  switch (c.cmd) {
    case 'connect': await share.libp2p(c.member).dial(multiaddr(c.to)); return {}
    case 'memory': return memory()
    case 'loop': {
      const ms = (ns: number): number => Math.round(ns / 1e5) / 10
      const answer = { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max), mean: ms(loopDelay.mean) }
      loopDelay.reset()
      return answer
    }
    // a CPU profile of this whole process, written to c.file on 'profile' 'stop' or on 'stop'
    case 'profile': {
      if (c.action === 'start' && profiler == null) {
        const session = new Session()
        session.connect()
        await session.post('Profiler.enable')
        await session.post('Profiler.start')
        profiler = { session, file: c.file }
      } else {
        await writeProfile()
      }
      return {}
    }
    case 'state': {
      const topic: string = c.topic ?? BARE_TOPIC
      const members = Array.from({ length: count }, (_, i) => {
        const libp2p = share.libp2p(i)
        const subs = new Set(libp2p.services.pubsub.getSubscribers(topic).map(p => p.toString()))
        const remotes = libp2p.getConnections().map(conn => conn.remotePeer.toString())
        const subscribed = remotes.filter(r => subs.has(r))
        return { mesh: meshOf(libp2p.services.pubsub, topic).length, remotes, subscribed: subscribed.length, suspected: share.suspected(i, topic, subscribed) }
      })
      return { members, closed }
    }
    case 'stop': await writeProfile(); await share.stop(); process.exit(0)
  }
  const answer = await share.run(c)
  if (answer == null) throw new Error(`unknown command ${String(c.cmd)} on the ${values.side} side`)
  return answer
}

answerCommands(run)
