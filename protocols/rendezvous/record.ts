/**
 * A rendezvous record: what `from` tells `to` of where to find it, for one day. The outer value
 * is signed by the key derived for (pair, direction, day), which is what a DHT server checks;
 * inside the ciphertext the addresses are signed by `from`'s identity, which is what `to`
 * checks. Every bound here applies before anything is parsed further.
 */
import { randomBytes } from 'node:crypto'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { equals } from 'uint8arrays/equals'
import { DOMAIN, EPOCH_MS, SLOT_SECONDS, MAX_ADDR_BYTES, MAX_ADDRS, MAX_EPOCH_SKEW, MAX_VALUE_BYTES, NONCE_BYTES, PLAINTEXT_BYTES, TAG_BYTES } from './constants.ts'
import { InvalidRendezvousRecordError, StaleRendezvousRecordError } from './errors.ts'
import { dhtKeyOf, epochOf, type EpochKeys } from './keys.ts'
import { RendezvousAddresses, RendezvousSealed, RendezvousValue } from './pb/rendezvous.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

const text = new TextEncoder()
const OUTER = text.encode(`${DOMAIN} value`)
const INNER = text.encode(`${DOMAIN} addresses`)

function concat (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(Buffer.concat(parts))
}

/** What the outer signature and the cipher's associated data cover: every field but the signature. */
function signedPart (value: RendezvousValue): Uint8Array {
  return concat(OUTER, RendezvousValue.encode({ ...value, signature: new Uint8Array(0) }))
}

function header (value: Pick<RendezvousValue, 'publicKey' | 'epoch' | 'seq'>): Uint8Array {
  return RendezvousValue.encode({ publicKey: value.publicKey, epoch: value.epoch, seq: value.seq, nonce: new Uint8Array(0), ciphertext: new Uint8Array(0), signature: new Uint8Array(0) })
}

/** The time a record shows in the clear: `seconds` rounded down to a slot, one scale for all. */
export function slotOf (seconds: number): number {
  return Math.floor(seconds / SLOT_SECONDS) * SLOT_SECONDS
}

/**
 * Seals `addrs` for the reader of `keys`: circuit (relayed) addresses first, as many as fit
 * the padded plaintext. `written` is in seconds and must fall in the key's day (or the day
 * after); only its slot shows, the second is sealed.
 */
export async function sealRecord (keys: EpochKeys, identity: PrivateKey, addrs: Multiaddr[], written: number): Promise<Uint8Array> {
  const relayed = addrs.filter(a => a.toString().includes('/p2p-circuit'))
  const ordered = [...relayed, ...addrs.filter(a => !relayed.includes(a))]
  const base = { publicKey: keys.publicKey, epoch: keys.epoch, seq: slotOf(written) }
  const inner = { ...base, written }
  let body = RendezvousAddresses.encode({ ...inner, multiaddrs: [] })
  let sealed = RendezvousSealed.encode({ body, signature: Uint8Array.from(await identity.sign(concat(INNER, body))) })
  const kept: Array<Uint8Array<ArrayBuffer>> = []
  for (const addr of ordered) {
    if (kept.length >= MAX_ADDRS || addr.bytes.byteLength > MAX_ADDR_BYTES) continue
    const nextBody = RendezvousAddresses.encode({ ...inner, multiaddrs: [...kept, Uint8Array.from(addr.bytes)] })
    // 64 bytes of signature and a few of framing
    if (nextBody.byteLength + 80 > PLAINTEXT_BYTES - 2) break
    kept.push(Uint8Array.from(addr.bytes))
    body = nextBody
  }
  if (kept.length > 0) sealed = RendezvousSealed.encode({ body, signature: Uint8Array.from(await identity.sign(concat(INNER, body))) })
  const plaintext = new Uint8Array(PLAINTEXT_BYTES)
  new DataView(plaintext.buffer).setUint16(0, sealed.byteLength)
  plaintext.set(sealed, 2)
  const nonce = Uint8Array.from(randomBytes(NONCE_BYTES))
  const ciphertext = xchacha20poly1305(keys.sealKey, nonce, header(base)).encrypt(plaintext)
  const value: RendezvousValue = { ...base, nonce, ciphertext, signature: new Uint8Array(0) }
  value.signature = Uint8Array.from(ed25519.sign(signedPart(value), keys.seed))
  return RendezvousValue.encode(value)
}

/**
 * What a DHT server checks before it stores or serves a value under a `/hyphae-rv/` key: the
 * key is the hash of the value's public key, the day is near, the sizes are what a record's
 * are, and the signature holds. It learns nothing of who wrote it nor for whom.
 */
