/**
 * A share of a group spread over several processes (group-procs.ts): hosts `--count` messengers
 * and does what the coordinator asks on stdin, one JSON command a line; answers on stdout.
 *   {"id":1,"cmd":"connect","member":0,"to":"/ip4/..."}   -> {"id":1,"ok":true}
 *   {"id":2,"cmd":"create","member":0}                     -> {"id":2,"ok":true,"group":"..."}
 *   {"id":3,"cmd":"invite","member":0,"group":"..."}       -> {"id":3,"ok":true,"invite":"..."}
 *   {"id":4,"cmd":"join","member":1,"invite":"..."}        -> {"id":4,"ok":true}
 *   {"id":5,"cmd":"send","member":1,"group":"...","k":7}   -> {"id":5,"ok":true}
 *   {"id":6,"cmd":"mesh","member":1,"group":"..."}         -> {"id":6,"ok":true,"mesh":4,"connections":5}
 * Unasked: {"event":"ready","members":[{peerId,address}]}, and per group message a member
 * emitted: {"event":"arrive","member":i,"kind":"join"|"text","k":7,"author":"...","at":wall ms}.
 * Members are numbered within this process; the coordinator maps them to global numbers.
 * Written only against the Messenger API, so the same file runs in an older checkout.
 */
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { exemptLoopback } from './fanout.ts'
import { GROUP_BENCH_INIT } from './group-network.ts'
import { messageText } from './pairs.ts'
import { addressOf, createNetwork } from '../test/fixtures/index.ts'

const { values } = parseArgs({ options: { count: { type: 'string', default: '5' } } })
const TEXT_PREFIX = 'bench message '
const print = (line: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(line) + '\n') }
/** wall-clock ms with sub-ms precision, comparable across processes on one machine */
const wallNow = (): number => performance.timeOrigin + performance.now()

const network = await createNetwork(Number(values.count), { init: GROUP_BENCH_INIT })
const nodes = network.nodes
nodes.forEach((node, member) => {
  exemptLoopback(node.libp2p.services.pubsub)
  node.addEventListener('group:message', (evt: CustomEvent<any>) => {
    const m = evt.detail
    const k = m.kind === 'text' && m.body.startsWith(TEXT_PREFIX) ? Number.parseInt(m.body.slice(TEXT_PREFIX.length)) : -1
    print({ event: 'arrive', member, kind: m.kind, k, author: m.author, at: wallNow() })
  })
})
print({ event: 'ready', members: nodes.map(n => ({ peerId: n.peerId, address: addressOf(n).toString() })) })

async function run (c: any): Promise<Record<string, unknown>> {
  const node = nodes[c.member]
  switch (c.cmd) {
    case 'connect': await node.connect(c.to); return {}
    case 'create': return { group: (await node.createGroup('bench')).id }
    case 'invite': return { invite: await node.groupInvite(c.group) }
    case 'join': await node.joinGroup(c.invite); return {}
    case 'send': await node.sendGroupMessage(c.group, messageText(c.k)); return {}
    case 'mesh': {
      const topic = await node.groups.topic(c.group)
      return { mesh: node.libp2p.services.pubsub.getMeshPeers(topic).length, connections: node.libp2p.getConnections().length }
    }
    case 'stop': await network.stop(); process.exit(0)
  }
  throw new Error(`unknown command ${String(c.cmd)}`)
}

createInterface({ input: process.stdin }).on('line', line => {
  let c: any
  try { c = JSON.parse(line) } catch { return }
  run(c).then(
    answer => { print({ id: c.id, ok: true, ...answer }) },
    (err: any) => { print({ id: c.id, ok: false, error: err?.message ?? String(err) }) }
  )
})
