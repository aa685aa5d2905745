import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { pbStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { ed25519 } from '@noble/curves/ed25519.js'
import { base32 } from 'multiformats/bases/base32'
import { base64, base64url } from 'multiformats/bases/base64'
import { LEGACY_PROTOCOL, MailboxStatus, PROTOCOL as MAILBOX_PROTOCOL, type QueueRef } from '../../protocols/mailbox/index.ts'
import { MailboxResponse } from '../../protocols/mailbox/pb/mailbox.ts'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { startCli, waitForLine, type CliProcess } from '../cli/run-cli.ts'
import { boxFor, queueOf, queueOpened } from './queues.ts'
import type { RelayInit } from '../../node/create-node.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { PrekeyBundle } from '../../protocols/prekeys/index.ts'

const RELAY: RelayInit = { maxReservations: 16, reservationTtlMs: 3_600_000, durationLimitMs: 3_600_000, dataLimitBytes: 1n << 26n }

/** Relay (0), alice (1), bob (2): bob's queue opened, then bob away. */
async function relayAliceBob (mailbox: RelayInit['mailbox'] = {}): Promise<{ network: Network, queue: QueueRef, prekeys: PrekeyBundle }> {
  const network = await createNetwork(3, { init: (i, started) => i === 0 ? { relay: { ...RELAY, mailbox }, relayClient: false } : { bootstrap: [addressOf(started[0])] } })
  const [relay, alice, bob] = network.nodes
  const queue = await queueOpened(bob, relay, alice)
  const prekeys = await bob.direct.prekeys()
  await bob.stop()
  return { network, queue, prekeys }
}

describe('relay mailbox queues: a deposit needs the recipient\'s capability', { timeout: 120_000 }, () => {
  let network: Network
  let queue: QueueRef
  let prekeys: PrekeyBundle
  before(async () => { ({ network, queue, prekeys } = await relayAliceBob({ totalQuotaMessages: 3 })) })
  after(async () => { await network?.stop() })

  it('refuses a deposit without the token, with another token, or into a queue nobody opened, and stores nothing', async () => {
    const [relay, alice, bob] = network.nodes
    const box = await boxFor(alice, bob.peerId, prekeys, 'no capability')
    const mailbox = alice.libp2p.services.mailbox
    const denied = (err: any): boolean => err.name === 'MailboxRefusedError' && err.status === MailboxStatus.DENIED
    await assert.rejects(mailbox.deposit(relay.libp2p.peerId, { id: queue.id, token: new Uint8Array(0) }, box), denied)
    await assert.rejects(mailbox.deposit(relay.libp2p.peerId, { id: queue.id, token: crypto.getRandomValues(new Uint8Array(32)) }, box), denied)
    await assert.rejects(mailbox.deposit(relay.libp2p.peerId, { id: crypto.getRandomValues(new Uint8Array(16)), token: queue.token }, box), denied)
    // nor do the owner's prekeys go to whoever asks
    await assert.rejects(mailbox.fetchPrekeys(relay.libp2p.peerId, { id: queue.id, token: crypto.getRandomValues(new Uint8Array(32)) }), denied)
    assert.equal((await relay.relayStats())?.mailbox.messages, 0)
    // with the token it goes in
    await mailbox.deposit(relay.libp2p.peerId, queue, box)
    assert.equal((await relay.relayStats())?.mailbox.messages, 1)
  })

  it('a queue is its opener\'s: another key cannot open it again, nor fetch it', async () => {
    const [relay, alice] = network.nodes
    const thief = { id: queue.id, token: crypto.getRandomValues(new Uint8Array(32)), key: await generateKeyPair('Ed25519') }
    await assert.rejects(alice.libp2p.services.mailbox.open(relay.libp2p.peerId, thief), (err: any) => err.status === MailboxStatus.DENIED)
    await assert.rejects(alice.libp2p.services.mailbox.fetch(relay.libp2p.peerId, thief), (err: any) => err.status === MailboxStatus.DENIED)
    assert.equal((await relay.relayStats())?.mailbox.messages, 1, 'what it held is still there')
  })

  it('a deposit\'s own expiry: one already past is refused, one that passes is dropped', async () => {
    const [relay, alice, bob] = network.nodes
    const mailbox = alice.libp2p.services.mailbox
    await assert.rejects(mailbox.deposit(relay.libp2p.peerId, queue, await boxFor(alice, bob.peerId, prekeys, 'stale'), { expiresAt: Date.now() - 1000 }),
      (err: any) => err.status === MailboxStatus.INVALID)
    await mailbox.deposit(relay.libp2p.peerId, queue, await boxFor(alice, bob.peerId, prekeys, 'disappearing'), { expiresAt: Date.now() + 60_000 })
    assert.equal((await relay.relayStats())?.mailbox.messages, 2)
    // the relay's hourly sweep, run as if two minutes from now: the disappearing one goes, the other (the relay's TTL) stays
    const store = (relay as any).components.mailboxStore
    assert.equal(await store.expire(0, Date.now() + 120_000, 0), 1)
    assert.equal((await relay.relayStats())?.mailbox.messages, 1)
  })

  it('all queues together stop at the relay\'s total', async () => {
    const [relay, alice, bob] = network.nodes
    const mailbox = alice.libp2p.services.mailbox
    // a second queue, so the cap is not the per-queue one
    const second = { id: crypto.getRandomValues(new Uint8Array(16)), key: await generateKeyPair('Ed25519'), token: crypto.getRandomValues(new Uint8Array(32)) }
    await mailbox.open(relay.libp2p.peerId, second)
    await mailbox.deposit(relay.libp2p.peerId, second, await boxFor(alice, bob.peerId, prekeys, 'two'))
    await mailbox.deposit(relay.libp2p.peerId, queue, await boxFor(alice, bob.peerId, prekeys, 'three'))
    await assert.rejects(mailbox.deposit(relay.libp2p.peerId, queue, await boxFor(alice, bob.peerId, prekeys, 'four')), (err: any) => err.status === MailboxStatus.FULL)
    assert.equal((await relay.relayStats())?.mailbox.messages, 3)
  })
})

describe('relay mailbox versions', { timeout: 120_000 }, () => {
  let network: Network
  before(async () => {
    network = await createNetwork(3, { init: (i, started) => i === 0 ? { relay: RELAY, relayClient: false } : i === 1 ? { relayClient: false } : { bootstrap: [addressOf(started[0])], relayClient: false } })
  })
  after(async () => { await network?.stop() })

  it('a 1.0.0 client is told the relay keeps no mailboxes for it; a 2.0.0 client of a 1.0.0 relay gets LegacyMailboxError', async () => {
    const [relay, old, client] = network.nodes
    const stream = await client.libp2p.dialProtocol(relay.libp2p.peerId, LEGACY_PROTOCOL)
    const response = await pbStream(stream).read(MailboxResponse)
    assert.equal(response.status, MailboxStatus.UNAVAILABLE)
    // a relay from before: it speaks 1.0.0 only
    await old.libp2p.handle(LEGACY_PROTOCOL, async s => { s.abort(new Error('old')) })
    await client.libp2p.dial(multiaddr(addressOf(old)))
    const queue = { id: new Uint8Array(16), key: await generateKeyPair('Ed25519'), token: new Uint8Array(32) }
    await assert.rejects(client.libp2p.services.mailbox.fetch(old.libp2p.peerId, queue), (err: any) => err.name === 'LegacyMailboxError' && /2\.0\.0/.test(err.message))
  })
})

describe('senders deposit only on relays the recipient signed', { timeout: 180_000 }, () => {
  let network: Network
  let other: Network
  const seen: string[] = []
  before(async () => {
    network = await createNetwork(3, { init: (i, started) => i === 0 ? { relay: RELAY, relayClient: false } : { bootstrap: [addressOf(started[0])] } })
    // a second relay, in no invite of bob's: alice knows it, and hears (as from the DHT, or a hostile
    // peer) that bob is reachable through it
    other = await createNetwork(1, { init: { relay: { ...RELAY, mailbox: { onEvent: (type, detail) => { seen.push(`${type} ${JSON.stringify(detail)}`) } } }, relayClient: false } })
  })
  after(async () => {
    await network?.stop()
    await other?.stop()
  })

  it('alice leaves her message in bob\'s queue on his relay, and asks the one he did not name for no deposit', async () => {
    const [relay, alice, bob] = network.nodes
    const [stranger] = other.nodes
    await queueOpened(bob, relay, alice)
    await alice.addContact((await bob.id()).invite, 'bob')
    assert.deepEqual((await alice.listContacts()).length, 1)
    await bob.stop()
    await alice.libp2p.dial(multiaddr(addressOf(stranger)))
    await alice.libp2p.peerStore.merge(bob.libp2p.peerId, { multiaddrs: [multiaddr(`${addressOf(stranger)}/p2p-circuit/p2p/${bob.peerId}`)] })
    await waitFor(async () => (await alice.libp2p.peerStore.get(stranger.libp2p.peerId)).protocols.includes(MAILBOX_PROTOCOL), { message: 'alice knows the stranger relay keeps mailboxes' })

    const sent = await alice.sendMessage('bob', 'only where bob said')
    await waitFor(async () => (await alice.listMessages('bob')).find(m => m.id === sent.id)?.status === 'sent', { message: 'left in bob\'s queue', timeout: 60_000 })
    await alice.direct.flushToMailboxes(AbortSignal.timeout(30_000))
    assert.equal((await relay.relayStats())?.mailbox.messages, 1)
    assert.equal((await stranger.relayStats())?.mailbox.messages, 0)
    // alice may hold a slot there and open her own queue (open, fetch, delete): nothing deposited, nothing refused
    assert.deepEqual(seen.filter(e => !/^(open|fetch|delete) /.test(e)), [], 'the relay bob did not sign was asked for no deposit')
  })
})

/** every file under a directory, read as bytes */
async function allBytes (dir: string): Promise<Buffer> {
  const parts: Buffer[] = []
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) parts.push(await readFile(join(entry.parentPath, entry.name)).catch(() => Buffer.alloc(0)))
  }
  return Buffer.concat(parts)
}

