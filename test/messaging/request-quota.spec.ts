import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { AckStatus, decodeFrame, encodeFrame, Envelope, INTRODUCTION_BITS, PROTOCOL, sealEnvelope } from '../../protocols/dm/index.ts'
import { REQUEST_LIMITS } from '../../node/direct/request-quota.ts'
import { parseInvite } from '../../node/invite.ts'
import { party } from '../protocols/dm/parties.ts'
import { sealForRelay } from '../../protocols/dm/sealed.ts'
import { queueOf } from '../relay/queues.ts'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import type { RelayInit } from '../../node/create-node.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { RequestDropEvent } from '../../node/messenger.ts'
import type { PrekeyBundle } from '../../protocols/prekeys/index.ts'
import type { PrivateKey } from '@libp2p/interface'

const RELAY: RelayInit = { maxReservations: 16, reservationTtlMs: 3_600_000, durationLimitMs: 3_600_000, dataLimitBytes: 1n << 26n }
const BIG = 60_000

/** What the victim keeps from strangers: every request's messages, their text in bytes. */
async function requestBytes (node: HyphaeMessenger): Promise<{ requests: number, messages: number, bytes: number }> {
  const requests = await node.listRequests()
  let messages = 0
  let bytes = 0
  for (const r of requests) {
    for (const m of await node.listMessages(r.peerId, { limit: 1000 })) {
      messages++
      bytes += Buffer.byteLength(m.body)
    }
  }
  return { requests: requests.length, messages, bytes }
}

/** The prekeys a node's invite carries: what a stranger who was handed it seals with. */
async function invitePrekeys (node: HyphaeMessenger): Promise<PrekeyBundle> {
  const prekeys = (await parseInvite((await node.id()).invite)).prekeys
  assert.ok(prekeys != null, 'the invite carries prekeys')
  return prekeys
}

/** A fresh identity's first message to `to`: a real session start from `to`'s invite prekeys, sealed with libsignal. */
async function fromStranger (to: string, prekeys: PrekeyBundle, body: string): Promise<{ envelope: Envelope, key: PrivateKey, peerId: string }> {
  const stranger = await party()
  try {
    const tx = stranger.ratchet.transaction()
    await stranger.ratchet.startSession(tx, to, prekeys)
    const envelope = await sealEnvelope({ sender: stranger.key.publicKey, recipient: to, stores: tx.stores, lamport: 1n, body })
    return { envelope, key: stranger.key, peerId: stranger.peer }
  } finally {
    await stranger.close()
  }
}

function collectDrops (node: HyphaeMessenger): RequestDropEvent[] {
  const drops: RequestDropEvent[] = []
  node.addEventListener('request:dropped', evt => { drops.push(evt.detail) })
  return drops
}

describe('a Sybil relay pours 300 strangers x 60 KB into a victim\'s requests', { timeout: 300_000 }, () => {
  let network: Network

  before(async () => {
    // 0 is the relay (its store filled by the attacker), 1 the victim, 2 the victim's friend
    network = await createNetwork(3, { init: (i, started) => i === 0 ? { relay: RELAY, relayClient: false } : { bootstrap: [addressOf(started[0])] } })
  })
  after(async () => { await network?.stop() })

  it('the victim keeps at most its request quota, is told what went, and still hears its friend', async () => {
    const [relay, victim0, friend] = network.nodes
    await victim0.addContact((await friend.id()).invite)
    await friend.addContact((await victim0.id()).invite)
    const victimKey = victim0.libp2p.peerId
    const prekeys = await invitePrekeys(victim0)
    // the victim's queue on the relay (its token leaked, or the attacker is the relay)
    const queue = Buffer.from((await queueOf(victim0, relay)).id).toString('hex')
    await victim0.stop()

    const store = (relay as any).components.mailboxStore
    for (let i = 0; i < 300; i++) {
      const { envelope } = await fromStranger(victimKey.toString(), prekeys, `${i} `.padEnd(BIG, 'x'))
      await store.put(queue, { id: Buffer.from(envelope.id).toString('hex'), envelope: sealForRelay(Envelope.encode(envelope), victimKey.publicKey!), storedAt: Date.now(), expiresAt: Date.now() + 3_600_000 })
    }

    const victim = await network.restart(1, { bootstrap: [addressOf(relay)] })
    const drops = collectDrops(victim)
    await waitFor(async () => (await relay.relayStats())?.mailbox.messages === 0, { timeout: 120_000, message: 'the victim collected its mailbox' })

    const kept = await requestBytes(victim)
    assert.ok(kept.requests <= REQUEST_LIMITS.requests, `${kept.requests} requests kept`)
    assert.ok(kept.bytes <= REQUEST_LIMITS.bytes, `${kept.bytes} bytes of requests kept`)
    const dropped = await victim.requestDrops()
    assert.equal(dropped.requests, 300 - kept.requests, 'every request that went is counted')
    assert.ok(drops.some(d => d.whole), 'the user was told')

    const sent = await friend.sendMessage(victim.peerId, 'still there?')
    await waitFor(async () => (await victim.listMessages(friend.peerId)).some(m => m.id === sent.id), { timeout: 30_000, message: 'the friend\'s message arrives' })
  })
})

