import { ed25519, x25519 } from '@noble/curves/ed25519.js'

/** A small map that forgets its oldest entry past `max`. */
class Lru<V> {
  private readonly map = new Map<string, V>()
  constructor (private readonly max: number) {}
  get (key: string): V | undefined {
    const value = this.map.get(key)
    if (value !== undefined) { this.map.delete(key); this.map.set(key, value) }
    return value
  }

  set (key: string, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string)
  }

  clear (): void { this.map.clear() }
}

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

interface SenderKey { secret: Uint8Array, publicKey: Uint8Array, shared: Uint8Array, created: number, uses: number }

const senderKeys = new Lru<SenderKey>(1024)
const receiverSecrets = new Lru<Uint8Array>(4096)
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

/** The ephemeral key and shared secret to seal from `senderPublic` to `recipientX`. */
export function senderEphemeral (senderPublic: Uint8Array, recipientX: Uint8Array, now = Date.now()): { publicKey: Uint8Array, shared: Uint8Array } {
  const key = hexOf(senderPublic) + hexOf(recipientX)
  let entry = senderKeys.get(key)
  if (entry == null || entry.uses >= ROTATE_COUNT || now - entry.created >= ROTATE_MS) {
    entry?.secret.fill(0)
    const secret = x25519.utils.randomSecretKey()
    entry = { secret, publicKey: x25519.getPublicKey(secret), shared: x25519.getSharedSecret(secret, recipientX), created: now, uses: 0 }
    senderKeys.set(key, entry)
  }
  entry.uses++
  return { publicKey: entry.publicKey, shared: entry.shared }
}

/** The recipient's side of the ECDH, cached per (recipient, ephemeral key). */
export function receiverShared (recipientSeed: Uint8Array, recipientPublic: Uint8Array, ephemeralPublic: Uint8Array): Uint8Array {
  const key = hexOf(recipientPublic) + hexOf(ephemeralPublic)
  let shared = receiverSecrets.get(key)
  if (shared == null) {
    const secret = ed25519.utils.toMontgomerySecret(recipientSeed)
    shared = x25519.getSharedSecret(secret, ephemeralPublic)
    secret.fill(0)
    receiverSecrets.set(key, shared)
  }
  return shared
}

/** Forgets every cached key (tests, and a node that stops). */
export function clearKeyCaches (): void {
  senderKeys.clear()
  receiverSecrets.clear()
  montgomery.clear()
}
