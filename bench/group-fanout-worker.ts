/**
 * One side of one group-fanout size, in a process of its own (so that neither side inherits the
 * other's heap, and a side that runs out of memory fails alone). Prints JSON lines:
 *   {"event":"log","message":"..."}                          progress
 *   {"event":"memory","phase":"empty"|"ready","rss":..,"heapUsed":..}   after a GC
 *   {"event":"result",...}  or  {"event":"error","message":"..."}
 *
 * --side hyphae: N messengers in one group (group-network.ts), along a random graph; writes the
 *   graph the group ended with to --graph FILE before measuring.
 * --kind channel: node 0 owns a channel the others follow, and posts every message; the bare
 *   side then publishes every message from node 0 too.
 * --side bare: N bare gossipsub nodes (gossip-baseline.ts) along the graph read from --graph FILE,
 *   left alone for as long as the group's joins must be quiet before it counts as formed.
 *
 * usage: node --expose-gc --import tsx bench/group-fanout-worker.ts --side hyphae|bare
 *          --members N --messages M --graph FILE [--kind group|channel] [--form-timeout MS] [--mesh-timeout MS]
 *          [--per-message-timeout MS] [--grace MS] [--profile FILE]
 *
 * --profile FILE writes a CPU profile of the sending phase alone, for profile-summary.ts.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { pieces, randomEdges, type Edge } from './fanout.ts'
import { gossipFanout } from './gossip-baseline.ts'
import { formGroupNetwork, QUIET_MS } from './group-network.ts'
import { groupFanout } from './group-send.ts'
import { now } from './stats.ts'
import type { Network } from '../test/fixtures/index.ts'

const { values } = parseArgs({
  options: {
    side: { type: 'string', default: 'hyphae' },
    kind: { type: 'string', default: 'group' },
    members: { type: 'string', default: '10' },
    messages: { type: 'string', default: '20' },
    graph: { type: 'string' },
    'form-timeout': { type: 'string', default: '60000' },
    'mesh-timeout': { type: 'string', default: '20000' },
    'per-message-timeout': { type: 'string', default: '2000' },
    grace: { type: 'string', default: '5000' },
    profile: { type: 'string' }
  }
})
const members = Number(values.members)
const messages = Number(values.messages)
const perMessageTimeout = Number(values['per-message-timeout'])
const grace = Number(values.grace)
const meshTimeout = Number(values['mesh-timeout'])
/** messages sent first on both sides and left out of the figures */
const WARMUP = 5
const print = (line: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(line) + '\n') }
const log = (message: string): void => { print({ event: 'log', message }) }

function memory (phase: string): void {
  ;(globalThis as any).gc?.()
  const m = process.memoryUsage()
  print({ event: 'memory', phase, rss: m.rss, heapUsed: m.heapUsed })
}

// how late the one thread that all N nodes share gets to its timers: setting up, then sending
const lag = monitorEventLoopDelay({ resolution: 10 })
lag.enable()
const lagMs = (): Record<string, number> => {
  const ms = (ns: number): number => Math.round(ns / 1e5) / 10
  const out = { p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max) }
  lag.reset()
  return out
}

async function startProfile (): Promise<Session> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 500 })
  await session.post('Profiler.start')
  return session
}

async function stopProfile (session: Session, file: string): Promise<void> {
  const { profile } = await session.post('Profiler.stop')
  session.disconnect()
  await writeFile(file, JSON.stringify(profile))
}

async function hyphae (): Promise<void> {
  let network: Network | undefined
  try {
    const net = await formGroupNetwork({
      members, edges: randomEdges(members), formTimeout: Number(values['form-timeout']), meshTimeout, log, channel: values.kind === 'channel'
    }, n => { network = n })
    if (values.graph != null) await writeFile(values.graph, JSON.stringify(net.edges))
    const setupLag = lagMs()
    memory('ready')
    log(`${members} members, ${net.edges.length} connections; sending ${messages} messages`)
    const t0 = now()
    const closedBefore = net.closedEnds()
    const session = values.profile != null ? await startProfile() : undefined
    const run = await groupFanout(net, messages, perMessageTimeout, grace, WARMUP)
    if (session != null && values.profile != null) await stopProfile(session, values.profile)
    const { nodes: _, network: __, closedEnds, ...about } = net
    print({
      event: 'result', side: 'hyphae', members, messages, connections: net.edges.length, sendMs: now() - t0, ...about, edges: undefined, ...run,
      closedSending: closedEnds() - closedBefore, pieces: pieces(members, net.edges), eventLoopDelayMs: { setup: setupLag, sending: lagMs() }
    })
  } finally {
    const t = now()
    await network?.stop()
    log(`stopped in ${Math.round(now() - t)} ms`)
  }
}

async function bare (): Promise<void> {
  const edges: Edge[] = values.graph != null ? JSON.parse(await readFile(values.graph, 'utf8')) : randomEdges(members)
  let setupLag: Record<string, number> | undefined
  let session: Session | undefined
  const result = await gossipFanout({
    nodes: members, messages, edges, warmup: WARMUP, exemptLoopback: true, settleMs: QUIET_MS, meshTimeout, perMessageTimeout, grace, log, onePublisher: values.kind === 'channel',
    onReady: async () => {
      setupLag = lagMs()
      memory('ready')
      if (values.profile != null) session = await startProfile()
    }
  })
  // (this profile also has the nodes stopping: gossipFanout stops them before it returns)
  if (session != null && values.profile != null) await stopProfile(session, values.profile)
  print({ event: 'result', side: 'bare', members, ...result, eventLoopDelayMs: { setup: setupLag, sending: lagMs() } })
}

memory('empty')
try {
  await (values.side === 'bare' ? bare() : hyphae())
} catch (err: any) {
  print({ event: 'error', message: err?.stack ?? String(err) })
}
// libp2p and level keep timers and handles around after stop(); the run is over
process.exit(0)
