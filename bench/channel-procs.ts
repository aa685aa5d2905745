/**
 * Channel fan-out with the followers spread over several processes (channel-procs-worker.ts), for
 * sizes one process cannot hold together (issue 16: 500 followers). Node 0 creates a channel;
 * the others, already connected along a random graph (each dials 3 earlier ones), follow it in
 * waves of `--wave`, each wave once the one before has entered its neighbours' meshes (bounded);
 * then node 0 posts 1 KiB texts one at a time: per post, the time until every follower has
 * emitted it (verified, stored) and the delivery ratio. Baseline in the same run: bare gossipsub
 * nodes in as many processes, on exactly the graph the channel ended with, every post from node 0.
 * The owner runs in a process of its own (as on its own machine; with 49 followers beside it,
 * their work starved its posting), the followers in `--procs` more; `--owner-alone false` shares.
 *
 * usage: node --import tsx bench/channel-procs.ts [--members 500] [--procs 10] [--posts 30]
 *          [--wave 50] [--sides both|hyphae] [--owner-alone true|false] [--json FILE]
 * Prints progress on stderr, then the JSON document and a Markdown table on stdout.
 */
import { writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ROOT } from './child.ts'
import { edgesOf, FanoutTally, meshed, pieces, randomEdges, type Edge, type TallySummary } from './fanout.ts'
import { round, rounded } from './stats.ts'
import { WorkerProcess } from './worker-process.ts'

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '500' },
    procs: { type: 'string', default: '10' },
    posts: { type: 'string', default: '30' },
    wave: { type: 'string', default: '50' },
    /** 'hyphae' alone skips the baseline (a quick look at the channel side only) */
    sides: { type: 'string', default: 'both' },
    /** the owner in a process of its own, as on its own machine ('false': it shares the first with the followers) */
    'owner-alone': { type: 'string', default: 'true' },
    json: { type: 'string' }
  }
})
const members = Number(values.members)
const ownerAlone = values['owner-alone'] !== 'false'
/** members per worker process, the owner (member 0) first */
const layout: number[] = (() => {
  const shared = ownerAlone ? members - 1 : members
  const n = Math.min(Number(values.procs), shared)
  const per = Math.ceil(shared / n)
  const counts = Array.from({ length: Math.ceil(shared / per) }, (_, p) => Math.min(per, shared - p * per))
  return ownerAlone ? [1, ...counts] : counts
})()
const procs = layout.length
/** the global number of each process's first member */
const firstOf = layout.map((_, p) => layout.slice(0, p).reduce((a, b) => a + b, 0))
const posts = Number(values.posts)
const WAVE = Number(values.wave)
const WARMUP = 5
const PER_POST_TIMEOUT = Math.max(5_000, members * 20)
const WAVE_TIMEOUT = 30_000
const FORM_TIMEOUT = 60_000 + members * 200
const MESH_TIMEOUT = 30_000
/** what group-fanout leaves the bare side alone for before measuring */
const QUIET_MS = 3_000
/** a side taking longer is abandoned, its workers stopped, and what failed reported */
const SIDE_LIMIT_MS = 30 * 60_000
const MiB = 2 ** 20
const wallNow = (): number => performance.timeOrigin + performance.now()
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const t00 = wallNow()
const log = (m: string): void => { process.stderr.write(`${new Date().toISOString().slice(11, 19)} +${Math.round((wallNow() - t00) / 1000)}s ${m}\n`) }

interface MemberState { mesh: number, subscribed: number, suspected: number, remotes: string[] }

/** for the progress log: how far the mesh is, and how many subscribed neighbours are still kept out as unproven */
const meshReport = (s: MemberState[], following = s.length - 1): string => {
  const followers = s.slice(1, following + 1)
  const sizes = followers.map(m => m.mesh).sort((a, b) => a - b)
  return `${followers.filter(m => m.mesh === 0).length} of ${followers.length} followers without a mesh peer (sizes ${sizes[0] ?? 0}-${sizes.at(-1) ?? 0}, median ${sizes[Math.floor(sizes.length / 2)] ?? 0}); ` +
    `${s.reduce((n, m) => n + m.suspected, 0)} of ${s.reduce((n, m) => n + m.subscribed, 0)} subscribed neighbour ends unproven`
}

