import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { hex, unhex } from '../../node/hex.ts'
import { epochKeys, randomBytes, sealGroupEnvelope, signGroupMessage } from '../../node/groups/crypto.ts'
import { GroupMessage, GroupMessageKind } from '../../protocols/group/pb/group.ts'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { formGroup, link, texts } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { Message } from '@libp2p/gossipsub'
import type { PrivateKey } from '@libp2p/interface'

/** Tests play a member gone rogue: it needs its own identity key to sign what it forges. */
const keyOf = (node: HyphaeMessenger): PrivateKey => (node as any).components.key
const pubsubOf = (node: HyphaeMessenger): any => node.libp2p.services.pubsub
const inMesh = (node: HyphaeMessenger, topic: string, peer: HyphaeMessenger): boolean => pubsubOf(node).getMeshPeers(topic).includes(peer.peerId)

/** Runs `publish` with the node's outgoing messages held, then sends each peer what it was due in one RPC. */
async function inOneRpc (pubsub: any, publish: () => Promise<unknown>): Promise<void> {
  const send = pubsub.sendRpc.bind(pubsub)
  const held = new Map<string, unknown[]>()
  pubsub.sendRpc = (peer: string, rpc: { messages: unknown[], control?: unknown }) => {
    if (rpc.control != null || rpc.messages.length === 0) return send(peer, rpc)
    held.set(peer, [...(held.get(peer) ?? []), ...rpc.messages])
    return true
  }
  try {
    await publish()
  } finally {
    pubsub.sendRpc = send
  }
  for (const [peer, messages] of held) send(peer, { subscriptions: [], messages })
}

