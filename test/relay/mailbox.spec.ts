import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
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

  it('a first message to someone known by peer id alone, who is offline: sealed with the prekeys their relay holds, left in their mailbox', async () => {
    const [relay] = network.nodes
    let bob = network.nodes[2]
    const carol = (await createNetwork(1, { init: () => ({ bootstrap: [addressOf(relay)] }) }))
    try {
      const c = carol.nodes[0]
      // bob's relay address, as the DHT would give it; no invite, so no prekeys of his
      const bobRelayAddr = (await bob.id()).addresses.find(a => a.includes('/p2p-circuit'))!
      // bob left his prekeys on the relay when he met it
      await waitFor(async () => (await c.libp2p.services.mailbox.fetchPrekeys(relay.libp2p.peerId, bob.libp2p.peerId).catch(() => undefined)) != null, { message: 'the relay holds bob\'s prekeys', timeout: 30_000 })
      await bob.stop()
      await c.addContact(bob.peerId, 'bob')
      await c.libp2p.peerStore.merge(bob.libp2p.peerId, { multiaddrs: [multiaddr(bobRelayAddr)] })
      const sent = await c.sendMessage('bob', 'found you by peer id')
      await waitFor(async () => (await c.listMessages('bob')).find(m => m.id === sent.id)?.status === 'sent', { message: 'carol sealed it with the relay\'s copy of bob\'s prekeys and left it there', timeout: 90_000 })
      bob = await network.restart(2, { bootstrap: [addressOf(relay)] })
      await waitFor(async () => (await bob.listRequests()).some(r => r.last?.id === sent.id), { message: 'bob got carol\'s message from the mailbox (a request)', timeout: 60_000 })
    } finally {
      await carol.stop()
    }
  })
})
