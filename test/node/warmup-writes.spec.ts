import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'

describe('what the warm-up writes when peers come and go', { timeout: 60_000 }, () => {
  let network: Network
  before(async () => { network = await createNetwork(2, { init: { reconnect: false } }) })
  after(async () => { await network?.stop() })

  it('writes a peer\'s last-seen time once a minute and the recent-peers list once, on stop, and a restart finds it', async () => {
    const [node, peer] = network.nodes
    const meta = (node as any).components.meta
    let recentWrites = 0
    const putJSON = meta.putJSON.bind(meta)
    meta.putJSON = async (key: string, value: unknown) => {
      if (key === 'recent-peers') recentWrites++
      await putJSON(key, value)
    }
    let lastSeenWrites = 0
    const merge = node.libp2p.peerStore.merge.bind(node.libp2p.peerStore)
    node.libp2p.peerStore.merge = async (id, data, options) => {
      // the warm-up merges a plain object (libp2p takes a Map too)
      if ((data.metadata as Record<string, Uint8Array> | undefined)?.['hyphae/last-seen'] != null) lastSeenWrites++
      return merge(id, data, options)
    }
    let identified = 0
    node.libp2p.addEventListener('peer:identify', evt => { if (evt.detail.peerId.equals(peer.libp2p.peerId)) identified++ })

    for (let i = 0; i < 5; i++) {
      await node.connect(addressOf(peer))
      await waitFor(() => identified === i + 1, { message: 'the peer to be identified', timeout: 10_000 })
      await node.libp2p.hangUp(peer.libp2p.peerId)
    }
    assert.equal(lastSeenWrites, 1, 'five connections within a minute: one last-seen write')
    assert.equal(recentWrites, 0, 'the recent-peers list waits to be written')

    const restarted = await network.restart(0, { reconnect: false })
    assert.equal(recentWrites, 1, 'stopping wrote it once')
    const list = await (restarted as any).components.meta.getJSON('recent-peers') as Array<{ peerId: string }> | undefined
    assert.deepEqual(list?.map(p => p.peerId), [peer.peerId])
  })
})
