/**
 * Scale: how many nodes one process holds, growing step by step (bench/scale-worker.ts), each
 * new node dialling 3 random earlier ones, every dial succeeding; bare libp2p nodes first, then
 * hyphae messengers, each kind in a fresh process so that neither inherits the other's heap.
 * RSS is read after a settle and a GC, before and after each step's dials; RSS per node and per
 * connection come from a least-squares fit over those readings (see costs()).
 *
 * Messengers run with `relayClient: false`: with no relay in the network, a default node's relay
 * search keeps the DHT busy nonstop (idle-memory shows the cost) and a few dozen such nodes
 * saturate the CPU before memory becomes the limit.
 */
import { join } from 'node:path'
import { JsonLineChild, ROOT } from './child.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { round } from './stats.ts'

const MiB = 2 ** 20
const GOAL_NODES = 1000
const GOAL_BYTES = 3 * 2 ** 30

interface Step {
  nodes: number
  connections: number
  connectionsBeforeDials: number
  rss: number
  heapUsed: number
  rssBeforeDials: number
  dialFailures: number
  /** share of one core used during the settle after the dials, when only the nodes' timers ran */
  idleCpu: number
  ms: number
}

interface Series {
  kind: 'bare' | 'hyphae'
  baselineRss: number
  steps: Step[]
  reason: string
}

async function grow (kind: Series['kind'], steps: number[], maxRssMiB: number, deadlineMs: number, settleMs: number, log: (m: string) => void, keepGoing = false): Promise<Series> {
  const child = new JsonLineChild(process.execPath, [
    '--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', join(ROOT, 'bench', 'scale-worker.ts'),
    '--kind', kind, '--steps', steps.join(','), '--degree', '3', '--max-rss-mib', String(maxRssMiB),
    '--deadline-ms', String(deadlineMs), '--settle-ms', String(settleMs), '--relay-client', 'false',
    ...(keepGoing ? ['--keep-going'] : []),
    // HYPHAE_SCALE_PROFILE=DIR: a CPU profile of each kind's idle network after its last step
    ...(process.env.HYPHAE_SCALE_PROFILE != null ? ['--profile', join(process.env.HYPHAE_SCALE_PROFILE, `${kind}-idle.cpuprofile`)] : [])
  ])
  try {
    // a loaded machine takes over a minute to load the worker's modules
    const base = await child.next(v => v?.event === 'baseline', 300_000)
    let seen = 0
    const progress = (): void => {
      for (const v of child.values().filter(l => l.event === 'step').slice(seen)) {
        seen++
        log(`${kind}: ${v.nodes} nodes, ${v.connections} connections, RSS ${Math.round(v.rss / MiB)} MiB, step took ${(v.ms / 1000).toFixed(1)} s, idle CPU ${Math.round(v.idleCpu * 100)} % of a core`)
      }
    }
    const timer = setInterval(progress, 500)
    const end = await child.next(v => v?.event === 'end', deadlineMs + 600_000).finally(() => { clearInterval(timer) })
    progress()
    // the worker stops its nodes and removes their profiles before it exits
    await child.next(() => false, 300_000).catch(() => {})
    log(`${kind}: stopped after ${end.value.nodes} nodes: ${end.value.reason}`)
    return { kind, baselineRss: base.value.rss, steps: child.values().filter(v => v.event === 'step'), reason: end.value.reason }
  } finally {
    await child.stop()
  }
}

/**
 * Bytes per node and per connection: a least-squares fit of RSS = base + perNode x nodes +
 * perConnection x connections over every reading (the empty process, and each step before and
 * after its dials). Connections that open or close between readings (a DHT server's walk, a
 * ping that times out on a saturated thread) are handled by the fit, where a plain difference
 * would charge them to the nodes.
 */
function costs (s: Series): { perNode: number | null, perConnection: number | null } {
  const points: Array<[number, number, number]> = [[0, 0, s.baselineRss]]
  for (const st of s.steps) {
    points.push([st.nodes, st.connectionsBeforeDials, st.rssBeforeDials], [st.nodes, st.connections, st.rss])
  }
  const fit = leastSquares(points.map(([n, c]) => [1, n, c]), points.map(p => p[2]))
  return fit == null ? { perNode: null, perConnection: null } : { perNode: fit[1], perConnection: fit[2] }
}

