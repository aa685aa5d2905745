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
import { InvalidChannelInviteError, InvalidGroupInviteError } from './errors.ts'
import { verifyEditorCert } from './channel-rules.ts'
import { GroupInvite as GroupInvitePb } from '../../protocols/group/index.ts'

export const GROUP_INVITE_PREFIX = 'hyphae://group/'
export const CHANNEL_INVITE_PREFIX = 'hyphae://channel/'
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
  /** a few members to dial, the inviter first (for a channel: its owner alone) */
  members: Array<{ peerId: string, addrs: Multiaddr[] }>
  /** a channel (`hyphae://channel/...`): only its owner and editors post */
  channel?: boolean
  /** channels: the peer id this invite makes an editor, with the owner's certificate */
  editor?: { peerId: string, cert: Uint8Array }
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
    signature: new Uint8Array(0),
    channel: invite.channel === true,
    editor: invite.editor?.peerId,
    editorCert: invite.editor != null ? Uint8Array.from(invite.editor.cert) : undefined
  }
  pb.signature = ed25519Sign(key, signedPart(pb))
  pb.checksum = Uint8Array.from(checksumOf(pb))
  return (pb.channel ? CHANNEL_INVITE_PREFIX : GROUP_INVITE_PREFIX) + base64url.baseEncode(GroupInvitePb.encode(pb))
}

/**
 * Parses and checks a group invite. A mistyped, truncated or altered one fails its checksum;
 * one that passes it but carries a bad secret, id or peer id was made wrong; one whose id was
 * not made from its admin's key, or that its admin did not sign, was forged (a member naming
 * itself admin, or minting invites). Each is an InvalidGroupInviteError saying which.
 */
export function parseGroupInvite (text: string): GroupInvite {
  return parseInvite(text, false)
}

/** Parses and checks a channel invite (`hyphae://channel/...`), as parseGroupInvite does a group's. */
export function parseChannelInvite (text: string): GroupInvite {
  return parseInvite(text, true)
}

function parseInvite (text: string, channel: boolean): GroupInvite {
  const [prefix, what, other, otherWhat] = channel ? [CHANNEL_INVITE_PREFIX, 'channel', GROUP_INVITE_PREFIX, 'a group invite (use group join)'] : [GROUP_INVITE_PREFIX, 'group', CHANNEL_INVITE_PREFIX, 'a channel invite (use channel follow)']
  const Invalid = channel ? InvalidChannelInviteError : InvalidGroupInviteError
  if (typeof text !== 'string') throw new Invalid(`it must be a string starting with ${prefix}`)
  // as pasted from a terminal: line breaks, box borders and words around it are dropped
  const found = pastedBodies(text, prefix)
  if (found == null) {
    if (holdsPasted(text, other)) throw new Invalid(`that is ${otherWhat}, not a ${what} invite`)
    throw new Invalid(holdsPasted(text, 'hyphae://invite/') ? `that is a contact invite (use contacts add), not a ${what} invite` : `it must start with ${prefix}`)
  }
  if (found.following === '' || found.candidates[0].length > MAX_INVITE_CHARS) throw new Invalid('wrong length')
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
    throw new Invalid(decoded ? 'the checksum does not match (mistyped, truncated or altered)' : `it is truncated or not a ${what} invite`)
  }
  if (pb.secret.byteLength !== SECRET_BYTES) throw new Invalid(`the ${what} secret must be ${SECRET_BYTES} bytes, not ${pb.secret.byteLength}`)
  if (pb.secret.every(b => b === 0)) throw new Invalid(`the ${what} secret is all zeros`)
  if (pb.group.byteLength !== GROUP_ID_BYTES) throw new Invalid(`the ${what} id must be ${GROUP_ID_BYTES} bytes`)
  const name = pb.name.trim()
  if (name === '' || name.length > MAX_NAME_LENGTH) throw new Invalid(`the ${what} name must be 1 to ${MAX_NAME_LENGTH} characters`)
  if (pb.epoch > BigInt(Number.MAX_SAFE_INTEGER)) throw new Invalid('bad epoch')
  if (!isEd25519PeerId(pb.admin)) throw new Invalid('the admin is not a valid peer id')
  const members: GroupInvite['members'] = []
  for (const m of pb.members) {
    if (!isEd25519PeerId(m.peerId)) throw new Invalid('a member is not a valid peer id')
    let addrs: Multiaddr[]
    try {
      addrs = m.addrs.map(a => multiaddr(a))
    } catch {
      throw new Invalid('a member address is not a valid multiaddr')
    }
    members.push({ peerId: m.peerId, addrs })
  }
  // the id is made from the admin's key: an invite that names another admin is for another group
  const admin = peerIdFromString(pb.admin).publicKey
  if (admin == null || pb.nonce.byteLength !== GROUP_NONCE_BYTES || !equals(groupIdOf(admin, pb.nonce), pb.group)) {
    throw new Invalid(`the ${what} id does not belong to the ${channel ? 'owner' : 'admin'} it names`)
  }
  if (!ed25519Verify(admin.raw, signedPart(pb), pb.signature)) throw new Invalid(`it is not signed by the ${what}'s ${channel ? 'owner' : 'admin'}`)
  // the kind is signed: a channel invite relabelled as a group's (or back) is refused, not joined
  if (pb.channel !== channel) throw new Invalid(`it was made for a ${pb.channel ? 'channel' : 'group'}, not a ${what}`)
  let editor: GroupInvite['editor']
  if (pb.editor != null || pb.editorCert != null) {
    const key = pb.editor != null && isEd25519PeerId(pb.editor) ? peerIdFromString(pb.editor).publicKey : undefined
    if (!channel || key == null || pb.editorCert == null || !verifyEditorCert(pb.admin, pb.group, key, pb.editorCert)) throw new Invalid('its editor certificate is not the owner\'s')
    editor = { peerId: pb.editor as string, cert: pb.editorCert }
  }
  const parsed: GroupInvite = { id: hex(pb.group), name, epoch: Number(pb.epoch), secret: pb.secret, admin: pb.admin, nonce: hex(pb.nonce), members }
  return channel ? { ...parsed, channel, ...(editor != null ? { editor } : {}) } : parsed
}

function isEd25519PeerId (text: string): boolean {
  try {
    return peerIdFromString(text).type === 'Ed25519'
  } catch {
    return false
  }
}
