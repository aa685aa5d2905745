import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Libp2pRecord } from '@libp2p/record'
import { pbStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { equals } from 'uint8arrays'
import { addressOf, createNetwork, type Network } from '../fixtures/index.ts'
import { Crawler } from '../fixtures/crawler.ts'
import { Message, MessageType } from '../fixtures/pb/kad.ts'
import { DHT_PROTOCOL } from '../../node/libp2p-options.ts'
import { SLOT_SECONDS, epochKeys, epochOf, pairSecret, sealRecord, slotOf } from '../../protocols/rendezvous/index.ts'
import type { RelayInit } from '../../node/create-node.ts'

const RELAY: RelayInit = { maxReservations: 16, reservationTtlMs: 3_600_000, durationLimitMs: 3_600_000, dataLimitBytes: 1n << 26n }

/**
 * A DHT server holding a rendezvous record, and someone who kept an older copy of it (a server
 * that stored it yesterday evening, a reader) and PUTs it back: kad-dht alone overwrites what
 * it holds with any valid record, so the reader would be sent to the old addresses.
 */
describe('a DHT server keeps the newer rendezvous record', { timeout: 120_000 }, () => {
  let network: Network
  let replayer: Crawler

  before(async () => {
    network = await createNetwork(1, { init: { relay: RELAY, relayClient: false } })
    replayer = await Crawler.create()
  })
  after(async () => {
    await replayer?.stop()
    await network?.stop()
  })

  const exchange = async (request: Message): Promise<Message> => {
    const signal = AbortSignal.timeout(20_000)
    const stream = await replayer.libp2p.dialProtocol(multiaddr(addressOf(network.nodes[0])), DHT_PROTOCOL, { signal })
    try {
      const pb = pbStream(stream, { maxDataLength: 64 * 1024 })
      await pb.write(request, Message, { signal })
      const answer = await pb.read(Message, { signal })
      await stream.close({ signal }).catch(() => {})
      return answer
    } catch (err: any) {
      stream.abort(err)
      throw err
    }
  }
  const put = async (key: Uint8Array, value: Uint8Array): Promise<boolean> => {
    const record = new Libp2pRecord(key, value, new Date()).serialize()
    try {
      const answer = await exchange({ type: MessageType.PUT_VALUE, key: Uint8Array.from(key), record: Uint8Array.from(record), closer: [], providers: [] })
      return answer.record != null && equals(Libp2pRecord.deserialize(answer.record).value, value)
    } catch {
      return false
    }
  }
  const stored = async (key: Uint8Array): Promise<Uint8Array | undefined> => {
    const answer = await exchange({ type: MessageType.GET_VALUE, key: Uint8Array.from(key), closer: [], providers: [] })
    return answer.record == null ? undefined : Libp2pRecord.deserialize(answer.record).value
  }

  it('an older record PUT after a newer one is refused; a rewrite in the same slot is taken', async () => {
    const [aliceKey, bobKey] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')])
    const [alice, bob] = [peerIdFromPrivateKey(aliceKey), peerIdFromPrivateKey(bobKey)]
    const addr = (n: number): ReturnType<typeof multiaddr> => multiaddr(`/ip4/10.0.0.${n}/tcp/4001/p2p/${alice.toString()}`)
    const nowSeconds = Math.floor(Date.now() / 1000)
    const keys = epochKeys(pairSecret(aliceKey, bob), alice, bob, epochOf(nowSeconds * 1000))
    // the older one 20 minutes back is still today's key (written yesterday evening for today)
    const slot = slotOf(nowSeconds)
    const older = await sealRecord(keys, aliceKey, [addr(1)], slot - 2 * SLOT_SECONDS + 7)
    const newer = await sealRecord(keys, aliceKey, [addr(2)], slot + 1)
    const rewrite = await sealRecord(keys, aliceKey, [addr(3)], slot + 2)

    assert.equal(await put(keys.dhtKey, newer), true, 'the server takes the first record')
    assert.equal(await put(keys.dhtKey, older), false, 'an older record is not acknowledged')
    assert.ok(equals(await stored(keys.dhtKey) ?? new Uint8Array(0), newer), 'the server still hands out the newer record')
    assert.equal(await put(keys.dhtKey, rewrite), true, 'the writer\'s own rewrite in the same slot is taken')
    assert.ok(equals(await stored(keys.dhtKey) ?? new Uint8Array(0), rewrite), 'the rewrite is handed out')
    assert.equal(await put(keys.dhtKey, newer), true, 'in one slot the incoming wins: the server cannot order them')
  })
})
