/**
 * The proof of work a relay asks of a new queue once it is filling up (as Tor's onion services
 * ask of introductions under load): anyone can open queues, and a Sybil opening thousands to
 * fill the relay's cap now pays for each, more the fuller the relay is. The relay checks one
 * SHA-256; the owner, who opens a few queues a contact, pays a fraction of a second each.
 */
import { createHash, type Hash } from 'node:crypto'
import { MAX_WORK_BITS, MIN_WORK_BITS, WORK_FROM_FILL } from './constants.ts'
import { leadingZeroBits } from '../dm/introduction.ts'
import type { PeerId } from '@libp2p/interface'

const DOMAIN = Buffer.from('hyphae-mailbox-work/1')
/** a client gives up past this many tries (2^MAX_WORK_BITS * 16: far beyond what any ask needs) */
const MAX_TRIES = 2 ** (MAX_WORK_BITS + 4)

/** The bits a new queue must show when the relay holds `queues` of `max` (0: none). */
export function workBitsFor (queues: number, max: number): number {
  const fill = max > 0 ? queues / max : 1
  if (fill < WORK_FROM_FILL) return 0
  const over = Math.min(1, (fill - WORK_FROM_FILL) / (1 - WORK_FROM_FILL))
  return Math.round(MIN_WORK_BITS + over * (MAX_WORK_BITS - MIN_WORK_BITS))
}

/** the hash state over everything but the nonce: each try hashes only the nonce on a copy */
function prefix (relay: PeerId, queue: Uint8Array, key: Uint8Array): Hash {
  return createHash('sha256').update(DOMAIN).update(relay.toMultihash().bytes).update(queue).update(key)
}

/** Whether `nonce` is work of at least `bits` for this queue on this relay. */
export function checkWork (relay: PeerId, queue: Uint8Array, key: Uint8Array, nonce: Uint8Array, bits: number): boolean {
  if (bits <= 0) return true
  if (nonce.byteLength === 0 || nonce.byteLength > 16) return false
  return leadingZeroBits(prefix(relay, queue, key).update(nonce).digest()) >= bits
}

/** Finds a nonce of `bits` (capped at MAX_WORK_BITS: a relay asking more is not obeyed). */
export function solveWork (relay: PeerId, queue: Uint8Array, key: Uint8Array, bits: number): Uint8Array {
  if (bits > MAX_WORK_BITS) throw new RangeError(`the relay asks ${bits} bits of work, more than ${MAX_WORK_BITS}`)
  const base = prefix(relay, queue, key)
  const nonce = Buffer.alloc(8)
  for (let i = 0; i < MAX_TRIES; i++) {
    nonce.writeUInt32BE(Math.floor(i / 2 ** 32), 0)
    nonce.writeUInt32BE(i % 2 ** 32, 4)
    if (leadingZeroBits(base.copy().update(nonce).digest()) >= bits) return Uint8Array.from(nonce)
  }
  throw new RangeError('no proof of work found')
}
