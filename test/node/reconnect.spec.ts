import assert from 'node:assert/strict'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { addressOf, connectedPeers, createNetwork, waitFor, type Network } from '../fixtures/index.ts'

describe('reconnecting from the persisted peer store', { timeout: 90_000 }, () => {
  // node 0: the bootstrap node; node 1: the node that restarts; nodes 2 and 3: peers that stay up
  let network: Network

  before(async () => {
    network = await createNetwork(4)
    const [boot, subject, a, b] = network.nodes
    await subject.connect(addressOf(boot))
    await subject.connect(addressOf(a))
    await subject.connect(addressOf(b))
    // the peer store must hold each peer's listen addresses (learnt by identify), not just the
    // address dialled, before the node goes down
    await waitFor(async () => {
      for (const peer of [boot, a, b]) {
        const record = await subject.libp2p.peerStore.get(peer.libp2p.peerId)
        const known = new Set(record.addresses.map(x => x.multiaddr.toString()))
        if (!peer.libp2p.getMultiaddrs().every(m => known.has(m.toString().replace(/\/p2p\/[^/]+$/, '')))) return false
      }
      return true
    }, { timeout: 10_000, message: 'the peer store of node 1 to hold the addresses of nodes 0, 2 and 3' })
  })

  after(async () => {
    await network?.stop()
  })

  it('comes back to its remaining peers with no bootstrap list, after the bootstrap node is gone', async () => {
    const [boot, previous, a, b] = network.nodes
    await previous.stop()
    await boot.stop()
    await waitFor(() => !connectedPeers(a).has(previous.peerId) && !connectedPeers(b).has(previous.peerId), {
      timeout: 10_000,
      message: 'nodes 2 and 3 to see node 1 go'
    })
    // the peer store lives on disk in the profile's encrypted database, not beside it
    await assert.rejects(stat(join(network.dirs[1], 'libp2p')), { code: 'ENOENT' })

    // No bootstrap list, no mDNS: the only way back is the peer store. It listens on another
    // loopback address, so the addresses nodes 2 and 3 remember for it are dead and only it can
    // re-establish the connections.
    const subject = await network.restart(1, { bootstrap: [], listen: ['/ip4/127.0.0.2/tcp/0'] })
    assert.equal(subject.peerId, previous.peerId)

    await waitFor(() => connectedPeers(subject).has(a.peerId) && connectedPeers(subject).has(b.peerId), {
      timeout: 20_000,
      message: 'the restarted node 1 to reconnect to nodes 2 and 3'
    })
    const status = await subject.status()
    for (const peer of [a, b]) {
      const conn = status.peers.find(c => c.peerId === peer.peerId)
      assert.equal(conn?.direction, 'outbound', `the connection to ${peer.peerId} was dialled by the restarted node`)
    }
    assert.equal(connectedPeers(subject).has(boot.peerId), false, 'the stopped bootstrap node is not connected')
    assert.notEqual(status.reachability, 'offline')
  })
})
