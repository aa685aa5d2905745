import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { CiphertextMessageType } from '@signalapp/libsignal-client'
import { checkEnvelope, encodeFrame, Envelope, MAX_BODY_BYTES, MAX_FRAME_BYTES, newMessageId, sealEnvelope } from '../../../protocols/dm/index.ts'
import { openAt, party, sealTo, type Party } from './parties.ts'

function copyOf (envelope: Envelope, edit: (e: Envelope) => void): Envelope {
  const copy = Envelope.decode(Envelope.encode(envelope))
  edit(copy)
  return copy
}

describe('dm envelope (Signal ratchet)', () => {
  let alice: Party
  let bob: Party
  let carol: Party
  before(async () => { [alice, bob, carol] = await Promise.all([party(), party(), party()]) })
  after(async () => { await Promise.all([alice, bob, carol].map(async p => p.close())) })

  it('round-trips body, id, clocks and replyTo; the first message starts the session (PQXDH), the reply is a plain ratchet message', async () => {
    const id = newMessageId()
    const replyTo = newMessageId()
    const envelope = await sealTo(alice, bob, 'héllo 👋', { id, lamport: 42n, sentAt: 1234, replyTo })
    assert.equal(envelope.kind, CiphertextMessageType.PreKey)
    assert.equal(envelope.version, 2)
    const opened = await openAt(bob, Envelope.decode(Envelope.encode(envelope)))
    assert.deepEqual([opened.body, opened.lamport, opened.sentAt], ['héllo 👋', 42n, 1234])
    assert.deepEqual(opened.id, id)
    assert.deepEqual(opened.replyTo, replyTo)
    assert.ok(opened.from.toString() === alice.peer)
    const reply = await sealTo(bob, alice, 'hi alice')
    assert.equal(reply.kind, CiphertextMessageType.Whisper)
    assert.equal((await openAt(alice, reply)).body, 'hi alice')
    // once alice has heard back, she stops sending the session's start
    assert.equal((await sealTo(alice, bob, 'again')).kind, CiphertextMessageType.Whisper)
  })

  it('carries no signature: nothing in the clear but version, id, author key, type and libsignal ciphertext', async () => {
    const envelope = await sealTo(alice, bob, 'deniable')
    assert.deepEqual(Object.keys(envelope).sort(), ['ciphertext', 'id', 'kind', 'sender', 'version'])
    assert.ok(checkEnvelope(envelope).equals(alice.key.publicKey), 'a mailbox still learns which key it names')
    assert.equal(Buffer.from(Envelope.encode(envelope)).includes(Buffer.from('deniable')), false)
    await openAt(bob, envelope)
  })

  it('a tampered ciphertext, a swapped id or a forged author does not open, and the session survives it', async () => {
    const envelope = await sealTo(alice, bob, 'original')
    const flipped = copyOf(envelope, e => { e.ciphertext[e.ciphertext.length - 3] ^= 1 })
    await assert.rejects(openAt(bob, flipped), { name: 'DecryptionFailedError' })
    await assert.rejects(openAt(bob, copyOf(envelope, e => { e.id = newMessageId() })), { name: 'MalformedEnvelopeError' })
    // carol claims to be alice: the session with alice does not open it
    const fromCarol = await sealTo(carol, bob, 'I am alice')
    await assert.rejects(openAt(bob, copyOf(fromCarol, e => { e.sender = publicKeyToProtobuf(alice.key.publicKey) as Uint8Array<ArrayBuffer> })))
    assert.equal((await openAt(bob, envelope)).body, 'original')
  })

  it('a message for someone else does not open', async () => {
    const forCarol = await sealTo(alice, carol, 'for carol')
    await assert.rejects(openAt(bob, forCarol), { name: 'DecryptionFailedError' })
  })

  it('refuses an oversized or empty body before sealing, counting UTF-8 bytes; a full body fits a frame', async () => {
    await assert.rejects(sealTo(alice, bob, 'x'.repeat(MAX_BODY_BYTES + 1)), { name: 'MessageTooLargeError' })
    await assert.rejects(sealTo(alice, bob, 'é'.repeat(MAX_BODY_BYTES / 2 + 1)), { name: 'MessageTooLargeError' })
    await assert.rejects(sealTo(alice, bob, ''), { name: 'EmptyMessageError' })
    const largest = await sealTo(alice, bob, 'x'.repeat(MAX_BODY_BYTES), { replyTo: newMessageId() })
    assert.ok(encodeFrame({ envelope: largest }).byteLength <= MAX_FRAME_BYTES, 'a full body fits in one frame')
    assert.equal((await openAt(bob, largest)).body.length, MAX_BODY_BYTES)
  })

  it('a control payload replaces the body', async () => {
    const control = new Uint8Array([1, 2, 3])
    const opened = await openAt(bob, await sealTo(alice, bob, '', { control }))
    assert.deepEqual([opened.body, opened.control], ['', control])
    await assert.rejects(sealTo(alice, bob, 'both', { control }), { name: 'MalformedEnvelopeError' })
    await assert.rejects(sealTo(alice, bob, '', { control: new Uint8Array(0) }), { name: 'EmptyMessageError' })
  })

  it('refuses version-1 envelopes (before the ratchet) with a clear error, and malformed ones', async () => {
    const envelope = await sealTo(alice, bob, 'x')
    assert.throws(() => checkEnvelope(copyOf(envelope, e => { e.version = 1 })), /version 1 \(before the Signal ratchet\) is no longer read/)
    assert.throws(() => checkEnvelope(copyOf(envelope, e => { e.id = new Uint8Array(3) })), { name: 'MalformedEnvelopeError' })
    assert.throws(() => checkEnvelope(copyOf(envelope, e => { e.sender = new Uint8Array([1, 2, 3]) })), { name: 'MalformedEnvelopeError' })
    assert.throws(() => checkEnvelope(copyOf(envelope, e => { e.kind = 7 })), { name: 'MalformedEnvelopeError' })
    assert.throws(() => checkEnvelope(Envelope.decode(new Uint8Array(0))), { name: 'MalformedEnvelopeError' })
    const secp = await generateKeyPair('secp256k1')
    await assert.rejects(sealEnvelope({ sender: secp.publicKey, recipient: bob.peer, stores: alice.ratchet.transaction().stores, lamport: 1n, body: 'x' }), { name: 'UnsupportedKeyError' })
    await assert.rejects(sealEnvelope({ sender: alice.key.publicKey, recipient: carol.peer, stores: bob.ratchet.transaction().stores, lamport: 1n, body: 'x' }), { name: 'NoSessionError' })
  })
})
