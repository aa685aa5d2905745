import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { Lru } from './lru.ts'
import type { PrivateKey } from '@libp2p/interface'

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')

/**
 * A sender's ephemeral X25519 key toward one recipient is kept for ROTATE_MS or ROTATE_COUNT
 * messages, whichever comes first, then forgotten. X25519 in JavaScript costs ~1 ms a scalar
 * multiplication and a fresh key per message needs two on each side, which capped a
 * conversation at ~150 messages/s; with the key kept for a while the cost is paid once per
 * window. The price: forward secrecy per window, not per message (a memory dump within the
 * window reveals that window's messages to that recipient). Nonces stay random per message
 * (XChaCha20's 24 bytes make reuse of the key with random nonces safe).
 */
export const ROTATE_MS = 10 * 60_000
export const ROTATE_COUNT = 1000

interface SenderKey { secret: Uint8Array, publicKey: Uint8Array, key: Uint8Array, created: number, uses: number }

/** Turns an ECDH secret and the ephemeral public key into the window's message key. */
export type DeriveKey = (shared: Uint8Array, ephemeralPublic: Uint8Array) => Uint8Array

const senderKeys = new Lru<SenderKey>(1024)
const receiverKeys = new Lru<Uint8Array>(4096)
const montgomery = new Lru<Uint8Array>(4096)

/** The X25519 public key of an Ed25519 public key (cached: a field inversion each). */
export function montgomeryOf (ed25519Public: Uint8Array): Uint8Array {
  const key = hexOf(ed25519Public)
  let x = montgomery.get(key)
  if (x == null) {
    x = ed25519.utils.toMontgomery(ed25519Public)
    montgomery.set(key, x)
  }
  return x
}

/**
 * The ephemeral public key and message key to seal from `senderPublic` to `recipientX`. The
 * key is derived once per window (it depends only on the ECDH secret and the two public keys;
 * the nonce is what changes per message), and the raw ECDH secret is not kept.
 */
export function senderEphemeral (senderPublic: Uint8Array, recipientX: Uint8Array, derive: DeriveKey, now = Date.now()): { publicKey: Uint8Array, key: Uint8Array } {
  const id = hexOf(senderPublic) + hexOf(recipientX)
  let entry = senderKeys.get(id)
  if (entry == null || entry.uses >= ROTATE_COUNT || now - entry.created >= ROTATE_MS) {
    entry?.secret.fill(0)
    entry?.key.fill(0)
    const secret = x25519.utils.randomSecretKey()
    const publicKey = x25519.getPublicKey(secret)
    const shared = x25519.getSharedSecret(secret, recipientX)
    entry = { secret, publicKey, key: derive(shared, publicKey), created: now, uses: 0 }
    shared.fill(0)
    senderKeys.set(id, entry)
  }
  entry.uses++
  return { publicKey: entry.publicKey, key: entry.key }
}

/** The recipient's side: the message key of (recipient, ephemeral key), cached per pair. */
export function receiverKey (recipientSeed: Uint8Array, recipientPublic: Uint8Array, ephemeralPublic: Uint8Array, derive: DeriveKey): Uint8Array {
  const id = hexOf(recipientPublic) + hexOf(ephemeralPublic)
  let key = receiverKeys.get(id)
  if (key == null) {
    const secret = ed25519.utils.toMontgomerySecret(recipientSeed)
    const shared = x25519.getSharedSecret(secret, ephemeralPublic)
    secret.fill(0)
    key = derive(shared, ephemeralPublic)
    shared.fill(0)
    receiverKeys.set(id, key)
  }
  return key
}

/**
 * Ed25519 through node's KeyObjects, each made once per key. @libp2p/crypto imports the key
 * from a JWK on every sign and verify, which costs more than the signature itself (measured:
 * sign 0.12 -> 0.044 ms, verify 0.21 -> 0.12 ms). Same algorithm, same bytes.
 */
const signingKeys = new WeakMap<PrivateKey, KeyObject>()
const verifyingKeys = new Lru<KeyObject>(4096)

const base64url = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')

/** Signs with an Ed25519 private key as @libp2p/crypto 5 holds it (seed || public key). */
export function ed25519Sign (key: PrivateKey, data: Uint8Array): Uint8Array<ArrayBuffer> {
  let keyObject = signingKeys.get(key)
  if (keyObject == null) {
    keyObject = createPrivateKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', d: base64url(key.raw.subarray(0, 32)), x: base64url(key.raw.subarray(32)) } })
    signingKeys.set(key, keyObject)
  }
  return Uint8Array.from(sign(null, data, keyObject))
}

/** Checks an Ed25519 signature against a raw 32-byte public key; false for anything malformed. */
export function ed25519Verify (publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const key = hexOf(publicKey)
  let keyObject = verifyingKeys.get(key)
  try {
    if (keyObject == null) {
      keyObject = createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: base64url(publicKey) } })
      verifyingKeys.set(key, keyObject)
    }
    return verify(null, data, keyObject, signature)
  } catch {
    return false
  }
}

/** Forgets every cached key (tests, and a node that stops). */
export function clearKeyCaches (): void {
  senderKeys.clear()
  receiverKeys.clear()
  montgomery.clear()
  verifyingKeys.clear()
}