describe('defences of a group topic', { timeout: 180_000 }, () => {
  // 0: admin; 1 and 2: honest members; 3: a member that forges; 4: a member that floods
  let network: Network
  let group: string
  let topic: string

  before(async () => {
    network = await createNetwork(5)
    const nodes = network.nodes
    group = (await formGroup(nodes, 'abuse')).id
    for (let i = 1; i < nodes.length; i++) {
      for (let j = 1; j < i; j++) await link(nodes[i], nodes[j])
    }
    topic = await nodes[0].groups.topic(group)
    await waitFor(() => nodes.slice(0, 3).every(n => inMesh(n, topic, nodes[3]) && inMesh(n, topic, nodes[4])), {
      timeout: 20_000,
      message: 'the rogue members to be in the honest members\' meshes'
    })
  })

  after(async () => { await network?.stop() })

  it('rejects forged, undecryptable, oversized and replayed messages and stores none of them', async () => {
    const [a, b, c, f] = network.nodes
    const honest = [a, b, c]
    const groupId = unhex(group)
    const keys = epochKeys(groupId, unhex((await f.groups.store.group(group))!.secrets['0']))
    const rejectedBefore = honest.map(n => n.groups.stats.rejected)

    // the forger captures a real message of node 1 as it passes
    let captured: Uint8Array | undefined
    pubsubOf(f).addEventListener('message', (evt: CustomEvent<Message>) => { if (evt.detail.topic === topic) captured ??= evt.detail.data })
    const original = await b.sendGroupMessage(group, 'the real one')
    await waitFor(() => captured != null, { message: 'the forger to see node 1\'s message' })

    const stranger = await generateKeyPair('Ed25519')
    const forgedIds: string[] = []
    const sign = async (key: PrivateKey, kind: GroupMessageKind, body: string, extra: { group?: Uint8Array, subject?: string, epoch?: number } = {}): Promise<Uint8Array> => {
      const signed = await signGroupMessage({ key, group: extra.group ?? groupId, lamport: 1000, kind, body, subject: extra.subject, epoch: extra.epoch })
      forgedIds.push(hex(signed.message.id))
      return signed.bytes
    }
    // signed by a stranger, then relabelled as node 1's
    const relabelled = GroupMessage.decode(await sign(stranger, GroupMessageKind.TEXT, 'I am node 1'))
    relabelled.author = publicKeyToProtobuf(b.libp2p.peerId.publicKey!) as Uint8Array<ArrayBuffer>
    const forgeries: Array<[string, Uint8Array]> = [
      ['undecodable', new Uint8Array(100).fill(0xff)],
      ['undecryptable', sealGroupEnvelope(epochKeys(groupId, randomBytes(32)), await sign(keyOf(f), GroupMessageKind.TEXT, 'wrong key'))],
      ['bad signature', sealGroupEnvelope(keys, GroupMessage.encode(relabelled))],
      ['not published by its author', captured!],
      ['forged removal', sealGroupEnvelope(keys, await sign(keyOf(f), GroupMessageKind.REMOVE, '', { subject: b.peerId, epoch: 0 }))],
      ['wrong group', sealGroupEnvelope(keys, await sign(keyOf(f), GroupMessageKind.TEXT, 'elsewhere', { group: randomBytes(16) }))],
      ['oversized', new Uint8Array(70 * 1024).fill(7)]
    ]
    // in one RPC, as a hostile peer would pack them: gossipsub judges a sender's standing once per
    // RPC, so all of them are read; sent one by one, whatever arrives after the third Reject is
    // dropped unread once the forger's score is next computed (at most a second later)
    await inOneRpc(pubsubOf(f), async () => Promise.all(forgeries.map(async ([, data]) => pubsubOf(f).publish(topic, data))))
    // and the author's own copy, published again (what an outbox retry looks like): ignored, not stored twice
    await pubsubOf(b).publish(topic, captured)

    await waitFor(() => honest.every((n, i) => n.groups.stats.rejected - rejectedBefore[i] >= forgeries.length - (n === b ? 1 : 0)), {
      message: () => `every honest member to reject the forgeries (${honest.map((n, i) => n.groups.stats.rejected - rejectedBefore[i]).join(', ')})`
    })
    for (const [reason] of forgeries) {
      assert.ok((a.groups.stats.reasons[reason] ?? 0) >= 1, `node 0 rejected one as "${reason}"`)
    }
    assert.ok(a.groups.stats.decryptFailures >= 1)
    await waitFor(() => (a.groups.stats.reasons.duplicate ?? 0) >= 1 && (c.groups.stats.reasons.duplicate ?? 0) >= 1, { message: 'the author\'s own replay to be ignored as a duplicate' })

    // a member forwards a valid message before its write lands (the validator only reads)
    await waitFor(async () => {
      for (const node of honest) if (!(await node.listGroupMessages(group, { limit: 1000 })).some(m => m.id === original.id)) return false
      return true
    }, { message: 'every honest member to store the real message' })
    for (const node of honest) {
      const stored = await node.listGroupMessages(group, { limit: 1000 })
      assert.equal(stored.filter(m => forgedIds.includes(m.id)).length, 0, 'no forgery stored')
      assert.equal(stored.filter(m => m.id === original.id).length, 1, 'the real message stored once')
      assert.deepEqual(stored.filter(m => m.kind === 'remove'), [], 'nobody was removed')
      assert.equal((await node.groupMembers(group)).find(m => m.peerId === b.peerId)?.state, 'member')
    }
    // a handful of invalid messages is enough to graylist the forger (below -80: whatever it
    // sends is dropped unread) and prune it from the mesh; scores are cached for a heartbeat
    await waitFor(() => honest.every(n => pubsubOf(n).getScore(f.peerId) < -80 && !inMesh(n, topic, f)), {
      message: () => `the forger to be graylisted and pruned (scores ${honest.map(n => pubsubOf(n).getScore(f.peerId).toFixed(1)).join(', ')})`
    })
  })

  it('scores down and prunes a flooding member while honest messages keep arriving', async (t) => {
    const [a, b, c, , g] = network.nodes
    const groupId = unhex(group)
    const keys = epochKeys(groupId, unhex((await g.groups.store.group(group))!.secrets['0']))
    assert.ok(pubsubOf(a).getScore(g.peerId) >= 0, 'the flooder starts in good standing')
    const relayScores = () => [a, c].map(n => pubsubOf(n).getScore(b.peerId))
    // 400 messages, each valid (the invalid kind is the forger's above): only their number is wrong,
    // four times the burst an author may send
    const flood: Uint8Array[] = []
    for (let i = 0; i < 400; i++) {
      const signed = await signGroupMessage({ key: keyOf(g), group: groupId, lamport: 10_000 + i, kind: GroupMessageKind.TEXT, body: `spam ${i}` })
      flood.push(sealGroupEnvelope(keys, signed.bytes))
    }
    const before = (await a.listGroupMessages(group, { limit: 1000 })).length
    const flooding = Promise.all(flood.map(async data => pubsubOf(g).publish(topic, data)))
    const sent: string[] = []
    for (let i = 0; i < 10; i++) {
      const text = `honest ${i}`
      await b.sendGroupMessage(group, text)
      sent.push(text)
    }
    await flooding
    await waitFor(async () => {
      for (const node of [a, c]) {
        const got = await texts(node, group)
        if (!sent.every(t => got.includes(t))) return false
      }
      return true
    }, { timeout: 60_000, message: () => `every honest message to reach nodes 0 and 2 (scores of node 1 at 0 and 2: ${[a, c].map(n => pubsubOf(n).getScore(b.peerId).toFixed(0)).join(', ')})` })
    await waitFor(() => [a, c].every(n => pubsubOf(n).getScore(g.peerId) < 0 && !inMesh(n, topic, g)), {
      timeout: 20_000,
      message: () => `the flooder to be scored down and pruned (scores ${[a, c].map(n => pubsubOf(n).getScore(g.peerId).toFixed(1)).join(', ')})`
    })
    // the members that relayed part of the flood in good faith are not blamed for it
    assert.ok(relayScores().every(s => s >= 0), `node 1 keeps its standing (${relayScores().join(', ')})`)
    for (const node of [a, c]) {
      assert.ok((node.groups.stats.reasons.flooding ?? 0) > 0, `the excess from the flooder was refused (${JSON.stringify(node.groups.stats.reasons)})`)
    }
    const spam = (await a.listGroupMessages(group, { limit: 1000 })).slice(before).filter(m => m.author === g.peerId)
    assert.ok(spam.length < 400, `the rate limit held back part of the flood (${spam.length} of 400 stored)`)
    t.diagnostic(`node 0: ${spam.length} of the 400 stored, ${a.groups.stats.reasons.flooding} refused as flooding, the flooder's score ${pubsubOf(a).getScore(g.peerId).toFixed(0)}`)
  })
})
