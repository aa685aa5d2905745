import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  encodeFrame, Envelope, MAX_BODY_BYTES, MAX_FRAME_BYTES, newMessageId, openEnvelope, sealEnvelope,
  signedBytes, verifyEnvelope
} from '../../../protocols/dm/index.ts'
import { clearKeyCaches, ROTATE_COUNT } from '../../../protocols/dm/key-cache.ts'
import type { PrivateKey } from '@libp2p/interface'

let alice: PrivateKey
let bob: PrivateKey
let carol: PrivateKey

async function sealToBob (body = 'hello bob', extra: { replyTo?: Uint8Array } = {}): Promise<Envelope> {
  return sealEnvelope({ senderKey: alice, recipient: bob.publicKey, lamport: 7n, sentAt: 1_700_000_000_000, body, ...extra })
}

/** A copy of the envelope changed by `edit`, re-signed by `signer` when given. */
async function tampered (envelope: Envelope, edit: (e: Envelope) => void, signer?: PrivateKey): Promise<Envelope> {
  const copy = Envelope.decode(Envelope.encode(envelope))
  edit(copy)
  if (signer != null) copy.signature = await signer.sign(signedBytes(copy)) as Uint8Array<ArrayBuffer>
  return copy
}

function flipFirstByte (bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const copy = Uint8Array.from(bytes)
  copy[0] ^= 1
  return copy
}