describe('a stranger who writes too much, or without an introduction', { timeout: 180_000 }, () => {
  let network: Network

  before(async () => {
    network = await createNetwork(2)
  })
  after(async () => { await network?.stop() })

  it('keeps only the newest of its messages within the per-stranger cap, all acked, the drop told', async () => {
    const [victim, stranger] = network.nodes
    const drops = collectDrops(victim)
    await stranger.addContact((await victim.id()).invite)
    const ids: string[] = []
    for (let i = 0; i < 30; i++) ids.push((await stranger.sendMessage(victim.peerId, `${i} `.padEnd(BIG, 'y'))).id)
    await waitFor(async () => (await stranger.listMessages(victim.peerId, { limit: 100 })).every(m => m.status === 'delivered'), { timeout: 60_000, message: 'all 30 acked' })

    const [request] = await victim.listRequests()
    const kept = (await victim.listMessages(stranger.peerId, { limit: 100 })).map(m => m.id)
    const cap = Math.floor(REQUEST_LIMITS.bytesPerPeer / (BIG + 512))
    assert.deepEqual(kept, ids.slice(-cap), 'the newest, in order')
    assert.equal(request.dropped, 30 - cap)
    assert.equal(drops.filter(d => d.peerId === stranger.peerId && !d.whole).reduce((n, d) => n + d.messages, 0), 30 - cap)
  })

  it('envelopes on a stream that did not begin with a valid introduction are not stored', async () => {
    const [victim] = network.nodes
    // a bare node speaking the protocol by hand, its first message sealed from the victim's invite
    const { envelope, key } = await fromStranger(victim.peerId, await invitePrekeys(victim), 'let me in')
    const raw = { key, libp2p: await createLibp2p({ privateKey: key, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] }) }
    try {
      const stream = await raw.libp2p.dialProtocol(multiaddr(addressOf(victim)), PROTOCOL)
      const lp = lpStream(stream)
      // a forged introduction (no work in it), then an envelope: an old or a flooding client
      await lp.write(encodeFrame({ introduction: { timestamp: BigInt(Date.now()), nonce: new Uint8Array(8) } }))
      await lp.write(encodeFrame({ envelope }))
      const asked = decodeFrame(await lp.read()).introductionRequest
      assert.equal(asked?.bits, INTRODUCTION_BITS, 'the victim asks for an introduction first')
      const ack = decodeFrame(await lp.read()).ack
      assert.equal(ack?.status, AckStatus.UNAVAILABLE)
      assert.equal((await victim.listRequests()).some(r => r.peerId === raw.libp2p.peerId.toString()), false, 'no request')
      assert.deepEqual(await victim.listMessages(raw.libp2p.peerId.toString()).catch(() => []), [])
    } finally {
      await raw.libp2p.stop()
    }
  })
})
