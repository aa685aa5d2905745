/**
 * Group fan-out (issues 4 and 7): N hyphae messengers in one process in one group chat
 * (group-network.ts), 1 KiB texts sent one at a time from a rotating member with
 * sendGroupMessage(); per message, the time until every other member has emitted it as a
 * 'group:message' (verified, stored), p50/p99, the latency of each (message, member), the
 * delivery ratio and the memory per member. Baseline: bare gossipsub nodes (gossip-baseline.ts)
 * on exactly the graph the group ended with, in the same run. Each side of each size runs in a
 * process of its own (group-fanout-worker.ts): neither inherits the other's heap, and a size
 * that does not fit fails alone, with its error in the notes.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JsonLineChild, ROOT } from './child.ts'
import { figure, type Bench, type BenchContext, type BenchResult, type Figure } from './report.ts'
import { round, rounded, summarize } from './stats.ts'

const MiB = 2 ** 20
const GOAL_MEMBERS = 100
const GOAL_P99_MS = 150

interface Settings {
  members: number
  messages: number
  formTimeout: number
  meshTimeout: number
  perMessageTimeout: number
  grace: number
}

export function settings (members: number, quick: boolean): Settings {
  return {
    members,
    messages: quick ? 20 : members >= 500 ? 30 : 100,
    // joining and settling cost O(members²) deliveries and history items, all on one thread
    formTimeout: 60_000 + members * (quick ? 1_000 : 3_000),
    // a mesh not formed by then is measured as it is (a note says so)
    meshTimeout: quick ? 5_000 : 20_000,
    perMessageTimeout: Math.max(2_000, members * 10),
    grace: quick ? 3_000 : 5_000
  }
}

export interface Side {
  result?: any
  memory: Record<string, { rss: number, heapUsed: number }>
  error?: string
  ms: number
}

/** Runs one side of one size in a worker; never throws (a failure is in `error`). */
export async function runSide (side: 'hyphae' | 'bare', s: Settings, graph: string | undefined, log: (m: string) => void, kind: 'group' | 'channel' = 'group'): Promise<Side> {
  const started = performance.now()
  // joining, settling and settling again after the redials are each bounded by formTimeout
  const deadline = 3 * s.formTimeout + s.meshTimeout + (s.messages + 10) * s.perMessageTimeout + s.grace + s.members * 500 + 120_000
  const child = new JsonLineChild(process.execPath, [
    '--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', join(ROOT, 'bench', 'group-fanout-worker.ts'),
    '--side', side, '--kind', kind, '--members', String(s.members), '--messages', String(s.messages), ...(graph != null ? ['--graph', graph] : []),
    '--form-timeout', String(s.formTimeout), '--mesh-timeout', String(s.meshTimeout),
    '--per-message-timeout', String(s.perMessageTimeout), '--grace', String(s.grace)
  ])
  let seen = 0
  const progress = (): void => {
    const lines = child.values().filter(v => v?.event === 'log')
    for (const v of lines.slice(seen)) log(`${side} ${s.members}: ${v.message}`)
    seen = lines.length
  }
  const timer = setInterval(progress, 500)
  try {
    const end = await child.next(v => v?.event === 'result' || v?.event === 'error', deadline)
    // the worker stops its nodes before it exits
    await child.next(() => false, 300_000).catch(() => {})
    const memory = Object.fromEntries(child.values().filter(v => v?.event === 'memory').map(v => [v.phase, { rss: v.rss, heapUsed: v.heapUsed }]))
    return end.value.event === 'error'
      ? { memory, error: String(end.value.message).split('\n')[0], ms: performance.now() - started }
      : { result: end.value, memory, ms: performance.now() - started }
  } catch (err: any) {
    return { memory: {}, error: err?.message ?? String(err), ms: performance.now() - started }
  } finally {
    clearInterval(timer)
    progress()
    await child.stop()
  }
}

