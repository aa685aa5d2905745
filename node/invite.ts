import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { base64url } from 'multiformats/bases/base64'
import { concat } from 'uint8arrays/concat'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { InvalidInviteError } from './errors.ts'
import { Invite as InvitePb } from './pb/invite.ts'
import { holdsPasted, pastedBodies } from './pasted-text.ts'
import { PrekeyBundle } from '../protocols/prekeys/index.ts'
import { queueRecords, type QueueRecord } from './direct/mailbox-queues.ts'
import type { MailboxQueue } from './pb/invite.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

export const INVITE_PREFIX = 'hyphae://invite/'
const SIGNING_DOMAIN = new TextEncoder().encode('hyphae-invite/1')
const MAX_INVITE_BYTES = 8 * 1024
const MAX_ADDRS = 32
const MAX_NICKNAME = 64

export interface Invite {
  peerId: PeerId
  nickname: string
  addrs: Multiaddr[]
  createdAt: Date
  /** what starts a Signal session with them (invites from before the ratchet have none) */
  prekeys?: PrekeyBundle
  /** where to leave mail for them: a queue on each relay they chose (none in older invites) */
  queues: QueueRecord[]
}

function signedBytes (pb: InvitePb): Uint8Array {
  return concat([SIGNING_DOMAIN, InvitePb.encode({ ...pb, signature: new Uint8Array(0) })])
}

export async function createInvite (key: PrivateKey, nickname: string, addrs: Multiaddr[], prekeys?: PrekeyBundle, queues: MailboxQueue[] = []): Promise<string> {
  const pb: InvitePb = {
    publicKey: publicKeyToProtobuf(key.publicKey) as Uint8Array<ArrayBuffer>,
    nickname: nickname.slice(0, MAX_NICKNAME),
    addrs: addrs.slice(0, MAX_ADDRS).map(a => a.bytes as Uint8Array<ArrayBuffer>),
    createdAt: BigInt(Date.now()),
    signature: new Uint8Array(0),
    prekeys: prekeys != null ? PrekeyBundle.encode(prekeys) : undefined,
    queues
  }
  pb.signature = await key.sign(signedBytes(pb)) as Uint8Array<ArrayBuffer>
  return INVITE_PREFIX + base64url.baseEncode(InvitePb.encode(pb))
}

/**
 * The invite's bytes in a text as pasted: the longest candidate body (see pasted-text.ts) that
 * decodes to a canonical invite, and the words after it.
 */
function decodeInviteText (text: string): { pb: InvitePb, after: string } {
  const found = typeof text === 'string' ? pastedBodies(text, INVITE_PREFIX) : undefined
  if (found == null) throw new InvalidInviteError(`it must start with ${INVITE_PREFIX}`)
  if (found.following === '' || found.candidates[0].length > MAX_INVITE_BYTES * 2) throw new InvalidInviteError('wrong length')
  let altered = false
  for (const [i, body] of found.candidates.entries()) {
    if (body === '') continue
    let pb: InvitePb
    let bytes: Uint8Array
    try {
      bytes = base64url.baseDecode(body)
      pb = InvitePb.decode(bytes, { limits: { addrs: MAX_ADDRS, queues: 8 } })
    } catch {
      continue
    }
    // the signature covers the re-encoded fields, and protons ignores a tag's wire type: without
    // this, flipping those bits gives another text that still verifies
    if (!uint8ArrayEquals(InvitePb.encode(pb), bytes)) { altered = true; continue }
    return { pb, after: found.after[i] }
  }
  throw new InvalidInviteError(altered ? 'it was altered (not in canonical form)' : 'it is truncated or not an invite')
}

/** Parses and verifies an invite; any tampering or truncation is an InvalidInviteError. */
export async function parseInvite (text: string): Promise<Invite> {
  return (await parsePastedInvite(text)).invite
}

/**
 * An invite as a terminal selection brings it (line breaks, box borders, words around it),
 * and the words typed after it (`/add INVITE NICK`).
 */
export async function parsePastedInvite (text: string): Promise<{ invite: Invite, after: string }> {
  const { pb, after } = decodeInviteText(text)
  let publicKey
  try {
    publicKey = publicKeyFromProtobuf(pb.publicKey)
  } catch {
    throw new InvalidInviteError('bad public key')
  }
  let valid = false
  try {
    valid = await publicKey.verify(signedBytes(pb), pb.signature)
  } catch {}
  if (!valid) throw new InvalidInviteError('the signature does not match (tampered or truncated)')
  let addrs: Multiaddr[]
  try {
    addrs = pb.addrs.map(bytes => multiaddr(bytes))
  } catch {
    throw new InvalidInviteError('bad address')
  }
  let prekeys: PrekeyBundle | undefined
  try {
    prekeys = pb.prekeys != null ? PrekeyBundle.decode(pb.prekeys) : undefined
  } catch {
    throw new InvalidInviteError('bad prekeys')
  }
  const invite = {
    prekeys,
    peerId: peerIdFromPublicKey(publicKey),
    nickname: pb.nickname.slice(0, MAX_NICKNAME),
    addrs,
    createdAt: new Date(Number(pb.createdAt)),
    queues: queueRecords(pb.queues)
  }
  return { invite, after }
}

/** True when a text holds a contact invite, as typed or as a terminal selection brings it. */
export function holdsInvite (text: string): boolean {
  return holdsPasted(text, INVITE_PREFIX)
}
