/**
 * A group's cryptography. Everything hangs off the epoch secret (32 random bytes, replaced when
 * the admin removes someone):
 *
 * - topic:       `/hyphae/group/1/` + hex(sha256("hyphae-group/1 topic" + secret)). A relay sees
 *                only this hash: not the group's id or name, and a new epoch looks like a new,
 *                unrelated topic.
 * - message key: HKDF-SHA256(secret, salt = group id, "hyphae-group/1 message") -> the
 *                XChaCha20-Poly1305 key of every message of the epoch (random 24-byte nonce each;
 *                the topic is associated data, so a ciphertext cannot be moved to another topic).
 * - sync key:    HKDF-SHA256(secret, salt = group id, "hyphae-group/1 sync") -> the HMAC key of
 *                the proof a member shows to get history (over both peer ids, so a proof cannot
 *                be replayed by or to anyone else).
 * - sync tag:    HKDF-SHA256(secret, salt = group id, "hyphae-group/1 sync tag"), 16 bytes: what a
 *                history request names instead of the group id and epoch, so that a peer without
 *                the secret learns neither, nor can link two epochs of one group.
 *
 * Inside the ciphertext, every GroupMessage is signed by its author's Ed25519 identity key, so
 * a message stays verifiable when another member serves it later as history.
 */
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { equalBytes } from '@noble/ciphers/utils.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concat } from 'uint8arrays/concat'
import { equals } from 'uint8arrays/equals'
import { ed25519Sign, ed25519Verify } from '../../protocols/dm/key-cache.ts'
import { xchachaOpen, xchachaSeal } from '../../protocols/dm/xchacha.ts'
import { hex } from '../hex.ts'
import { InvalidGroupMessageError } from './errors.ts'
import { GroupEnvelope, GroupMessage, GroupMessageKind, Rekey } from '../../protocols/group/index.ts'
import type { PeerId, PrivateKey, PublicKey } from '@libp2p/interface'

export const GROUP_ID_BYTES = 16
export const SECRET_BYTES = 32
export const MESSAGE_ID_BYTES = 16
export const HASH_BYTES = 32
/** Largest message body, in UTF-8 bytes (the same as a direct message). */
export const MAX_BODY_BYTES = 64 * 1024
/** A sealed message with a full body, its header, keys and signature; anything larger is refused unread. */
export const MAX_ENVELOPE_BYTES = MAX_BODY_BYTES + 2048
export const MAX_NAME_LENGTH = 64
export const TOPIC_PREFIX = '/hyphae/group/1/'
export const ENVELOPE_VERSION = 1

const enc = new TextEncoder()
const ID_DOMAIN = enc.encode('hyphae-group/1 id')
export const GROUP_NONCE_BYTES = 16
const TOPIC_DOMAIN = enc.encode('hyphae-group/1 topic')
const MESSAGE_INFO = enc.encode('hyphae-group/1 message')
const SYNC_INFO = enc.encode('hyphae-group/1 sync')
const SYNC_TAG_INFO = enc.encode('hyphae-group/1 sync tag')
export const SYNC_TAG_BYTES = 16
const SYNC_DOMAIN = enc.encode('hyphae-group/1 sync proof')
const SIG_DOMAIN = enc.encode('hyphae-group/1 msg')
const REKEY_DOMAIN = enc.encode('hyphae-group/1 rekey')
const NONCE_BYTES = 24
const KEY_BYTES = 32

export interface EpochKeys {
  topic: string
  messageKey: Uint8Array
  syncKey: Uint8Array
  syncTag: Uint8Array
}

export function randomBytes (n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n))
}

/**
 * A group's id: sha256("hyphae-group/1 id" + its creator's public key + a random nonce), cut to
 * 16 bytes. Whoever holds the id and nonce can check who its admin is; nobody else can make an
 * id that names an admin but the creator.
 */
export function groupIdOf (admin: PublicKey, nonce: Uint8Array): Uint8Array {
  return sha256(concat([ID_DOMAIN, publicKeyToProtobuf(admin), nonce])).subarray(0, GROUP_ID_BYTES)
}

export function topicOf (secret: Uint8Array): string {
  return TOPIC_PREFIX + hex(sha256(concat([TOPIC_DOMAIN, secret])))
}

export function epochKeys (group: Uint8Array, secret: Uint8Array): EpochKeys {
  return {
    topic: topicOf(secret),
    messageKey: hkdf(sha256, secret, group, MESSAGE_INFO, KEY_BYTES),
    syncKey: hkdf(sha256, secret, group, SYNC_INFO, KEY_BYTES),
    syncTag: hkdf(sha256, secret, group, SYNC_TAG_INFO, SYNC_TAG_BYTES)
  }
}