/** A peer id in every encoding we could think of, each as the bytes it would be on a disk or in a log. */
function encodingsOf (peer: HyphaeMessenger): Array<{ name: string, bytes: Buffer }> {
  const id = peer.libp2p.peerId
  const multihash = id.toMultihash().bytes
  const raw = id.publicKey!.raw
  const out: Array<{ name: string, bytes: Buffer }> = [
    { name: 'base58btc', bytes: Buffer.from(id.toString()) },
    { name: 'CID base32', bytes: Buffer.from(id.toCID().toString(base32)) },
    { name: 'multihash bytes', bytes: Buffer.from(multihash) },
    { name: 'public key bytes', bytes: Buffer.from(raw) },
    { name: 'X25519 form', bytes: Buffer.from(ed25519.utils.toMontgomery(raw)) }
  ]
  for (const [name, bytes] of [['multihash', multihash], ['public key', raw]] as const) {
    out.push({ name: `${name} hex`, bytes: Buffer.from(Buffer.from(bytes).toString('hex')) })
    out.push({ name: `${name} HEX`, bytes: Buffer.from(Buffer.from(bytes).toString('hex').toUpperCase()) })
    // base64 of the bytes at any of 3 alignments inside a longer string: the middle is what shows
    for (const codec of [base64, base64url]) out.push({ name: `${name} ${codec.name}`, bytes: Buffer.from(codec.baseEncode(bytes).slice(4, -4)) })
  }
  return out
}

