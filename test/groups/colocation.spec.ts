import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import type { Message } from '@libp2p/gossipsub'

/** More than gossipsub's default P6 graylists on one IP (15): the members of one relay or one NAT. */
const PEERS = 16
const TOPIC = 'colocated'

/** A bare gossipsub peer on loopback: cheaper than a messenger, and all it needs to be a neighbour. */
async function bare (): Promise<Libp2p<any>> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), pubsub: gossipsub() }
  })
}

/** The authors of the messages on TOPIC that `node` receives from now on. */
function received (node: Libp2p<any>): Set<string> {
  const from = new Set<string>()
  node.services.pubsub.addEventListener('message', (evt: CustomEvent<Message>) => {
    if (evt.detail.topic === TOPIC && evt.detail.type === 'signed') from.add(evt.detail.from.toString())
  })
  return from
}

describe('many peers on one IP', { timeout: 60_000 }, () => {
  let network: Network
  const peers: Array<Libp2p<any>> = []

  before(async () => {
    network = await createNetwork(1)
    for (let i = 0; i < PEERS; i++) peers.push(await bare())
  })

  after(async () => {
    await Promise.allSettled(peers.map(async p => p.stop()))
    await network?.stop()
  })

  it('a node keeps hearing from and reaching all of them: IP colocation does not score them down', async () => {
    const hub = network.nodes[0].libp2p
    const params = hub.services.pubsub.score.params
    assert.equal(params.IPColocationFactorWeight, 0)
    // the rest of the peer score is gossipsub's own
    assert.equal(params.behaviourPenaltyWeight, -10)
    assert.equal(params.appSpecificWeight, 10)

    const atHub = received(hub)
    const atPeers = peers.map(received)
    hub.services.pubsub.subscribe(TOPIC)
    for (const p of peers) {
      p.services.pubsub.subscribe(TOPIC)
      await p.dial(multiaddr(addressOf(network.nodes[0])))
    }
    await waitFor(() => peers.every(p => p.services.pubsub.getSubscribers(TOPIC).some((id: any) => id.equals(hub.peerId))), {
      timeout: 20_000,
      message: 'every peer to see the node subscribed'
    })
    await waitFor(() => hub.services.pubsub.getSubscribers(TOPIC).length === PEERS, {
      timeout: 20_000,
      message: () => `the node to see all ${PEERS} peers subscribed (it sees ${hub.services.pubsub.getSubscribers(TOPIC).length})`
    })

    for (const [i, p] of peers.entries()) await p.services.pubsub.publish(TOPIC, new TextEncoder().encode(`from ${i}`))
    await waitFor(() => atHub.size === PEERS, { timeout: 20_000, message: () => `the node to receive from all ${PEERS} peers (${atHub.size} so far)` })

    await hub.services.pubsub.publish(TOPIC, new TextEncoder().encode('from the node'))
    await waitFor(() => atPeers.every(from => from.has(hub.peerId.toString())), {
      timeout: 20_000,
      message: () => `every peer to receive the node's message (${atPeers.filter(from => from.has(hub.peerId.toString())).length} of ${PEERS})`
    })

    // and none of them is kept out of the mesh: a full mesh of D (6) or more after a heartbeat
    await waitFor(() => hub.services.pubsub.getMeshPeers(TOPIC).length >= 6, {
      timeout: 20_000,
      message: () => `the node's mesh to fill (${hub.services.pubsub.getMeshPeers(TOPIC).length} peers)`
    })
    assert.ok(peers.every(p => hub.services.pubsub.getScore(p.peerId.toString()) >= 0), 'no peer scored below 0')
  })
})
