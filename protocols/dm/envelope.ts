/**
 * End-to-end encryption of one direct message, independent of the transport, so the same
 * envelope can rest unread on a relay mailbox and still be checked by whoever receives it.
 *
 * Scheme (ECIES-style, plus a signature):
 * - the sender makes a fresh X25519 key per message and does ECDH with the recipient's X25519
 *   key, which is derived from their Ed25519 identity key;
 * - HKDF-SHA256 turns that secret into a one-time XChaCha20-Poly1305 key;
 * - the header (version, sender, recipient, id, lamport, sentAt, ephemeral key) is the AEAD's
 *   associated data, so an envelope cannot be re-addressed, re-labelled or re-dated;
 * - the sender signs header + nonce + ciphertext with its Ed25519 identity key, so the
 *   recipient (and a mailbox, without decrypting) can tell who wrote it.
 *
 * Why an ephemeral sender key rather than static-static ECDH: once the sender forgets the
 * ephemeral secret (at once), nothing on the sender's side can decrypt its sent messages, and
 * no two messages share a key. The signature supplies the sender authentication that static-
 * static ECDH would have given. What it does not give: a stolen recipient identity key
 * decrypts every stored envelope addressed to it (no ratchet).
 */
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concat } from 'uint8arrays/concat'
import { equals } from 'uint8arrays/equals'
import { ENVELOPE_VERSION, MAX_BODY_BYTES, MAX_FRAME_BYTES, MESSAGE_ID_BYTES } from './constants.ts'
import {
  DecryptionFailedError, EmptyMessageError, InvalidSignatureError, MalformedEnvelopeError,
  MessageTooLargeError, UnexpectedSenderError, UnsupportedKeyError, WrongRecipientError
} from './errors.ts'
import { ed25519Sign, ed25519Verify, montgomeryOf, receiverKey, senderEphemeral } from './key-cache.ts'
import { Payload, type Envelope } from './pb/dm.ts'
import { xchachaOpen, xchachaSeal } from './xchacha.ts'
import type { PeerId, PrivateKey, PublicKey } from '@libp2p/interface'

const AAD_DOMAIN = new TextEncoder().encode('hyphae-dm/1 aad')
const SIG_DOMAIN = new TextEncoder().encode('hyphae-dm/1 sig')
const KEY_INFO = new TextEncoder().encode('hyphae-dm/1 key')
const NONCE_BYTES = 24
const TAG_BYTES = 16
const X25519_BYTES = 32
const SIGNATURE_BYTES = 64
const UINT64_MAX = (1n << 64n) - 1n

export interface SealInit {
  senderKey: PrivateKey
  recipient: PublicKey
  /** 16 bytes; default: a fresh random id */
  id?: Uint8Array
  lamport: bigint
  /** ms since the epoch; default: now */
  sentAt?: number
  /** UTF-8 text, 1 byte to MAX_BODY_BYTES; may be empty when `control` is set */
  body: string
  replyTo?: Uint8Array
  /**
   * An application's own message riding the same durable, acked, end-to-end encrypted path
   * (e.g. a group's new key); up to MAX_BODY_BYTES. The node layer routes it, never shows it.
   */
  control?: Uint8Array
}

export interface OpenedEnvelope {
  sender: PublicKey
  from: PeerId
  id: Uint8Array
  lamport: bigint
  /** ms since the epoch, by the sender's clock */
  sentAt: number
  body: string
  replyTo?: Uint8Array
  control?: Uint8Array
}

export function newMessageId (): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(MESSAGE_ID_BYTES))
}

/** Refuses what must never go on the wire: an empty body, or one over MAX_BODY_BYTES. */
export function encodeBody (body: string): Uint8Array {
  if (body.length === 0) throw new EmptyMessageError()
  const bytes = new TextEncoder().encode(body)
  if (bytes.byteLength > MAX_BODY_BYTES) throw new MessageTooLargeError(bytes.byteLength, MAX_BODY_BYTES)
  return bytes
}

