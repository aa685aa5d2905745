/**
 * Group fan-out with the members spread over several processes (group-procs-worker.ts), this
 * tree and an older checkout alternated round by round on the same random graph. In
 * group-fanout every member shares one thread, so one member's disk write delays every other
 * member's forwarding; here a member waits only for the members in its own process.
 *
 * usage: node --import tsx bench/group-procs.ts --base DIR [--now DIR] [--members 50] [--procs 10]
 *          [--messages 40] [--rounds 3] [--invites neighbour|admin] [--json FILE]
 * DIR: a checkout of the commit to compare with, its node_modules installed (--now: this tree).
 * --invites: who hands each joiner its invite: the neighbour it joins through (before groups had
 * admin-signed invites) or the admin (since; every joiner then dials the admin too).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ROOT } from './child.ts'
import { FanoutTally, meshed, randomEdges, type Edge, type TallySummary } from './fanout.ts'
import { round } from './stats.ts'
import { WorkerProcess } from './worker-process.ts'

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    now: { type: 'string' },
    invites: { type: 'string', default: 'neighbour' },
    members: { type: 'string', default: '50' },
    procs: { type: 'string', default: '10' },
    messages: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'string' }
  }
})
if (values.base == null) throw new Error('--base DIR (a checkout of the commit to compare with) is required')
const members = Number(values.members)
const procs = Number(values.procs)
const perProc = Math.ceil(members / procs)
const WARMUP = 5
const PER_MESSAGE_TIMEOUT = Math.max(2_000, members * 20)
const QUIET_MS = 3_000
const FORM_TIMEOUT = 60_000 + members * 2_000
const MESH_TIMEOUT = 20_000
const wallNow = (): number => performance.timeOrigin + performance.now()
const log = (m: string): void => { process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`) }

/** A worker of the checkout at `root` hosting `count` members. */
const groupWorker = (root: string, count: number, onEvent: (e: any) => void): WorkerProcess =>
  new WorkerProcess(root, ['--import', 'tsx', join(root, 'bench', 'group-procs-worker.ts'), '--count', String(count)], onEvent)

interface Run extends TallySummary { formMs: number, joinsHeld: number }

