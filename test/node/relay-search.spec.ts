import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { pacedRandomWalk, publiclyReachable, type AddressSource, type RandomWalkLike } from '../../node/net/relay-search.ts'
import { waitFor } from '../fixtures/index.ts'
import type { PeerInfo } from '@libp2p/interface'

const PEER = peerIdFromString('12D3KooWHFrmLWTTDD4NodngtRMEVYgxrsDMp4F83bRXcxJ6g4Nh')
const PACING = { firstMs: 5, maxMs: 10 }

/** a random walk that answers at once, for ever: what libp2p's does with a quick DHT */
function eagerWalk (options: { fail?: boolean } = {}): RandomWalkLike & { walks: number, peers: number } {
  const state = {
    walks: 0,
    peers: 0,
    async * walk (): AsyncGenerator<PeerInfo> {
      state.walks++
      if (options.fail === true) throw new Error('no peers to query')
      while (true) {
        state.peers++
        yield { id: PEER, multiaddrs: [] }
      }
    }
  }
  return state
}

/** the address manager's view, with a count of how often the walk looked */
function addresses (list: Array<{ addr: string, verified: boolean, type: string }>): AddressSource & { looks: number } {
  const source = {
    looks: 0,
    getAddressesWithMetadata: () => {
      source.looks++
      return list.map(a => ({ multiaddr: multiaddr(a.addr), verified: a.verified, type: a.type }))
    }
  }
  return source
}

describe('relay search pacing', () => {
  it('knows a public node by a verified public address only', () => {
    assert.equal(publiclyReachable(addresses([{ addr: '/ip4/93.184.216.34/tcp/4001', verified: true, type: 'observed' }])), true)
    assert.equal(publiclyReachable(addresses([{ addr: '/ip4/93.184.216.34/tcp/4001', verified: false, type: 'observed' }])), false, 'unverified')
    assert.equal(publiclyReachable(addresses([{ addr: '/ip4/192.168.1.4/tcp/4001', verified: true, type: 'observed' }])), false, 'private')
    assert.equal(publiclyReachable(addresses([{ addr: '/ip4/93.184.216.34/tcp/4001', verified: true, type: 'transport' }])), false, 'a listen address proves nothing')
    assert.equal(publiclyReachable(addresses([{ addr: `/ip4/93.184.216.34/tcp/4001/p2p/${PEER}/p2p-circuit`, verified: true, type: 'observed' }])), false, 'a relay address')
  })

  it('hands out one peer per pause, however fast the walk beneath answers', async () => {
    const inner = eagerWalk()
    const source = addresses([])
    const controller = new AbortController()
    const seen: PeerInfo[] = []
    const consumer = (async () => {
      for await (const peer of pacedRandomWalk(inner, source, PACING).walk({ signal: controller.signal })) seen.push(peer)
    })()
    await waitFor(() => seen.length >= 5, { message: 'five peers' })
    controller.abort()
    await consumer
    assert.ok(seen.every(p => p.id.equals(PEER)))
    // each peer took its own pause (one look at the addresses each): no back-to-back queries
    assert.ok(inner.peers <= source.looks, `${inner.peers} peers pulled in ${source.looks} pauses`)
    assert.equal(inner.walks, inner.peers, 'the walk beneath is asked for one peer at a time')
  })

  it('asks nothing of the DHT while the node is publicly reachable', async () => {
    const inner = eagerWalk()
    const source = addresses([{ addr: '/ip4/93.184.216.34/tcp/4001', verified: true, type: 'observed' }])
    const controller = new AbortController()
    const consumer = (async () => {
      for await (const _ of pacedRandomWalk(inner, source, PACING).walk({ signal: controller.signal })) assert.fail('no peer while public')
    })()
    await waitFor(() => source.looks >= 5, { message: 'five pauses' })
    controller.abort()
    await consumer
    assert.equal(inner.walks, 0)
  })

  it('a walk that fails (no peer to ask yet) is tried again after the next pause, not given up', async () => {
    const inner = eagerWalk({ fail: true })
    const source = addresses([])
    const controller = new AbortController()
    const consumer = (async () => {
      for await (const _ of pacedRandomWalk(inner, source, PACING).walk({ signal: controller.signal })) assert.fail('nothing to yield')
    })()
    await waitFor(() => inner.walks >= 3, { message: 'three attempts' })
    controller.abort()
    await consumer
    assert.ok(inner.walks <= source.looks)
  })
})
