/**
 * A share of bench/dht.ts's network in a process of its own (200 nodes in one thread starve:
 * kad-dht's timeouts expire on an event loop seconds behind). Nodes keep the coordinator's
 * numbers (k); commands on stdin, one JSON line each, answers on stdout (worker-process.ts):
 *   {"id":1,"cmd":"start","which":"hyphae"|"bare","nodes":[{"k":3,"server":false,"bootstrap":["/ip4/.../p2p/..."]}]}
 *        -> {"id":1,"ok":true,"nodes":[{"k":3,"peerId":"...","addrs":["..."]}]}
 *   {"cmd":"tables","which":...}                     -> {"sizes":{"3":5}}
 *   {"cmd":"publish","k":3,"for":"<peer id>"}       -> {"tries":1}   (error "PublishError: ...")
 *   {"cmd":"lookup","k":4,"of":"<peer id>","timeoutMs":10000} -> {"ms":..,"hops":..,"queries":..,"multiaddrs":[..]}
 *   {"cmd":"findPeer","k":4,"of":"<peer id>","timeoutMs":10000} -> {"ms":..,"hops":..,"queries":..}
 *   {"cmd":"dial","which":...,"k":4,"addrs":["..."]}  -> {"ms":..}
 *   {"cmd":"stopNodes","which":...}                  -> {}
 *   {"cmd":"stop"}                                    (stops everything and exits)
 */
import { createInterface } from 'node:readline'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { removeDir, tempDir } from '../test/fixtures/index.ts'
import { bareFindPeer, dialByAddress, publishRecord, readRecord } from './dht-lookups.ts'
import { startBareDhtNode, startDhtMessenger, type BareDhtNode } from './dht-network.ts'
import type { HyphaeMessenger } from '../node/hyphae-messenger.ts'

interface StartNode { k: number, server: boolean, bootstrap: string[] }
const print = (line: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(line) + '\n') }

const messengers = new Map<number, HyphaeMessenger>()
const bare = new Map<number, BareDhtNode>()
const dirs: string[] = []

function messenger (k: number): HyphaeMessenger {
  const node = messengers.get(k)
  if (node == null) throw new Error(`no messenger ${k} in this process`)
  return node
}

function bareNode (k: number): BareDhtNode {
  const node = bare.get(k)
  if (node == null) throw new Error(`no bare node ${k} in this process`)
  return node
}

async function start (which: string, nodes: StartNode[]): Promise<Array<{ k: number, peerId: string, addrs: string[] }>> {
  return Promise.all(nodes.map(async n => {
    if (which === 'hyphae') {
      const dir = await tempDir('hyphae-bench-dht-')
      dirs.push(dir)
      const node = await startDhtMessenger(dir, n.server, n.bootstrap)
      messengers.set(n.k, node)
      return { k: n.k, peerId: node.libp2p.peerId.toString(), addrs: node.libp2p.getMultiaddrs().map(String) }
    }
    const node = await startBareDhtNode(n.server, n.bootstrap.map(a => [multiaddr(a)]))
    bare.set(n.k, node)
    return { k: n.k, peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) }
  }))
}

function tables (which: string): Record<number, number> {
  const sizes: Record<number, number> = {}
  if (which === 'hyphae') for (const [k, n] of messengers) sizes[k] = n.libp2p.services.dht.routingTable.size
  else for (const [k, n] of bare) sizes[k] = (n.services.dht as unknown as { routingTable: { size: number } }).routingTable.size
  return sizes
}

async function stopNodes (which: string): Promise<void> {
  if (which === 'hyphae') {
    await Promise.allSettled([...messengers.values()].map(async n => n.stop()))
    messengers.clear()
    await Promise.allSettled(dirs.splice(0).map(removeDir))
  } else {
    await Promise.allSettled([...bare.values()].map(async n => n.stop()))
    bare.clear()
  }
}

async function run (c: any): Promise<Record<string, unknown>> {
  switch (c.cmd) {
    case 'start': return { nodes: await start(c.which, c.nodes) }
    case 'tables': return { sizes: tables(c.which) }
    case 'publish': return { tries: await publishRecord(messenger(c.k), peerIdFromString(c.for)) }
    case 'lookup': return { ...await readRecord(messenger(c.k), peerIdFromString(c.of), c.timeoutMs) }
    case 'findPeer': return { ...await bareFindPeer(bareNode(c.k), peerIdFromString(c.of), c.timeoutMs) }
    case 'dial': {
      const node = c.which === 'hyphae' ? messenger(c.k).libp2p : bareNode(c.k)
      return { ms: await dialByAddress(node, c.addrs.map((a: string) => multiaddr(a))) }
    }
    case 'stopNodes': await stopNodes(c.which); return {}
    case 'stop':
      await stopNodes('hyphae')
      await stopNodes('bare')
      process.exit(0)
  }
  throw new Error(`unknown command ${String(c.cmd)}`)
}

createInterface({ input: process.stdin }).on('line', line => {
  let c: any
  try { c = JSON.parse(line) } catch { return }
  run(c).then(
    answer => { print({ id: c.id, ok: true, ...answer }) },
    (err: any) => { print({ id: c.id, ok: false, error: `${String(err?.name ?? 'Error')}: ${String(err?.message ?? err)}` }) }
  )
})
print({ event: 'ready', pid: process.pid })
