/**
 * The keys of a pair of contacts. The pair's secret is X25519 between their identities (the
 * Montgomery forms of their Ed25519 keys, as libsignal uses them), so it needs no exchange: the
 * invite that gave one the other's peer id seeded it. From it, per direction and UTC day: an
 * Ed25519 key pair (the DHT key is a hash of its public half; it signs the value) and a
 * symmetric key (it seals the addresses). Without the secret, neither is computable, and two
 * days' keys of one pair share nothing visible.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { DOMAIN, EPOCH_MS, KEY_PREFIX } from './constants.ts'
import { NoSharedSecretError } from './errors.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

const text = new TextEncoder()

export interface EpochKeys {
  epoch: number
  /** Ed25519 seed of the derived signing key */
  seed: Uint8Array<ArrayBuffer>
  publicKey: Uint8Array<ArrayBuffer>
  /** XChaCha20-Poly1305 key */
  sealKey: Uint8Array<ArrayBuffer>
  /** the DHT key: `/hyphae-rv/<hex SHA-256 of publicKey>` */
  dhtKey: Uint8Array<ArrayBuffer>
}

export function epochOf (ms: number): number {
  return Math.floor(ms / EPOCH_MS)
}

/** The secret two identities share: ours (private) and theirs (a peer id holds the public key). */
export function pairSecret (ours: PrivateKey, theirs: PeerId): Uint8Array {
  if (ours.type !== 'Ed25519' || theirs.type !== 'Ed25519' || theirs.publicKey == null) throw new NoSharedSecretError('rendezvous needs Ed25519 identities')
  const us = ours.publicKey.toString()
  const them = theirs.toString()
  if (us === them) throw new NoSharedSecretError('no rendezvous with oneself')
  let shared: Uint8Array
  try {
    shared = x25519.getSharedSecret(ed25519.utils.toMontgomerySecret(ours.raw.subarray(0, 32)), ed25519.utils.toMontgomery(theirs.publicKey.raw))
  } catch (err: any) {
    throw new NoSharedSecretError(`no shared secret with ${them}: ${err.message}`)
  }
  // both peer ids, in one order both sides agree on
  const [a, b] = [us, them].sort()
  return hkdf(sha256, shared, text.encode(DOMAIN), text.encode(`pair ${a} ${b}`), 32)
}

/** The keys for records written by `from` for `to` on day `epoch`. */
export function epochKeys (secret: Uint8Array, from: PeerId, to: PeerId, epoch: number): EpochKeys {
  const okm = hkdf(sha256, secret, text.encode(DOMAIN), text.encode(`record ${from.toString()} > ${to.toString()} day ${epoch}`), 64)
  const seed = okm.slice(0, 32)
  const publicKey = Uint8Array.from(ed25519.getPublicKey(seed))
  return { epoch, seed, publicKey, sealKey: okm.slice(32, 64), dhtKey: dhtKeyOf(publicKey) }
}

export function dhtKeyOf (publicKey: Uint8Array): Uint8Array<ArrayBuffer> {
  return text.encode(KEY_PREFIX + Buffer.from(sha256(publicKey)).toString('hex'))
}
