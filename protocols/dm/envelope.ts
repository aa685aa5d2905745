/**
 * End-to-end encryption of one direct message with Signal's protocol (libsignal): PQXDH starts
 * a session from the recipient's prekeys, then the Double Ratchet gives every message its own
 * key. Independent of the transport, so the same envelope can rest unread on a relay mailbox.
 *
 * What it gives: forward secrecy (a used message key is gone; a stolen identity key does not
 * open recorded envelopes), post-compromise security (a leaked session state heals once both
 * sides have sent again), and deniability: no signature anyone can check later, only the
 * ratchet's MAC, which the recipient could have computed as well.
 *
 * The clear header is only what routing needs (version, id, author's key, libsignal's message
 * type); the Lamport clock, send time and the id again travel inside, under the MAC.
 *
 * The caller owns the state: libsignal reads and writes the stores it is given, which the node
 * layer buffers and commits in the same write as the message (see node/store/signal-store.ts).
 */
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import {
  CiphertextMessageType, ErrorCode, LibSignalErrorBase, PreKeySignalMessage, ProtocolAddress, SignalMessage,
  signalDecrypt, signalDecryptPreKey, signalEncrypt,
  type IdentityKeyStore, type KyberPreKeyStore, type PreKeyStore, type SessionStore, type SignedPreKeyStore
} from '@signalapp/libsignal-client'
import { equals } from 'uint8arrays/equals'
import { ENVELOPE_VERSION, MAX_BODY_BYTES, MAX_FRAME_BYTES, MESSAGE_ID_BYTES } from './constants.ts'
import {
  DecryptionFailedError, DuplicateMessageError, EmptyMessageError, MalformedEnvelopeError,
  MessageTooLargeError, NoSessionError, UnexpectedSenderError, UnsupportedKeyError
} from './errors.ts'
import { Payload, type Envelope } from './pb/dm.ts'
import type { PeerId, PublicKey } from '@libp2p/interface'

const UINT64_MAX = (1n << 64n) - 1n
/** libsignal's device id: hyphae has one device per identity */
export const DEVICE_ID = 1

/** The libsignal stores one operation works on (see SignalStores in node/store/signal-store.ts). */
export interface RatchetStores {
  session: SessionStore
  identity: IdentityKeyStore
  preKey: PreKeyStore
  signedPreKey: SignedPreKeyStore
  kyberPreKey: KyberPreKeyStore
}

export interface SealInit {
  /** our libp2p public key (Ed25519), named in the clear header */
  sender: PublicKey
  /** the recipient's peer id: the session to encrypt with */
  recipient: PeerId | string
  stores: RatchetStores
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
  /** a file offer (protocols/file FileOffer); `body` is then the line shown by clients without files */
  file?: Uint8Array
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
  file?: Uint8Array
}

export function newMessageId (): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(MESSAGE_ID_BYTES))
}

export function addressOf (peer: PeerId | string): ProtocolAddress {
  return ProtocolAddress.new(peer.toString(), DEVICE_ID)
}

/** Refuses what must never go on the wire: an empty body, or one over MAX_BODY_BYTES. */
export function encodeBody (body: string): Uint8Array {
  if (body.length === 0) throw new EmptyMessageError()
  const bytes = new TextEncoder().encode(body)
  if (bytes.byteLength > MAX_BODY_BYTES) throw new MessageTooLargeError(bytes.byteLength, MAX_BODY_BYTES)
  return bytes
}

/** A control payload replaces the body; either way something must be inside, within the limit. */
function checkContent (body: string, control?: Uint8Array, file?: Uint8Array): void {
  if (file != null && (file.byteLength === 0 || file.byteLength > MAX_BODY_BYTES || control != null)) throw new MalformedEnvelopeError('bad file offer')
  if (control == null) { encodeBody(body); return }
  if (control.byteLength === 0) throw new EmptyMessageError()
  if (control.byteLength > MAX_BODY_BYTES) throw new MessageTooLargeError(control.byteLength, MAX_BODY_BYTES)
  if (body !== '') throw new MalformedEnvelopeError('a control message has no body')
}