/** A control payload replaces the body; either way something must be inside, within the limit. */
function checkContent (body: string, control?: Uint8Array): void {
  if (control == null) { encodeBody(body); return }
  if (control.byteLength === 0) throw new EmptyMessageError()
  if (control.byteLength > MAX_BODY_BYTES) throw new MessageTooLargeError(control.byteLength, MAX_BODY_BYTES)
  if (body !== '') throw new MalformedEnvelopeError('a control message has no body')
}

export async function sealEnvelope (init: SealInit): Promise<Envelope> {
  checkContent(init.body, init.control)
  const id = init.id ?? newMessageId()
  if (id.byteLength !== MESSAGE_ID_BYTES) throw new MalformedEnvelopeError(`id must be ${MESSAGE_ID_BYTES} bytes`)
  if (init.replyTo != null && init.replyTo.byteLength !== MESSAGE_ID_BYTES) throw new MalformedEnvelopeError(`replyTo must be ${MESSAGE_ID_BYTES} bytes`)
  if (init.lamport < 0n || init.lamport > UINT64_MAX) throw new MalformedEnvelopeError('lamport out of range')
  const sentAt = init.sentAt ?? Date.now()
  if (!Number.isSafeInteger(sentAt) || sentAt < 0) throw new MalformedEnvelopeError('sentAt out of range')
  if (init.senderKey.type !== 'Ed25519') throw new UnsupportedKeyError(init.senderKey.type)
  const recipientX = montgomeryPublic(init.recipient)
  const ephemeral = senderEphemeral(init.senderKey.publicKey.raw, recipientX, (shared, ephemeralPublic) => messageKey(shared, ephemeralPublic, recipientX))
  const envelope: Envelope = {
    version: ENVELOPE_VERSION,
    id: Uint8Array.from(id),
    lamport: init.lamport,
    sentAt: BigInt(sentAt),
    sender: publicKeyToProtobuf(init.senderKey.publicKey) as Uint8Array<ArrayBuffer>,
    recipient: publicKeyToProtobuf(init.recipient) as Uint8Array<ArrayBuffer>,
    ephemeralKey: Uint8Array.from(ephemeral.publicKey),
    nonce: crypto.getRandomValues(new Uint8Array(NONCE_BYTES)),
    ciphertext: new Uint8Array(0),
    signature: new Uint8Array(0)
  }
  const plaintext = Payload.encode({
    body: init.body,
    replyTo: init.replyTo == null ? undefined : Uint8Array.from(init.replyTo),
    control: init.control == null ? undefined : Uint8Array.from(init.control)
  })
  envelope.ciphertext = xchachaSeal(ephemeral.key, envelope.nonce, associatedData(envelope), plaintext)
  envelope.signature = ed25519Sign(init.senderKey, signedBytes(envelope))
  return envelope
}

/**
 * Checks shape and signature without decrypting (what a mailbox can do) and returns the
 * author's key.
 */
export async function verifyEnvelope (envelope: Envelope): Promise<PublicKey> {
  const { sender } = checkShape(envelope)
  checkSignature(envelope, sender)
  return sender
}

function checkSignature (envelope: Envelope, sender: PublicKey): void {
  if (!ed25519Verify(sender.raw, signedBytes(envelope), envelope.signature)) throw new InvalidSignatureError()
}

export async function openEnvelope (envelope: Envelope, recipientKey: PrivateKey, expectedSender?: PublicKey): Promise<OpenedEnvelope> {
  const { sender, recipient } = checkShape(envelope)
  if (!recipient.equals(recipientKey.publicKey)) throw new WrongRecipientError()
  checkSignature(envelope, sender)
  if (expectedSender != null && !sender.equals(expectedSender)) throw new UnexpectedSenderError()

  const seed = ed25519Seed(recipientKey)
  let plaintext: Uint8Array
  try {
    const recipientX = montgomeryPublic(recipientKey.publicKey)
    const key = receiverKey(seed, recipientKey.publicKey.raw, envelope.ephemeralKey, (shared, ephemeralPublic) => messageKey(shared, ephemeralPublic, recipientX))
    plaintext = xchachaOpen(key, envelope.nonce, associatedData(envelope), envelope.ciphertext)
  } catch {
    throw new DecryptionFailedError()
  } finally {
    seed.fill(0)
  }

  let payload: Payload
  try {
    payload = Payload.decode(plaintext)
  } catch {
    throw new MalformedEnvelopeError('the payload does not decode')
  }
  checkContent(payload.body, payload.control)
  if (payload.replyTo != null && payload.replyTo.byteLength !== MESSAGE_ID_BYTES) throw new MalformedEnvelopeError('bad replyTo')
  return {
    sender,
    from: peerIdFromPublicKey(sender),
    id: Uint8Array.from(envelope.id),
    lamport: envelope.lamport,
    sentAt: Number(envelope.sentAt),
    body: payload.body,
    replyTo: payload.replyTo == null ? undefined : Uint8Array.from(payload.replyTo),
    control: payload.control == null ? undefined : Uint8Array.from(payload.control)
  }
}