/** Solves the normal equations of a small least-squares problem; null when singular. */
function leastSquares (rows: number[][], ys: number[]): number[] | null {
  const k = rows[0]?.length ?? 0
  const a = Array.from({ length: k }, (_, i) => Array.from({ length: k + 1 }, (_, j) =>
    j < k ? rows.reduce((sum, r) => sum + r[i] * r[j], 0) : rows.reduce((sum, r, n) => sum + r[i] * ys[n], 0)))
  for (let col = 0; col < k; col++) {
    let pivot = col
    for (let r = col + 1; r < k; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r
    if (Math.abs(a[pivot][col]) < 1e-9) return null
    ;[a[col], a[pivot]] = [a[pivot], a[col]]
    for (let r = 0; r < k; r++) {
      if (r === col) continue
      const f = a[r][col] / a[col][col]
      for (let j = col; j <= k; j++) a[r][j] -= f * a[col][j]
    }
  }
  return a.map((row, i) => row[k] / a[i][i])
}

export async function run (ctx: BenchContext): Promise<BenchResult> {
  // HYPHAE_SCALE_STEPS=50,100 and HYPHAE_SCALE_KEEP_GOING=1 (failed dials counted, not a stop: on a
  // loaded machine they fail from CPU starvation before memory runs out)
  const fromEnv = process.env.HYPHAE_SCALE_STEPS?.split(',').map(Number).filter(n => Number.isInteger(n) && n > 0 && n <= 5000)
  const steps = fromEnv != null && fromEnv.length > 0 ? fromEnv : ctx.quick ? [8, 16] : [50, 100, 200, 400, 700, 1000]
  const keepGoing = process.env.HYPHAE_SCALE_KEEP_GOING === '1'
  const maxRssMiB = ctx.quick ? 1024 : 3072
  const deadlineMs = ctx.quick ? 30_000 : 15 * 60_000
  const settleMs = ctx.quick ? 500 : 3000
  ctx.log(`steps ${steps.join(', ')}; bound ${maxRssMiB} MiB RSS or ${deadlineMs / 60_000} min per kind`)
  const bare = await grow('bare', steps, maxRssMiB, deadlineMs, settleMs, ctx.log, keepGoing)
  const hyphae = await grow('hyphae', steps, maxRssMiB, deadlineMs, settleMs, ctx.log, keepGoing)
  const last = (s: Series): Step | undefined => s.steps.filter(st => st.dialFailures === 0).at(-1)
  const b = costs(bare)
  const h = costs(hyphae)
  // RSS for GOAL_NODES nodes at the measured degree, from the measured costs
  const project = (s: Series, c: ReturnType<typeof costs>): number | null => {
    const top = last(s)
    if (c.perNode == null || top == null || top.nodes === 0) return null
    return s.baselineRss + GOAL_NODES * c.perNode + (c.perConnection ?? 0) * (top.connections / top.nodes) * GOAL_NODES
  }
  const reached = (s: Series): Step | undefined => s.steps.find(st => st.nodes >= GOAL_NODES && st.dialFailures === 0)
  const hyphaeAtGoal = reached(hyphae)
  const idlePer100 = (st: Step | undefined): number | null => st == null ? null : round(st.idleCpu * 100 / st.nodes * 100)
  const mib = (x: number | null): number | null => x == null ? null : x / MiB
  const kib = (x: number | null): number | null => x == null ? null : x / 1024
  const table = (s: Series): Array<Record<string, number>> => s.steps.map(st => ({
    nodes: st.nodes, connections: st.connections, rssMiB: round(st.rss / MiB), heapUsedMiB: round(st.heapUsed / MiB), dialFailures: st.dialFailures, idleCpuPercent: round(st.idleCpu * 100), seconds: round(st.ms / 1000)
  }))
  return {
    figures: [
      figure({ name: 'most nodes in one process (all dials ok)', unit: 'nodes', value: last(hyphae)?.nodes ?? 0, baseline: 'bare libp2p nodes', baselineValue: last(bare)?.nodes ?? 0, better: 'higher' }),
      figure({ name: 'idle CPU per 100 nodes, at that step', unit: '% of a core', value: idlePer100(last(hyphae)), baseline: 'bare libp2p nodes', baselineValue: idlePer100(last(bare)), better: 'lower' }),
      figure({ name: 'RSS per node', unit: 'MiB', value: mib(h.perNode), baseline: 'bare libp2p node', baselineValue: mib(b.perNode), better: 'lower' }),
      figure({ name: 'RSS per connection', unit: 'KiB', value: kib(h.perConnection), baseline: 'bare libp2p connection', baselineValue: kib(b.perConnection), better: 'lower' }),
      figure({
        name: hyphaeAtGoal != null ? `RSS at ${GOAL_NODES} messengers (measured)` : `RSS at ${GOAL_NODES} messengers (projected)`,
        unit: 'MiB',
        value: mib(hyphaeAtGoal != null ? hyphaeAtGoal.rss : project(hyphae, h)),
        baseline: `${GOAL_NODES} bare nodes${reached(bare) != null ? '' : ' (projected)'}`,
        baselineValue: mib(reached(bare)?.rss ?? project(bare, b)),
        better: 'lower',
        goal: { text: `${GOAL_NODES} nodes within 3 GiB${hyphaeAtGoal != null ? '' : ' (projected, not reached)'}`, check: v => hyphaeAtGoal != null && v * MiB <= GOAL_BYTES }
      })
    ],
    details: {
      steps,
      degree: 3,
      boundRssMiB: maxRssMiB,
      deadlineMs,
      settleMs,
      bare: { baselineRssMiB: round(bare.baselineRss / MiB), stoppedBecause: bare.reason, steps: table(bare) },
      hyphae: { baselineRssMiB: round(hyphae.baselineRss / MiB), stoppedBecause: hyphae.reason, steps: table(hyphae), relayClient: false }
    },
    notes: [
      'messengers are DHT clients here, as users are: each holds the connections the bench dials, as a bare node does',
      'idle CPU is read during the settle right after a step\'s dials: noisy, a trend rather than a figure',
      'the goal counts as met only when 1000 messengers were actually reached within the bound; a projection never meets it'
    ]
  }
}

export const bench: Bench = {
  name: 'scale',
  description: 'most nodes in one process and RSS per node and per connection, messengers vs bare libp2p',
  tags: ['memory'],
  run
}
