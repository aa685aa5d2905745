import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import type { PeerWarmup } from '../../node/net/peer-warmup.ts'

/**
 * A user whose only DHT server (its relay, its bootstrap node) could not be reached while it
 * started: on a busy machine the dial times out, or the connection monitor drops it. Its routing
 * table is empty and nothing of its own brings it back into the DHT: nobody queries a client.
 */
describe('a user whose DHT server was unreachable at start', { timeout: 120_000 }, () => {
  const networks: Network[] = []
  after(async () => { await Promise.allSettled(networks.map(async n => n.stop())) })

  it('redials it when it rejoins, and takes it into its routing table', async () => {
    const servers = await createNetwork(1, { init: { dhtServer: true, relayClient: false } })
    networks.push(servers)
    const address = addressOf(servers.nodes[0])
    const port = multiaddr(address).getComponents().find(c => c.name === 'tcp')?.value
    await servers.nodes[0].stop()

    // no remembered-peer retries: the server comes back only after those would have given up
    const users = await createNetwork(1, { init: { bootstrap: [address], relayClient: false, reconnect: false } })
    networks.push(users)
    const user = users.nodes[0]
    const server = await servers.restart(0, { dhtServer: true, relayClient: false, listen: [`/ip4/127.0.0.1/tcp/${port}`] })
    assert.equal(user.libp2p.getConnections(server.libp2p.peerId).length, 0, 'the user is not connected to the server yet')
    assert.equal(user.libp2p.services.dht.routingTable.size, 0)

    // the rejoin loop's step, as its timer would run it
    const warmup = (user as unknown as { network: { warmup: PeerWarmup } }).network.warmup
    await warmup.rejoin()
    assert.ok(user.libp2p.getConnections(server.libp2p.peerId).length > 0, 'the rejoin redialled the server')
    await waitFor(async () => (await user.libp2p.services.dht.routingTable.find(server.libp2p.peerId)) != null, {
      timeout: 60_000, interval: 200, message: () => `the server in the user's routing table (size ${user.libp2p.services.dht.routingTable.size})`
    })
  })
})