interface SideResult extends Partial<TallySummary> {
  side: 'hyphae' | 'bare'
  error?: string
  failedAt?: string
  startMs?: number
  formMs?: number
  connections?: number
  pieces?: number[]
  meshFormed?: boolean
  meshSizes?: { min: number, median: number, max: number }
  unmeshedFollowers?: number
  dialFailures: number
  redialled?: number
  closedEnds?: number
  /** ms from asking the owner's process to post until its send() had returned, per post */
  handOverMs?: { p50?: number, max?: number }
  /** the owner's process: worst event-loop delay while each post went around */
  ownerLoopMaxMs?: { p50?: number, max?: number }
  rssPerMemberMiB?: number
  heapPerMemberMiB?: number
  rssTotalMiB?: number
  load: { min: number, max: number, atPosting?: number }
  ms: number
  edges?: Edge[]
}

/** Runs `jobs` with at most `limit` in flight. */
async function bounded<T> (items: T[], limit: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await job(items[next++])
  }))
}

async function runSide (side: 'hyphae' | 'bare', graph: Edge[]): Promise<SideResult> {
  const t0 = wallNow()
  const out: SideResult = { side, dialFailures: 0, load: { min: loadavg()[0], max: loadavg()[0] }, ms: 0 }
  const loadTimer = setInterval(() => { const l = loadavg()[0]; out.load.min = Math.min(out.load.min, l); out.load.max = Math.max(out.load.max, l) }, 5_000)
  const tally = new FanoutTally(WARMUP + posts, members)
  const workers: WorkerProcess[] = []
  /** the owner's outbox: when each post (by id) was published */
  const sentAt = new Map<string, number>()
  const at = (g: number): [WorkerProcess, number] => { const p = firstOf.findLastIndex(f => f <= g); return [workers[p], g - firstOf[p]] }
  let phase = 'starting the workers'
  let limitTimer: NodeJS.Timeout | undefined
  let tracer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      (async () => {
        for (let p = 0; p < procs; p++) {
          workers.push(new WorkerProcess(ROOT, ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench', 'channel-procs-worker.ts'), '--side', side, '--count', String(layout[p])], e => {
            if (e.event === 'arrive' && e.k >= 0) tally.arrive(e.k, firstOf[p] + e.member, e.at)
            if (e.event === 'sent' && p === 0) sentAt.set(e.id, e.at)
          }))
        }
        const ready = await Promise.all(workers.map(async w => w.ready))
        out.startMs = wallNow() - t0
        const ids: string[] = ready.flatMap(r => r.members.map((m: any) => m.peerId))
        const address: string[] = ready.flatMap(r => r.members.map((m: any) => m.address))
        const empty = ready.map(r => r.empty as { rss: number, heapUsed: number })
        log(`${side}: ${members} ${side === 'hyphae' ? 'messengers' : 'bare nodes'} started in ${procs} processes in ${Math.round(out.startMs / 1000)} s`)

        // HYPHAE_BENCH_TRACE: every 10 s, the owner's process's thread-pool wait and level operations
        if (side === 'hyphae' && process.env.HYPHAE_BENCH_TRACE != null) {
          const [w0, m0] = at(0)
          tracer = setInterval(() => {
            const asked = wallNow()
            w0.call({ cmd: 'probe', member: m0 }, 60_000).then(p => {
              const ops = Object.entries(p.levelOps as Record<string, number>).sort((a, b) => b[1] - a[1])
              log(`hyphae: owner's process: thread pool ${p.threadPoolMs as number} ms, answered in ${Math.round(wallNow() - asked)} ms; ${ops.reduce((n, [, c]) => n + c, 0)} level ops: ${ops.slice(0, 8).map(([k, c]) => `${k} ${c}`).join(', ')}`)
            }, () => {})
          }, 10_000)
        }
        phase = 'connecting the graph'
        const connect = async ([a, b]: Edge): Promise<void> => {
          const [w, member] = at(b)
          await w.call({ cmd: 'connect', member, to: address[a] }).catch(() => { out.dialFailures++ })
        }
        await bounded(graph, 8, connect)
        log(`${side}: ${graph.length} connections dialled, ${out.dialFailures} failed`)
        let channel: string | undefined
        let topic: string | undefined
        const states = async (): Promise<any[]> => Promise.all(workers.map(async w => w.call({ cmd: 'state', topic }, 60_000)))
        const state = async (): Promise<MemberState[]> => (await states()).flatMap(r => r.members)
        const closedEnds = async (): Promise<number> => (await states()).reduce((sum, r) => sum + r.closed, 0)
        /** the groups' counters summed over every member: refusals and failed syncs */
        const reasons = async (): Promise<string> => {
          const sum: Record<string, number> = {}
          for (const r of await Promise.all(workers.map(async w => w.call({ cmd: 'stats' }, 60_000)))) {
            for (const [k, n] of Object.entries(r.reasons ?? {})) sum[k] = (sum[k] ?? 0) + (n as number)
          }
          return Object.entries(sum).map(([k, n]) => `${k}: ${n}`).join(', ') || 'no refusals'
        }
        const allSubscribed = (s: MemberState[]): boolean => s.every(m => m.subscribed >= m.remotes.length)

        const tForm = wallNow()
        if (side === 'hyphae') {
          phase = 'creating the channel'
          const [w0, m0] = at(0)
          ;({ channel, topic } = await w0.call({ cmd: 'create', member: m0 }, 60_000))
          for (let first = 1; first < members; first += WAVE) {
            const wave = Array.from({ length: Math.min(WAVE, members - first) }, (_, i) => first + i)
            phase = `following, wave of ${wave[0]}-${wave.at(-1)}`
            await bounded(wave, 16, async i => {
              const { invite } = await w0.call({ cmd: 'invite', member: m0, channel }, 60_000)
              const [w, member] = at(i)
              await w.call({ cmd: 'follow', member, invite }, 60_000)
            })
            // the next wave once each of this one has a mesh peer (proved it holds the key), bounded
            const deadline = wallNow() + WAVE_TIMEOUT
            let waiting = wave.length
            while (wallNow() < deadline) {
              const s = await state()
              waiting = wave.filter(i => s[i].mesh === 0 && s[i].subscribed > 0).length
              if (waiting === 0) break
              await sleep(500)
            }
            log(`hyphae: followers ${wave[0]}-${wave.at(-1)} following; ${waiting} of them without a mesh peer yet; ${await closedEnds()} connection ends closed so far; ${meshReport(await state(), wave.at(-1))}`)
          }
        } else {
          phase = 'subscribing'
          await Promise.all(workers.map(async w => w.call({ cmd: 'subscribe' })))
        }

        phase = 'settling'
        const settleDeadline = wallNow() + FORM_TIMEOUT
        while (wallNow() < settleDeadline && !allSubscribed(await state())) await sleep(1_000)
        // connections of the starting graph lost while forming are dialled again, once
        const now = await state()
        const present = new Set(edgesOf(ids, i => now[i].remotes).map(e => e.join()))
        const lost = graph.filter(e => !present.has(e.join()))
        out.redialled = lost.length
        if (lost.length > 0) {
          await bounded(lost, 8, connect)
          while (wallNow() < settleDeadline && !allSubscribed(await state())) await sleep(1_000)
        }
        phase = 'forming the mesh'
        const meshDeadline = wallNow() + MESH_TIMEOUT
        let s = await state()
        while (wallNow() < meshDeadline && !meshed(s.map(m => m.mesh), s.map(m => m.remotes.length))) { await sleep(500); s = await state() }
        if (side === 'hyphae') log(`hyphae: ${meshReport(s)}; ${await reasons()}`)
        out.meshFormed = meshed(s.map(m => m.mesh), s.map(m => m.remotes.length))
        if (side === 'bare') await sleep(QUIET_MS)
        out.formMs = wallNow() - tForm
        out.edges = edgesOf(ids, i => s[i].remotes)
        out.connections = out.edges.length
        out.pieces = pieces(members, out.edges)
        const sorted = s.map(m => m.mesh).sort((x, y) => x - y)
        out.meshSizes = { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) as number }
        out.unmeshedFollowers = s.filter((m, i) => i > 0 && m.mesh === 0).length
        log(`${side}: formed in ${Math.round(out.formMs / 1000)} s: ${out.connections} connections in ${out.pieces.length} piece(s), mesh ${out.meshFormed ? '' : 'not '}formed (sizes ${out.meshSizes.min}-${out.meshSizes.max}), ${out.redialled} redialled`)

        phase = 'posting'
        out.load.atPosting = loadavg()[0]
        const closedBefore = await closedEnds()
        const [w0, m0] = at(0)
        // HYPHAE_BENCH_PROFILE=DIR: a CPU profile of the owner's process while posting
        const profileDir = process.env.HYPHAE_BENCH_PROFILE
        if (profileDir != null) await w0.call({ cmd: 'profile', action: 'start', file: join(profileDir, `${side}-owner-${Date.now()}.cpuprofile`) })
        await Promise.all(workers.map(async w => w.call({ cmd: 'loop' }, 60_000)))
        const handOver: number[] = []
        const ownerLoop: number[] = []
        for (let k = 0; k < WARMUP + posts; k++) {
          tally.publish(k, 0, wallNow())
          // while the owner has not taken the post: what its groups are busy with, every 5 s
          const probe = side === 'hyphae'
            ? setInterval(() => {
              const asked = wallNow()
              w0.call({ cmd: 'probe', member: m0 }, 30_000).then(p => { log(`hyphae: post ${k} not taken yet; the owner's probe answered in ${Math.round(wallNow() - asked)} ms: ${JSON.stringify(p)}`) }, () => {})
            }, 5_000)
            : undefined
          const { messageId: id, stored, postMs } = await w0.call({ cmd: 'post', member: m0, channel, k }, 60_000).finally(() => { clearInterval(probe) })
          const tPost = wallNow()
          const all = await tally.complete(k, PER_POST_TIMEOUT)
          const loops = await Promise.all(workers.map(async w => w.call({ cmd: 'loop' }, 60_000)))
          if (k >= WARMUP) { handOver.push(tPost - tally.publishedAt(k)); ownerLoop.push(loops[0].max) }
          const sent = sentAt.get(id)
          const trace = `${Math.round(tPost - tally.publishedAt(k))} ms of it handing it over (${Math.round(postMs)} ms in send(), stored at +${Math.round(stored - tally.publishedAt(k))} ms, ` +
            `published at ${sent == null ? 'not yet' : `+${Math.round(sent - tally.publishedAt(k))} ms`}); event-loop delay max per process ${loops.map(l => l.max).join('/')} ms, p50 ${loops.map(l => l.p50).join('/')}`
          if (!all || process.env.HYPHAE_BENCH_TRACE != null) log(`${side}: post ${k} ${all ? 'reached all' : `reached ${tally.count(k)} of ${members - 1}`} in ${Math.round(wallNow() - tally.publishedAt(k))} ms (${trace})`)
        }
        if (profileDir != null) await w0.call({ cmd: 'profile', action: 'stop' }, 120_000)
        const sortedHand = [...handOver].sort((x, y) => x - y)
        const sortedLoop = [...ownerLoop].sort((x, y) => x - y)
        out.handOverMs = { p50: sortedHand[Math.floor(sortedHand.length / 2)], max: sortedHand.at(-1) }
        out.ownerLoopMaxMs = { p50: sortedLoop[Math.floor(sortedLoop.length / 2)], max: sortedLoop.at(-1) }
        await tally.allComplete(5_000)
        Object.assign(out, tally.summary(WARMUP))
        out.closedEnds = (await closedEnds()) - closedBefore
        // memory after posting: a forced GC before it stalls a loaded machine's workers for seconds,
        // long enough for libp2p's connection monitor to abort their connections (5 s ping timeout)
        const after = await Promise.all(workers.map(async w => w.call({ cmd: 'memory' }, 60_000)))
        const grew = (key: 'rss' | 'heapUsed'): number => after.reduce((sum, m, p) => sum + m[key] - empty[p][key], 0)
        out.rssPerMemberMiB = grew('rss') / members / MiB
        out.heapPerMemberMiB = grew('heapUsed') / members / MiB
        out.rssTotalMiB = after.reduce((sum, m) => sum + m.rss, 0) / MiB
        log(`${side}: delivery ${out.deliveryRatio}, time to all p50 ${round(out.timeToAll?.p50 ?? NaN)} ms, p99 ${round(out.timeToAll?.p99 ?? NaN)} ms`)
      })(),
      new Promise((_resolve, reject) => { limitTimer = setTimeout(() => { reject(new Error(`over ${SIDE_LIMIT_MS / 60_000} min`)) }, SIDE_LIMIT_MS) })
    ])
  } catch (err: any) {
    out.error = err?.message ?? String(err)
    out.failedAt = phase
    log(`${side}: failed while ${phase}: ${out.error}`)
  } finally {
    clearTimeout(limitTimer)
    clearInterval(tracer)
    clearInterval(loadTimer)
    await Promise.all(workers.map(async w => { await w.stop() }))
  }
  out.ms = wallNow() - t0
  return out
}

