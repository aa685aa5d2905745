import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { pbStream } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { chain, STOP_PROTOCOL } from '../../../protocols/chain/index.ts'
import { ChainRequest, ChainResponse } from '../../../protocols/chain/pb/chain.ts'
import { streamToConnection } from '../../../protocols/chain/stream-connection.ts'
import { waitFor } from '../../fixtures/index.ts'

async function node (services: Record<string, any> = {}): Promise<Libp2p<any>> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ...services }
  })
}

describe('chain: the stop side', () => {
  let bob: Libp2p<any>
  let mallory: Libp2p<any>
  before(async () => {
    bob = await node({ chain: chain() })
    mallory = await node()
  })
  after(async () => { await Promise.all([bob?.stop(), mallory?.stop()]) })

  it('refuses a call whose Noise handshake is not the caller the relay named', async () => {
    // a hostile entry relay says alice is calling, then runs the handshake as itself
    const alice = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const conn = await mallory.dial(bob.getMultiaddrs()[0])
    const stream = await conn.newStream(STOP_PROTOCOL)
    const pb = pbStream(stream)
    await pb.write({ peer: alice.toMultihash().bytes, addrs: [] }, ChainRequest)
    assert.equal((await pb.read(ChainResponse)).status, ChainResponse.Status.OK)
    const raw = pb.unwrap()
    const maConn = streamToConnection(raw, conn.remoteAddr.encapsulate('/p2p-circuit'), (mallory as any).logger.forComponent('test'))
    const upgrader = (mallory as any).components.upgrader
    await upgrader.upgradeOutbound(maConn, { signal: AbortSignal.timeout(10_000) }).catch(() => {})
    // Noise XX: the caller finishes first, bob checks its identity on the last message and hangs up
    await waitFor(() => raw.status !== 'open', { message: () => `bob to close the call (bob's connections: ${bob.getConnections().map(c => c.remoteAddr.toString()).join(' ')})`, timeout: 10_000, interval: 50 })
    assert.deepEqual(bob.getConnections().filter(c => c.remoteAddr.toString().includes(alice.toString())).map(c => c.remoteAddr.toString()), [])
    assert.equal(bob.getConnections(mallory.peerId).length, 1, 'bob keeps only mallory\'s own connection')
  })
})