/** Envelope.version of a draft: a message waiting, on our own disk only, for a session to seal it. */
export const DRAFT_VERSION = 0

/**
 * A message that cannot be sealed yet (no session with the recipient, no prekeys of theirs):
 * the checked payload in the clear, under DRAFT_VERSION, which send() refuses. `sealDraft`
 * seals it once a session exists; the id, clock and time stay as they were.
 */
export function draftEnvelope (init: Omit<SealInit, 'recipient' | 'stores'>): Envelope {
  const { id, plaintext } = payloadOf(init)
  return { version: DRAFT_VERSION, id, sender: publicKeyToProtobuf(init.sender) as Uint8Array<ArrayBuffer>, ciphertext: plaintext, kind: 0 }
}

export async function sealDraft (draft: Envelope, recipient: PeerId | string, stores: RatchetStores): Promise<Envelope> {
  if (draft.version !== DRAFT_VERSION) throw new MalformedEnvelopeError('not a draft')
  const payload = Payload.decode(draft.ciphertext)
  return sealEnvelope({
    sender: publicKeyFromProtobuf(draft.sender),
    recipient,
    stores,
    id: payload.id,
    lamport: payload.lamport,
    sentAt: Number(payload.sentAt),
    body: payload.body,
    replyTo: payload.replyTo,
    control: payload.control,
    file: payload.file
  })
}

function payloadOf (init: Omit<SealInit, 'recipient' | 'stores'>): { id: Uint8Array<ArrayBuffer>, plaintext: Uint8Array<ArrayBuffer> } {
  checkContent(init.body, init.control, init.file)
  const id = init.id ?? newMessageId()
  if (id.byteLength !== MESSAGE_ID_BYTES) throw new MalformedEnvelopeError(`id must be ${MESSAGE_ID_BYTES} bytes`)
  if (init.replyTo != null && init.replyTo.byteLength !== MESSAGE_ID_BYTES) throw new MalformedEnvelopeError(`replyTo must be ${MESSAGE_ID_BYTES} bytes`)
  if (init.lamport < 0n || init.lamport > UINT64_MAX) throw new MalformedEnvelopeError('lamport out of range')
  const sentAt = init.sentAt ?? Date.now()
  if (!Number.isSafeInteger(sentAt) || sentAt < 0) throw new MalformedEnvelopeError('sentAt out of range')
  if (init.sender.type !== 'Ed25519') throw new UnsupportedKeyError(init.sender.type)
  return {
    id: Uint8Array.from(id),
    plaintext: Payload.encode({
    body: init.body,
    replyTo: init.replyTo == null ? undefined : Uint8Array.from(init.replyTo),
    control: init.control == null ? undefined : Uint8Array.from(init.control),
    file: init.file == null ? undefined : Uint8Array.from(init.file),
    id: Uint8Array.from(id),
    lamport: init.lamport,
    sentAt: BigInt(sentAt)
    })
  }
}

/** Encrypts with the session libsignal keeps for the recipient (NoSessionError if none). */
export async function sealEnvelope (init: SealInit): Promise<Envelope> {
  const { id, plaintext } = payloadOf(init)
  const address = addressOf(init.recipient)
  if ((await init.stores.session.getSession(address)) == null) throw new NoSessionError(init.recipient.toString())
  const sender = peerIdFromPublicKey(init.sender)
  const message = await signalEncrypt(plaintext, address, addressOf(sender), init.stores.session, init.stores.identity)
  return {
    version: ENVELOPE_VERSION,
    id: Uint8Array.from(id),
    sender: publicKeyToProtobuf(init.sender) as Uint8Array<ArrayBuffer>,
    ciphertext: message.serialize(),
    kind: message.type()
  }
}

/**
 * Checks the shape of an envelope without decrypting it (what a mailbox can do) and returns the
 * key of the author it names. Nothing here proves authorship: only opening it does.
 */