/** Encrypts an encoded GroupMessage for the epoch; the result is what goes on the topic. */
export function sealGroupEnvelope (keys: EpochKeys, message: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES)
  const ciphertext = xchachaSeal(keys.messageKey, nonce, enc.encode(keys.topic), message)
  return GroupEnvelope.encode({ version: ENVELOPE_VERSION, nonce, ciphertext })
}

/** Decrypts what was published on the epoch's topic; anything else is an InvalidGroupMessageError. */
export function openGroupEnvelope (keys: EpochKeys, data: Uint8Array): Uint8Array {
  if (data.byteLength > MAX_ENVELOPE_BYTES) throw new InvalidGroupMessageError('oversized', `${data.byteLength} bytes`)
  let envelope: GroupEnvelope
  try {
    envelope = GroupEnvelope.decode(data)
  } catch (err: any) {
    throw new InvalidGroupMessageError('undecodable', err?.message)
  }
  if (envelope.version !== ENVELOPE_VERSION) throw new InvalidGroupMessageError('unknown version', String(envelope.version))
  if (envelope.nonce.byteLength !== NONCE_BYTES) throw new InvalidGroupMessageError('undecodable', 'bad nonce')
  try {
    return xchachaOpen(keys.messageKey, envelope.nonce, enc.encode(keys.topic), envelope.ciphertext)
  } catch {
    throw new InvalidGroupMessageError('undecryptable')
  }
}

export interface GroupMessageInit {
  key: PrivateKey
  group: Uint8Array
  /** default: 16 fresh random bytes */
  id?: Uint8Array
  lamport: number
  /** hash of the author's previous message in the group; empty for the first */
  prev?: Uint8Array
  /** default: now */
  sentAt?: number
  kind: GroupMessageKind
  body: string
  subject?: string
  epoch?: number
  /** channels: the owner's certificate that the author is an editor (see channel-rules.ts) */
  editor?: Uint8Array
  /** TEXT only: an encoded FileOffer */
  file?: Uint8Array
}

/** An offer is a few dozen bytes; anything near this is not one. */
export const MAX_FILE_OFFER_BYTES = 1024

export interface SignedGroupMessage {
  message: GroupMessage
  /** the encoded, signed message: what is encrypted, stored and served as history */
  bytes: Uint8Array
  /** sha256 of bytes: what the author's next message names as `prev` */
  hash: Uint8Array
  from: PeerId
}

function signedBytes (message: GroupMessage): Uint8Array {
  return concat([SIG_DOMAIN, GroupMessage.encode({ ...message, signature: new Uint8Array(0) })])
}

export async function signGroupMessage (init: GroupMessageInit): Promise<SignedGroupMessage> {
  const message: GroupMessage = {
    group: Uint8Array.from(init.group),
    id: Uint8Array.from(init.id ?? randomBytes(MESSAGE_ID_BYTES)),
    lamport: BigInt(init.lamport),
    prev: Uint8Array.from(init.prev ?? new Uint8Array(0)),
    sentAt: BigInt(init.sentAt ?? Date.now()),
    author: publicKeyToProtobuf(init.key.publicKey) as Uint8Array<ArrayBuffer>,
    kind: init.kind,
    body: init.body,
    subject: init.subject,
    epoch: init.epoch != null ? BigInt(init.epoch) : undefined,
    signature: new Uint8Array(0),
    editor: init.editor != null ? Uint8Array.from(init.editor) : undefined,
    ...(init.file != null ? { file: Uint8Array.from(init.file) } : {})
  }
  checkFields(message)
  // node's Ed25519 with a KeyObject kept per key (as the DM envelope does): same signature bytes
  message.signature = init.key.type === 'Ed25519' ? ed25519Sign(init.key, signedBytes(message)) : await init.key.sign(signedBytes(message)) as Uint8Array<ArrayBuffer>
  const bytes = GroupMessage.encode(message)
  return { message, bytes, hash: sha256(bytes), from: peerIdFromPublicKey(init.key.publicKey) }
}

