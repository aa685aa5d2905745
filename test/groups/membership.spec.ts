import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { formGroup, texts } from './helpers.ts'

describe('leaving and joining again', { timeout: 120_000 }, () => {
  let network: Network
  let group: string

  before(async () => {
    network = await createNetwork(2)
    await network.nodes[0].setNickname('alice')
    await network.nodes[1].setNickname('bob')
    group = (await formGroup(network.nodes, 'club')).id
  })

  after(async () => { await network?.stop() })

  it('a member that leaves is shown as left, stops listening and can no longer post', async () => {
    const [a, b] = network.nodes
    const topic = await b.groups.topic(group)
    const left = await b.leaveGroup(group)
    assert.equal(left.state, 'left')
    assert.ok(!b.libp2p.services.pubsub.getTopics().includes(topic))
    await waitFor(async () => (await a.groupMembers(group)).find(m => m.peerId === b.peerId)?.state === 'left', { message: 'the admin to see the leave' })
    assert.deepEqual((await a.groupMembers(group)).map(m => [m.nickname, m.state]).sort(), [['alice', 'member'], ['bob', 'left']])
    await assert.rejects(b.sendGroupMessage(group, 'hi?'), { name: 'GroupNotActiveError', message: /you have left the group "club"/ })
    assert.equal((await b.listGroups())[0].queued, 0, 'the leave went out')
  })

  it('joins again with a fresh invite: a member again, and catches up on what was said meanwhile', async () => {
    const [a, b] = network.nodes
    await a.sendGroupMessage(group, 'while bob was away')
    const again = await b.joinGroup(await a.groupInvite(group))
    assert.equal(again.state, 'active')
    await waitFor(async () => (await a.groupMembers(group)).find(m => m.peerId === b.peerId)?.state === 'member', { message: 'the admin to see bob back' })
    await waitFor(async () => (await texts(b, group)).includes('while bob was away'), { message: 'bob to get it from history' })
    // joining with an invite for an epoch it already holds changes nothing
    const before = (await b.listGroupMessages(group, { limit: 1000 })).length
    await b.joinGroup(await a.groupInvite(group))
    assert.equal((await b.listGroupMessages(group, { limit: 1000 })).length, before)
  })
})
