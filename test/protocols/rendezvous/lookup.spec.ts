import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { EPOCH_MS, RendezvousNotFoundError, epochKeys, epochOf, pairSecret, rendezvous, sealRecord, type RendezvousRouting } from '../../../protocols/rendezvous/index.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

interface Someone { key: PrivateKey, id: PeerId }
const someone = async (): Promise<Someone> => {
  const key = await generateKeyPair('Ed25519')
  return { key, id: peerIdFromPrivateKey(key) }
}
const [alice, bob] = await Promise.all([someone(), someone()])
const NOW = Math.floor(Date.now() / EPOCH_MS) * EPOCH_MS + EPOCH_MS / 2
const aliceAddr = multiaddr(`/ip4/192.168.1.2/tcp/4001/p2p/${alice.id.toString()}`)
const todayKey = epochKeys(pairSecret(alice.key, bob.id), alice.id, bob.id, epochOf(NOW))

/**
 * A DHT whose walks for today's key answer with alice's record only from walk `foundOn` on (as a
 * walk that met none of the servers holding it ends empty); yesterday's key never answers.
 */
function routing (foundOn: number): RendezvousRouting & { walks: number } {
  const dht = {
    walks: 0,
    async * put () {},
    async * get (key: Uint8Array) {
      if (Buffer.compare(Buffer.from(key), Buffer.from(todayKey.dhtKey)) !== 0) return
      dht.walks++
      yield { name: 'PEER_RESPONSE', record: null }
      if (dht.walks >= foundOn) yield { name: 'PEER_RESPONSE', record: { value: await sealRecord(todayKey, alice.key, [aliceAddr], Math.floor(NOW / 1000)) } }
    }
  }
  return dht
}

const bobsRendezvous = (dht: RendezvousRouting): ReturnType<ReturnType<typeof rendezvous>> =>
  rendezvous({ now: () => NOW, lookupGraceMs: 10 })({ peerId: bob.id, privateKey: bob.key, logger: defaultLogger(), dht })

describe('a rendezvous lookup', () => {
  it('walks again when a walk ends without the record, and finds it', async () => {
    const dht = routing(2)
    const found = await bobsRendezvous(dht).lookup(alice.id, { signal: AbortSignal.timeout(10_000) })
    assert.deepEqual(found.multiaddrs.map(String), [aliceAddr.toString()])
    assert.equal(dht.walks, 2)
  })

  it('gives up after a bounded number of walks when no server has it', async () => {
    const dht = routing(Infinity)
    await assert.rejects(bobsRendezvous(dht).lookup(alice.id, { signal: AbortSignal.timeout(10_000) }), RendezvousNotFoundError)
    assert.equal(dht.walks, 3)
  })

  it('walks no more once its time is up', async () => {
    const dht = routing(Infinity)
    const controller = new AbortController()
    const lookup = bobsRendezvous(dht).lookup(alice.id, { signal: controller.signal })
    setTimeout(() => { controller.abort() }, 50)
    await assert.rejects(lookup, (err: Error) => err.name === 'AbortError')
    assert.equal(dht.walks, 1)
  })
})
