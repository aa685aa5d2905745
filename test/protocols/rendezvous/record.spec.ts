import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import {
  EPOCH_MS, InvalidRendezvousRecordError, NoSharedSecretError, StaleRendezvousRecordError, epochKeys, epochOf, openRecord, pairSecret,
  SLOT_SECONDS, sealRecord, selectRendezvousRecord, validateRendezvousRecord, verifyValue
} from '../../../protocols/rendezvous/index.ts'
import { RendezvousValue } from '../../../protocols/rendezvous/pb/rendezvous.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

interface Someone { key: PrivateKey, id: PeerId }
const someone = async (): Promise<Someone> => {
  const key = await generateKeyPair('Ed25519')
  return { key, id: peerIdFromPrivateKey(key) }
}

// noon today: the validator DHT servers run reads the real clock
const NOW = Math.floor(Date.now() / EPOCH_MS) * EPOCH_MS + EPOCH_MS / 2
const TODAY = epochOf(NOW)
const seconds = (ms: number): number => Math.floor(ms / 1000)
const [alice, bob, carol] = await Promise.all([someone(), someone(), someone()])
const addrsOf = (who: Someone, n = 2): ReturnType<typeof multiaddr>[] => [
  multiaddr(`/ip4/10.0.0.1/tcp/4001/p2p/${carol.id.toString()}/p2p-circuit/p2p/${who.id.toString()}`),
  ...Array.from({ length: n - 1 }, (_, i) => multiaddr(`/ip4/192.168.1.${i + 2}/tcp/4001/p2p/${who.id.toString()}`))
]
/** alice's record for bob, today, as alice writes it */
const aliceToBob = async (epoch = TODAY, n = 2, at = NOW): Promise<{ key: Uint8Array, value: Uint8Array }> => {
  const keys = epochKeys(pairSecret(alice.key, bob.id), alice.id, bob.id, epoch)
  return { key: keys.dhtKey, value: await sealRecord(keys, alice.key, addrsOf(alice, n), seconds(at)) }
}
/** the keys bob reads alice's record with */
const bobReads = (epoch = TODAY): ReturnType<typeof epochKeys> => epochKeys(pairSecret(bob.key, alice.id), alice.id, bob.id, epoch)