log(`${members} members in ${procs} processes, ${posts} posts after ${WARMUP} of warm-up, waves of ${WAVE}; load ${loadavg().map(l => l.toFixed(2)).join(' ')}`)
const hyphae = await runSide('hyphae', randomEdges(members))
// the baseline runs on the graph the channel ended with (or the starting one, if it failed before that)
const bare: SideResult = values.sides === 'hyphae' ? { side: 'bare', error: 'not run (--sides hyphae)', dialFailures: 0, load: { min: 0, max: 0 }, ms: 0 } : await runSide('bare', hyphae.edges ?? randomEdges(members))
const strip = ({ edges: _, ...r }: SideResult): Record<string, unknown> => ({
  ...r, timeToAll: rounded(r.timeToAll ?? null), firstArrival: rounded(r.firstArrival ?? null), perMember: rounded(r.perMember ?? null), pieces: r.pieces?.length
})
const doc = { date: new Date().toISOString(), members, procs, posts, warmup: WARMUP, wave: WAVE, perPostTimeoutMs: PER_POST_TIMEOUT, hyphae: strip(hyphae), bare: strip(bare) }
const cell = (h: number | undefined, b: number | undefined, unit = ''): string =>
  `| ${h == null ? 'n/a' : round(h) + unit} | ${b == null ? 'n/a' : round(b) + unit} | ${h != null && b != null && b !== 0 ? round(h / b) + 'x' : ''} |`
