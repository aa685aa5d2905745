import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Envelope, sealEnvelope } from '../../protocols/dm/index.ts'
import { MailboxStatus } from '../../protocols/mailbox/index.ts'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import type { RelayInit } from '../../node/create-node.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { Ratchet } from '../../node/direct/ratchet.ts'
import type { PrekeyBundle } from '../../protocols/prekeys/index.ts'

const RELAY: RelayInit = {
  maxReservations: 16,
  reservationTtlMs: 3_600_000,
  durationLimitMs: 3_600_000,
  dataLimitBytes: 1n << 26n,
  mailbox: { quotaMessages: 2, senderRate: 1000 }
}

/** Invite prekeys of each node, taken while it runs: envelopes are sealed to nodes that are down. */
const prekeys = new Map<string, PrekeyBundle>()

async function keepPrekeys (nodes: HyphaeMessenger[]): Promise<void> {
  for (const node of nodes) prekeys.set(node.peerId, await node.direct.prekeys())
}

/** What alice's outbox would deposit: sealed with her session with `to`, started from its invite prekeys. */
async function envelopeFor (from: HyphaeMessenger, to: HyphaeMessenger, body: string): Promise<Uint8Array> {
  const ratchet: Ratchet = (from.direct as any).ratchet
  const tx = ratchet.transaction()
  if (!(await ratchet.hasSession(tx, to.peerId))) await ratchet.startSession(tx, to.peerId, prekeys.get(to.peerId)!)
  const envelope = await sealEnvelope({ sender: from.libp2p.peerId.publicKey!, recipient: to.peerId, stores: tx.stores, lamport: 1n, body })
  const written = ratchet.store.db.batch(tx.ops() as any)
  ratchet.store.committing(tx, written)
  await written
  return Envelope.encode(envelope)
}

describe('relay mailbox limits', () => {
  let network: Network
  before(async () => {
    // 0 relays with a quota of 2 per recipient; 1 deposits for 2
    network = await createNetwork(3, { init: (i, started) => i === 0 ? { relay: RELAY, relayClient: false } : { bootstrap: [addressOf(started[0])] } })
    // bob is away (else he would collect his mail as it arrives)
    await keepPrekeys(network.nodes)
    await network.nodes[2].stop()
  })
  after(async () => { await network.stop() })

  it('a full mailbox answers FULL and keeps what it holds', async () => {
    const [relay, alice, bob] = network.nodes
    const mailbox = alice.libp2p.services.mailbox
    await mailbox.deposit(relay.libp2p.peerId, bob.libp2p.peerId, await envelopeFor(alice, bob, 'one'))
    await mailbox.deposit(relay.libp2p.peerId, bob.libp2p.peerId, await envelopeFor(alice, bob, 'two'))
    await assert.rejects(mailbox.deposit(relay.libp2p.peerId, bob.libp2p.peerId, await envelopeFor(alice, bob, 'three')),
      (err: any) => err.name === 'MailboxRefusedError' && err.status === MailboxStatus.FULL)
    assert.equal((await relay.relayStats())?.mailbox.messages, 2)
  })

  it('garbage is INVALID and not stored', async () => {
    const [relay, alice] = network.nodes
    const mailbox = alice.libp2p.services.mailbox
    // (an envelope sealed for someone else looks like any other: under the ratchet a relay cannot
    // tell whom it is for; the recipient drops it unopened, and the quota bounds it meanwhile)
    await assert.rejects(mailbox.deposit(relay.libp2p.peerId, alice.libp2p.peerId, new Uint8Array([1, 2, 3])),
      (err: any) => err.status === MailboxStatus.INVALID)
    assert.equal((await relay.relayStats())?.mailbox.messages, 2)
  })

  it('only the recipient fetches its mailbox, and the relay deletes only what it acknowledged', async () => {
    const [relay, alice] = network.nodes
    // alice's own mailbox is empty: bob's envelopes are never handed to her
    assert.deepEqual((await alice.libp2p.services.mailbox.fetch(relay.libp2p.peerId)).envelopes, [])
    assert.equal((await relay.relayStats())?.mailbox.messages, 2)
    // bob comes back and collects (stores, acks, the relay deletes); alice is no contact of his,
    // so her two messages are requests
    const bob = await network.restart(2, { bootstrap: [addressOf(relay)] })
    await waitFor(async () => (await bob.listRequests()).find(r => r.peerId === alice.peerId)?.messages === 2, { message: 'bob holds both', timeout: 30_000 })
    await waitFor(async () => (await relay.relayStats())?.mailbox.messages === 0, { message: 'the relay deleted the acknowledged envelopes', timeout: 30_000 })
  })
})

describe('relay sender rate limit', () => {
  let network: Network
  before(async () => {
    network = await createNetwork(3, { init: (i, started) => i === 0 ? { relay: { ...RELAY, mailbox: { senderRate: 2 } }, relayClient: false } : { bootstrap: [addressOf(started[0])] } })
    await keepPrekeys(network.nodes)
  })
  after(async () => { await network.stop() })

  it('a sender over its rate is told RATE_LIMITED', async () => {
    const [relay, alice, bob] = network.nodes
    const mailbox = alice.libp2p.services.mailbox
    await mailbox.deposit(relay.libp2p.peerId, bob.libp2p.peerId, await envelopeFor(alice, bob, 'a'))
    await mailbox.deposit(relay.libp2p.peerId, bob.libp2p.peerId, await envelopeFor(alice, bob, 'b'))
    await assert.rejects(mailbox.deposit(relay.libp2p.peerId, bob.libp2p.peerId, await envelopeFor(alice, bob, 'c')),
      (err: any) => err.status === MailboxStatus.RATE_LIMITED)
  })
})

describe('a relay that stops keeps its mailboxes', () => {
  let network: Network
  before(async () => {
    network = await createNetwork(3, { init: (i, started) => i === 0 ? { relay: RELAY, relayClient: false } : { bootstrap: [addressOf(started[0])] } })
    await keepPrekeys(network.nodes)
    await network.nodes[2].stop()
  })
  after(async () => { await network.stop() })

  it('the envelopes waiting for an offline peer are there after a restart', async () => {
    const [relay, alice, bob] = network.nodes
    await alice.libp2p.services.mailbox.deposit(relay.libp2p.peerId, bob.libp2p.peerId, await envelopeFor(alice, bob, 'kept'))
    assert.equal((await relay.relayStats())?.mailbox.messages, 1)
    const restarted = await network.restart(0, { relay: RELAY, relayClient: false })
    assert.equal(restarted.peerId, relay.peerId)
    const kept = (await restarted.relayStats())?.mailbox
    assert.equal(kept?.messages, 1)
    assert.ok((kept?.bytes ?? 0) > 0)
  })
})
