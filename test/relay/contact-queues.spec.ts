import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { MailboxStatus } from '../../protocols/mailbox/index.ts'
import { sealForRelay } from '../../protocols/dm/sealed.ts'
import { queueRef, type QueueRecord } from '../../node/direct/mailbox-queues.ts'
import { parseInvite } from '../../node/invite.ts'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { boxFor, queueOpened } from './queues.ts'
import type { RelayInit } from '../../node/create-node.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

const RELAY: RelayInit = { maxReservations: 16, reservationTtlMs: 3_600_000, durationLimitMs: 3_600_000, dataLimitBytes: 1n << 26n }
const [RELAY_NODE, ALICE] = [0, 1]

/** the queues `holder` keeps for `of` (what it deposits with) */
async function queuesHeld (holder: HyphaeMessenger, of: HyphaeMessenger): Promise<QueueRecord[]> {
  return (await (holder.direct as any).contactsStore.get(of.peerId))?.queues ?? []
}

/**
 * Alice's contacts each deposit in a queue of their own on her relay: the relay cannot tell that
 * two of them write to one person, and when she blocks one, the relay refuses that one's
 * deposits while the others' still land. A contact who still holds the invite's queue (told
 * before queues were per contact) is still delivered.
 */
describe('a queue per contact on each relay', { timeout: 300_000 }, () => {
  let network: Network
  before(async () => {
    network = await createNetwork(5, { init: (i, started) => i === RELAY_NODE ? { relay: RELAY, relayClient: false } : { bootstrap: [addressOf(started[RELAY_NODE])] } })
  })
  after(async () => { await network?.stop() })

  it('two contacts deposit in different queues; a blocked one is refused by the relay, the others land', async () => {
    const [relay, alice, bob, carol, dave] = network.nodes
    const invited = await queueOpened(alice, relay, bob)
    const inviteQueue = Buffer.from(invited.id).toString('hex')
    // bob and carol write to alice from her invite; she accepts them: each gets queues of its own
    for (const [who, name] of [[bob, 'bob'], [carol, 'carol']] as const) {
      await who.addContact((await alice.id()).invite, 'alice')
      await who.sendMessage('alice', `hi, it is ${name}`)
      await waitFor(async () => (await alice.listRequests()).some(r => r.peerId === who.peerId), { message: `alice has ${name}'s request`, timeout: 30_000 })
      await alice.acceptRequest(who.peerId)
    }
    const own = async (who: HyphaeMessenger): Promise<QueueRecord> => waitFor(async () => {
      const q = (await queuesHeld(who, alice)).find(q => q.relay.endsWith(`/p2p/${relay.peerId}`))
      return q != null && q.queue !== inviteQueue ? q : undefined
    }, { message: 'a queue of its own from alice', timeout: 60_000 })
    const [bobs, carols] = [await own(bob), await own(carol)]
    assert.notEqual(bobs.queue, carols.queue, 'the relay sees two queues, not one person')
    assert.notEqual(bobs.token, carols.token)
    // dave and alice add each other by invite
    await dave.addContact((await alice.id()).invite, 'alice')
    await alice.addContact((await dave.id()).invite, 'dave')

    const store = (relay as any).components.mailboxStore
    await waitFor(async () => (await store.getQueue(bobs.queue)) != null && (await store.getQueue(carols.queue)) != null, { message: 'both queues open on the relay', timeout: 30_000 })
    const prekeys = await alice.direct.prekeys()
    await alice.blockContact(bob.peerId)
    assert.equal(await store.getQueue(bobs.queue), undefined, 'bob\'s queue is gone from the relay')
    assert.notEqual(await store.getQueue(carols.queue), undefined, 'carol\'s is not')
    // bob may hold the invite too: the block moved it to a new queue and closed the old one
    assert.equal(await store.getQueue(inviteQueue), undefined, 'the old invite\'s queue is gone')
    // dave holds the invite's (new) queue, as a contact told before queues were per contact does
    // (whether the two have yet swapped queues of their own depends on their relays' timers)
    const inviteRecord = (await parseInvite((await alice.id()).invite)).queues.find(q => q.relay.endsWith(`/p2p/${relay.peerId}`))
    assert.ok(inviteRecord != null)
    assert.notEqual(inviteRecord.queue, inviteQueue)
    const newInviteQueue = inviteRecord.queue
    await alice.stop()
    // (after alice stopped: nothing of hers can still hand dave a queue of his own)
    const davesRecord = await (dave.direct as any).contactsStore.get(alice.peerId)
    await (dave.direct as any).contactsStore.put({ ...davesRecord, queues: [inviteRecord] })

    const relayId = relay.libp2p.peerId
    await assert.rejects(bob.libp2p.services.mailbox.deposit(relayId, queueRef(bobs), await boxFor(bob, alice.peerId, prekeys, 'blocked')),
      (err: any) => err.name === 'MailboxRefusedError' && err.status === MailboxStatus.DENIED)
    const fromCarol = await carol.sendMessage('alice', 'carol, while you were away')
    const fromDave = await dave.sendMessage('alice', 'dave, through the invite\'s queue')
    // (at least: a control message of theirs, handing alice their own queues, may wait there too)
    await waitFor(async () => (await store.usage(carols.queue)).messages >= 1, { message: 'carol\'s lands in her queue', timeout: 60_000 })
    await waitFor(async () => (await store.usage(newInviteQueue)).messages >= 1, { message: 'dave\'s lands in the invite\'s queue', timeout: 60_000 })

    // the senders go too: alice can have these only from the relay
    await Promise.all([carol.stop(), dave.stop()])
    const back = await network.restart(ALICE, { bootstrap: [addressOf(relay)] })
    for (const [who, sent] of [[carol, fromCarol], [dave, fromDave]] as const) {
      await waitFor(async () => (await back.listMessages(who.peerId)).some(m => m.id === sent.id), { message: `alice got ${sent.id} from the relay`, timeout: 60_000 })
    }
    // (the relay may hold mail of alice's for the others, stopped: only her queues are emptied)
    await waitFor(async () => (await store.usage(carols.queue)).messages === 0 && (await store.usage(newInviteQueue)).messages === 0, { message: 'the relay deleted both once alice stored them', timeout: 30_000 })
  })

  it('one FetchMany asks many queues, each signed by its own key; one not signed by its owner is refused, the rest answered', async () => {
    const [relay, , bob] = network.nodes
    const relayId = relay.libp2p.peerId
    const m = bob.libp2p.services.mailbox
    const queues = await Promise.all([0, 1, 2].map(async () => ({ id: randomBytes(16), key: await generateKeyPair('Ed25519'), token: randomBytes(32) })))
    for (const q of queues) await m.open(relayId, q)
    const someone = await generateKeyPair('Ed25519')
    for (const q of queues.slice(0, 2)) await m.deposit(relayId, q, sealForRelay(randomBytes(40), someone.publicKey))
    const thief = { ...queues[2], key: await generateKeyPair('Ed25519') }
    const got = await m.fetchMany(relayId, [queues[0], queues[1], thief])
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
    assert.deepEqual(got.items.map(i => i.queue).sort(), [hex(queues[0].id), hex(queues[1].id)].sort())
    assert.deepEqual(got.denied, [hex(queues[2].id)])
    assert.deepEqual(got.more, [])
    assert.deepEqual(await m.fetchMany(relayId, [queues[2]]), { items: [], more: [], denied: [] }, 'its owner is answered')
  })
})
