/**
 * A share of a group spread over several processes for group-file-swarm-procs.ts: hosts
 * `--count` messengers and does what the coordinator asks on stdin, one JSON command a line;
 * answers on stdout ({"id":n,"ok":true,...}).
 *   connect {member,to}                 create {member} -> {group}
 *   invite {member,group} -> {invite}   join {member,invite}
 *   members {group} -> {counts: members each of this process's messengers counts}
 *   contact {member} -> {invite}        add-contact {member,invite}
 *   send-file {member,to,path,group} -> {file}      accept {member,file,dir}
 *   files {files: [id per member]} -> {states: [{state,received,savedTo,error}]}
 *   uploaded {member,files: [id]} -> {bytes}     (what this messenger's file service served)
 * Unasked: {"event":"ready","members":[{peerId,address}]}. Members are numbered within this
 * process.
 */
import { parseArgs } from 'node:util'
import { exemptLoopback, keepSlowConnections } from './fanout.ts'
import { GROUP_BENCH_INIT } from './group-network.ts'
import { answerCommands, printLine as print } from './worker-process.ts'
import { addressOf, createNetwork } from '../test/fixtures/index.ts'

const { values } = parseArgs({ options: { count: { type: 'string', default: '5' } } })

const network = await createNetwork(Number(values.count), { init: GROUP_BENCH_INIT })
const nodes = network.nodes
for (const node of nodes) {
  // every member is 127.0.0.1 here: without these the best-connected graylist or prune their peers
  exemptLoopback(node.libp2p.services.pubsub)
  keepSlowConnections(node.libp2p)
}
print({ event: 'ready', members: nodes.map(n => ({ peerId: n.peerId, address: addressOf(n).toString() })) })

async function run (c: any): Promise<Record<string, unknown>> {
  const node = nodes[c.member ?? 0]
  switch (c.cmd) {
    case 'connect': await node.connect(c.to); return {}
    case 'create': return { group: (await node.createGroup('bench')).id }
    case 'invite': return { invite: await node.groupInvite(c.group) }
    case 'join': await node.joinGroup(c.invite); return {}
    case 'members': return { counts: await Promise.all(nodes.map(async n => (await n.groupMembers(c.group)).filter(m => m.state === 'member').length)) }
    case 'contact': return { invite: (await node.id()).invite }
    case 'add-contact': await node.addContact(c.invite); return {}
    case 'send-file': return { file: (await node.sendFile(c.to, c.path, { group: c.group === true })).file.id }
    case 'accept': await node.acceptFile(c.file, { dir: c.dir }); return {}
    case 'files': return {
      states: await Promise.all(nodes.map(async (n, i) => {
        const f = (await n.listFiles()).find(x => x.id === c.files[i])
        return f == null ? { state: 'none', received: 0 } : { state: f.state, received: f.received, savedTo: f.savedTo, error: f.error }
      }))
    }
    case 'uploaded': return { bytes: (c.files as string[]).reduce((sum, id) => sum + node.files.uploaded(id), 0) }
    case 'stop': await network.stop(); process.exit(0)
  }
  throw new Error(`unknown command ${String(c.cmd)}`)
}

answerCommands(run)