export function checkEnvelope (envelope: Envelope): PublicKey {
  if (envelope.version !== ENVELOPE_VERSION) {
    throw new MalformedEnvelopeError(envelope.version === 1
      ? 'version 1 (before the Signal ratchet) is no longer read: the sender must upgrade'
      : `unsupported version ${envelope.version}`)
  }
  if (envelope.id.byteLength !== MESSAGE_ID_BYTES) throw new MalformedEnvelopeError('bad id')
  if (envelope.kind !== CiphertextMessageType.PreKey && envelope.kind !== CiphertextMessageType.Whisper) throw new MalformedEnvelopeError(`unknown message type ${envelope.kind}`)
  if (envelope.ciphertext.byteLength === 0 || envelope.ciphertext.byteLength > MAX_FRAME_BYTES) throw new MalformedEnvelopeError('bad ciphertext length')
  let key: PublicKey
  try {
    key = publicKeyFromProtobuf(envelope.sender)
  } catch {
    throw new MalformedEnvelopeError('bad sender key')
  }
  if (key.type !== 'Ed25519' || !equals(publicKeyToProtobuf(key), envelope.sender)) throw new MalformedEnvelopeError('bad sender key')
  return key
}

/**
 * Decrypts with the stores given (writing the ratchet's new state into them) and checks what is
 * inside. A message already decrypted is a DuplicateMessageError; one whose author is not the
 * key its header names, or not `expectedSender`, fails.
 */
export async function openEnvelope (envelope: Envelope, stores: RatchetStores, local: PeerId | string, expectedSender?: PublicKey): Promise<OpenedEnvelope> {
  const sender = checkEnvelope(envelope)
  if (expectedSender != null && !sender.equals(expectedSender)) throw new UnexpectedSenderError()
  const from = peerIdFromPublicKey(sender)
  const address = addressOf(from)
  let plaintext: Uint8Array
  try {
    const bytes = Uint8Array.from(envelope.ciphertext)
    plaintext = envelope.kind === CiphertextMessageType.PreKey
      ? await signalDecryptPreKey(PreKeySignalMessage.deserialize(bytes), address, addressOf(local), stores.session, stores.identity, stores.preKey, stores.signedPreKey, stores.kyberPreKey)
      : await signalDecrypt(SignalMessage.deserialize(bytes), address, addressOf(local), stores.session, stores.identity)
  } catch (err: any) {
    throw translate(err)
  }

  let payload: Payload
  try {
    payload = Payload.decode(plaintext)
  } catch {
    throw new MalformedEnvelopeError('the payload does not decode')
  }
  checkContent(payload.body, payload.control, payload.file)
  if (!equals(payload.id, envelope.id)) throw new MalformedEnvelopeError('the id inside differs from the header')
  if (payload.replyTo != null && payload.replyTo.byteLength !== MESSAGE_ID_BYTES) throw new MalformedEnvelopeError('bad replyTo')
  if (payload.sentAt > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedEnvelopeError('sentAt out of range')
  return {
    sender,
    from,
    id: Uint8Array.from(envelope.id),
    lamport: payload.lamport,
    sentAt: Number(payload.sentAt),
    body: payload.body,
    replyTo: payload.replyTo == null ? undefined : Uint8Array.from(payload.replyTo),
    control: payload.control == null ? undefined : Uint8Array.from(payload.control),
    file: payload.file == null ? undefined : Uint8Array.from(payload.file)
  }
}

function translate (err: any): Error {
  // a store's own error reaches us inside libsignal's (the prekey it asked for is gone)
  if (String(err?.message).includes('PrekeyMissingError')) return new DecryptionFailedError(`the sender started from prekeys we no longer have (an old invite): send them a fresh invite - ${err.message}`)
  if (err instanceof LibSignalErrorBase) {
    if (err.code === ErrorCode.DuplicatedMessage) return new DuplicateMessageError()
    if (err.code === ErrorCode.UntrustedIdentity) return new UnexpectedSenderError('the session key is not the one bound to the sender\'s peer id')
    return new DecryptionFailedError(`the envelope does not decrypt: ${err.message}`)
  }
  return new DecryptionFailedError(`the envelope does not decrypt: ${err?.message ?? err}`)
}