const perMember = (side: Side, key: 'rss' | 'heapUsed', members: number): number | undefined => {
  const { empty, ready } = side.memory
  return empty == null || ready == null ? undefined : (ready[key] - empty[key]) / members / MiB
}

export function figures (n: number, hyphae: Side, bare: Side, kind: 'group' | 'channel' = 'group'): Figure[] {
  const h = hyphae.result
  const b = bare.result
  const goal = n === GOAL_MEMBERS
  const all: Figure[] = [
    figure({ name: `group time to all ${n} p50`, unit: 'ms', value: h?.timeToAll?.p50, baseline: `bare gossipsub time to all ${n} p50`, baselineValue: b?.timeToAll?.p50, better: 'lower', n: h?.timeToAll?.n }),
    figure({
      name: `group time to all ${n} p99`, unit: 'ms', value: h?.timeToAll?.p99, baseline: `bare gossipsub time to all ${n} p99`, baselineValue: b?.timeToAll?.p99, better: 'lower', n: h?.timeToAll?.n,
      goal: goal ? { text: `<= ${GOAL_P99_MS} ms`, check: v => v <= GOAL_P99_MS } : undefined
    }),
    figure({ name: `group per-member latency ${n} p50`, unit: 'ms', value: h?.perMember?.p50, baseline: 'bare gossipsub per node p50', baselineValue: b?.perMember?.p50, better: 'lower', n: h?.perMember?.n }),
    figure({ name: `group per-member latency ${n} p99`, unit: 'ms', value: h?.perMember?.p99, baseline: 'bare gossipsub per node p99', baselineValue: b?.perMember?.p99, better: 'lower', n: h?.perMember?.n }),
    figure({
      name: `group delivery ratio ${n}`, unit: '', value: h?.deliveryRatio, baseline: 'bare gossipsub delivery ratio', baselineValue: b?.deliveryRatio, better: 'higher', n: h?.messages,
      goal: goal ? { text: '100% delivered', check: v => v >= 1 } : undefined
    }),
    figure({ name: `group RSS per member ${n}`, unit: 'MiB', value: perMember(hyphae, 'rss', n), baseline: 'bare gossipsub RSS per node', baselineValue: perMember(bare, 'rss', n), better: 'lower' })
  ]
  // a channel's figures read the same, one author posting: "channel time to all 500 p99", ...
  return kind === 'group' ? all : all.map(f => ({ ...f, name: f.name.replace(/^group( per-member)?/, (_m, pm: string | undefined) => pm != null ? 'channel per-follower' : 'channel'), goal: undefined }))
}

/** What the JSON keeps of one side: summaries, not the raw samples. */
export function detail (side: Side, members: number): Record<string, unknown> {
  const r = side.result ?? {}
  const mesh = (r.meshSizes ?? []) as number[]
  const sorted = [...mesh].sort((x, y) => x - y)
  return {
    error: side.error,
    ms: Math.round(side.ms),
    connections: r.connections,
    timeToAll: rounded(r.timeToAll ?? null),
    firstArrival: rounded(r.firstArrival ?? null),
    perMember: rounded(r.perMember ?? null),
    deliveryRatio: r.deliveryRatio,
    complete: r.complete,
    sendReturned: Array.isArray(r.sendReturned) && r.sendReturned.length > 0 ? rounded(summarize(r.sendReturned)) : undefined,
    setupMs: r.setupMs != null ? Math.round(r.setupMs) : undefined,
    startMs: r.startMs != null ? Math.round(r.startMs) : undefined,
    formMs: r.formMs != null ? Math.round(r.formMs) : undefined,
    settled: r.settled,
    neighboursSubscribed: r.neighboursSubscribed,
    joinsHeld: r.joinsHeld != null ? round(r.joinsHeld) : undefined,
    membersMissingJoins: r.membersMissingJoins,
    validation: r.validation,
    dialFailures: r.dialFailures,
    pieces: Array.isArray(r.pieces) ? { count: r.pieces.length, largest: r.pieces[0], alone: r.pieces.filter((p: number) => p === 1).length } : undefined,
    connectionEndsClosed: r.closedForming != null ? { forming: r.closedForming, sending: r.closedSending } : undefined,
    redialled: r.redialled,
    eventLoopDelayMs: r.eventLoopDelayMs,
    meshFormed: r.meshFormed,
    meshSizes: sorted.length > 0 ? { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] } : undefined,
    memoryMiB: Object.fromEntries(Object.entries(side.memory).map(([phase, m]) => [phase, { rss: round(m.rss / MiB), heapUsed: round(m.heapUsed / MiB) }])),
    rssPerMemberMiB: perMember(side, 'rss', members) != null ? round(perMember(side, 'rss', members) as number) : undefined,
    heapPerMemberMiB: perMember(side, 'heapUsed', members) != null ? round(perMember(side, 'heapUsed', members) as number) : undefined
  }
}

