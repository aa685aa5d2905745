/**
 * Group fan-out with the members spread over several processes (group-procs-worker.ts), this
 * tree and an older checkout alternated round by round on the same random graph. In
 * group-fanout every member shares one thread, so one member's disk write delays every other
 * member's forwarding; here a member waits only for the members in its own process.
 *
 * usage: node --import tsx bench/group-procs.ts --base DIR [--now DIR] [--tree NAME=DIR ...]
 *          [--members 50] [--procs 10] [--messages 40] [--rounds 3] [--invites neighbour|admin]
 *          [--json FILE]
 * DIR: a checkout of the commit to compare with, its node_modules installed (--now: this tree),
 * with this tree's group-procs-worker.ts copied in. Each --tree adds a side run in every round
 * between base and now, so a bisection's revisions meet the same graphs and the same load.
 * --invites: who hands each joiner its invite: the neighbour it joins through (before groups had
 * admin-signed invites) or the admin (since; every joiner then dials the admin too).
 */
import { writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
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
    tree: { type: 'string', multiple: true },
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

interface Run extends TallySummary {
  formMs: number
  joinsHeld: number
  /** the shape the messages met: mesh peers and connections per member, once meshed or timed out */
  meshMedian: number
  meshMin: number
  connectionsMean: number
}

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
    const meshSizes = sizes.map(s => s.mesh).sort((a, b) => a - b)
    const shape = { meshMedian: meshSizes[Math.floor(members / 2)], meshMin: meshSizes[0], connectionsMean: sizes.reduce((n, s) => n + s.connections, 0) / members }
    log(`mesh peers ${meshSizes.join(' ')}, connections per member ${round(shape.connectionsMean)}`)
    for (let k = 0; k < total; k++) {
      const publisher = k % members
      const [w, member] = at(publisher)
      tally.publish(k, publisher, wallNow())
      await w.call({ cmd: 'send', member, group, k })
      await tally.complete(k, PER_MESSAGE_TIMEOUT)
    }
    await tally.allComplete(5_000)
    return { ...tally.summary(WARMUP), formMs, joinsHeld: held() / (members * members), ...shape }
  } finally {
    await Promise.all(workers.map(async w => { await w.stop() }))
  }
}

const extra = (values.tree ?? []).map(t => {
  const at = t.indexOf('=')
  if (at < 1) throw new Error(`--tree NAME=DIR, not ${t}`)
  return [t.slice(0, at), t.slice(at + 1)] as const
})
const sides: Record<string, string> = Object.fromEntries([['base', values.base], ...extra, ['now', values.now ?? ROOT]])
const names = Object.keys(sides)
const results: Record<string, Run[]> = Object.fromEntries(names.map(n => [n, []]))
for (let r = 0; r < Number(values.rounds); r++) {
  const edges = randomEdges(members)
  // alternate the order, so neither end always meets a warmer machine
  const order = r % 2 === 0 ? names : [...names].reverse()
  for (const side of order) {
    log(`round ${r + 1}: ${side}, ${members} members in ${procs} processes, load ${loadavg()[0].toFixed(1)}`)
    const run = await runOnce(sides[side], edges, Number(values.messages))
    results[side].push(run)
    log(`  per-member p50 ${round(run.perMember?.p50 ?? NaN)} ms, time to all p50 ${round(run.timeToAll?.p50 ?? NaN)} ms, delivery ${run.deliveryRatio}`)
  }
}
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
const row = (name: string, pick: (r: Run) => number | undefined): string => {
  const runs = names.map(n => results[n].map(pick).filter((x): x is number => x != null))
  const ratios = runs.slice(1).map(xs => `${round(median(xs) / median(runs[0]))}x`)
  return `| ${name} | ${runs.map(xs => xs.map(round).join(' / ')).join(' | ')} | ${ratios.join(' | ')} |`
}
process.stdout.write([
  `group fan-out, ${members} members in ${procs} processes, ${values.messages} messages a run`,
  `| figure | ${names.join(' | ')} | ${names.slice(1).map(n => `${n}/base`).join(' | ')} |`,
  `| --- | ${names.map(() => '---').join(' | ')} | ${names.slice(1).map(() => '---').join(' | ')} |`,
  row('per-member p50 (ms)', r => r.perMember?.p50), row('per-member p99 (ms)', r => r.perMember?.p99),
  row('time to all p50 (ms)', r => r.timeToAll?.p50), row('time to all p99 (ms)', r => r.timeToAll?.p99),
  row('delivery ratio', r => r.deliveryRatio), row('mesh peers, median', r => r.meshMedian),
  row('mesh peers, fewest', r => r.meshMin), row('connections per member', r => r.connectionsMean), ''
].join('\n'))
if (values.json != null) await writeFile(values.json, JSON.stringify({ members, procs, results }, null, 2))
process.exit(0)
