import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { MailboxStatus, type QueueRef } from '../../protocols/mailbox/index.ts'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { boxFor, queueOpened } from './queues.ts'
import type { RelayInit } from '../../node/create-node.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { PrekeyBundle } from '../../protocols/prekeys/index.ts'

const RELAY: RelayInit = {
  maxReservations: 16,
  reservationTtlMs: 3_600_000,
  durationLimitMs: 3_600_000,
  dataLimitBytes: 1n << 26n,
  mailbox: { quotaMessages: 2, queueRate: 1000 }
}

/** Invite prekeys of each node, taken while it runs: envelopes are sealed to nodes that are down. */
const prekeys = new Map<string, PrekeyBundle>()
/** bob's queue on the relay, taken while he runs */
let bobQueue: QueueRef

async function keepPrekeys (nodes: HyphaeMessenger[]): Promise<void> {
  for (const node of nodes) prekeys.set(node.peerId, await node.direct.prekeys())
  bobQueue = await queueOpened(nodes[2], nodes[0], nodes[1])
}

const envelopeFor = async (from: HyphaeMessenger, to: HyphaeMessenger, body: string): Promise<Uint8Array> => boxFor(from, to.peerId, prekeys.get(to.peerId)!, body)

describe('relay mailbox limits', () => {
  let network: Network
  before(async () => {
    // 0 relays with a quota of 2 per queue; 1 deposits for 2
    network = await createNetwork(3, { init: (i, started) => i === 0 ? { relay: RELAY, relayClient: false } : { bootstrap: [addressOf(started[0])] } })
    // bob is away (else he would collect his mail as it arrives)
    await keepPrekeys(network.nodes)
    await network.nodes[2].stop()
  })
  after(async () => { await network.stop() })

  it('a full queue answers FULL and keeps what it holds', async () => {
    const [relay, alice, bob] = network.nodes
    const mailbox = alice.libp2p.services.mailbox
    await mailbox.deposit(relay.libp2p.peerId, bobQueue, await envelopeFor(alice, bob, 'one'))
    await mailbox.deposit(relay.libp2p.peerId, bobQueue, await envelopeFor(alice, bob, 'two'))
    await assert.rejects(mailbox.deposit(relay.libp2p.peerId, bobQueue, await envelopeFor(alice, bob, 'three')),
      (err: any) => err.name === 'MailboxRefusedError' && err.status === MailboxStatus.FULL)
    assert.equal((await relay.relayStats())?.mailbox.messages, 2)
  })

  it('garbage, and a box of a size no padding gives, is INVALID and not stored', async () => {
    const [relay, alice] = network.nodes
    const mailbox = alice.libp2p.services.mailbox
    await assert.rejects(mailbox.deposit(relay.libp2p.peerId, bobQueue, new Uint8Array([1, 2, 3])),
      (err: any) => err.status === MailboxStatus.INVALID)
    await assert.rejects(mailbox.deposit(relay.libp2p.peerId, bobQueue, new Uint8Array(1024 + 72)),
      (err: any) => err.status === MailboxStatus.INVALID)
    assert.equal((await relay.relayStats())?.mailbox.messages, 2)
  })

  it('only the owner of a queue fetches it, and the relay deletes only what it acknowledged', async () => {
    const [relay, alice] = network.nodes
    // alice holds bob's queue id and token (a contact does) but not his queue key
    const posing = { id: bobQueue.id, token: bobQueue.token, key: await generateKeyPair('Ed25519') }
    await assert.rejects(alice.libp2p.services.mailbox.fetch(relay.libp2p.peerId, posing), (err: any) => err.status === MailboxStatus.DENIED)
    await assert.rejects(alice.libp2p.services.mailbox.delete(relay.libp2p.peerId, posing, ['00'.repeat(16)]), (err: any) => err.status === MailboxStatus.DENIED)
    assert.equal((await relay.relayStats())?.mailbox.messages, 2)
    // bob comes back and collects (stores, acks, the relay deletes); alice is no contact of his,
    // so her two messages are requests
    const bob = await network.restart(2, { bootstrap: [addressOf(relay)] })
    await waitFor(async () => (await bob.listRequests()).find(r => r.peerId === alice.peerId)?.messages === 2, { message: 'bob holds both', timeout: 30_000 })
    await waitFor(async () => (await relay.relayStats())?.mailbox.messages === 0, { message: 'the relay deleted the acknowledged envelopes', timeout: 30_000 })
  })
})

describe('relay queue rate limit', () => {
  let network: Network
  before(async () => {
    network = await createNetwork(3, { init: (i, started) => i === 0 ? { relay: { ...RELAY, mailbox: { queueRate: 2 } }, relayClient: false } : { bootstrap: [addressOf(started[0])] } })
    await keepPrekeys(network.nodes)
  })
  after(async () => { await network.stop() })

  it('deposits into one queue over its rate are told RATE_LIMITED', async () => {
    const [relay, alice, bob] = network.nodes
    const mailbox = alice.libp2p.services.mailbox
    await mailbox.deposit(relay.libp2p.peerId, bobQueue, await envelopeFor(alice, bob, 'a'))
    await mailbox.deposit(relay.libp2p.peerId, bobQueue, await envelopeFor(alice, bob, 'b'))
    await assert.rejects(mailbox.deposit(relay.libp2p.peerId, bobQueue, await envelopeFor(alice, bob, 'c')),
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

  it('the envelopes waiting in a queue are there after a restart', async () => {
    const [relay, alice, bob] = network.nodes
    await alice.libp2p.services.mailbox.deposit(relay.libp2p.peerId, bobQueue, await envelopeFor(alice, bob, 'kept'))
    assert.equal((await relay.relayStats())?.mailbox.messages, 1)
    const restarted = await network.restart(0, { relay: RELAY, relayClient: false })
    assert.equal(restarted.peerId, relay.peerId)
    const kept = (await restarted.relayStats())?.mailbox
    assert.equal(kept?.messages, 1)
    assert.ok((kept?.bytes ?? 0) > 0)
  })
})
