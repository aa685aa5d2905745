import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { hex, unhex } from '../../node/hex.ts'
import { epochKeys, sealGroupEnvelope, signGroupMessage } from '../../node/groups/crypto.ts'
import { MAX_CLOCK_AHEAD } from '../../node/groups/membership.ts'
import { GroupMessageKind } from '../../protocols/group/pb/group.ts'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { formGroup, link, texts } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { GroupMessageRecord } from '../../node/messenger.ts'
import type { PrivateKey } from '@libp2p/interface'

const keyOf = (node: HyphaeMessenger): PrivateKey => (node as any).components.key
const pubsubOf = (node: HyphaeMessenger): any => node.libp2p.services.pubsub
const clockOf = async (node: HyphaeMessenger, group: string): Promise<number> => node.groups.store.clock(group)
const TOP = Number.MAX_SAFE_INTEGER

describe('a member that sends a clock of 2^53-1', { timeout: 180_000 }, () => {
  // 0: admin; 1: honest member; 2: the attacker
  let network: Network
  let group: string

  before(async () => {
    network = await createNetwork(3)
    group = (await formGroup(network.nodes, 'clocks')).id
    await link(network.nodes[1], network.nodes[2])
  })

  after(async () => { await network?.stop() })

  it('live on the topic: ignored, the clocks stay put and the group keeps working', async () => {
    const [a, b, f] = network.nodes
    const topic = await f.groups.topic(group)
    await waitFor(() => pubsubOf(f).getMeshPeers(topic).length === 2, { message: 'the attacker to be in the mesh of both' })
    const keys = epochKeys(unhex(group), unhex((await f.groups.store.group(group))!.secrets['0']))
    const signed = await signGroupMessage({ key: keyOf(f), group: unhex(group), lamport: TOP, kind: GroupMessageKind.TEXT, body: 'the end of time' })
    const id = hex(signed.message.id)
    await pubsubOf(f).publish(topic, sealGroupEnvelope(keys, signed.bytes))
    // the old code stores it (and moves the clock); the new one ignores it
    await waitFor(async () => {
      for (const n of [a, b]) if ((n.groups.stats.reasons['clock too far ahead'] ?? 0) === 0 && !(await n.groups.store.has(group, id))) return false
      return true
    }, { message: 'both members to judge the message' })
    for (const n of [a, b]) {
      assert.equal(await n.groups.store.has(group, id), false, 'not stored')
      assert.ok(await clockOf(n, group) < MAX_CLOCK_AHEAD, `the clock stays small (${await clockOf(n, group)})`)
    }

    // the group is alive: a member posts, and the admin's removal of the attacker goes through
    await b.sendGroupMessage(group, 'still here')
    await waitFor(async () => (await texts(a, group)).includes('still here'), { message: 'the admin to get the honest message' })
    const info = await a.removeGroupMember(group, f.peerId)
    assert.equal(info.epoch, 1)
    await waitFor(async () => (await b.listGroups())[0].epoch === 1, { message: 'the member to move to epoch 1' })
    await a.sendGroupMessage(group, 'without the attacker')
    await waitFor(async () => (await texts(b, group)).includes('without the attacker'), { message: 'the member to get the admin\'s message in epoch 1' })
  })

  it('from history: a served message with such a clock is not stored and moves nothing', async () => {
    // a fresh trio: the attacker is still a member here, and serves a forged history
    const trio = await createNetwork(3)
    try {
      const [a, b, f] = trio.nodes
      const g = (await formGroup(trio.nodes, 'clocks 2')).id
      const signed = await signGroupMessage({ key: keyOf(f), group: unhex(g), lamport: TOP, kind: GroupMessageKind.TEXT, body: 'from the past' })
      const now = Date.now()
      const rec: GroupMessageRecord = {
        id: hex(signed.message.id), group: g, author: f.peerId, direction: 'out', kind: 'text', body: 'from the past', lamport: TOP,
        sentAt: now, storedAt: now, status: 'sent', hash: hex(signed.hash), prev: ''
      }
      await f.groups.store.batch(f.groups.store.putMessageOps(rec, signed.bytes, TOP))
      await link(b, f)
      const got = await b.groups.syncWith(g, f.peerId, { since: 0 })
      assert.equal(got, 0, 'nothing new stored')
      assert.equal(await b.groups.store.has(g, rec.id), false)
      assert.ok(await clockOf(b, g) < MAX_CLOCK_AHEAD, `the clock stays small (${await clockOf(b, g)})`)
      await b.sendGroupMessage(g, 'can still post')
      await waitFor(async () => (await texts(a, g)).includes('can still post'), { message: 'the admin to get the member\'s message' })
    } finally {
      await trio.stop()
    }
  })
})