const table = [
  `channel fan-out, ${members} members (owner + ${members - 1} followers) in ${procs} processes, ${posts} posts`,
  '| figure | hyphae channel | bare gossipsub | ratio |', '| --- | --- | --- | --- |',
  `| time to all p50 ${cell(hyphae.timeToAll?.p50, bare.timeToAll?.p50, ' ms')}`,
  `| time to all p99 ${cell(hyphae.timeToAll?.p99, bare.timeToAll?.p99, ' ms')}`,
  `| per-follower p50 ${cell(hyphae.perMember?.p50, bare.perMember?.p50, ' ms')}`,
  `| per-follower p99 ${cell(hyphae.perMember?.p99, bare.perMember?.p99, ' ms')}`,
  `| delivery ratio ${cell(hyphae.deliveryRatio, bare.deliveryRatio)}`,
  `| RSS per member ${cell(hyphae.rssPerMemberMiB, bare.rssPerMemberMiB, ' MiB')}`,
  `| owner's hand-over p50 ${cell(hyphae.handOverMs?.p50, bare.handOverMs?.p50, ' ms')}`,
  `| owner's event-loop delay, max per post, p50 ${cell(hyphae.ownerLoopMaxMs?.p50, bare.ownerLoopMaxMs?.p50, ' ms')}`,
  `| connections ${cell(hyphae.connections, bare.connections)}`,
  `| load average (1 min) ${cell(hyphae.load.max, bare.load.max)}`, ''
].join('\n')
process.stdout.write(JSON.stringify(doc, null, 2) + '\n\n' + table)
if (values.json != null) await writeFile(values.json, JSON.stringify(doc, null, 2))
process.exit(0)
