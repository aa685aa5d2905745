/**
 * bench/dht.ts's graph spread over worker processes (dht-worker.ts): node k lives in process
 * k % procs, the graph, roles and start order are dht-network.ts's. One side at a time
 * ('hyphae' messengers, then 'bare' kad-dht nodes), each over all the processes.
 */
import { batchesOf, type Graph } from './dht-network.ts'
import { ROOT } from './child.ts'
import { now } from './stats.ts'
import { WorkerProcess } from './worker-process.ts'

export type Side = 'hyphae' | 'bare'
interface Started { k: number, peerId: string, addrs: string[] }

export class DhtCluster {
  private readonly workers: WorkerProcess[]
  /** per node k: its peer id and addresses, on the side started last */
  nodes: Started[] = []

  constructor (readonly graph: Graph, procs: number) {
    this.workers = Array.from({ length: procs }, () => new WorkerProcess(ROOT, ['--import', 'tsx', 'bench/dht-worker.ts'], () => {}))
  }

  worker (k: number): WorkerProcess {
    return this.workers[k % this.workers.length]
  }

  async start (side: Side): Promise<void> {
    await Promise.all(this.workers.map(async w => w.ready))
    this.nodes = []
    for (const batch of batchesOf(this.graph)) {
      const perWorker = new Map<WorkerProcess, Array<{ k: number, server: boolean, bootstrap: string[] }>>()
      for (const k of batch) {
        const bootstrap = this.graph.edges[k].map(e => this.nodes[e].addrs[0])
        const w = this.worker(k)
        perWorker.set(w, [...perWorker.get(w) ?? [], { k, server: k < this.graph.servers, bootstrap }])
      }
      const answers = await Promise.all([...perWorker].map(async ([w, nodes]) => w.call({ cmd: 'start', which: side, nodes }, 120_000)))
      for (const a of answers) for (const n of a.nodes as Started[]) this.nodes[n.k] = n
    }
  }

  async tableSizes (side: Side): Promise<number[]> {
    const sizes: number[] = []
    for (const a of await Promise.all(this.workers.map(async w => w.call({ cmd: 'tables', which: side })))) {
      for (const [k, n] of Object.entries(a.sizes as Record<string, number>)) sizes[Number(k)] = n
    }
    return sizes
  }

  /** Resolves once no routing table of the network has grown for 15 s (or at the timeout). */
  async settle (side: Side, timeoutMs: number): Promise<void> {
    const deadline = now() + timeoutMs
    let last = -1
    let still = 0
    while (now() < deadline && still < 3) {
      await new Promise(resolve => setTimeout(resolve, 5000))
      const total = (await this.tableSizes(side)).reduce((x, y) => x + y, 0)
      still = total === last ? still + 1 : 0
      last = total
    }
  }

  async call (k: number, cmd: Record<string, unknown>, timeoutMs: number): Promise<any> {
    return this.worker(k).call({ ...cmd, k }, timeoutMs)
  }

  async stopNodes (side: Side): Promise<void> {
    await Promise.allSettled(this.workers.map(async w => w.call({ cmd: 'stopNodes', which: side }, 60_000)))
  }

  async stop (): Promise<void> {
    await Promise.allSettled(this.workers.map(async w => w.stop()))
  }
}
