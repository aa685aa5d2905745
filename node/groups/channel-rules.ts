/**
 * The rules of a channel: a group record marked `channel`, whose admin is its owner. Only the
 * owner, and editors holding a certificate it signed, post; followers never publish anything
 * (no joins, no leaves) and are never listed. Every rule here is a pure function of the signed
 * message and the channel's owner, so that every follower judges a post the same way whatever
 * it has seen before: a post refused by one is refused by all, and a follower that relays an
 * honest post is never penalised by another.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { concat } from 'uint8arrays/concat'
import { ed25519Sign, ed25519Verify } from '../../protocols/dm/key-cache.ts'
import { GroupMessageKind as Kind } from '../../protocols/group/index.ts'
import type { SignedGroupMessage } from './crypto.ts'
import type { PrivateKey, PublicKey } from '@libp2p/interface'

const EDITOR_DOMAIN = new TextEncoder().encode('hyphae-channel/1 editor')
export const EDITOR_CERT_BYTES = 64
/**
 * Posts of a channel a follower serves as history, counted back from its newest: a late
 * follower gets the last MAX_CHANNEL_BACKLOG posts (Lamport clocks move only with posts).
 */
export const MAX_CHANNEL_BACKLOG = 1000

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
 * may: a text by the owner, or by an editor whose certificate the owner signed.
 */
export function channelRefusal (owner: string, signed: SignedGroupMessage): string | undefined {
  const m = signed.message
  if (m.kind !== Kind.TEXT) return 'not a post'
  const author = signed.from.toString()
  if (author === owner) return m.editor == null ? undefined : 'malformed post'
  if (m.editor == null) return 'not the channel\'s owner or editor'
  const key = signed.from.publicKey
  if (key == null || !verifyEditorCert(owner, m.group, key, m.editor)) return 'bad editor certificate'
  return undefined
}
