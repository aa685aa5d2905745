/**
 * One node in its own process, for idle-memory: a hyphae messenger (createMessenger, the same
 * settings as the test network: loopback TCP, no mDNS) or a bare libp2p node (TCP, Noise,
 * yamux). It dials the given peers, prints {"event":"connected","peers":N}, then one
 * {"event":"sample",...} line a second (process.memoryUsage() and CPU time) for --span ms, then
 * {"event":"done"}. Stops on SIGTERM/SIGINT or when stdin closes.
 *
 * usage: node --import tsx bench/idle-node.ts --kind hyphae|bare --peers MA,MA,... --span MS [--data-dir DIR]
 */
import { parseArgs } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import { createMessenger } from '../node/create-node.ts'
import { createBareNode } from './bare.ts'

const { values } = parseArgs({
  options: {
    kind: { type: 'string', default: 'bare' },
    peers: { type: 'string', default: '' },
    span: { type: 'string', default: '10000' },
    'data-dir': { type: 'string' },
    'relay-client': { type: 'string', default: 'true' }
  }
})
const print = (line: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(line) + '\n') }

let stopNode: () => Promise<void>
let dial: (addr: string) => Promise<unknown>
let connections: () => number
if (values.kind === 'hyphae') {
  if (values['data-dir'] == null) throw new Error('--data-dir is required for --kind hyphae')
  const messenger = await createMessenger({ dataDir: values['data-dir'], listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, relayClient: values['relay-client'] !== 'false' })
  stopNode = async () => messenger.stop()
  dial = async addr => messenger.connect(addr)
  connections = () => messenger.libp2p.getConnections().length
} else {
  const node = await createBareNode()
  stopNode = async () => node.stop()
  dial = async addr => node.dial(multiaddr(addr))
  connections = () => node.getConnections().length
}

const sampling: { timer?: ReturnType<typeof setInterval> } = {}
let stopping = false
const stop = async (): Promise<void> => {
  if (stopping) return
  stopping = true
  clearInterval(sampling.timer)
  await stopNode().catch(() => {})
  process.exit(0)
}
process.on('SIGTERM', () => { void stop() })
process.on('SIGINT', () => { void stop() })
process.stdin.on('end', () => { void stop() })
process.stdin.resume()

await Promise.all(values.peers.split(',').filter(p => p !== '').map(dial))
print({ event: 'connected', peers: connections() })

const span = Number(values.span)
const t0 = performance.now()
const cpu0 = process.cpuUsage()
const sample = (): void => {
  const m = process.memoryUsage()
  const cpu = process.cpuUsage(cpu0)
  print({ event: 'sample', t: Math.round(performance.now() - t0), rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, cpuMs: (cpu.user + cpu.system) / 1000, connections: connections() })
}
sample()
sampling.timer = setInterval(() => {
  sample()
  if (performance.now() - t0 >= span) {
    clearInterval(sampling.timer)
    print({ event: 'done' })
  }
}, 1000)