describe('dm envelope', () => {
  before(async () => {
    [alice, bob, carol] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519'), generateKeyPair('Ed25519')])
  })

  it('round-trips body, id, clocks and replyTo to the recipient, and names the author', async () => {
    const id = newMessageId()
    const replyTo = newMessageId()
    const envelope = await sealEnvelope({ senderKey: alice, recipient: bob.publicKey, id, lamport: 42n, sentAt: 1234, body: 'héllo 👋', replyTo })
    const opened = await openEnvelope(Envelope.decode(Envelope.encode(envelope)), bob, alice.publicKey)
    assert.equal(opened.body, 'héllo 👋')
    assert.deepEqual(opened.id, id)
    assert.equal(opened.lamport, 42n)
    assert.equal(opened.sentAt, 1234)
    assert.deepEqual(opened.replyTo, replyTo)
    assert.ok(opened.sender.equals(alice.publicKey))
    assert.ok(opened.from.equals(peerIdFromPrivateKey(alice)))
    assert.ok((await verifyEnvelope(envelope)).equals(alice.publicKey), 'a mailbox can check the author without decrypting')
  })

  it('uses a fresh nonce per message, hides the body, and rotates the ephemeral key per window', async () => {
    clearKeyCaches()
    const [a, b] = await Promise.all([sealToBob('same text'), sealToBob('same text')])
    assert.notDeepEqual(a.nonce, b.nonce)
    assert.notDeepEqual(a.ciphertext, b.ciphertext)
    assert.equal(Buffer.from(Envelope.encode(a)).includes('same text'), false)
    assert.equal((await openEnvelope(a, bob)).replyTo, undefined)
    // within a window the ephemeral key toward one recipient is kept...
    assert.deepEqual(a.ephemeralKey, b.ephemeralKey)
    // ...never shared with another recipient...
    const toCarol = await sealEnvelope({ senderKey: alice, recipient: carol.publicKey, lamport: 1n, body: 'x' })
    assert.notDeepEqual(toCarol.ephemeralKey, a.ephemeralKey)
    // ...and replaced after ROTATE_COUNT messages
    const seen = new Set<string>()
    for (let i = 0; i < ROTATE_COUNT + 1; i++) seen.add(Buffer.from((await sealToBob('n')).ephemeralKey).toString('hex'))
    assert.ok(seen.size >= 2, 'the ephemeral key rotated')
    // the receiver opens envelopes of the old and the new window alike
    assert.equal((await openEnvelope(b, bob)).body, 'same text')
  })

  it('a control payload round-trips with an empty body, and its size is bounded', async () => {
    const control = new Uint8Array([1, 2, 3])
    const envelope = await sealEnvelope({ senderKey: alice, recipient: bob.publicKey, lamport: 1n, body: '', control })
    const opened = await openEnvelope(envelope, bob)
    assert.deepEqual(opened.control, control)
    assert.equal(opened.body, '')
    await assert.rejects(sealEnvelope({ senderKey: alice, recipient: bob.publicKey, lamport: 1n, body: '', control: new Uint8Array(0) }), { name: 'EmptyMessageError' })
    await assert.rejects(sealEnvelope({ senderKey: alice, recipient: bob.publicKey, lamport: 1n, body: '', control: new Uint8Array(MAX_BODY_BYTES + 1) }), { name: 'MessageTooLargeError' })
    await assert.rejects(sealEnvelope({ senderKey: alice, recipient: bob.publicKey, lamport: 1n, body: 'both', control }), { name: 'MalformedEnvelopeError' })
  })

  it('cannot be opened by anyone but the recipient', async () => {
    const envelope = await sealToBob()
    await assert.rejects(openEnvelope(envelope, carol), { name: 'WrongRecipientError' })
    await assert.rejects(openEnvelope(envelope, alice), { name: 'WrongRecipientError' })
    // carol relabels it as hers: the signature no longer matches
    const relabelled = await tampered(envelope, e => { e.recipient = protobufKey(carol) })
    await assert.rejects(openEnvelope(relabelled, carol), { name: 'InvalidSignatureError' })
  })

  it('binds the recipient into the encryption: re-addressed and re-signed, it still does not decrypt', async () => {
    const forCarol = await sealEnvelope({ senderKey: alice, recipient: carol.publicKey, lamport: 1n, body: 'for carol' })
    const readdressed = await tampered(forCarol, e => { e.recipient = protobufKey(bob) }, alice)
    await assert.rejects(openEnvelope(readdressed, bob), { name: 'DecryptionFailedError' })
  })

  it('rejects a tampered ciphertext, header or signature', async () => {
    const envelope = await sealToBob()
    const cases: Array<[string, (e: Envelope) => void]> = [
      ['ciphertext', e => { e.ciphertext = flipFirstByte(e.ciphertext) }],
      ['nonce', e => { e.nonce = flipFirstByte(e.nonce) }],
      ['id', e => { e.id = flipFirstByte(e.id) }],
      ['lamport', e => { e.lamport += 1n }],
      ['sentAt', e => { e.sentAt += 1n }],
      ['ephemeral key', e => { e.ephemeralKey = flipFirstByte(e.ephemeralKey) }]
    ]
    for (const [what, edit] of cases) {
      await assert.rejects(openEnvelope(await tampered(envelope, edit), bob), { name: 'InvalidSignatureError' }, `${what}, signature kept`)
      // even the real sender re-signing cannot change a field without breaking the AEAD
      await assert.rejects(openEnvelope(await tampered(envelope, edit, alice), bob), { name: 'DecryptionFailedError' }, `${what}, re-signed`)
    }
    await assert.rejects(openEnvelope(await tampered(envelope, e => { e.signature = flipFirstByte(e.signature) }), bob), { name: 'InvalidSignatureError' })
  })

  it('binds the sender: someone else cannot claim authorship by re-signing', async () => {
    const envelope = await sealToBob()
    const carolsClaim = await tampered(envelope, e => { e.sender = protobufKey(carol) }, carol)
    assert.ok((await verifyEnvelope(carolsClaim)).equals(carol.publicKey))
    await assert.rejects(openEnvelope(carolsClaim, bob), { name: 'DecryptionFailedError' })
    await assert.rejects(openEnvelope(envelope, bob, carol.publicKey), { name: 'UnexpectedSenderError' })
  })

  it('refuses an oversized or empty body before sealing, counting UTF-8 bytes', async () => {
    await assert.rejects(sealToBob('x'.repeat(MAX_BODY_BYTES + 1)), { name: 'MessageTooLargeError' })
    // 32,769 characters but 65,538 bytes
    await assert.rejects(sealToBob('é'.repeat(MAX_BODY_BYTES / 2 + 1)), { name: 'MessageTooLargeError' })
    await assert.rejects(sealToBob(''), { name: 'EmptyMessageError' })
    const largest = await sealToBob('x'.repeat(MAX_BODY_BYTES), { replyTo: newMessageId() })
    assert.ok(encodeFrame({ envelope: largest }).byteLength <= MAX_FRAME_BYTES, 'a full body fits in one frame')
    assert.equal((await openEnvelope(largest, bob)).body.length, MAX_BODY_BYTES)
  })

  it('refuses malformed envelopes and non-Ed25519 keys', async () => {
    const envelope = await sealToBob()
    await assert.rejects(openEnvelope(await tampered(envelope, e => { e.version = 2 }), bob), { name: 'MalformedEnvelopeError' })
    await assert.rejects(openEnvelope(await tampered(envelope, e => { e.id = new Uint8Array(3) }), bob), { name: 'MalformedEnvelopeError' })
    await assert.rejects(openEnvelope(await tampered(envelope, e => { e.sender = new Uint8Array([1, 2, 3]) }), bob), { name: 'MalformedEnvelopeError' })
    await assert.rejects(openEnvelope(Envelope.decode(new Uint8Array(0)), bob), { name: 'MalformedEnvelopeError' })
    const secp = await generateKeyPair('secp256k1')
    await assert.rejects(sealEnvelope({ senderKey: secp, recipient: bob.publicKey, lamport: 1n, body: 'x' }), { name: 'UnsupportedKeyError' })
    await assert.rejects(sealEnvelope({ senderKey: alice, recipient: secp.publicKey, lamport: 1n, body: 'x' }), { name: 'UnsupportedKeyError' })
    await assert.rejects(sealEnvelope({ senderKey: alice, recipient: bob.publicKey, id: new Uint8Array(8), lamport: 1n, body: 'x' }), { name: 'MalformedEnvelopeError' })
  })
})

function protobufKey (key: PrivateKey): Uint8Array<ArrayBuffer> {
  return publicKeyToProtobuf(key.publicKey) as Uint8Array<ArrayBuffer>
}
