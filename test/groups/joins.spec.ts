import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { link } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

const NAMES = ['alice', 'bob', 'carol']

/** Each node's member list as [nickname, state], sorted, for messages and asserts. */
async function rosters (nodes: HyphaeMessenger[], group: string): Promise<string[][]> {
  return Promise.all(nodes.map(async n => (await n.groupMembers(group)).map(m => `${m.nickname || '(no name)'}:${m.state}`).sort()))
}

describe('every member learns every join', { timeout: 120_000 }, () => {
  let network: Network

  before(async () => {
    network = await createNetwork(3)
    for (const [i, name] of NAMES.entries()) await network.nodes[i].setNickname(name)
  })

  after(async () => { await network?.stop() })

  it('the creator\'s join reaches members whose history syncs never went back to it', async () => {
    // alice creates the group and hands out an invite, then is away while bob and carol join
    // and talk: they know of her only as the invite's admin, not from a join of hers
    const group = (await network.nodes[0].createGroup('club')).id
    const invite = await network.nodes[0].groupInvite(group)
    await network.nodes[0].stop()
    const [, b, c] = network.nodes
    await b.joinGroup(invite)
    await c.joinGroup(invite)
    await link(b, c)
    await b.sendGroupMessage(group, 'one')
    await b.sendGroupMessage(group, 'two')
    await waitFor(async () => (await c.listGroupMessages(group, { limit: 100 })).filter(m => m.kind === 'text').length === 2, { timeout: 20_000, message: 'carol to get bob\'s messages' })
    // restarted, they resume history past what they hold: alice's join (clock 1) is below it
    const b2 = await network.restart(1)
    const c2 = await network.restart(2)
    await link(b2, c2)
    const a2 = await network.restart(0)
    await link(a2, b2)
    await link(a2, c2)

    const nodes = [a2, b2, c2]
    const want = NAMES.map(n => `${n}:member`).sort()
    await waitFor(async () => (await rosters(nodes, group)).every(r => JSON.stringify(r) === JSON.stringify(want)), {
      timeout: 30_000,
      message: () => 'every node to list alice, bob and carol by name'
    }).catch(async err => {
      assert.fail(`${(err as Error).message}; they list ${JSON.stringify(await rosters(nodes, group))}`)
    })
  })
})
