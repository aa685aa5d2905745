import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { MalformedEnvelopeError } from '../../../protocols/dm/errors.ts'
import { openFromRelay, pad, PAD_BUCKETS, SEALED_OVERHEAD, SEALED_SIZES, sealForRelay, unpad } from '../../../protocols/dm/sealed.ts'

describe('sealed sender for relay mailboxes', () => {
  it('pads to the smallest bucket that holds the envelope, and back', () => {
    for (const size of [0, 1, 1022, 1023, 1024, 4000, 16 * 1024, 70_000]) {
      const bytes = new Uint8Array(size).map((_, i) => (i * 7 + 1) & 0xff)
      const padded = pad(bytes)
      assert.equal(padded.byteLength, PAD_BUCKETS.find(b => b > size), `${size} bytes`)
      assert.deepEqual(unpad(padded), bytes)
    }
    assert.throws(() => pad(new Uint8Array(PAD_BUCKETS[PAD_BUCKETS.length - 1])), MalformedEnvelopeError)
    assert.throws(() => unpad(new Uint8Array(1024)), MalformedEnvelopeError)
  })

  it('only the recipient opens it; the box is one of a few sizes and holds nothing of the sender in the clear', async () => {
    const sender = await generateKeyPair('Ed25519')
    const recipient = await generateKeyPair('Ed25519')
    const other = await generateKeyPair('Ed25519')
    // what travels inside: the envelope names its author's key
    const inner = new Uint8Array([...sender.publicKey.raw, ...new TextEncoder().encode('hello')])
    const a = sealForRelay(inner, recipient.publicKey)
    const b = sealForRelay(inner, recipient.publicKey)
    assert.ok(SEALED_SIZES.has(a.byteLength))
    assert.equal(a.byteLength, 1024 + SEALED_OVERHEAD)
    assert.notDeepEqual(a, b, 'each box is fresh: two relays cannot match theirs')
    assert.equal(Buffer.from(a).includes(Buffer.from(sender.publicKey.raw)), false)
    assert.equal(Buffer.from(a).includes(Buffer.from(recipient.publicKey.raw)), false)
    assert.deepEqual(openFromRelay(a, recipient), inner)
    assert.throws(() => openFromRelay(a, other), MalformedEnvelopeError)
    const flipped = Uint8Array.from(a)
    flipped[100] ^= 1
    assert.throws(() => openFromRelay(flipped, recipient), MalformedEnvelopeError)
    assert.throws(() => openFromRelay(a.subarray(1), recipient), MalformedEnvelopeError)
  })
})