export async function run (ctx: BenchContext): Promise<BenchResult> {
  const sizes = ctx.quick ? [10, 50] : [10, 50, 100, 500]
  const dir = await mkdtemp(join(tmpdir(), 'hyphae-bench-group-'))
  const out: BenchResult = {
    figures: [],
    details: { sizes, messageBytes: 1024 },
    notes: ['both sides: 127.0.0.1 is exempt from gossipsub\'s IP colocation penalty (P6), which would otherwise leave the best-connected nodes of a one-machine network meshless or deaf; members run with relayClient, dhtServer and reconnect off (see bench/README.md)']
  }
  try {
    for (const n of sizes) {
      const s = settings(n, ctx.quick)
      const graph = join(dir, `graph-${n}.json`)
      ctx.log(`${n} members, ${s.messages} messages: hyphae group, then bare gossipsub on the same graph`)
      const hyphae = await runSide('hyphae', s, graph, ctx.log)
      if (hyphae.error != null) out.notes!.push(`${n} members, hyphae: failed: ${hyphae.error}`)
      // without the group's graph (it failed before writing it) the baseline gets a fresh random one
      const bare = await runSide('bare', s, hyphae.result != null ? graph : undefined, ctx.log)
      if (bare.error != null) out.notes!.push(`${n} members, bare gossipsub: failed: ${bare.error}`)
      out.figures.push(...figures(n, hyphae, bare))
      out.details![`members${n}`] = { settings: s, hyphae: detail(hyphae, n), bare: detail(bare, n) }
      const h = hyphae.result
      if (h != null && h.settled !== true) out.notes!.push(`${n} members: the joins had not settled when sending started`)
      if (h != null && h.closedForming > 0) {
        out.notes!.push(`${n} members: ${h.closedForming} connection ends closed while the group formed (under this load, mostly libp2p's connection monitor aborting connections whose pings took over 5 s), ${h.redialled} connections of the starting graph dialled again, ${h.closedSending} ends closed while sending; ${round(100 * h.joinsHeld)}% of the joins held by then`)
      }
      const split = (h?.pieces ?? []) as number[]
      if (split.length > 1) {
        out.notes!.push(`${n} members: the group's graph had fallen into ${split.length} pieces by the time sending started (the largest ${split[0]} members, ${split.filter(p => p === 1).length} members alone): no message can reach every member, on either side; at this size these figures describe what one process holds together, not fan-out`)
      }
      if (hyphae.result?.meshFormed === false || bare.result?.meshFormed === false) out.notes!.push(`${n} members: a mesh was not fully formed when sending started (hyphae ${hyphae.result?.meshFormed}, bare ${bare.result?.meshFormed})`)
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  return out
}

export const bench: Bench = {
  name: 'group-fanout',
  description: 'group message fan-out: time to all members p50/p99, per member, delivery and memory, vs bare gossipsub on the same graph',
  tags: ['gossip', 'group'],
  run
}
