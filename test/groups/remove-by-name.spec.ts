import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createNetwork, type Network } from '../fixtures/index.ts'
import { formGroup } from './helpers.ts'

describe('group remove names a member as everywhere else', () => {
  let network: Network
  let group: string

  before(async () => {
    network = await createNetwork(3)
    await network.nodes[1].setNickname('bob')
    await network.nodes[2].setNickname('carol')
    group = (await formGroup(network.nodes, 'nicknames')).id
  })
  after(async () => { await network?.stop() })

  it('by the nickname group members lists, and by a contact\'s nickname', async () => {
    const [admin, bob, carol] = network.nodes
    assert.equal((await admin.groupMembers(group)).find(m => m.peerId === bob.peerId)?.nickname, 'bob')
    let info = await admin.removeGroupMember(group, 'bob')
    assert.equal(info.members, 2)
    assert.equal((await admin.groupMembers(group)).find(m => m.peerId === bob.peerId)?.state, 'removed')
    // carol as the admin's contact, under another name
    await admin.addContact(carol.peerId, 'Carol C')
    info = await admin.removeGroupMember(group, 'Carol C')
    assert.equal(info.members, 1)
    assert.equal((await admin.groupMembers(group)).find(m => m.peerId === carol.peerId)?.state, 'removed')
    await assert.rejects(admin.removeGroupMember(group, 'dave'), /dave is not a member/)
  })
})
