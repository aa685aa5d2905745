import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { queuesHandedOver } from './queues.ts'
import type { RelayInit } from '../../node/create-node.ts'

const RELAY: RelayInit = { maxReservations: 16, reservationTtlMs: 3_600_000, durationLimitMs: 3_600_000, dataLimitBytes: 1n << 26n }

/** every file under a directory, read as bytes */
async function allBytes (dir: string): Promise<Buffer> {
  const parts: Buffer[] = []
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) parts.push(await readFile(join(entry.parentPath, entry.name)).catch(() => Buffer.alloc(0)))
  }
  return Buffer.concat(parts)
}

describe('relay: reservations and mailboxes', () => {
  let network: Network
  before(async () => {
    // node 0 relays; alice (1) and bob (2) only know the relay
    network = await createNetwork(3, {
      init: (i, started) => i === 0 ? { relay: RELAY, relayClient: false } : { bootstrap: [addressOf(started[0])] }
    })
  })
  after(async () => { await network.stop() })

  it('a client reserves a slot and puts its /p2p-circuit address in its invite', async () => {
    const bob = network.nodes[2]
    const relayId = network.nodes[0].peerId
    const id = await waitFor(async () => {
      const info = await bob.id()
      return info.addresses.some(a => a.includes(`/p2p/${relayId}/p2p-circuit`)) ? info : undefined
    }, { message: 'bob advertises a relay address', timeout: 30_000 })
    assert.ok(id.addresses.some(a => a.includes('/p2p-circuit/p2p/' + bob.peerId)))
    assert.equal((await network.nodes[0].relayStats())?.reservations, 2)
    const report = await bob.doctor()
    assert.deepEqual(report.relays, [relayId])
    assert.match(report.verdict, /reachable through 1 relay/)
    assert.deepEqual(report.bootstrap, { configured: 1, connected: 1 })
  })

  it('doctor tells an isolated node what to try', async () => {
    const lonely = await createNetwork(1)
    try {
      const report = await lonely.nodes[0].doctor()
      assert.equal(report.reachability, 'offline')
      assert.match(report.verdict, /offline/)
      assert.ok(report.advice.some(a => a.includes('--bootstrap')))
      assert.ok(report.advice.some(a => a.includes('mDNS')), 'the test network runs without mDNS')
    } finally {
      await lonely.stop()
    }
  })

  it('a message to an offline contact waits in the relay mailbox, sealed, and reaches them when they return', async () => {
    const [relay, alice] = network.nodes
    let bob = network.nodes[2]
    const bobInvite = (await bob.id()).invite
    await alice.addContact(bobInvite, 'bob')
    await bob.addContact((await alice.id()).invite, 'alice')
    await queuesHandedOver(alice, bob)
    await queuesHandedOver(bob, alice)
    await bob.stop()

    const secret = 'the plaintext the relay must never see 7f3a'
    const sent = await alice.sendMessage('bob', secret)
    await waitFor(async () => (await alice.listMessages('bob')).find(m => m.id === sent.id)?.status === 'sent', { message: 'alice sees the message left on the relay', timeout: 60_000 })
    assert.equal((await relay.relayStats())?.mailbox.messages, 1)
    // the relay's whole data directory holds neither the text nor alice's nickname
    const onDisk = await allBytes(network.dirs[0])
    assert.equal(onDisk.includes(secret), false)

    bob = await network.restart(2, { bootstrap: [addressOf(relay)] })
    await waitFor(async () => (await bob.listMessages('alice')).some(m => m.id === sent.id), { message: 'bob got the message from the mailbox', timeout: 60_000 })
    await waitFor(async () => (await relay.relayStats())?.mailbox.messages === 0, { message: 'the relay deleted it after bob acked', timeout: 30_000 })
    const got = await bob.listMessages('alice')
    assert.equal(got.filter(m => m.body === secret).length, 1)
  })

  it('a message to someone known by peer id alone, who is offline: no queue of theirs, so no relay gets it; it waits in the outbox', async () => {
    const [relay] = network.nodes
    let bob = network.nodes[2]
    const carol = (await createNetwork(1, { init: () => ({ bootstrap: [addressOf(relay)] }) }))
    try {
      const c = carol.nodes[0]
      // bob's relay address, as the DHT would give it; no invite, so neither his prekeys nor a queue of his
      const bobRelayAddr = (await bob.id()).addresses.find(a => a.includes('/p2p-circuit'))!
      await bob.stop()
      const before = (await relay.relayStats())?.mailbox.messages
      await c.addContact(bob.peerId, 'bob')
      await c.libp2p.peerStore.merge(bob.libp2p.peerId, { multiaddrs: [multiaddr(bobRelayAddr)] })
      const sent = await c.sendMessage('bob', 'found you by peer id')
      // what stopping does: leave everything deposit-able in mailboxes, and wait for it
      await c.direct.flushToMailboxes(AbortSignal.timeout(30_000))
      assert.notEqual((await c.listMessages('bob')).find(m => m.id === sent.id)?.status, 'sent', 'no relay took it')
      assert.equal((await relay.relayStats())?.mailbox.messages, before, 'the relay bob did not hand carol holds nothing of hers')
      assert.equal(await c.direct.outboxSize(), 1, 'it waits in her outbox for bob')
      bob = await network.restart(2, { bootstrap: [addressOf(relay)] })
    } finally {
      await carol.stop()
    }
  })
})
