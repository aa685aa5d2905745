import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { pbStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { Envelope, sealEnvelope } from '../../protocols/dm/index.ts'
import { MailboxStatus, PROTOCOL as MAILBOX_PROTOCOL } from '../../protocols/mailbox/index.ts'
import { MailboxRequest, MailboxResponse } from '../../protocols/mailbox/pb/mailbox.ts'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import type { RelayInit } from '../../node/create-node.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

const RELAY: RelayInit = {
  maxReservations: 16,
  reservationTtlMs: 3_600_000,
  durationLimitMs: 3_600_000,
  dataLimitBytes: 1n << 26n,
  mailbox: { senderRate: 1000, depositorQuotaMessages: 3, totalQuotaMessages: 5 }
}

async function sealed (from: PrivateKey, to: PeerId, body = 'hello'): Promise<Uint8Array> {
  return Envelope.encode(await sealEnvelope({ senderKey: from, recipient: to.publicKey!, lamport: 1n, body }))
}

async function freshPeer (): Promise<{ key: PrivateKey, id: PeerId }> {
  const key = await generateKeyPair('Ed25519')
  return { key, id: peerIdFromPrivateKey(key) }
}

const keyOf = (node: HyphaeMessenger): PrivateKey => (node as any).components.key

describe('relay mailbox: deposits tied to their sender, capped per depositor and in all', { timeout: 120_000 }, () => {
  let network: Network

  before(async () => {
    network = await createNetwork(3, { init: (i, started) => i === 0 ? { relay: RELAY, relayClient: false } : { bootstrap: [addressOf(started[0])], relayClient: false } })
  })
  after(async () => { await network?.stop() })

  it('refuses an envelope the depositor did not write, and a deposit with no introduction', async () => {
    const [relay, alice] = network.nodes
    const someone = await freshPeer()
    const recipient = await freshPeer()
    await assert.rejects(alice.libp2p.services.mailbox.deposit(relay.libp2p.peerId, recipient.id, await sealed(someone.key, recipient.id)),
      (err: any) => err.status === MailboxStatus.INVALID, 'a forwarded envelope')

    // by hand, as a client that pays nothing would
    const stream = await alice.libp2p.dialProtocol(multiaddr(addressOf(relay)), MAILBOX_PROTOCOL)
    const pb = pbStream(stream)
    await pb.write({ deposit: { recipient: recipient.id.toMultihash().bytes, envelope: await sealed(keyOf(alice), recipient.id) as Uint8Array<ArrayBuffer>, introduction: new Uint8Array(0) } }, MailboxRequest)
    assert.equal((await pb.read(MailboxResponse)).status, MailboxStatus.INVALID, 'no introduction')
    assert.equal((await relay.relayStats())?.mailbox.messages, 0)
  })

  it('one depositor fills at most its own quota; all depositors at most the relay\'s', async () => {
    const [relay, alice, bob] = network.nodes
    const recipients = await Promise.all(Array.from({ length: 4 }, freshPeer))
    for (const r of recipients.slice(0, 3)) await alice.libp2p.services.mailbox.deposit(relay.libp2p.peerId, r.id, await sealed(keyOf(alice), r.id))
    await assert.rejects(alice.libp2p.services.mailbox.deposit(relay.libp2p.peerId, recipients[3].id, await sealed(keyOf(alice), recipients[3].id)),
      (err: any) => err.status === MailboxStatus.FULL, 'alice is at her depositor quota of 3')

    for (const r of recipients.slice(0, 2)) await bob.libp2p.services.mailbox.deposit(relay.libp2p.peerId, r.id, await sealed(keyOf(bob), r.id))
    await assert.rejects(bob.libp2p.services.mailbox.deposit(relay.libp2p.peerId, recipients[2].id, await sealed(keyOf(bob), recipients[2].id)),
      (err: any) => err.status === MailboxStatus.FULL, 'the relay is at its total of 5')
    assert.equal((await relay.relayStats())?.mailbox.messages, 5)
  })
})

describe('mailbox fetches go only to relays the node holds a reservation on', { timeout: 120_000 }, () => {
  let network: Network

  before(async () => {
    // 0: a relay the victim reserves on; 1: a peer posing as a mailbox; 2: the victim
    network = await createNetwork(3, {
      init: (i, started) => i === 0 ? { relay: { ...RELAY, mailbox: { senderRate: 1000 } }, relayClient: false } : i === 1 ? { relayClient: false } : { bootstrap: [addressOf(started[0])] }
    })
  })
  after(async () => { await network?.stop() })

  it('a peer that merely speaks the mailbox protocol is never asked, the reserved relay is', async () => {
    const [relay, poser, victim] = network.nodes
    let asked = 0
    await poser.libp2p.handle(MAILBOX_PROTOCOL, async (stream) => {
      asked++
      const pb = pbStream(stream)
      await pb.read(MailboxRequest)
      // what a hostile "relay" would pour in: an envelope from a fresh identity
      const stranger = await freshPeer()
      await pb.write({ status: MailboxStatus.OK, envelopes: [await sealed(stranger.key, victim.libp2p.peerId, 'from nowhere') as Uint8Array<ArrayBuffer>], more: false }, MailboxResponse)
    })
    await waitFor(() => victim.libp2p.getMultiaddrs().some(a => a.toString().includes('/p2p-circuit')), { timeout: 30_000, message: 'the victim reserved a slot on its relay' })
    await victim.libp2p.dial(multiaddr(addressOf(poser)))
    await waitFor(async () => (await victim.libp2p.peerStore.get(poser.libp2p.peerId)).protocols.includes(MAILBOX_PROTOCOL), { message: 'the victim identified the poser' })

    // something waits on the real relay, from the victim's friend: it is collected
    const friend = await freshPeer()
    const envelope = await sealEnvelope({ senderKey: friend.key, recipient: victim.libp2p.peerId.publicKey!, lamport: 1n, body: 'from a friend' })
    await (relay as any).components.mailboxStore.put(victim.peerId, { id: Buffer.from(envelope.id).toString('hex'), envelope: Envelope.encode(envelope), storedAt: Date.now(), sender: friend.id.toString() })
    await victim.addContact(friend.id.toString())
    await (victim as any).direct.mailbox.fetchFrom(relay.libp2p.peerId)
    await waitFor(async () => (await victim.listMessages(friend.id.toString())).length === 1, { message: 'the friend\'s message collected from the reserved relay' })
    await (victim as any).direct.mailbox.fetchFrom(poser.libp2p.peerId)

    assert.equal(asked, 0, 'the poser was never asked')
    assert.deepEqual(await victim.listRequests(), [], 'nothing from the poser')
  })
})
