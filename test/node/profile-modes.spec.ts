import assert from 'node:assert/strict'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { EventEmitter } from 'node:events'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { persistentPeerStore } from '@libp2p/peer-store'
import { multiaddr } from '@multiformats/multiaddr'
import { LevelDatastore } from 'datastore-level'
import { createNetwork, type Network } from '../fixtures/index.ts'

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777

describe('a profile is private to its user', () => {
  let network: Network
  before(async () => { network = await createNetwork(1) })
  after(async () => { await network?.stop() })

  it('the profile and db/ are 0700, the key 0600', async () => {
    const dir = network.dirs[0]
    for (const sub of ['', 'db']) assert.equal((await modeOf(join(dir, sub))).toString(8), '700', `${sub === '' ? 'the profile' : sub}/`)
    assert.equal((await modeOf(join(dir, 'identity.key'))).toString(8), '600')
  })

  it('libp2p keeps no datastore of its own beside db/ (it is inside, encrypted)', async () => {
    await assert.rejects(stat(join(network.dirs[0], 'libp2p')), { code: 'ENOENT' })
  })

  it('a plaintext libp2p/ from an old version is moved into the encrypted store and shredded', async () => {
    const dir = network.dirs[0]
    const self = peerIdFromString(network.nodes[0].peerId)
    await network.nodes[0].stop()
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const plain = new LevelDatastore(join(dir, 'libp2p'))
    await plain.open()
    const events = Object.assign(new EventEmitter(), { safeDispatchEvent: () => true })
    await persistentPeerStore({ peerId: self, datastore: plain, events, logger: defaultLogger() } as any).merge(other, { multiaddrs: [multiaddr('/ip4/198.51.100.9/tcp/4001')] })
    await plain.close()
    const node = await network.restart(0, { reconnect: false })
    await assert.rejects(stat(join(dir, 'libp2p')), { code: 'ENOENT' })
    const peer = await node.libp2p.peerStore.get(other)
    assert.deepEqual(peer.addresses.map(a => a.multiaddr.toString()), ['/ip4/198.51.100.9/tcp/4001'])
  })
})
