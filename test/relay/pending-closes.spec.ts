import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { MailboxStatus, type QueueRef } from '../../protocols/mailbox/index.ts'
import { queueRef, type QueueRecord } from '../../node/direct/mailbox-queues.ts'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { boxFor, queueOpened } from './queues.ts'
import type { RelayInit } from '../../node/create-node.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { PrekeyBundle } from '../../protocols/prekeys/index.ts'

const RELAY: RelayInit = { maxReservations: 16, reservationTtlMs: 3_600_000, durationLimitMs: 3_600_000, dataLimitBytes: 1n << 26n }
const [RELAY_NODE, ALICE] = [0, 1]
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/**
 * Blocking a contact closes its queue on every relay of ours, and the invite's queue it may
 * hold: at once on a relay we are connected to, and on one that is away once it is back (the
 * Close waits in the profile, across a restart). A fresh invite names a new queue that works.
 */
describe('closes that reach every relay, and the invite\'s queue after a block', { timeout: 600_000 }, () => {
  let network: Network
  let relayAddr: string
  before(async () => {
    network = await createNetwork(5, { init: (i, started) => i === RELAY_NODE ? { relay: RELAY, relayClient: false } : { bootstrap: [addressOf(started[RELAY_NODE])] } })
    relayAddr = addressOf(network.nodes[RELAY_NODE])
  })
  after(async () => { await network?.stop() })

  const relayStore = (): any => (network.nodes[RELAY_NODE] as any).components.mailboxStore
  const alice = (): HyphaeMessenger => network.nodes[ALICE]

  /** `who` writes to alice from her invite and she accepts: the queue of its own it then holds on the relay */
  async function becomeContact (who: HyphaeMessenger, inviteQueue: string): Promise<QueueRecord> {
    await who.addContact((await alice().id()).invite, 'alice')
    await who.sendMessage('alice', 'hello')
    await waitFor(async () => (await alice().listRequests()).some(r => r.peerId === who.peerId), { message: 'alice has the request', timeout: 30_000 })
    await alice().acceptRequest(who.peerId)
    const own = await waitFor(async () => {
      const held: QueueRecord[] = (await (who.direct as any).contactsStore.get(alice().peerId))?.queues ?? []
      return held.find(q => q.relay.endsWith(`/p2p/${network.nodes[RELAY_NODE].peerId}`) && q.queue !== inviteQueue)
    }, { message: 'a queue of its own from alice', timeout: 60_000 })
    await waitFor(async () => (await relayStore().getQueue(own.queue)) != null, { message: 'its queue is open on the relay', timeout: 30_000 })
    return own
  }

  /** rejects unless the relay refuses `who`'s deposit into `queue` as DENIED */
  async function refused (who: HyphaeMessenger, queue: QueueRef, prekeys: PrekeyBundle, what: string): Promise<void> {
    await assert.rejects(who.libp2p.services.mailbox.deposit(network.nodes[RELAY_NODE].libp2p.peerId, queue, await boxFor(who, alice().peerId, prekeys, 'blocked')),
      (err: any) => err.name === 'MailboxRefusedError' && err.status === MailboxStatus.DENIED, what)
  }

  /** stops the relay and waits until alice has no connection to it */
  async function relayAway (): Promise<void> {
    const relayId = network.nodes[RELAY_NODE].libp2p.peerId
    await network.nodes[RELAY_NODE].stop()
    await waitFor(async () => alice().libp2p.getConnections(relayId).length === 0, { message: 'alice lost the relay', timeout: 30_000 })
  }

  async function relayBack (): Promise<void> {
    await network.restart(RELAY_NODE, { relay: RELAY, relayClient: false, listen: [multiaddr(relayAddr).decapsulateCode(421).toString()] })
  }

  it('blocked while connected: its queue and the invite\'s are refused at once; a fresh invite names a new queue that delivers', async () => {
    const [relay, , bob, , dave] = network.nodes
    const oldInvite = await queueOpened(alice(), relay, bob)
    const bobs = await becomeContact(bob, hex(oldInvite.id))
    const prekeys = await alice().direct.prekeys()
    await alice().blockContact(bob.peerId)
    assert.equal(await relayStore().getQueue(hex(oldInvite.id)), undefined, 'the old invite\'s queue is gone from the relay')
    await refused(bob, queueRef(bobs), prekeys, 'bob\'s own queue refuses him')
    await refused(bob, oldInvite, prekeys, 'the invite\'s queue he held refuses him')
    // a hand-over of queues to bob that was in flight when he was blocked opens nothing again
    await (alice().direct as any).mailbox.openQueues([relay.libp2p.peerId], AbortSignal.timeout(10_000), bob.libp2p.peerId)
    assert.equal(await relayStore().getQueue(bobs.queue), undefined, 'bob\'s queue stays closed')
    await refused(bob, queueRef(bobs), prekeys, 'bob\'s own queue still refuses him')

    const fresh = await queueOpened(alice(), relay, dave)
    assert.notEqual(hex(fresh.id), hex(oldInvite.id), 'a fresh invite names a new queue')
    await dave.addContact((await alice().id()).invite, 'alice')
    await alice().stop()
    const sent = await dave.sendMessage('alice', 'from the fresh invite, while you were away')
    await waitFor(async () => (await relayStore().usage(hex(fresh.id))).messages >= 1, { message: 'dave\'s lands in the new invite queue', timeout: 60_000 })
    const back = await network.restart(ALICE, { bootstrap: [relayAddr] })
    await waitFor(async () => (await back.listMessages(dave.peerId)).some(m => m.id === sent.id), { message: 'alice got it from the relay', timeout: 60_000 })
  })

  it('blocked while the relay is away: the Close reaches it once alice reconnects', async () => {
    const [relay, , , carol] = network.nodes
    const invite = await queueOpened(alice(), relay, carol)
    const carols = await becomeContact(carol, hex(invite.id))
    const prekeys = await alice().direct.prekeys()
    await relayAway()
    await alice().blockContact(carol.peerId)
    await relayBack()
    await alice().libp2p.dial(multiaddr(relayAddr))
    await waitFor(async () => (await relayStore().getQueue(carols.queue)) == null, { message: 'carol\'s queue closed once alice is back', timeout: 60_000 })
    await waitFor(async () => (await relayStore().getQueue(hex(invite.id))) == null, { message: 'the invite\'s queue closed once alice is back', timeout: 30_000 })
    await refused(carol, queueRef(carols), prekeys, 'carol\'s own queue refuses her')
    await refused(carol, invite, prekeys, 'the invite\'s queue she held refuses her')
  })

  it('blocked while the relay is away, then alice restarts: the Close is kept and reaches it', async () => {
    const [relay, , , , dave] = network.nodes
    const invite = await queueOpened(alice(), relay, dave)
    const daves = await becomeContact(dave, hex(invite.id))
    const prekeys = await alice().direct.prekeys()
    await relayAway()
    await alice().blockContact(dave.peerId)
    await alice().stop()
    await relayBack()
    assert.notEqual(await relayStore().getQueue(daves.queue), undefined, 'the relay kept his queue while it was away')
    await network.restart(ALICE, { bootstrap: [relayAddr] })
    await waitFor(async () => (await relayStore().getQueue(daves.queue)) == null, { message: 'dave\'s queue closed after alice\'s restart', timeout: 60_000 })
    await waitFor(async () => (await relayStore().getQueue(hex(invite.id))) == null, { message: 'the invite\'s queue closed after alice\'s restart', timeout: 30_000 })
    await refused(dave, queueRef(daves), prekeys, 'dave\'s own queue refuses him')
    await refused(dave, invite, prekeys, 'the invite\'s queue he held refuses him')
  })
})
