import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { unhex } from '../../node/hex.ts'
import { epochKeys, openGroupEnvelope, signRekey, syncProof } from '../../node/groups/crypto.ts'
import { GroupControl } from '../../protocols/group/pb/group.ts'
import { SyncStatus } from '../../protocols/group-sync/index.ts'
import { connectedPeers, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { formGroup, link, texts } from './helpers.ts'
import type { Message } from '@libp2p/gossipsub'

const epochOf = async (node: Network['nodes'][number]): Promise<number> => (await node.listGroups())[0].epoch

describe('removing a member re-keys the group', { timeout: 180_000 }, () => {
  // 0: the admin; 1 and 2: members; 3: the member to remove. Node 2 is offline during the removal.
  let network: Network
  let group: string
  /** what the removed node sees on the new topic, and how many of those it could open */
  const spy = { attempts: 0, opened: 0 }

  before(async () => {
    network = await createNetwork(4)
    const [, b, c, m] = network.nodes
    group = (await formGroup(network.nodes, 'kick')).id
    // everyone linked to everyone: the removed node stays a neighbour of every member
    await link(c, b)
    await link(m, b)
    await link(m, c)
    await network.nodes[0].sendGroupMessage(group, 'before')
    await waitFor(async () => {
      for (const node of network.nodes) if (!(await texts(node, group)).includes('before')) return false
      return true
    }, { message: 'everyone to hold "before"' })
    await c.stop()
    await waitFor(() => !connectedPeers(network.nodes[0]).has(c.peerId), { message: 'node 2 gone' })
    void m
  })

  after(async () => { await network?.stop() })

  it('moves the members to epoch 1; the removed member learns of it, cannot post and is refused history', async () => {
    const [a, b, , m] = network.nodes
    const oldSecret = unhex((await m.groups.store.group(group))!.secrets['0'])
    const info = await a.removeGroupMember(group, m.peerId)
    assert.equal(info.epoch, 1)
    assert.equal(info.members, 3)
    await waitFor(async () => (await epochOf(b)) === 1, { message: 'node 1 to receive epoch 1 over a direct message' })
    assert.notEqual(await b.groups.topic(group), await m.groups.topic(group), 'the group moved to another topic')
    await waitFor(async () => (await m.listGroups())[0].state === 'removed', { message: 'the removed node to see its removal' })
    const removal = (await b.listGroupMessages(group, { limit: 1000 })).find(r => r.kind === 'remove')
    assert.equal(removal?.subject, m.peerId)
    assert.equal((await b.groupMembers(group)).find(x => x.peerId === m.peerId)?.state, 'removed')
    await assert.rejects(m.sendGroupMessage(group, 'still here?'), { name: 'GroupNotActiveError' })

    // history is for members: the old epoch's tag and a made-up proof of the new one get the same refusal
    const groupId = unhex(group)
    const newKeys = epochKeys(groupId, unhex((await b.groups.store.group(group))!.secrets['1']))
    const oldKeys = epochKeys(groupId, oldSecret)
    const ask = (tag: Uint8Array, proof: Uint8Array): Promise<unknown> => m.groups.sync.fetch(b.libp2p.peerId, {
      group: tag as Uint8Array<ArrayBuffer>, epoch: 0n, proof: proof as Uint8Array<ArrayBuffer>, since: 0n, cursor: new Uint8Array(), limit: 10
    })
    await assert.rejects(ask(oldKeys.syncTag, syncProof(oldKeys, m.libp2p.peerId, b.libp2p.peerId)), { name: 'SyncRefusedError', status: SyncStatus.NOT_MEMBER, epoch: 0n })
    await assert.rejects(ask(newKeys.syncTag, syncProof(oldKeys, m.libp2p.peerId, b.libp2p.peerId)), { name: 'SyncRefusedError', status: SyncStatus.NOT_MEMBER, epoch: 0n })
  })

  it('the members keep chatting; the removed node, listening on the new topic, is kept out of it: it gets, opens and stores nothing', async () => {
    const [a, b, , m] = network.nodes
    const storedBefore = (await m.listGroupMessages(group, { limit: 1000 })).length
    const acceptedBefore = m.groups.stats.accepted
    // the removed node has learnt the new topic (say, by watching subscriptions) and holds every
    // secret it was ever given: it listens and tries them all on whatever comes
    const secrets = Object.values((await m.groups.store.group(group))!.secrets).map(unhex)
    const topic = await a.groups.topic(group)
    const pubsub = m.libp2p.services.pubsub
    pubsub.addEventListener('message', (evt: CustomEvent<Message>) => {
      if (evt.detail.topic !== topic) return
      spy.attempts++
      for (const secret of secrets) {
        try {
          openGroupEnvelope(epochKeys(unhex(group), secret), evt.detail.data)
          spy.opened++
        } catch {}
      }
    })
    pubsub.subscribe(topic)
    await waitFor(() => a.libp2p.services.pubsub.getSubscribers(topic).some((p: any) => p.equals(m.libp2p.peerId)), { message: 'the removed node subscribed to the new topic' })
    // it proves no membership of the new epoch: below gossipsub's publish threshold, out of the mesh
    const pubsubOf = (n: typeof a): any => n.libp2p.services.pubsub
    await waitFor(() => [a, b].every(n => pubsubOf(n).getScore(m.peerId) < -50 && !pubsubOf(n).getMeshPeers(topic).includes(m.peerId)), {
      message: () => `the members to keep the removed node out (scores ${[a, b].map(n => pubsubOf(n).getScore(m.peerId).toFixed(1)).join(', ')})`
    })

    const sent = ['after 1', 'after 2', 'after 3', 'after 4']
    for (const [i, text] of sent.entries()) await [a, b][i % 2].sendGroupMessage(group, text)
    await waitFor(async () => {
      for (const node of [a, b]) if ((await texts(node, group)).length !== 1 + sent.length) return false
      return true
    }, { message: 'nodes 0 and 1 to hold every message' })
    // the old code forwards every ciphertext to it
    assert.equal(spy.attempts, 0, 'the removed node got none of the new epoch\'s ciphertexts')
    assert.equal(spy.opened, 0, 'no secret the removed node holds opens a message of the new epoch')
    assert.deepEqual(await texts(m, group), ['before'])
    assert.equal((await m.listGroupMessages(group, { limit: 1000 })).length, storedBefore, 'the removed node stored nothing after its removal')
    assert.equal(m.groups.stats.accepted, acceptedBefore, 'its own node accepted nothing more for the group')
    pubsub.unsubscribe(topic)
  })

  it('a member offline during the removal gets the new key from the DM outbox when it comes back, then the history', async () => {
    const [a] = network.nodes
    assert.equal(await a.outboxSize(), 1, 'the new key for node 2 waits in the admin\'s DM outbox')
    const c = await network.restart(2)
    await waitFor(async () => (await epochOf(c)) === 1, { timeout: 30_000, message: 'node 2 to pick up epoch 1' })
    await waitFor(async () => (await texts(c, group)).length === 5, { timeout: 30_000, message: 'node 2 to catch up on the new epoch\'s messages' })
    assert.deepEqual((await texts(c, group)).slice(1).sort(), ['after 1', 'after 2', 'after 3', 'after 4'])
    assert.equal((await c.groupMembers(group)).find(x => x.peerId === network.nodes[3].peerId)?.state, 'removed')
    await c.sendGroupMessage(group, 'back')
    await waitFor(async () => (await texts(a, group)).includes('back'), { message: 'node 2\'s message on the new epoch to reach the admin' })
  })

  it('a new key from anyone but the admin is ignored', async () => {
    const [, b, c] = network.nodes
    const forger = await generateKeyPair('Ed25519')
    const rekey = await signRekey(forger, {
      group: unhex(group) as Uint8Array<ArrayBuffer>, epoch: 7n, secret: new Uint8Array(32).fill(7), removed: [], members: [], issuedAt: BigInt(Date.now())
    })
    await b.sendControl(c.peerId, 'group', GroupControl.encode({ rekey }))
    await waitFor(() => (c.groups.stats.reasons['new key not signed by the admin'] ?? 0) === 1, { message: 'node 2 to refuse the forged key' })
    assert.equal(await epochOf(c), 1)
    await waitFor(async () => (await b.outboxSize()) === 0, { message: 'the refusal is final: acked, not retried' })
  })
})
