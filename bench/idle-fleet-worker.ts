/**
 * One side of idle-fleet: the DHT bench's network of messengers (bench/dht-network.ts of the
 * checkout at --root, so an older commit runs its own code) started in this process, left idle
 * to settle, then its CPU time measured over --span ms. Prints one JSON line and exits.
 *
 * usage: node --import tsx bench/idle-fleet-worker.ts --root DIR --nodes N --servers S --span MS --settle MS
 */
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    nodes: { type: 'string', default: '50' },
    servers: { type: 'string', default: '5' },
    span: { type: 'string', default: '60000' },
    settle: { type: 'string', default: '30000' }
  }
})
if (values.root == null) throw new Error('--root DIR is required')
const { DhtNetworks, makeGraph } = await import(join(values.root, 'bench', 'dht-network.ts'))
const network = new DhtNetworks(makeGraph(Number(values.nodes), Number(values.servers)))
const t0 = performance.now()
await network.startMessengers()
const startedMs = performance.now() - t0
await new Promise(resolve => setTimeout(resolve, Number(values.settle)))
const cpu0 = process.cpuUsage()
const wall0 = performance.now()
const elu0 = performance.eventLoopUtilization()
await new Promise(resolve => setTimeout(resolve, Number(values.span)))
const cpu = process.cpuUsage(cpu0)
const wallMs = performance.now() - wall0
const elu = performance.eventLoopUtilization(elu0)
const connections = network.messengers.reduce((n: number, m: any) => n + m.libp2p.getConnections().length, 0)
const skipped = network.messengers.reduce((n: number, m: any) => n + (m.components?.datastore?.peers?.skipped ?? 0), 0)
process.stdout.write(JSON.stringify({
  startedMs,
  cpuPercent: 100 * (cpu.user + cpu.system) / 1000 / wallMs,
  eventLoopUtilization: elu.utilization,
  connections,
  skipped,
  rssMiB: process.memoryUsage().rss / 2 ** 20
}) + '\n')
await network.stopMessengers()
process.exit(0)
