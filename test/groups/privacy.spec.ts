import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { equals } from 'uint8arrays/equals'
import { unhex } from '../../node/hex.ts'
import { randomBytes, TOPIC_PREFIX } from '../../node/groups/crypto.ts'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { formGroup, link, texts } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import { SyncStatus, type SyncRequest } from '../../protocols/group-sync/index.ts'
import type { Message, SubscriptionChangeData } from '@libp2p/gossipsub'

const pubsubOf = (node: HyphaeMessenger): any => node.libp2p.services.pubsub

describe('a peer outside a group learns nothing it can use', { timeout: 120_000 }, () => {
  // 0: admin; 1: member; 2: a snoop next to both; 3: a bystander in no group
  let network: Network
  let group: string
  /** the group topics the snoop saw announced */
  const seen = new Set<string>()
  /** history requests that reached the snoop */
  const asked: Array<{ from: string, request: SyncRequest }> = []
  /** group messages that reached the snoop */
  let received = 0

  before(async () => {
    network = await createNetwork(4)
    const [a, b, snoop, bystander] = network.nodes
    pubsubOf(snoop).addEventListener('subscription-change', (evt: CustomEvent<SubscriptionChangeData>) => {
      for (const s of evt.detail.subscriptions) if (s.subscribe && s.topic.startsWith(TOPIC_PREFIX)) seen.add(s.topic)
    })
    pubsubOf(snoop).addEventListener('message', (evt: CustomEvent<Message>) => { if (evt.detail.topic.startsWith(TOPIC_PREFIX)) received++ })
    group = (await formGroup([a, b], 'secret club')).id
    await link(snoop, a)
    await link(snoop, b)
    await link(snoop, bystander)
  })

  after(async () => { await network?.stop() })

  it('a snoop that subscribes to the topic it saw is asked for history by a tag it cannot use', async () => {
    const [a, b, snoop] = network.nodes
    const topic = await a.groups.topic(group)
    await waitFor(() => seen.has(topic), { message: 'the snoop to see the topic in SUBSCRIBE' })
    snoop.groups.sync.onRequest = (from, request) => {
      asked.push({ from: from.toString(), request })
      throw new Error('a snoop has nothing to serve')
    }
    pubsubOf(snoop).subscribe(topic)
    await waitFor(() => asked.length >= 2, { message: 'both members to ask the new subscriber for history' })
    const id = unhex(group)
    for (const { request } of asked) {
      // the old code names the group id and its epoch
      assert.ok(!equals(request.group, id), 'no group id')
      assert.equal(request.epoch, 0n, 'no epoch')
    }
    // what it was sent is of no use elsewhere: the proof is bound to the two peers
    for (const { from, request } of asked) {
      const other = [a, b].find(m => m.peerId !== from)!
      await assert.rejects(snoop.groups.sync.fetch(other.libp2p.peerId, { ...request, proof: request.proof }), { name: 'SyncRefusedError', status: SyncStatus.NOT_MEMBER, epoch: 0n })
    }
  })

  it('a request with a junk proof gets the same answer from a member as from a bystander', async () => {
    const [a, , snoop, bystander] = network.nodes
    const answer = async (peer: HyphaeMessenger, group: Uint8Array, epoch: bigint): Promise<unknown> => {
      try {
        const page = await snoop.groups.sync.fetch(peer.libp2p.peerId, {
          group: group as Uint8Array<ArrayBuffer>, epoch, proof: randomBytes(32), since: 0n, cursor: new Uint8Array(), limit: 10
        })
        return { ok: page.items.length }
      } catch (err: any) {
        return { name: err.name, status: err.status, epoch: err.epoch }
      }
    }
    // the group id (say, leaked), a made-up tag, and the epochs a guesser would try
    for (const id of [unhex(group), randomBytes(16), randomBytes(32)]) {
      for (const epoch of [0n, 1n]) {
        const fromMember = await answer(a, id, epoch)
        const fromBystander = await answer(bystander, id, epoch)
        assert.deepEqual(fromMember, fromBystander, `same answer for a ${id.byteLength}-byte id, epoch ${epoch}`)
        assert.equal((fromMember as any).name, 'SyncRefusedError')
      }
    }
  })

  it('the snoop on the topic is kept out of its mesh and gets none of the group\'s messages', async () => {
    const [a, b, snoop] = network.nodes
    const topic = await a.groups.topic(group)
    assert.ok(pubsubOf(snoop).getTopics().includes(topic), 'the snoop still listens')
    // no proof of membership: below gossipsub's publish threshold (-50), so no mesh, no gossip, no forward
    await waitFor(() => [a, b].every(n => pubsubOf(n).getScore(snoop.peerId) < -50 && !pubsubOf(n).getMeshPeers(topic).includes(snoop.peerId)), {
      message: () => `the members to keep the snoop out (scores ${[a, b].map(n => pubsubOf(n).getScore(snoop.peerId).toFixed(1)).join(', ')})`
    })
    // counted from here: until the store has said it is no member (a read, and gossipsub's score
    // cache of one heartbeat) it may still be offered what the mesh gossiped just before
    received = 0
    await a.sendGroupMessage(group, 'one')
    await b.sendGroupMessage(group, 'two')
    await waitFor(async () => (await texts(a, group)).includes('two') && (await texts(b, group)).includes('one'), { message: 'the members to get each other\'s messages' })
    // the old code forwards both to it, with their author and size
    assert.equal(received, 0, 'the snoop got no group message')
  })
})