describe('rendezvous records', () => {
  it('both contacts derive the same secret and keys; the record opens for the reader with the writer\'s addresses', async () => {
    assert.deepEqual(pairSecret(alice.key, bob.id), pairSecret(bob.key, alice.id))
    const { key, value } = await aliceToBob()
    assert.deepEqual(bobReads().dhtKey, key)
    const opened = await openRecord(bobReads(), alice.id, value, NOW)
    assert.deepEqual(opened.multiaddrs.map(String), addrsOf(alice).map(String))
    assert.equal(opened.seq, seconds(NOW))
    assert.equal(opened.written, seconds(NOW))
  })

  it('the key and the seal change with the day and with the direction', async () => {
    const secret = pairSecret(alice.key, bob.id)
    const keys = [epochKeys(secret, alice.id, bob.id, TODAY), epochKeys(secret, alice.id, bob.id, TODAY + 1), epochKeys(secret, bob.id, alice.id, TODAY)]
    assert.equal(new Set(keys.map(k => Buffer.from(k.dhtKey).toString())).size, 3)
    assert.equal(new Set(keys.map(k => Buffer.from(k.sealKey).toString('hex'))).size, 3)
  })

  it('a third node that knows both peer ids but not the secret computes neither the key nor the record', async () => {
    const { key, value } = await aliceToBob()
    // the best carol can do: her own secrets with each of them, the public keys themselves
    const guesses = [pairSecret(carol.key, alice.id), pairSecret(carol.key, bob.id), alice.id.publicKey!.raw, bob.id.publicKey!.raw]
    for (const guess of guesses) {
      const keys = epochKeys(guess, alice.id, bob.id, TODAY)
      assert.notDeepEqual(keys.dhtKey, key)
      // handed the right DHT key, her keys still open nothing
      await assert.rejects(openRecord({ ...keys, dhtKey: Uint8Array.from(key) }, alice.id, value, NOW), (err: Error) => err instanceof StaleRendezvousRecordError || err instanceof InvalidRendezvousRecordError)
    }
    // and what a DHT server sees names neither of them
    const stored = RendezvousValue.decode(value)
    const visible = Buffer.concat([key, value]).toString('latin1')
    for (const id of [alice.id, bob.id]) {
      assert.ok(!visible.includes(id.toString()))
      assert.ok(!Buffer.from(value).includes(Buffer.from(id.publicKey!.raw)))
      assert.notDeepEqual(stored.publicKey, id.publicKey!.raw)
    }
  })

  it('DHT servers refuse a value that is garbage, under another key, tampered with, or far from today', async () => {
    const { key, value } = await aliceToBob()
    await validateRendezvousRecord(key, value)
    await assert.rejects(validateRendezvousRecord(key, new Uint8Array([1, 2, 3])), InvalidRendezvousRecordError)
    await assert.rejects(validateRendezvousRecord(key, new Uint8Array(4096)), InvalidRendezvousRecordError)
    // a valid value of another pair, put under this key (an overwrite by someone else)
    const other = epochKeys(pairSecret(carol.key, bob.id), carol.id, bob.id, TODAY)
    await assert.rejects(validateRendezvousRecord(key, await sealRecord(other, carol.key, addrsOf(carol), seconds(NOW))), InvalidRendezvousRecordError)
    for (const field of ['ciphertext', 'nonce', 'seq'] as const) {
      const decoded = RendezvousValue.decode(value)
      if (field === 'seq') decoded.seq += 1
      else decoded[field][3] ^= 1
      assert.throws(() => verifyValue(key, RendezvousValue.encode(decoded), NOW), InvalidRendezvousRecordError, field)
    }
    const old = await aliceToBob(TODAY - 3, 2, NOW - 3 * EPOCH_MS)
    assert.throws(() => verifyValue(old.key, old.value, NOW), InvalidRendezvousRecordError)
  })

  it('the reader refuses a replay of yesterday\'s record, and one its writer\'s identity did not sign', async () => {
    const yesterday = await aliceToBob(TODAY - 1, 2, NOW - EPOCH_MS)
    // a hostile server answers today's key with yesterday's (valid, signed) value
    await assert.rejects(openRecord(bobReads(), alice.id, yesterday.value, NOW), InvalidRendezvousRecordError)
    // ... or with yesterday's key too: not the key bob asked for
    await assert.rejects(openRecord({ ...bobReads(), dhtKey: Uint8Array.from(yesterday.key) }, alice.id, yesterday.value, NOW), StaleRendezvousRecordError)
    // yesterday's still opens as yesterday's
    assert.equal((await openRecord(bobReads(TODAY - 1), alice.id, yesterday.value, NOW)).seq, seconds(NOW - EPOCH_MS))
    // bob knows the pair's secret, so he can write where alice writes: but not as alice
    const forged = await sealRecord(bobReads(), bob.key, addrsOf(bob), seconds(NOW))
    await validateRendezvousRecord(bobReads().dhtKey, forged)
    await assert.rejects(openRecord(bobReads(), alice.id, forged, NOW), InvalidRendezvousRecordError)
  })

  it('the selector keeps the newest valid record; every record has one size whatever it holds', async () => {
    const older = await aliceToBob(TODAY, 2, NOW - 60_000)
    const newer = await aliceToBob(TODAY, 9, NOW)
    assert.equal(older.value.byteLength, newer.value.byteLength)
    assert.equal(selectRendezvousRecord(older.key, [older.value, new Uint8Array([9]), newer.value]), 2)
    assert.equal(selectRendezvousRecord(older.key, [new Uint8Array([9]), older.value]), 1)
  })

  it('the time in the clear is a 10-minute slot, the same for every writer; the second is sealed for the reader', async () => {
    // two writers, two pairs, two days' keys, written seconds apart: one clear time for all
    const first = await aliceToBob(TODAY, 2, NOW + 17_000)
    const tomorrow = await aliceToBob(TODAY + 1, 2, NOW + 17_000)
    const carols = epochKeys(pairSecret(carol.key, bob.id), carol.id, bob.id, TODAY)
    const other = await sealRecord(carols, carol.key, addrsOf(carol), seconds(NOW + 431_000))
    const clear = [first.value, tomorrow.value, other].map(v => RendezvousValue.decode(v).seq)
    assert.deepEqual(clear, [seconds(NOW), seconds(NOW), seconds(NOW)])
    assert.equal(SLOT_SECONDS, 600)
    const opened = await openRecord(bobReads(), alice.id, first.value, NOW)
    assert.equal(opened.seq, seconds(NOW))
    assert.equal(opened.written, seconds(NOW + 17_000))
  })

  it('no secret with oneself or a non-Ed25519 identity', async () => {
    assert.throws(() => pairSecret(alice.key, alice.id), NoSharedSecretError)
    const secp = await generateKeyPair('secp256k1')
    assert.throws(() => pairSecret(alice.key, peerIdFromPrivateKey(secp)), NoSharedSecretError)
  })
})
