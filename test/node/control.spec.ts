import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'

describe('control messages ride the durable DM path', () => {
  let network: Network
  before(async () => { network = await createNetwork(2) })
  after(async () => { await network.stop() })

  it('reaches the registered handler of a non-contact, acked after the handler resolves, not shown as a message', async () => {
    const [a, b] = network.nodes
    const received: Array<{ from: string, data: string }> = []
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    b.handleControl('test', async (from, data) => {
      await gate
      received.push({ from: from.toString(), data: new TextDecoder().decode(data) })
    })
    await a.libp2p.peerStore.merge(b.libp2p.peerId, { multiaddrs: b.libp2p.getMultiaddrs() })
    await a.sendControl(b.peerId, 'test', new TextEncoder().encode('epoch 2'))
    assert.equal(await a.outboxSize(), 1)
    // still queued while the handler has not finished storing
    await waitFor(async () => b.libp2p.getConnections(a.libp2p.peerId).length > 0, { message: 'a connected to b' })
    assert.equal(await a.outboxSize(), 1)
    release()
    await waitFor(async () => (await a.outboxSize()) === 0, { message: 'the control message acked' })
    assert.deepEqual(received, [{ from: a.peerId, data: 'epoch 2' }])
    assert.deepEqual(await b.listRequests(), [])
    assert.deepEqual(await b.listContacts(), [])
  })

  it('a control message for an app nobody handles stays in the outbox', async () => {
    const [a, b] = network.nodes
    await a.sendControl(b.peerId, 'nobody', new Uint8Array([1]))
    // it is refused (UNAVAILABLE) and retried with backoff: still queued after a refusal
    await waitFor(async () => (await a.status()).connections > 0, { message: 'connected' })
    await waitFor(async () => (await a.outboxSize()) === 1, { message: 'outbox holds the refused control message' })
    assert.equal(await a.outboxSize(), 1)
  })
})
