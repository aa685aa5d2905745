/**
 * Idle CPU of many messengers in one process (the DHT bench's network: a tenth DHT servers, the
 * rest clients, relay client off), this tree against an older checkout, alternating round by
 * round, each side in a fresh process (bench/idle-fleet-worker.ts). The DHT bench runs 200
 * messengers in one process; what they burn while idle is what its lookups do not get.
 *
 * usage: node --import tsx bench/idle-fleet.ts --base DIR [--nodes 50] [--servers 5]
 *          [--rounds 2] [--span 60000] [--settle 30000]
 * DIR: a checkout of the commit to compare with, its node_modules installed.
 */
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { JsonLineChild, ROOT } from './child.ts'
import { round } from './stats.ts'

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    nodes: { type: 'string', default: '50' },
    servers: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    span: { type: 'string', default: '60000' },
    settle: { type: 'string', default: '30000' }
  }
})
if (values.base == null) throw new Error('--base DIR (a checkout of the commit to compare with) is required')
const log = (m: string): void => { process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`) }

interface Side { cpuPercent: number, eventLoopUtilization: number, connections: number, skipped: number, rssMiB: number, startedMs: number }

async function side (root: string): Promise<Side> {
  const child = new JsonLineChild(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'idle-fleet-worker.ts'), '--root', root,
    '--nodes', values.nodes, '--servers', values.servers, '--span', values.span, '--settle', values.settle], { cwd: root })
  try {
    const timeout = 600_000 + Number(values.span) + Number(values.settle)
    return (await child.next(v => v?.cpuPercent != null, timeout)).value
  } finally {
    await child.stop()
  }
}

const sides: Record<string, string> = { base: values.base, now: ROOT }
const results: Record<string, Side[]> = { base: [], now: [] }
for (let r = 0; r < Number(values.rounds); r++) {
  for (const name of r % 2 === 0 ? ['base', 'now'] : ['now', 'base']) {
    log(`round ${r + 1}: ${name}, ${values.nodes} messengers, load ${loadavg()[0].toFixed(1)}`)
    const s = await side(sides[name])
    results[name].push(s)
    log(`  ${round(s.cpuPercent)} % of a core, event loop ${round(100 * s.eventLoopUtilization)} % busy, ${s.connections} connection ends, ${s.skipped} rewrites skipped`)
  }
}
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
const row = (name: string, pick: (s: Side) => number): string => {
  const [b, n] = [results.base.map(pick), results.now.map(pick)]
  return `| ${name} | ${b.map(round).join(' / ')} | ${n.map(round).join(' / ')} | ${round(median(n) / median(b))}x |`
}
process.stdout.write([
  `idle fleet: ${values.nodes} messengers (${values.servers} DHT servers) in one process, CPU over ${values.span} ms after ${values.settle} ms`,
  '| figure | base | now | now/base |', '| --- | --- | --- | --- |',
  row('CPU (% of a core)', s => s.cpuPercent), row('event loop busy (%)', s => 100 * s.eventLoopUtilization),
  row('connection ends', s => s.connections), row('RSS (MiB)', s => s.rssMiB), ''
].join('\n'))
process.exit(0)