async function runOnce (root: string, edges: Edge[], messages: number): Promise<Run> {
  const total = WARMUP + messages
  const tally = new FanoutTally(total, members)
  const joins = Array.from({ length: members }, () => new Set<string>())
  let lastJoin = wallNow()
  const workers: WorkerProcess[] = []
  const at = (g: number): [WorkerProcess, number] => [workers[Math.floor(g / perProc)], g % perProc]
  for (let p = 0; p < procs; p++) {
    const count = Math.min(perProc, members - p * perProc)
    workers.push(groupWorker(root, count, e => {
      if (e.event !== 'arrive') return
      const g = p * perProc + e.member
      if (e.kind === 'join' && !joins[g].has(e.author)) { joins[g].add(e.author); lastJoin = wallNow() }
      if (e.kind === 'text' && e.k >= 0) tally.arrive(e.k, g, e.at)
    }))
  }
  try {
    const ready = await Promise.all(workers.map(async w => w.ready))
    const address = ready.flatMap(r => r.members.map((m: any) => m.address))
    for (const [a, b] of edges) {
      const [w, member] = at(b)
      await w.call({ cmd: 'connect', member, to: address[a] }).catch((err: Error) => { log(`dial ${b}->${a}: ${err.message}`) })
    }
    const t0 = wallNow()
    const [w0, m0] = at(0)
    const { group } = await w0.call({ cmd: 'create', member: m0 })
    const inviter = new Map<number, number>()
    for (const [a, b] of edges) if (!inviter.has(b)) inviter.set(b, a)
    const joined: Array<Promise<void>> = [Promise.resolve()]
    for (let i = 1; i < members; i++) {
      const by = values.invites === 'admin' ? 0 : inviter.get(i) ?? 0
      joined[i] = joined[inviter.get(i) ?? 0].then(async () => {
        const [wb, mb] = at(by)
        const { invite } = await wb.call({ cmd: 'invite', member: mb, group })
        const [wi, mi] = at(i)
        await wi.call({ cmd: 'join', member: mi, invite }, FORM_TIMEOUT)
      })
    }
    await Promise.all(joined)
    // settled: every join held everywhere, or none new for QUIET_MS (bounded by FORM_TIMEOUT)
    const held = (): number => joins.reduce((s, j) => s + j.size, 0)
    const deadline = wallNow() + FORM_TIMEOUT
    while (held() < members * members && wallNow() - lastJoin < QUIET_MS && wallNow() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
    const formMs = wallNow() - t0
    log(`formed in ${Math.round(formMs)} ms, ${held()} of ${members * members} joins held`)
    // as group-fanout does: measure once every member has its mesh (or after MESH_TIMEOUT)
    const meshDeadline = wallNow() + MESH_TIMEOUT
    let sizes: Array<{ mesh: number, connections: number }> = []
    while (wallNow() < meshDeadline) {
      sizes = await Promise.all(Array.from({ length: members }, async (_, g) => { const [w, member] = at(g); return w.call({ cmd: 'mesh', member, group }) }))
      if (meshed(sizes.map(s => s.mesh), sizes.map(s => s.connections))) break
      await new Promise(resolve => setTimeout(resolve, 250))
    }
    if (!meshed(sizes.map(s => s.mesh), sizes.map(s => s.connections))) log(`the mesh did not fully form: ${sizes.map(s => s.mesh).join(' ')}`)
    for (let k = 0; k < total; k++) {
      const publisher = k % members
      const [w, member] = at(publisher)
      tally.publish(k, publisher, wallNow())
      await w.call({ cmd: 'send', member, group, k })
      await tally.complete(k, PER_MESSAGE_TIMEOUT)
    }
    await tally.allComplete(5_000)
    return { ...tally.summary(WARMUP), formMs, joinsHeld: held() / (members * members) }
  } finally {
    await Promise.all(workers.map(async w => { await w.stop() }))
  }
}

const sides = { base: values.base, now: values.now ?? ROOT }
const results: Record<string, Run[]> = { base: [], now: [] }
for (let r = 0; r < Number(values.rounds); r++) {
  const edges = randomEdges(members)
  // alternate which side goes first, so neither always meets a warmer machine
  const order = r % 2 === 0 ? ['base', 'now'] as const : ['now', 'base'] as const
  for (const side of order) {
    log(`round ${r + 1}: ${side}, ${members} members in ${procs} processes`)
    const run = await runOnce(sides[side], edges, Number(values.messages))
    results[side].push(run)
    log(`  per-member p50 ${round(run.perMember?.p50 ?? NaN)} ms, time to all p50 ${round(run.timeToAll?.p50 ?? NaN)} ms, delivery ${run.deliveryRatio}`)
  }
}
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
const row = (name: string, pick: (r: Run) => number | undefined): string => {
  const b = results.base.map(pick).filter((x): x is number => x != null)
  const n = results.now.map(pick).filter((x): x is number => x != null)
  return `| ${name} | ${b.map(round).join(' / ')} | ${n.map(round).join(' / ')} | ${round(median(n) / median(b))}x |`
}
process.stdout.write([
  `group fan-out, ${members} members in ${procs} processes, ${values.messages} messages a run`,
  '| figure | base | now | ratio of medians |', '| --- | --- | --- | --- |',
  row('per-member p50 (ms)', r => r.perMember?.p50), row('per-member p99 (ms)', r => r.perMember?.p99),
  row('time to all p50 (ms)', r => r.timeToAll?.p50), row('time to all p99 (ms)', r => r.timeToAll?.p99),
  row('delivery ratio', r => r.deliveryRatio), ''
].join('\n'))
if (values.json != null) await writeFile(values.json, JSON.stringify({ members, procs, results }, null, 2))
process.exit(0)