/** Decodes and checks a signed GroupMessage (from a topic or from history). */
export async function verifyGroupMessage (bytes: Uint8Array): Promise<SignedGroupMessage> {
  if (bytes.byteLength > MAX_ENVELOPE_BYTES) throw new InvalidGroupMessageError('oversized', `${bytes.byteLength} bytes`)
  let message: GroupMessage
  try {
    message = GroupMessage.decode(bytes)
  } catch (err: any) {
    throw new InvalidGroupMessageError('undecodable', err?.message)
  }
  // the signature covers the re-encoding, and protons ignores a tag's wire type: without this,
  // flipping those bits would give other bytes (another hash) that still verify
  if (!equals(GroupMessage.encode(message), bytes)) throw new InvalidGroupMessageError('not canonical')
  checkFields(message)
  let author: PublicKey
  try {
    author = publicKeyFromProtobuf(message.author)
  } catch {
    throw new InvalidGroupMessageError('bad author key')
  }
  if (author.type !== 'Ed25519') throw new InvalidGroupMessageError('bad author key', author.type)
  if (!ed25519Verify(author.raw, signedBytes(message), message.signature)) throw new InvalidGroupMessageError('bad signature')
  return { message, bytes, hash: sha256(bytes), from: peerIdFromPublicKey(author) }
}

/** What no honest author writes: checked before signing and after verifying. */
function checkFields (m: GroupMessage): void {
  if (m.group.byteLength !== GROUP_ID_BYTES) throw new InvalidGroupMessageError('malformed', 'group id')
  if (m.id.byteLength !== MESSAGE_ID_BYTES) throw new InvalidGroupMessageError('malformed', 'message id')
  if (m.prev.byteLength !== 0 && m.prev.byteLength !== HASH_BYTES) throw new InvalidGroupMessageError('malformed', 'prev')
  if (m.lamport < 1n || m.lamport > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidGroupMessageError('malformed', 'lamport')
  if (m.sentAt > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidGroupMessageError('malformed', 'sentAt')
  if (m.editor != null && m.editor.byteLength !== 64) throw new InvalidGroupMessageError('malformed', 'editor certificate')
  const size = enc.encode(m.body).byteLength
  if (size > MAX_BODY_BYTES) throw new InvalidGroupMessageError('oversized', `a body of ${size} bytes`)
  if (m.file != null && (m.kind !== GroupMessageKind.TEXT || m.file.byteLength > MAX_FILE_OFFER_BYTES)) throw new InvalidGroupMessageError('malformed', 'file offer')
  switch (m.kind) {
    case GroupMessageKind.TEXT:
      if (m.body.trim() === '') throw new InvalidGroupMessageError('malformed', 'empty text')
      break
    case GroupMessageKind.JOIN:
      if (m.body.length > MAX_NAME_LENGTH) throw new InvalidGroupMessageError('malformed', 'nickname')
      break
    case GroupMessageKind.LEAVE:
      break
    case GroupMessageKind.REMOVE:
      if (m.subject == null || m.epoch == null || m.epoch > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidGroupMessageError('malformed', 'removal')
      try {
        peerIdFromString(m.subject)
      } catch {
        throw new InvalidGroupMessageError('malformed', 'removal subject')
      }
      break
    case GroupMessageKind.REVOKE:
      try {
        peerIdFromString(m.subject ?? '')
      } catch {
        throw new InvalidGroupMessageError('malformed', 'revoked editor')
      }
      break
    default:
      throw new InvalidGroupMessageError('malformed', 'kind')
  }
}

/** The proof a member shows to get history: HMAC(sync key, domain + requester + responder). */
export function syncProof (keys: EpochKeys, requester: PeerId, responder: PeerId): Uint8Array<ArrayBuffer> {
  return hmac(sha256, keys.syncKey, concat([SYNC_DOMAIN, requester.toMultihash().bytes, responder.toMultihash().bytes])) as Uint8Array<ArrayBuffer>
}

export function checkSyncProof (keys: EpochKeys, requester: PeerId, responder: PeerId, proof: Uint8Array): boolean {
  const expected = syncProof(keys, requester, responder)
  return proof.byteLength === expected.byteLength && equalBytes(proof, expected)
}

function rekeyBytes (rekey: Rekey): Uint8Array {
  return concat([REKEY_DOMAIN, Rekey.encode({ ...rekey, signature: new Uint8Array(0) })])
}

export async function signRekey (key: PrivateKey, rekey: Omit<Rekey, 'signature'>): Promise<Rekey> {
  const signed: Rekey = { ...rekey, signature: new Uint8Array(0) }
  signed.signature = await key.sign(rekeyBytes(signed)) as Uint8Array<ArrayBuffer>
  return signed
}

export async function verifyRekey (rekey: Rekey, admin: PublicKey): Promise<boolean> {
  try {
    return await admin.verify(rekeyBytes(rekey), rekey.signature)
  } catch {
    return false
  }
}
