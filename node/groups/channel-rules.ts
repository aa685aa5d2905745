/**
 * The rules of a channel: a group record marked `channel`, whose admin is its owner. Only the
 * owner, and editors holding a certificate it signed, post; followers never publish anything
 * (no joins, no leaves) and are never listed. Every rule here is a pure function of the signed
 * message, the channel's owner and the revocations the owner signed (which travel like posts and
 * ahead of every history), so that every follower judges a post the same way whatever else it
 * has seen: a post refused by one is refused by all once the revocation has reached them, and a
 * follower that relays an honest post is never penalised by another.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { ed25519Sign, ed25519Verify } from '../../protocols/dm/key-cache.ts'
import { GroupMessageKind as Kind } from '../../protocols/group/index.ts'
import type { SignedGroupMessage } from './crypto.ts'
import type { GroupRecord } from '../store/groups-store.ts'
import type { PrivateKey, PublicKey } from '@libp2p/interface'

const EDITOR_DOMAIN = new TextEncoder().encode('hyphae-channel/1 editor')
export const EDITOR_CERT_BYTES = 64
/**
 * Posts of a channel a follower serves as history, counted back from its newest: a late
 * follower gets the last MAX_CHANNEL_BACKLOG posts (Lamport clocks move only with posts).
 */
export const MAX_CHANNEL_BACKLOG = 1000
/** Editors one channel may revoke: every revocation is served ahead of each history, so few. */
export const MAX_REVOKED_EDITORS = 64
/** The refusal of a revoked editor's post: Ignore, not Reject, in gossip (see topics.ts) */
export const REVOKED_EDITOR = 'revoked editor'

export type Revocations = GroupRecord['revoked']

function editorBytes (group: Uint8Array, editor: PublicKey): Uint8Array {
  return concat([EDITOR_DOMAIN, group, publicKeyToProtobuf(editor)])
}

/** The owner's certificate that `editor` may post on the channel `group`. */
export function signEditorCert (owner: PrivateKey, group: Uint8Array, editor: PublicKey): Uint8Array<ArrayBuffer> {
  return ed25519Sign(owner, editorBytes(group, editor)) as Uint8Array<ArrayBuffer>
}

export function verifyEditorCert (owner: string, group: Uint8Array, editor: PublicKey, cert: Uint8Array): boolean {
  if (cert.byteLength !== EDITOR_CERT_BYTES) return false
  try {
    const key = peerIdFromString(owner).publicKey
    return key != null && key.type === 'Ed25519' && ed25519Verify(key.raw, editorBytes(group, editor), cert)
  } catch {
    return false
  }
}

/**
 * Why a verified message may not stand on the channel owned by `owner`, or undefined when it
 * may: a text by the owner, or by an editor whose certificate the owner signed and whom the
 * owner had not revoked at that post's Lamport clock; or the owner's revocation of an editor.
 * `revoked` holds only revocations the owner signed, which travel like posts.
 */
export function channelRefusal (owner: string, signed: SignedGroupMessage, revoked?: Revocations): string | undefined {
  const m = signed.message
  const author = signed.from.toString()
  if (m.kind === Kind.REVOKE) return author === owner && m.subject !== owner && m.editor == null ? undefined : 'not the owner\'s revocation'
  if (m.kind !== Kind.TEXT) return 'not a post'
  if (author === owner) return m.editor == null ? undefined : 'malformed post'
  if (m.editor == null) return 'not the channel\'s owner or editor'
  const key = signed.from.publicKey
  if (key == null || !verifyEditorCert(owner, m.group, key, m.editor)) return 'bad editor certificate'
  const revocation = revoked?.[author]
  if (revocation != null && Number(m.lamport) >= revocation.lamport) return REVOKED_EDITOR
  return undefined
}

/**
 * The channel's record once the owner's revocation `signed` is taken, or undefined when it
 * changes nothing: an editor's earliest revocation is the one that stands, whatever the order
 * they arrive in.
 */
export function withRevocation (record: GroupRecord, signed: SignedGroupMessage): GroupRecord | undefined {
  const editor = signed.message.subject
  const lamport = Number(signed.message.lamport)
  if (editor == null) return undefined
  const held = record.revoked?.[editor]
  if (held != null && held.lamport <= lamport) return undefined
  return { ...record, revoked: { ...record.revoked, [editor]: { lamport, signed: toString(signed.bytes, 'base64') } } }
}

/** The revocations a channel holds, as signed: served ahead of its history to every follower. */
export function revocationsOf (record: GroupRecord): Uint8Array[] {
  return Object.values(record.revoked ?? {}).slice(0, MAX_REVOKED_EDITORS).map(r => fromString(r.signed, 'base64'))
}
