import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { sha256 } from '@noble/hashes/sha2.js'
import { base64url } from 'multiformats/bases/base64'
import { concat } from 'uint8arrays/concat'
import { equals } from 'uint8arrays/equals'
import { hex, unhex } from '../hex.ts'
import { holdsPasted, pastedBodies } from '../pasted-text.ts'
import { ed25519Sign, ed25519Verify } from '../../protocols/dm/key-cache.ts'
import { GROUP_ID_BYTES, GROUP_NONCE_BYTES, groupIdOf, MAX_NAME_LENGTH, SECRET_BYTES } from './crypto.ts'
import type { PrivateKey } from '@libp2p/interface'
import { InvalidGroupInviteError } from './errors.ts'
import { GroupInvite as GroupInvitePb } from '../../protocols/group/index.ts'

export const GROUP_INVITE_PREFIX = 'hyphae://group/'
const CHECKSUM_DOMAIN = new TextEncoder().encode('hyphae-group-invite/1')
const SIGNATURE_DOMAIN = new TextEncoder().encode('hyphae-group-invite/1 sig')
const CHECKSUM_BYTES = 8
const MAX_INVITE_CHARS = 8 * 1024
const MAX_MEMBERS = 8
const MAX_ADDRS = 8

export interface GroupInvite {
  /** hex */
  id: string
  name: string
  epoch: number
  secret: Uint8Array
  admin: string
  /** hex: with the admin's key, what the id is made from (see groupIdOf) */
  nonce: string
  /** a few members to dial, the inviter first */
  members: Array<{ peerId: string, addrs: Multiaddr[] }>
}

/**
 * The order in which an inviter offers other members to dial: those online first (their
 * addresses are the freshest), each part shuffled, so that joiners spread their dials over the
 * group instead of all taking the same few members.
 */
export function inviteOrder<T> (candidates: T[], online: (candidate: T) => boolean, random: () => number = Math.random): T[] {
  const shuffle = (list: T[]): T[] => {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      const picked = list[j]
      list[j] = list[i]
      list[i] = picked
    }
    return list
  }
  return [...shuffle(candidates.filter(online)), ...shuffle(candidates.filter(c => !online(c)))]
}

function checksumOf (pb: GroupInvitePb): Uint8Array {
  return sha256(concat([CHECKSUM_DOMAIN, GroupInvitePb.encode({ ...pb, checksum: new Uint8Array(0) })])).subarray(0, CHECKSUM_BYTES)
}

function signedPart (pb: GroupInvitePb): Uint8Array {
  return concat([SIGNATURE_DOMAIN, GroupInvitePb.encode({ ...pb, checksum: new Uint8Array(0), signature: new Uint8Array(0) })])
}

/** An invite signed with the admin's key (`key` must be the admin's: nobody else can make one). */
export function createGroupInvite (invite: GroupInvite, key: PrivateKey): string {
  const pb: GroupInvitePb = {
    group: unhex(invite.id) as Uint8Array<ArrayBuffer>,
    name: invite.name,
    epoch: BigInt(invite.epoch),
    secret: Uint8Array.from(invite.secret),
    admin: invite.admin,
    members: invite.members.slice(0, MAX_MEMBERS).map(m => ({ peerId: m.peerId, addrs: m.addrs.slice(0, MAX_ADDRS).map(a => a.bytes as Uint8Array<ArrayBuffer>) })),
    checksum: new Uint8Array(0),
    nonce: unhex(invite.nonce) as Uint8Array<ArrayBuffer>,
    signature: new Uint8Array(0)
  }
  pb.signature = ed25519Sign(key, signedPart(pb))
  pb.checksum = Uint8Array.from(checksumOf(pb))
  return GROUP_INVITE_PREFIX + base64url.baseEncode(GroupInvitePb.encode(pb))
}

