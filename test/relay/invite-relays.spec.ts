import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { parseInvite } from '../../node/invite.ts'
import type { RelayInit } from '../../node/create-node.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

const RELAY: RelayInit = { maxReservations: 16, reservationTtlMs: 3_600_000, durationLimitMs: 3_600_000, dataLimitBytes: 1n << 26n }

const relayAddressesOf = async (node: HyphaeMessenger, relay: string): Promise<string[]> =>
  (await node.id()).addresses.filter(a => a.includes(`/p2p/${relay}/p2p-circuit/p2p/${node.peerId}`))

describe('relays met through a contact\'s invite', () => {
  let network: Network
  before(async () => {
    // node 0 relays; bob (1) bootstraps through it; alice (2) has no bootstrap list and no mDNS
    network = await createNetwork(3, {
      init: (i, started) => i === 0 ? { relay: RELAY, relayClient: false } : i === 1 ? { bootstrap: [addressOf(started[0])] } : {}
    })
  })
  after(async () => { await network.stop() })

  it('a node with no bootstrap list takes a slot on the relay in the invite it adds, and puts it in its own invite', async () => {
    const [relay, bob, alice] = network.nodes
    const relayId = relay.peerId
    await waitFor(async () => (await relayAddressesOf(bob, relayId)).length > 0, { message: 'bob holds a slot on the relay', timeout: 30_000 })
    assert.deepEqual(await relayAddressesOf(alice, relayId), [], 'alice knows no relay yet')
    assert.equal((await alice.doctor()).relays.length, 0)

    await alice.addContact((await bob.id()).invite)
    await waitFor(async () => (await relayAddressesOf(alice, relayId)).length > 0, { message: 'alice holds a slot on bob\'s relay', timeout: 30_000 })
    assert.deepEqual((await alice.doctor()).relays, [relayId])
    // her invite now names the relay, so her contacts can reach her (and her mailbox) there
    const invite = await parseInvite((await alice.id()).invite)
    assert.ok(invite.addrs.some(a => a.toString().includes(`/p2p/${relayId}/p2p-circuit`)), 'the invite carries the relay address')
  })

  it('after a restart with no bootstrap list, it holds a slot on that relay again', async () => {
    const relayId = network.nodes[0].peerId
    const alice = await network.restart(2)
    await waitFor(async () => (await relayAddressesOf(alice, relayId)).length > 0, { message: 'alice holds a slot on the relay again', timeout: 30_000 })
  })

  it('started with no way to reserve (a one-off command), its invite names the relay it last held', async () => {
    const relayId = network.nodes[0].peerId
    const bob = network.nodes[1]
    await waitFor(async () => (await relayAddressesOf(bob, relayId)).length > 0, { message: 'bob holds a slot on the relay', timeout: 30_000 })
    // no bootstrap list, no relay client, no redial: nothing this run can reserve
    const offline = await network.restart(1, { bootstrap: [], relayClient: false, reconnect: false })
    assert.equal(offline.libp2p.getMultiaddrs().filter(a => a.toString().includes('/p2p-circuit')).length, 0)
    const invite = await parseInvite((await offline.id()).invite)
    assert.ok(invite.addrs.some(a => a.toString().includes(`/p2p/${relayId}/p2p-circuit/p2p/${offline.peerId}`)), `the invite carries the last relay: ${invite.addrs.join(' ')}`)
  })
})