/** The bytes the sender signs: exported so a relay or a test can check them. */
export function signedBytes (envelope: Envelope): Uint8Array {
  return concat([SIG_DOMAIN, associatedData(envelope), envelope.nonce, envelope.ciphertext])
}

/** Every header field, each of fixed length once checkShape has passed, so the concatenation is unambiguous. */
function associatedData (envelope: Envelope): Uint8Array {
  const numbers = new DataView(new ArrayBuffer(17))
  numbers.setUint8(0, envelope.version)
  numbers.setBigUint64(1, envelope.lamport)
  numbers.setBigUint64(9, envelope.sentAt)
  return concat([AAD_DOMAIN, new Uint8Array(numbers.buffer), envelope.sender, envelope.recipient, envelope.id, envelope.ephemeralKey])
}

function messageKey (shared: Uint8Array, ephemeralPublic: Uint8Array, recipientX: Uint8Array): Uint8Array {
  return hkdf(sha256, shared, concat([ephemeralPublic, recipientX]), KEY_INFO, 32)
}

function checkShape (envelope: Envelope): { sender: PublicKey, recipient: PublicKey } {
  if (envelope.version !== ENVELOPE_VERSION) throw new MalformedEnvelopeError(`unsupported version ${envelope.version}`)
  if (envelope.id.byteLength !== MESSAGE_ID_BYTES) throw new MalformedEnvelopeError('bad id')
  if (envelope.lamport > UINT64_MAX || envelope.sentAt > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedEnvelopeError('number out of range')
  if (envelope.ephemeralKey.byteLength !== X25519_BYTES) throw new MalformedEnvelopeError('bad ephemeral key')
  if (envelope.nonce.byteLength !== NONCE_BYTES) throw new MalformedEnvelopeError('bad nonce')
  if (envelope.ciphertext.byteLength <= TAG_BYTES || envelope.ciphertext.byteLength > MAX_FRAME_BYTES) throw new MalformedEnvelopeError('bad ciphertext length')
  if (envelope.signature.byteLength !== SIGNATURE_BYTES) throw new MalformedEnvelopeError('bad signature length')
  return { sender: ed25519Key(envelope.sender, 'sender'), recipient: ed25519Key(envelope.recipient, 'recipient') }
}

function ed25519Key (bytes: Uint8Array, what: string): PublicKey {
  let key: PublicKey
  try {
    key = publicKeyFromProtobuf(bytes)
  } catch {
    throw new MalformedEnvelopeError(`bad ${what} key`)
  }
  // re-encoding must give the same bytes, or the signed header would not be canonical
  if (key.type !== 'Ed25519' || !equals(publicKeyToProtobuf(key), bytes)) throw new MalformedEnvelopeError(`bad ${what} key`)
  return key
}

/** @libp2p/crypto 5 keeps an Ed25519 private key as seed || public key (64 bytes). */
function ed25519Seed (key: PrivateKey): Uint8Array {
  if (key.type !== 'Ed25519') throw new UnsupportedKeyError(key.type)
  return Uint8Array.from(key.raw.subarray(0, 32))
}

function montgomeryPublic (key: PublicKey): Uint8Array {
  if (key.type !== 'Ed25519') throw new UnsupportedKeyError(key.type)
  return montgomeryOf(key.raw)
}
