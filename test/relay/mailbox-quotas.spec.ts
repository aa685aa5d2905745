import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { pbStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { Envelope, sealEnvelope } from '../../protocols/dm/index.ts'
import { MailboxStatus, PROTOCOL as MAILBOX_PROTOCOL } from '../../protocols/mailbox/index.ts'
import { MailboxRequest, MailboxResponse } from '../../protocols/mailbox/pb/mailbox.ts'
import { parseInvite } from '../../node/invite.ts'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { party, sealTo, type Party } from '../protocols/dm/parties.ts'
import type { RelayInit } from '../../node/create-node.ts'
import type { Ratchet } from '../../node/direct/ratchet.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { PrekeyBundle } from '../../protocols/prekeys/index.ts'
import type { PeerId } from '@libp2p/interface'

const RELAY: RelayInit = {
  maxReservations: 16,
  reservationTtlMs: 3_600_000,
  durationLimitMs: 3_600_000,
  dataLimitBytes: 1n << 26n,
  mailbox: { senderRate: 1000, depositorQuotaMessages: 3, totalQuotaMessages: 5 }
}

/** A fresh identity with its own Signal state (closed by the caller), and its peer id. */
async function freshPeer (): Promise<Party & { id: PeerId }> {
  const p = await party()
  return Object.assign(p, { id: peerIdFromString(p.peer) })
}

/** What `from` (a fresh identity) writes to `to`: a session started from `to`'s prekeys, sealed with libsignal. */
async function sealedBy (from: Party, to: Party, body = 'hello'): Promise<Uint8Array> {
  return Envelope.encode(await sealTo(from, to, body))
}

/** What a node's outbox would write to `to`: sealed with its own ratchet, its session started from `prekeys`. */
async function sealed (from: HyphaeMessenger, to: string, prekeys: PrekeyBundle, body = 'hello'): Promise<Uint8Array> {
  const ratchet: Ratchet = (from.direct as any).ratchet
  const tx = ratchet.transaction()
  if (!(await ratchet.hasSession(tx, to))) await ratchet.startSession(tx, to, prekeys)
  const envelope = await sealEnvelope({ sender: from.libp2p.peerId.publicKey!, recipient: to, stores: tx.stores, lamport: 1n, body })
  const written = ratchet.store.db.batch(tx.ops() as any)
  ratchet.store.committing(tx, written)
  await written
  return Envelope.encode(envelope)
}

const sealedTo = async (from: HyphaeMessenger, to: Party, body = 'hello'): Promise<Uint8Array> => sealed(from, to.peer, await to.ratchet.inviteBundle(), body)

/** A fresh identity's first message to a node, from the prekeys of its invite. */
async function firstMessage (node: HyphaeMessenger, body: string): Promise<{ envelope: Envelope, id: PeerId }> {
  const prekeys = (await parseInvite((await node.id()).invite)).prekeys
  assert.ok(prekeys != null, 'the invite carries prekeys')
  const stranger = await freshPeer()
  try {
    const tx = stranger.ratchet.transaction()
    await stranger.ratchet.startSession(tx, node.peerId, prekeys)
    const envelope = await sealEnvelope({ sender: stranger.key.publicKey, recipient: node.peerId, stores: tx.stores, lamport: 1n, body })
    return { envelope, id: stranger.id }
  } finally {
    await stranger.close()
  }
}

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
    try {
      const forwarded = await sealedBy(someone, recipient)
      await someone.close()
      await assert.rejects(alice.libp2p.services.mailbox.deposit(relay.libp2p.peerId, recipient.id, forwarded),
        (err: any) => err.status === MailboxStatus.INVALID, 'a forwarded envelope')

      // by hand, as a client that pays nothing would
      const stream = await alice.libp2p.dialProtocol(multiaddr(addressOf(relay)), MAILBOX_PROTOCOL)
      const pb = pbStream(stream)
      await pb.write({ deposit: { recipient: recipient.id.toMultihash().bytes, envelope: await sealedTo(alice, recipient) as Uint8Array<ArrayBuffer>, introduction: new Uint8Array(0) } }, MailboxRequest)
      assert.equal((await pb.read(MailboxResponse)).status, MailboxStatus.INVALID, 'no introduction')
      assert.equal((await relay.relayStats())?.mailbox.messages, 0)
    } finally {
      await recipient.close()
    }
  })

  it('one depositor fills at most its own quota; all depositors at most the relay\'s', async () => {
    const [relay, alice, bob] = network.nodes
    const recipients = await Promise.all(Array.from({ length: 4 }, freshPeer))
    try {
      for (const r of recipients.slice(0, 3)) await alice.libp2p.services.mailbox.deposit(relay.libp2p.peerId, r.id, await sealedTo(alice, r))
      await assert.rejects(alice.libp2p.services.mailbox.deposit(relay.libp2p.peerId, recipients[3].id, await sealedTo(alice, recipients[3])),
        (err: any) => err.status === MailboxStatus.FULL, 'alice is at her depositor quota of 3')

      for (const r of recipients.slice(0, 2)) await bob.libp2p.services.mailbox.deposit(relay.libp2p.peerId, r.id, await sealedTo(bob, r))
      await assert.rejects(bob.libp2p.services.mailbox.deposit(relay.libp2p.peerId, recipients[2].id, await sealedTo(bob, recipients[2])),
        (err: any) => err.status === MailboxStatus.FULL, 'the relay is at its total of 5')
      assert.equal((await relay.relayStats())?.mailbox.messages, 5)
    } finally {
      await Promise.all(recipients.map(async r => { await r.close() }))
    }
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
    // what a hostile "relay" would pour in: an envelope from a fresh identity, from the victim's invite
    const poured = Envelope.encode((await firstMessage(victim, 'from nowhere')).envelope)
    await poser.libp2p.handle(MAILBOX_PROTOCOL, async (stream) => {
      const pb = pbStream(stream)
      // the victim leaves its prekeys on any mailbox it meets (they are public): only a fetch counts
      if ((await pb.read(MailboxRequest)).fetch != null) asked++
      await pb.write({ status: MailboxStatus.OK, envelopes: [poured as Uint8Array<ArrayBuffer>], more: false }, MailboxResponse)
    })
    await waitFor(() => victim.libp2p.getMultiaddrs().some(a => a.toString().includes('/p2p-circuit')), { timeout: 30_000, message: 'the victim reserved a slot on its relay' })
    await victim.libp2p.dial(multiaddr(addressOf(poser)))
    await waitFor(async () => (await victim.libp2p.peerStore.get(poser.libp2p.peerId)).protocols.includes(MAILBOX_PROTOCOL), { message: 'the victim identified the poser' })

    // something waits on the real relay, from the victim's friend: it is collected
    const { envelope, id: friendId } = await firstMessage(victim, 'from a friend')
    const friend = { id: friendId }
    await (relay as any).components.mailboxStore.put(victim.peerId, { id: Buffer.from(envelope.id).toString('hex'), envelope: Envelope.encode(envelope), storedAt: Date.now(), sender: friend.id.toString() })
    await victim.addContact(friend.id.toString())
    await (victim as any).direct.mailbox.fetchFrom(relay.libp2p.peerId)
    await waitFor(async () => (await victim.listMessages(friend.id.toString())).length === 1, { message: 'the friend\'s message collected from the reserved relay' })
    await (victim as any).direct.mailbox.fetchFrom(poser.libp2p.peerId)

    assert.equal(asked, 0, 'the poser was never asked for our mail')
    assert.deepEqual(await victim.listRequests(), [], 'nothing from the poser')
  })
})