describe('a relay under test stores and logs no client peer id', { timeout: 240_000 }, () => {
  let root: string
  let relayProc: CliProcess | undefined
  let clients: Network | undefined
  before(async () => { root = await mkdtemp(join(tmpdir(), 'hyphae-relay-blind-')) })
  after(async () => {
    await clients?.stop()
    await relayProc?.stop('SIGKILL')
    await rm(root, { recursive: true, force: true })
  })

  it('after reservations, a deposit, a fetch and a delete, neither its data dir nor its log holds them in any encoding', async () => {
    const dataDir = join(root, 'relay')
    relayProc = startCli(['relay', '--data-dir', dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'])
    const started = JSON.parse(await waitForLine(relayProc, /"event":"started"/))
    const relayAddr = started.addresses.find((a: string) => a.includes('/tcp/'))
    clients = await createNetwork(2, { init: { bootstrap: [relayAddr] } })
    const [alice, bob] = clients.nodes
    for (const node of [alice, bob]) {
      await waitFor(async () => (await node.id()).addresses.some(a => a.includes(`/p2p/${started.peerId}/p2p-circuit`)), { message: 'a slot on the relay', timeout: 30_000 })
    }
    await alice.addContact((await bob.id()).invite, 'bob')
    await bob.addContact((await alice.id()).invite, 'alice')
    // bob's queue opened (his prekeys under it), then bob away
    const ref = await queueOf(bob, started.peerId)
    await waitFor(async () => (await alice.libp2p.services.mailbox.fetchPrekeys(peerIdFromString(started.peerId), ref).catch(() => undefined)) != null, { message: 'bob\'s queue is open', timeout: 30_000 })
    await bob.stop()
    const sent = await alice.sendMessage('bob', 'through a blind relay')
    await waitFor(async () => (await alice.listMessages('bob')).find(m => m.id === sent.id)?.status === 'sent', { message: 'in bob\'s queue', timeout: 60_000 })
    const bobAgain = await clients.restart(1, { bootstrap: [relayAddr] })
    await waitFor(async () => (await bobAgain.listMessages('alice')).some(m => m.id === sent.id), { message: 'bob collected it', timeout: 60_000 })
    assert.equal(await relayProc.stop('SIGTERM'), 0)

    const disk = await allBytes(dataDir)
    const log = Buffer.from(relayProc.output())
    assert.ok(log.includes('"event":"mailbox:deposit"') && log.includes('"event":"relay:reservation"'), 'the log was on and saw the traffic')
    assert.ok(disk.length > 0, 'the relay wrote its data dir')
    for (const peer of [alice, bobAgain]) {
      for (const { name, bytes } of encodingsOf(peer)) {
        assert.equal(disk.includes(bytes), false, `the relay's disk holds a client's peer id (${name})`)
        assert.equal(log.includes(bytes), false, `the relay's log holds a client's peer id (${name})`)
      }
    }
  })
})

describe('queues handed over in an encrypted control message', { timeout: 240_000 }, () => {
  let network: Network
  let second: Network | undefined
  before(async () => {
    network = await createNetwork(4, { init: (i, started) => i === 0 ? { relay: RELAY, relayClient: false } : { bootstrap: [addressOf(started[0])] } })
  })
  after(async () => {
    await network?.stop()
    await second?.stop()
  })

  it('accepting a request hands the requester our queues, and it answers with its own', async () => {
    const [relay, , bob, carol] = network.nodes
    await queueOpened(bob, relay, carol)
    // carol has bob's invite; bob has nothing of hers
    await carol.addContact((await bob.id()).invite, 'bob')
    await carol.sendMessage('bob', 'hi, it is carol')
    await waitFor(async () => (await bob.listRequests()).some(r => r.peerId === carol.peerId), { message: 'bob has carol\'s request', timeout: 30_000 })
    assert.equal((await (bob.direct as any).contactsStore.get(carol.peerId))?.queues, undefined, 'no queue of carol\'s yet')
    await bob.acceptRequest(carol.peerId)
    const record = await waitFor(async () => {
      const r = await (bob.direct as any).contactsStore.get(carol.peerId)
      return (r?.queues?.length ?? 0) > 0 ? r : undefined
    }, { message: 'carol handed bob her queues', timeout: 60_000 })
    assert.ok(record.queues.every((q: { relay: string }) => q.relay.endsWith(`/p2p/${relay.peerId}`)))
  })

  it('when our relays change, contacts hear of the new queue, and mail for us goes there', async () => {
    const [relay, alice, bob] = network.nodes
    await alice.addContact((await bob.id()).invite, 'bob')
    await bob.addContact((await alice.id()).invite, 'alice')
    second = await createNetwork(1, { init: { relay: RELAY, relayClient: false } })
    const [relay2] = second.nodes
    // bob meets a second relay and takes a slot there
    await bob.libp2p.dial(multiaddr(addressOf(relay2)))
    await waitFor(async () => (await bob.id()).addresses.some(a => a.includes(`/p2p/${relay2.peerId}/p2p-circuit`)), { message: 'bob holds a slot on the second relay', timeout: 60_000 })
    const record = await waitFor(async () => {
      const r = await (alice.direct as any).contactsStore.get(bob.peerId)
      return r?.queues?.some((q: { relay: string }) => q.relay.endsWith(`/p2p/${relay2.peerId}`)) === true ? r : undefined
    }, { message: 'alice got bob\'s queue on the second relay', timeout: 60_000 })
    assert.ok(record.queues.some((q: { relay: string }) => q.relay.endsWith(`/p2p/${relay.peerId}`)), 'and still the first')
    await bob.stop()
    const sent = await alice.sendMessage('bob', 'to your new relay too')
    await waitFor(async () => (await relay2.relayStats())?.mailbox.messages === 1, { message: 'the second relay holds it', timeout: 60_000 })
    await waitFor(async () => (await alice.listMessages('bob')).find(m => m.id === sent.id)?.status === 'sent', { message: 'alice sees it left in a mailbox', timeout: 30_000 })
  })
})
