import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { unhex } from '../../node/hex.ts'
import { epochKeys, openGroupEnvelope } from '../../node/groups/crypto.ts'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { formGroup, link, texts } from './helpers.ts'
import type { Message } from '@libp2p/gossipsub'

describe('a member that leaves takes no key with it', { timeout: 120_000 }, () => {
  // 0: admin; 1: member; 2: the member that leaves, and then listens on
  let network: Network
  let group: string

  before(async () => {
    network = await createNetwork(3)
    group = (await formGroup(network.nodes, 'leavers')).id
    await link(network.nodes[1], network.nodes[2])
  })

  after(async () => { await network?.stop() })

  it('the admin moves the others to a new epoch; what they say next does not open with the old secret', async () => {
    const [a, b, l] = network.nodes
    const oldSecret = unhex((await l.groups.store.group(group))!.secrets['0'])
    await l.leaveGroup(group)
    // the old code stays in epoch 0, which the member that left still holds
    await waitFor(async () => (await a.listGroups())[0].epoch === 1 && (await b.listGroups())[0].epoch === 1, { message: 'the admin and the member to move to epoch 1' })
    assert.equal((await l.listGroups())[0].epoch, 0, 'the one that left was not handed the new key')
    const topic = await b.groups.topic(group)
    // the one that left listens on the new topic (say it watched subscriptions) and tries its secret
    let opened = 0
    let seen = 0
    const pubsub = l.libp2p.services.pubsub
    pubsub.addEventListener('message', (evt: CustomEvent<Message>) => {
      if (evt.detail.topic !== topic) return
      seen++
      try {
        openGroupEnvelope(epochKeys(unhex(group), oldSecret), evt.detail.data)
        opened++
      } catch {}
    })
    pubsub.subscribe(topic)
    await waitFor(() => pubsub.getMeshPeers(topic).length > 0 || pubsub.getSubscribers(topic).length > 0, { message: 'the one that left to reach the new topic' })
    await b.sendGroupMessage(group, 'after the leave')
    await waitFor(async () => (await texts(a, group)).includes('after the leave'), { message: 'the admin to get the message in epoch 1' })
    await waitFor(() => seen > 0, { message: 'the one that left to see the ciphertext' })
    assert.equal(opened, 0)
  })
})
