import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { bootstrapThroughFirst, connectedPeers, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { PeerId, PeerInfo } from '@libp2p/interface'

const SIZE = 10

/** Addresses without their /p2p/ suffix, so a listen address and a found one compare equal. */
function bare (addrs: string[]): string[] {
  return addrs.map(a => a.replace(/\/p2p\/[^/]+$/, '')).sort()
}

/**
 * A 10-node network meshes by itself within seconds: the warm-up dials every peer the DHT
 * walk discovers, and kad-dht keeps its 20 closest peers (here: all) alive. So for `a` to look
 * `b` up as a stranger would, both must forget each other: first the keep-alive tags on both
 * sides (or the reconnect queue of one dials the other straight back), then the routing-table
 * entries and the connection, and once it is closed, the peer-store records.
 */
async function makeStrangers (a: HyphaeMessenger, b: HyphaeMessenger): Promise<void> {
  // a live node can relearn a peer from DHT traffic between the steps (and a dial already under
  // way lands later): forget again, a few times, until both checks hold on two reads in a row
  for (let attempt = 0; attempt < 8; attempt++) {
    await forget(a, b)
    if (await strangers(a, b) && await strangers(a, b)) return
  }
  throw new Error(`${a.peerId} keeps relearning ${b.peerId}`)
}

async function strangers (a: HyphaeMessenger, b: HyphaeMessenger): Promise<boolean> {
  return !connectedPeers(a).has(b.peerId) && !connectedPeers(b).has(a.peerId) && !(await a.libp2p.peerStore.has(b.libp2p.peerId))
}

async function forget (a: HyphaeMessenger, b: HyphaeMessenger): Promise<void> {
  const pairs: Array<[HyphaeMessenger, PeerId]> = [[a, b.libp2p.peerId], [b, a.libp2p.peerId]]
  for (const [node, other] of pairs) {
    const store = node.libp2p.peerStore
    if (!(await store.has(other))) continue
    const { tags } = await store.get(other)
    await store.merge(other, { tags: Object.fromEntries([...tags.keys()].map(tag => [tag, undefined])) })
  }
  for (const [node, other] of pairs) {
    await node.libp2p.services.dht.routingTable.remove(other)
    await node.libp2p.hangUp(other)
  }
  try {
    await waitFor(() => !connectedPeers(a).has(b.peerId) && !connectedPeers(b).has(a.peerId), {
      timeout: 5_000,
      message: `${a.peerId} and ${b.peerId} to be disconnected`
    })
  } catch {
    // one of them dialled the other again (a peer learnt from DHT traffic meanwhile, and the
    // warm-up dials what it learns): makeStrangers forgets once more
    return
  }
  for (const [node, other] of pairs) await node.libp2p.peerStore.delete(other)
}

/** Records the peers `node` learns of from DHT responses (kad-dht's 'peer' event). */
function recordDhtDiscoveries (node: HyphaeMessenger): { seen: PeerInfo[], stop(): void } {
  const seen: PeerInfo[] = []
  const onPeer = (evt: CustomEvent<PeerInfo>): void => { seen.push(evt.detail) }
  const dht = node.libp2p.services.dht
  dht.addEventListener('peer', onPeer)
  return { seen, stop: () => dht.removeEventListener('peer', onPeer) }
}

describe('DHT peer routing', { timeout: 120_000 }, () => {
  let network: Network
  let nodes: HyphaeMessenger[]

  before(async () => {
    // no relay search: its random walks would find (and the warm-up would redial) the very
    // peers each test makes strangers of; relays are covered in test/relay and test/scenarios
    // every node opts in to serve the DHT (users are clients by default: see dht-crawl.spec.ts),
    // as on a LAN with no relay: findPeer is a lookup among servers
    network = await createNetwork(SIZE, { init: bootstrapThroughFirst({ relayClient: false, dhtServer: true }) })
    nodes = network.nodes
    // nodes 1..9 know only node 0; the DHT has to introduce them to each other
    let sizes: number[] = []
    await waitFor(async () => {
      sizes = await Promise.all(nodes.map(async n => (await n.status()).dht.routingTableSize))
      return sizes.every(size => size === SIZE - 1)
    }, { timeout: 30_000, interval: 100, message: () => `every DHT routing table to hold the ${SIZE - 1} other nodes (sizes: ${sizes.join(', ')})` })
  })

  after(async () => {
    await network?.stop()
  })

  it('every node that opted in is a DHT server', async () => {
    for (const node of nodes) assert.equal((await node.status()).dht.mode, 'server')
  })

  for (const [i, j] of [[1, 5], [2, 7], [3, 9], [8, 4]]) {
    it(`node ${i} finds node ${j} by peer id through the DHT, then connects`, async () => {
      const [a, b] = [nodes[i], nodes[j]]
      // checked where the lookup starts: a dial that landed since makeStrangers means forget again
      let ready = false
      for (let attempt = 0; attempt < 3 && !ready; attempt++) {
        await makeStrangers(a, b)
        ready = !connectedPeers(a).has(b.peerId) && !(await a.libp2p.peerStore.has(b.libp2p.peerId))
      }
      assert.ok(ready, 'no connection and no cached record before the lookup')

      const dht = recordDhtDiscoveries(a)
      let found: string[]
      try {
        found = await a.findPeer(b.peerId, { signal: AbortSignal.timeout(20_000) })
      } finally {
        dht.stop()
      }
      for (const addr of bare(b.libp2p.getMultiaddrs().map(String))) assert.ok(bare(found).includes(addr), `found ${found.join(', ')}, not ${addr}`)
      const fromDht = dht.seen.filter(p => p.id.toString() === b.peerId && p.multiaddrs.length > 0)
      assert.ok(fromDht.length > 0, 'the addresses came in a DHT response')

      await a.connect(b.peerId, { signal: AbortSignal.timeout(20_000) })
      assert.equal(connectedPeers(a).has(b.peerId), true)
    })
  }

  it('connect(peerId) alone falls back to the DHT for a peer it has never heard of', async () => {
    const [a, b] = [nodes[6], nodes[2]]
    await makeStrangers(a, b)
    assert.equal(connectedPeers(a).has(b.peerId), false, 'no connection before')
    assert.equal(await a.libp2p.peerStore.has(b.libp2p.peerId), false, 'no cached record before')
    const dht = recordDhtDiscoveries(a)
    try {
      await a.connect(b.peerId, { signal: AbortSignal.timeout(20_000) })
    } finally {
      dht.stop()
    }
    assert.equal(connectedPeers(a).has(b.peerId), true)
    assert.ok(dht.seen.some(p => p.id.toString() === b.peerId), 'the address came in a DHT response')
  })

  it('findPeer of a peer id nobody has fails within its deadline', async () => {
    const nobody = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const started = Date.now()
    await assert.rejects(nodes[3].findPeer(nobody, { signal: AbortSignal.timeout(15_000) }))
    assert.ok(Date.now() - started < 15_000)
  })
})