export function verifyValue (key: Uint8Array, raw: Uint8Array, now = Date.now()): RendezvousValue {
  if (raw.byteLength > MAX_VALUE_BYTES) throw new InvalidRendezvousRecordError(`a rendezvous value is at most ${MAX_VALUE_BYTES} bytes`)
  let value: RendezvousValue
  try {
    value = RendezvousValue.decode(raw)
  } catch (err: any) {
    throw new InvalidRendezvousRecordError(`not a rendezvous value: ${err.message}`)
  }
  if (value.publicKey.byteLength !== 32 || value.nonce.byteLength !== NONCE_BYTES || value.signature.byteLength !== 64 ||
    value.ciphertext.byteLength !== PLAINTEXT_BYTES + TAG_BYTES) {
    throw new InvalidRendezvousRecordError('a rendezvous value has the wrong field sizes')
  }
  if (!equals(dhtKeyOf(value.publicKey), key)) throw new InvalidRendezvousRecordError('the key is not the hash of the value\'s public key')
  const today = epochOf(now)
  if (Math.abs(value.epoch - today) > MAX_EPOCH_SKEW) throw new InvalidRendezvousRecordError(`day ${value.epoch} is not near today (${today})`)
  const dayStart = value.epoch * EPOCH_MS / 1000
  if (value.seq < dayStart - EPOCH_MS / 1000 || value.seq >= dayStart + 2 * EPOCH_MS / 1000) throw new InvalidRendezvousRecordError('the record\'s time is not in its day')
  let valid = false
  try { valid = ed25519.verify(value.signature, signedPart(value), value.publicKey) } catch {}
  if (!valid) throw new InvalidRendezvousRecordError('bad rendezvous value signature')
  return value
}

/** kad-dht's validator for the namespace (it throws on anything invalid). */
export async function validateRendezvousRecord (key: Uint8Array, value: Uint8Array): Promise<void> {
  verifyValue(key, value)
}

/**
 * kad-dht's selector: the newest valid record (a valid one over garbage); of two in one slot,
 * the first (a server asked to store one keeps the incoming: the writer's own rewrite).
 */
export function selectRendezvousRecord (key: Uint8Array, records: Uint8Array[]): number {
  let best = 0
  let bestSeq = -1
  records.forEach((raw, i) => {
    try {
      const { seq } = verifyValue(key, raw)
      if (seq > bestSeq) { best = i; bestSeq = seq }
    } catch {}
  })
  return best
}

export interface OpenedRecord {
  /** the slot shown in the clear, in seconds */
  seq: number
  /** when its writer wrote it, in seconds (sealed) */
  written: number
  multiaddrs: Multiaddr[]
}

/**
 * Opens a value found under `keys.dhtKey`, written by `from`: refuses one for another day or
 * pair (a replay), one that does not decrypt, and one `from`'s identity did not sign. Keeps only
 * the addresses that end in `from`'s peer id (it is added to those that name none).
 */
export async function openRecord (keys: EpochKeys, from: PeerId, raw: Uint8Array, now = Date.now()): Promise<OpenedRecord> {
  const value = verifyValue(keys.dhtKey, raw, now)
  if (!equals(value.publicKey, keys.publicKey) || value.epoch !== keys.epoch) throw new StaleRendezvousRecordError('the record is not for this pair and day')
  let plaintext: Uint8Array
  try {
    plaintext = xchacha20poly1305(keys.sealKey, value.nonce, header(value)).decrypt(value.ciphertext)
  } catch {
    throw new InvalidRendezvousRecordError('the record does not decrypt')
  }
  const length = new DataView(plaintext.buffer, plaintext.byteOffset).getUint16(0)
  if (length > PLAINTEXT_BYTES - 2) throw new InvalidRendezvousRecordError('bad padding')
  let body: RendezvousAddresses
  try {
    const sealed = RendezvousSealed.decode(plaintext.subarray(2, 2 + length))
    if (from.publicKey == null || !(await from.publicKey.verify(concat(INNER, sealed.body), sealed.signature))) throw new Error('bad identity signature')
    body = RendezvousAddresses.decode(sealed.body, { limits: { multiaddrs: MAX_ADDRS } })
  } catch (err: any) {
    throw new InvalidRendezvousRecordError(`the sealed addresses are not ${from.toString()}'s: ${err.message}`)
  }
  // a writer from before slots sealed no second: its clear time is to the second
  const written = body.written === 0 ? value.seq : body.written
  if (!equals(body.publicKey, value.publicKey) || body.epoch !== value.epoch || body.seq !== value.seq || (body.written !== 0 && slotOf(written) !== value.seq)) throw new StaleRendezvousRecordError('the sealed addresses belong to another record')
  const multiaddrs: Multiaddr[] = []
  for (const bytes of body.multiaddrs) {
    if (bytes.byteLength > MAX_ADDR_BYTES) continue
    try {
      const addr = multiaddr(bytes)
      const last = addr.getComponents().findLast(c => c.name === 'p2p')?.value
      if (last == null) multiaddrs.push(addr.encapsulate(`/p2p/${from.toString()}`))
      else if (last === from.toString()) multiaddrs.push(addr)
    } catch {}
  }
  return { seq: value.seq, written, multiaddrs }
}
