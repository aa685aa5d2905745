/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) with node's native ChaCha20-Poly1305 doing the
 * bulk work: HChaCha20 (from @noble/ciphers) turns the key and the first 16 nonce bytes into a
 * subkey, and the IETF cipher runs with that subkey and a nonce of 4 zero bytes + the last 8.
 * The same bytes as @noble/ciphers' xchacha20poly1305 (a test checks both ways); ~2x faster for
 * a 1 KiB message, which every DM pays on each side.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto'
import { hchacha } from '@noble/ciphers/chacha.js'

const TAG_BYTES = 16
/** "expand 32-byte k" as little-endian words */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574])
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

function words (bytes: Uint8Array): Uint32Array {
  const out = new Uint32Array(bytes.byteLength / 4)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true)
  return out
}

function subkey (key: Uint8Array, nonce: Uint8Array): { key: Buffer, iv: Buffer } {
  if (key.byteLength !== 32) throw new Error('XChaCha20-Poly1305 needs a 32-byte key')
  if (nonce.byteLength !== 24) throw new Error('XChaCha20-Poly1305 needs a 24-byte nonce')
  const out = new Uint32Array(8)
  hchacha(SIGMA, words(key), words(nonce.subarray(0, 16)), out)
  const sub = Buffer.alloc(32)
  for (let i = 0; i < 8; i++) sub.writeUInt32LE(out[i], i * 4)
  out.fill(0)
  const iv = Buffer.alloc(12)
  iv.set(nonce.subarray(16, 24), 4)
  return { key: sub, iv }
}

/** Ciphertext with its 16-byte tag appended (as noble's encrypt returns it). */
export function xchachaSeal (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array<ArrayBuffer> {
  if (!LITTLE_ENDIAN) throw new Error('big-endian hosts are not supported')
  const sub = subkey(key, nonce)
  const cipher = createCipheriv('chacha20-poly1305', sub.key, sub.iv, { authTagLength: TAG_BYTES })
  sub.key.fill(0)
  cipher.setAAD(aad, { plaintextLength: plaintext.byteLength })
  const out = new Uint8Array(plaintext.byteLength + TAG_BYTES)
  const body = cipher.update(plaintext)
  out.set(body, 0)
  const rest = cipher.final()
  out.set(rest, body.byteLength)
  out.set(cipher.getAuthTag(), plaintext.byteLength)
  return out
}

/** The plaintext; throws if the tag does not match (a wrong key, nonce, aad or altered bytes). */
export function xchachaOpen (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array<ArrayBuffer> {
  if (!LITTLE_ENDIAN) throw new Error('big-endian hosts are not supported')
  if (sealed.byteLength < TAG_BYTES) throw new Error('ciphertext shorter than its tag')
  const sub = subkey(key, nonce)
  const decipher = createDecipheriv('chacha20-poly1305', sub.key, sub.iv, { authTagLength: TAG_BYTES })
  sub.key.fill(0)
  const length = sealed.byteLength - TAG_BYTES
  decipher.setAAD(aad, { plaintextLength: length })
  decipher.setAuthTag(sealed.subarray(length))
  const out = new Uint8Array(length)
  const body = decipher.update(sealed.subarray(0, length))
  out.set(body, 0)
  out.set(decipher.final(), body.byteLength)
  return out
}