/**
 * Parses and checks a group invite. A mistyped, truncated or altered one fails its checksum;
 * one that passes it but carries a bad secret, id or peer id was made wrong; one whose id was
 * not made from its admin's key, or that its admin did not sign, was forged (a member naming
 * itself admin, or minting invites). Each is an InvalidGroupInviteError saying which.
 */
export function parseGroupInvite (text: string): GroupInvite {
  if (typeof text !== 'string') throw new InvalidGroupInviteError(`it must be a string starting with ${GROUP_INVITE_PREFIX}`)
  // as pasted from a terminal: line breaks, box borders and words around it are dropped
  const found = pastedBodies(text, GROUP_INVITE_PREFIX)
  if (found == null) {
    throw new InvalidGroupInviteError(holdsPasted(text, 'hyphae://invite/') ? 'that is a contact invite (use contacts add), not a group invite' : `it must start with ${GROUP_INVITE_PREFIX}`)
  }
  if (found.following === '' || found.candidates[0].length > MAX_INVITE_CHARS) throw new InvalidGroupInviteError('wrong length')
  let pb: GroupInvitePb | undefined
  let decoded = false
  for (const body of found.candidates) {
    if (body === '') continue
    try {
      const bytes = base64url.baseDecode(body)
      const candidate = GroupInvitePb.decode(bytes, { limits: { members: MAX_MEMBERS, members$: { addrs: MAX_ADDRS } } as any })
      decoded = true
      if (candidate.checksum.byteLength === CHECKSUM_BYTES && equals(checksumOf(candidate), candidate.checksum) && equals(GroupInvitePb.encode(candidate), bytes)) { pb = candidate; break }
    } catch {}
  }
  if (pb == null) {
    throw new InvalidGroupInviteError(decoded ? 'the checksum does not match (mistyped, truncated or altered)' : 'it is truncated or not a group invite')
  }
  if (pb.secret.byteLength !== SECRET_BYTES) throw new InvalidGroupInviteError(`the group secret must be ${SECRET_BYTES} bytes, not ${pb.secret.byteLength}`)
  if (pb.secret.every(b => b === 0)) throw new InvalidGroupInviteError('the group secret is all zeros')
  if (pb.group.byteLength !== GROUP_ID_BYTES) throw new InvalidGroupInviteError(`the group id must be ${GROUP_ID_BYTES} bytes`)
  const name = pb.name.trim()
  if (name === '' || name.length > MAX_NAME_LENGTH) throw new InvalidGroupInviteError(`the group name must be 1 to ${MAX_NAME_LENGTH} characters`)
  if (pb.epoch > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidGroupInviteError('bad epoch')
  if (!isEd25519PeerId(pb.admin)) throw new InvalidGroupInviteError('the admin is not a valid peer id')
  const members: GroupInvite['members'] = []
  for (const m of pb.members) {
    if (!isEd25519PeerId(m.peerId)) throw new InvalidGroupInviteError('a member is not a valid peer id')
    let addrs: Multiaddr[]
    try {
      addrs = m.addrs.map(a => multiaddr(a))
    } catch {
      throw new InvalidGroupInviteError('a member address is not a valid multiaddr')
    }
    members.push({ peerId: m.peerId, addrs })
  }
  // the id is made from the admin's key: an invite that names another admin is for another group
  const admin = peerIdFromString(pb.admin).publicKey
  if (admin == null || pb.nonce.byteLength !== GROUP_NONCE_BYTES || !equals(groupIdOf(admin, pb.nonce), pb.group)) {
    throw new InvalidGroupInviteError('the group id does not belong to the admin it names')
  }
  if (!ed25519Verify(admin.raw, signedPart(pb), pb.signature)) throw new InvalidGroupInviteError('it is not signed by the group\'s admin')
  return { id: hex(pb.group), name, epoch: Number(pb.epoch), secret: pb.secret, admin: pb.admin, nonce: hex(pb.nonce), members }
}

function isEd25519PeerId (text: string): boolean {
  try {
    return peerIdFromString(text).type === 'Ed25519'
  } catch {
    return false
  }
}
