/**
 * Sealed sender for envelopes left on a relay: the whole v2 Envelope (its id, its author's key,
 * libsignal's message type and ciphertext) goes inside a box only the recipient can open, padded
 * to a bucket so its size tells little. The relay sees a version byte, an ephemeral X25519 key,
 * a nonce and ciphertext of one of a few sizes.
 *
 * The box: an ephemeral X25519 key agreed with the recipient's identity key in its Montgomery
 * form (the same key libsignal uses for it, see node/direct/ratchet.ts), HKDF-SHA256 over the
 * shared secret and both public keys, XChaCha20-Poly1305. It authenticates nobody: the sender is
 * proved by the libsignal message inside, which opens only under the session of the author it
 * names. (libsignal's own sealed sender needs a SenderCertificate from a server's trust root,
 * which a serverless network does not have; this is its outer layer without the certificate.)
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concat } from 'uint8arrays/concat'
import { MalformedEnvelopeError } from './errors.ts'
import type { PrivateKey, PublicKey } from '@libp2p/interface'

export const SEALED_VERSION = 3
/** sizes a padded envelope takes, before the box's own overhead */
export const PAD_BUCKETS = [1024, 4 * 1024, 16 * 1024, 64 * 1024, 96 * 1024] as const
const EPHEMERAL = 32
const NONCE = 24
const TAG = 16
/** version, ephemeral key, nonce, tag */
export const SEALED_OVERHEAD = 1 + EPHEMERAL + NONCE + TAG
export const SEALED_SIZES: ReadonlySet<number> = new Set(PAD_BUCKETS.map(b => b + SEALED_OVERHEAD))
const INFO = new TextEncoder().encode('hyphae-sealed-sender/1')

/** `bytes`, then 0x80, then zeros up to the smallest bucket that holds them (ISO/IEC 7816-4). */
export function pad (bytes: Uint8Array): Uint8Array {
  const bucket = PAD_BUCKETS.find(b => b >= bytes.byteLength + 1)
  if (bucket == null) throw new MalformedEnvelopeError(`an envelope of ${bytes.byteLength} bytes is larger than the largest bucket`)
  const out = new Uint8Array(bucket)
  out.set(bytes)
  out[bytes.byteLength] = 0x80
  return out
}

export function unpad (padded: Uint8Array): Uint8Array {
  let end = padded.byteLength - 1
  while (end >= 0 && padded[end] === 0) end--
  if (end < 0 || padded[end] !== 0x80) throw new MalformedEnvelopeError('bad padding')
  return padded.subarray(0, end)
}

// X25519 through node:crypto (OpenSSL): noble's, in JS, took 7x as long (bench/RESULTS.md)
const SPKI = Buffer.from('302a300506032b656e032100', 'hex')
const PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex')
const publicX = (raw: Uint8Array): KeyObject => createPublicKey({ key: Buffer.concat([SPKI, raw]), format: 'der', type: 'spki' })
const privateX = (raw: Uint8Array): KeyObject => createPrivateKey({ key: Buffer.concat([PKCS8, raw]), format: 'der', type: 'pkcs8' })
const rawOf = (key: KeyObject): Uint8Array => Uint8Array.from(key.export({ format: 'der', type: 'spki' }).subarray(SPKI.byteLength))
/** our own X25519 key pair, per identity key (converting costs a scalar multiplication) */
const ours = new WeakMap<PrivateKey, { privateKey: KeyObject, publicKey: Uint8Array }>()

function ed25519Raw (key: PublicKey): Uint8Array {
  if (key.type !== 'Ed25519') throw new MalformedEnvelopeError(`sealed sender needs an Ed25519 recipient, not ${key.type}`)
  return key.raw
}

function boxKey (shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array): Uint8Array {
  return hkdf(sha256, shared, concat([ephemeral, recipient]), INFO, 32)
}

/** Seals an encoded Envelope to `recipient` (its libp2p Ed25519 key), padded to a bucket. */
export function sealForRelay (envelope: Uint8Array, recipient: PublicKey): Uint8Array {
  const recipientX = ed25519.utils.toMontgomery(ed25519Raw(recipient))
  const ephemeral = generateKeyPairSync('x25519')
  const publicKey = rawOf(ephemeral.publicKey)
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: publicX(recipientX) })
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE))
  const ciphertext = xchacha20poly1305(boxKey(shared, publicKey, recipientX), nonce, Uint8Array.of(SEALED_VERSION)).encrypt(pad(envelope))
  return concat([Uint8Array.of(SEALED_VERSION), publicKey, nonce, ciphertext])
}

/** Opens a box with our libp2p Ed25519 key: the encoded Envelope inside. MalformedEnvelopeError otherwise. */
export function openFromRelay (box: Uint8Array, key: PrivateKey): Uint8Array {
  if (!SEALED_SIZES.has(box.byteLength)) throw new MalformedEnvelopeError(`a sealed envelope of ${box.byteLength} bytes is not padded`)
  if (box[0] !== SEALED_VERSION) throw new MalformedEnvelopeError(`unsupported sealed version ${box[0]}`)
  if (key.type !== 'Ed25519') throw new MalformedEnvelopeError('sealed sender needs an Ed25519 key')
  const ephemeral = box.subarray(1, 1 + EPHEMERAL)
  const nonce = box.subarray(1 + EPHEMERAL, 1 + EPHEMERAL + NONCE)
  let mine = ours.get(key)
  if (mine == null) {
    const privateKey = privateX(ed25519.utils.toMontgomerySecret(key.raw.subarray(0, 32)))
    mine = { privateKey, publicKey: rawOf(createPublicKey(privateKey)) }
    ours.set(key, mine)
  }
  let padded: Uint8Array
  try {
    const shared = diffieHellman({ privateKey: mine.privateKey, publicKey: publicX(ephemeral) })
    padded = xchacha20poly1305(boxKey(shared, ephemeral, mine.publicKey), nonce, Uint8Array.of(SEALED_VERSION)).decrypt(box.subarray(1 + EPHEMERAL + NONCE))
  } catch {
    throw new MalformedEnvelopeError('the sealed envelope does not open (not for us, or altered)')
  }
  return unpad(padded)
}
