/**
 * What a stranger pays to be heard: a hashcash stamp over (sender, recipient, time). A
 * recipient that has no record of a sender asks for one (IntroductionRequest) and takes its
 * envelopes only on a stream that carried a valid stamp, so every fresh identity a flood uses
 * costs its maker one stamp per victim, while an honest sender pays once per recipient that
 * does not know it yet, and reuses the stamp until it ages out.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { INTRODUCTION_MAX_AGE, MAX_INTRODUCTION_NONCE_BYTES } from './constants.ts'
import type { Introduction } from './pb/dm.ts'
import type { PeerId } from '@libp2p/interface'

const DOMAIN = new TextEncoder().encode('hyphae-dm/1 introduction')
/** a stamp minted this far ahead of the recipient's clock is still taken (clocks drift) */
const CLOCK_SKEW = 10 * 60_000

/** The hash input before the nonce: the domain, both peers (each length-prefixed) and the time. */
function prefix (sender: PeerId, recipient: PeerId, timestamp: bigint): Uint8Array {
  const from = sender.toMultihash().bytes
  const to = recipient.toMultihash().bytes
  const out = new Uint8Array(DOMAIN.byteLength + 2 + from.byteLength + 2 + to.byteLength + 8)
  const view = new DataView(out.buffer)
  let offset = 0
  out.set(DOMAIN, offset); offset += DOMAIN.byteLength
  view.setUint16(offset, from.byteLength); offset += 2
  out.set(from, offset); offset += from.byteLength
  view.setUint16(offset, to.byteLength); offset += 2
  out.set(to, offset); offset += to.byteLength
  view.setBigUint64(offset, timestamp)
  return out
}

/** Leading zero bits of a hash: a proof of work's measure (also the mailbox's, protocols/mailbox/work.ts). */
export function leadingZeroBits (hash: Uint8Array): number {
  let bits = 0
  for (const byte of hash) {
    if (byte === 0) { bits += 8; continue }
    return bits + Math.clz32(byte) - 24
  }
  return bits
}

/** Hashes tried between two turns of the event loop: the search never holds it for long. */
const CHUNK = 4096

/**
 * Searches for a nonce giving `bits` leading zero bits: about 2^bits hashes (see README for
 * the measured time), in chunks that leave the event loop free, which is also why a sender
 * keeps its stamps.
 */
export async function mintIntroduction (sender: PeerId, recipient: PeerId, bits: number, now = Date.now()): Promise<Introduction> {
  const timestamp = BigInt(now)
  const base = sha256.create().update(prefix(sender, recipient, timestamp))
  const nonce = new Uint8Array(8)
  const view = new DataView(nonce.buffer)
  // 2^48 tries cannot all fail for any difficulty a sender accepts (bits <= 24)
  for (let i = 0; i < 2 ** 48; i++) {
    if (i % CHUNK === CHUNK - 1) await new Promise(resolve => setImmediate(resolve))
    view.setUint32(0, Math.floor(i / 2 ** 32))
    view.setUint32(4, i >>> 0)
    if (leadingZeroBits(base.clone().update(nonce).digest()) >= bits) return { timestamp, nonce: Uint8Array.from(nonce) }
  }
  throw new Error('no nonce found')
}

/** Whether `intro` was minted by `sender` for `recipient` recently enough, with `bits` of work. */
export function checkIntroduction (intro: Introduction, sender: PeerId, recipient: PeerId, bits: number, now = Date.now()): boolean {
  if (intro.nonce.byteLength > MAX_INTRODUCTION_NONCE_BYTES) return false
  if (intro.timestamp > BigInt(now + CLOCK_SKEW) || intro.timestamp < BigInt(Math.max(0, now - INTRODUCTION_MAX_AGE))) return false
  const hash = sha256.create().update(prefix(sender, recipient, intro.timestamp)).update(intro.nonce).digest()
  return leadingZeroBits(hash) >= bits
}
