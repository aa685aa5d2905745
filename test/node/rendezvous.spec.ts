import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import type { RelayInit } from '../../node/create-node.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

const RELAY: RelayInit = { maxReservations: 16, reservationTtlMs: 3_600_000, durationLimitMs: 3_600_000, dataLimitBytes: 1n << 26n }
const [R1, R2, R3, R4, ALICE, BOB] = [0, 1, 2, 3, 4, 5]

const circuits = (node: HyphaeMessenger): string[] => node.libp2p.getMultiaddrs().map(String).filter(a => a.includes('/p2p-circuit'))
const onRelays = (node: HyphaeMessenger, relays: HyphaeMessenger[]): boolean =>
  circuits(node).length > 0 && circuits(node).every(a => relays.some(r => a.includes(`/p2p/${r.peerId}/p2p-circuit`)))

/** the node holds slots only on `relays`, and has written records naming them */
async function settledOn (node: HyphaeMessenger, relays: HyphaeMessenger[], what: string): Promise<void> {
  await waitFor(() => onRelays(node, relays) && node.direct.rendezvous.published.some(a => relays.some(r => a.includes(`/p2p/${r.peerId}/p2p-circuit`))), {
    message: () => `${what}: slots ${circuits(node).join(' ')}; published ${node.direct.rendezvous.published.join(' ')}`, timeout: 60_000, interval: 200
  })
}

describe('contacts find each other by rendezvous record (relays serve the DHT, contacts are DHT clients)', { timeout: 300_000 }, () => {
  let network: Network
  before(async () => {
    // two islands of relays: alice and bob start on R1/R2, and R3/R4 are where they move to
    network = await createNetwork(6, {
      init: (i, started) => {
        if (i === R1 || i === R3) return { relay: RELAY, relayClient: false }
        if (i === R2 || i === R4) return { relay: RELAY, relayClient: false, bootstrap: [addressOf(started[i - 1])] }
        return { dhtServer: false, bootstrap: [addressOf(started[R1])] }
      }
    })
  })
  after(async () => { await network.stop() })

  it('after both changed relays and addresses while the other was offline, each finds the other and delivers', async () => {
    const { nodes } = network
    const [alice, bob] = [nodes[ALICE], nodes[BOB]]
    for (const node of [alice, bob]) await settledOn(node, [nodes[R1], nodes[R2]], 'on the first relays')
    assert.equal(alice.libp2p.services.dht.getMode(), 'client')
    await alice.addContact((await bob.id()).invite, 'bob')
    await bob.addContact((await alice.id()).invite, 'alice')
    const bobBefore = bob.libp2p.getMultiaddrs().map(String)
    const aliceBefore = alice.libp2p.getMultiaddrs().map(String)

    // bob goes offline; the relays both used go away; alice moves (new relays, new port)
    await bob.stop()
    await nodes[R1].stop()
    await nodes[R2].stop()
    const moved = await network.restart(ALICE, { dhtServer: false, bootstrap: [addressOf(nodes[R3])] })
    await settledOn(moved, [nodes[R3], nodes[R4]], 'alice on the new relays')
    // then alice goes offline and bob moves
    await moved.stop()
    const bobMoved = await network.restart(BOB, { dhtServer: false, bootstrap: [addressOf(nodes[R4])] })
    await settledOn(bobMoved, [nodes[R3], nodes[R4]], 'bob on the new relays')
    assert.ok(bobMoved.libp2p.getMultiaddrs().every(a => !bobBefore.includes(a.toString())), 'none of bob\'s addresses is the same')

    // alice comes back (on yet another port): each only knows where the other used to be
    const aliceBack = await network.restart(ALICE, { dhtServer: false, bootstrap: [addressOf(nodes[R3])] })
    await settledOn(aliceBack, [nodes[R3], nodes[R4]], 'alice back')
    assert.ok(aliceBack.libp2p.getMultiaddrs().every(a => !aliceBefore.includes(a.toString())), 'none of alice\'s addresses is the same')

    // the outbox has only stale addresses for each: it has to read the other's record
    const hello = await aliceBack.sendMessage('bob', 'found you')
    const back = await bobMoved.sendMessage('alice', 'found you too')
    await waitFor(async () => (await bobMoved.listMessages('alice')).some(m => m.id === hello.id) && (await aliceBack.listMessages('bob')).some(m => m.id === back.id), {
      message: 'both messages arrive', timeout: 60_000, interval: 200
    })
    const found = await aliceBack.direct.rendezvous.lookup(bobMoved.libp2p.peerId, AbortSignal.timeout(20_000))
    assert.ok(found.some(a => circuits(bobMoved).includes(a.toString())), `bob's record names where he is now: ${found.join(' ')}`)
    const foundAlice = await bobMoved.direct.rendezvous.lookup(aliceBack.libp2p.peerId, AbortSignal.timeout(20_000))
    assert.ok(foundAlice.some(a => circuits(aliceBack).includes(a.toString())), `alice's record names where she is now: ${foundAlice.join(' ')}`)
  })
})
