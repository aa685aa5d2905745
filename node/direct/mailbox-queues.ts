import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { QUEUE_ID_BYTES, TOKEN_BYTES, type QueueKeys } from '../../protocols/mailbox/index.ts'
import { MailboxQueue } from '../pb/invite.ts'
import type { RelayRef } from '../net/relay-addresses.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/** at most this many queues are kept per contact (one per relay it chose) */
export const MAX_QUEUES = 8
const SALT = new TextEncoder().encode('hyphae-mailbox-queue/1')
const CONTACT_SALT = new TextEncoder().encode('hyphae-mailbox-queue/contact/1')
/** the invite's queue after a block (generation 1 on): a salt of its own, so generation 0 is unchanged */
const GENERATION_SALT = new TextEncoder().encode('hyphae-mailbox-queue/invite-generation/1')

/** A contact's queue as the contacts store keeps it. */
export interface QueueRecord {
  /** the relay's own address, ending /p2p/<relay> */
  relay: string
  /** hex */
  queue: string
  /** hex */
  token: string
}

/**
 * Our queue on `relay`: its id, key and deposit token, derived from our identity key and the
 * relay's peer id (HKDF-SHA256), so nothing more is stored and every relay sees an id of its own
 * that no other relay can link to it or to us. With `contact`, the queue that contact alone
 * deposits in: the relay cannot tell two contacts write to one person, and closing it revokes
 * that contact only. Without, the queue an invite names (anyone holding the invite), of
 * `generation`: each block moves the invite to a new one (see MailboxCloses.rotateInvite).
 */
export async function deriveQueue (identity: PrivateKey, relay: PeerId, contact?: PeerId, generation = 0): Promise<QueueKeys> {
  if (!Number.isSafeInteger(generation) || generation < 0 || generation > 0xffffffff) throw new RangeError(`bad invite queue generation ${generation}`)
  let salt = SALT
  let info = relay.toMultihash().bytes
  if (contact != null) {
    salt = CONTACT_SALT
    info = Buffer.concat([info, contact.toMultihash().bytes])
  } else if (generation > 0) {
    const counter = new Uint8Array(4)
    new DataView(counter.buffer).setUint32(0, generation)
    salt = GENERATION_SALT
    info = Buffer.concat([info, counter])
  }
  const okm = hkdf(sha256, identity.raw.subarray(0, 32), salt, info, QUEUE_ID_BYTES + 32 + TOKEN_BYTES)
  return {
    id: okm.slice(0, QUEUE_ID_BYTES),
    key: await generateKeyPairFromSeed('Ed25519', okm.slice(QUEUE_ID_BYTES, QUEUE_ID_BYTES + 32)),
    token: okm.slice(QUEUE_ID_BYTES + 32)
  }
}

/** What we hand a contact (or an invite, without one) for each relay of ours: where, which queue, the deposit token. */
export async function queuesFor (identity: PrivateKey, relays: RelayRef[], contact?: PeerId, generation = 0): Promise<MailboxQueue[]> {
  return Promise.all(relays.slice(0, MAX_QUEUES).map(async r => {
    const q = await deriveQueue(identity, r.peerId, contact, generation)
    const addr = r.addr.getComponents().some(c => c.name === 'p2p') ? r.addr : r.addr.encapsulate(`/p2p/${r.peerId.toString()}`)
    return { relay: addr.bytes as Uint8Array<ArrayBuffer>, queue: q.id as Uint8Array<ArrayBuffer>, token: q.token as Uint8Array<ArrayBuffer> }
  }))
}

/** Checked queues from an invite or a control message: a relay address naming its peer id, sizes right. */
export function queueRecords (queues: MailboxQueue[]): QueueRecord[] {
  const out: QueueRecord[] = []
  for (const q of queues.slice(0, MAX_QUEUES)) {
    if (q.queue.byteLength !== QUEUE_ID_BYTES || q.token.byteLength !== TOKEN_BYTES) continue
    try {
      const addr = multiaddr(q.relay)
      const id = addr.getComponents().findLast(c => c.name === 'p2p')?.value
      if (id == null) continue
      peerIdFromString(id)
      out.push({ relay: addr.toString(), queue: Buffer.from(q.queue).toString('hex'), token: Buffer.from(q.token).toString('hex') })
    } catch {}
  }
  return out
}

/** A stored queue, ready to deposit with. */
export function queueRef (record: QueueRecord): { relay: RelayRef, id: Uint8Array, token: Uint8Array } {
  const addr = multiaddr(record.relay)
  const relayId = peerIdFromString(addr.getComponents().findLast(c => c.name === 'p2p')!.value!)
  return { relay: { peerId: relayId, addr }, id: Uint8Array.from(Buffer.from(record.queue, 'hex')), token: Uint8Array.from(Buffer.from(record.token, 'hex')) }
}
