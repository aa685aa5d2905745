import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { isConnected } from '../net/addresses.ts'
import { base64url } from 'multiformats/bases/base64'
import { AmbiguousContactError, InvalidArgumentError, UnknownContactError } from '../errors.ts'
import { holdsInvite, parsePastedInvite } from '../invite.ts'
import { safetyNumber } from '../safety-number.ts'
import type { ContactRecord, ContactsStore } from '../store/contacts-store.ts'
import type { ContactInfo } from '../messenger.ts'
import type { HyphaeServices } from '../net/services.ts'
import type { PrekeyBundle } from '../../protocols/prekeys/index.ts'
import type { Libp2p, PeerId, PublicKey } from '@libp2p/interface'

const MAX_NICKNAME = 64

export function checkNickname (nickname: string): string {
  const trimmed = nickname.trim()
  // eslint-disable-next-line no-control-regex
  if (trimmed === '' || trimmed.length > MAX_NICKNAME || /[\u0000-\u001f]/.test(trimmed)) {
    throw new InvalidArgumentError(`a nickname is 1 to ${MAX_NICKNAME} printable characters`)
  }
  return trimmed
}

/** Contacts, message requests and blocks, on top of the contacts store and libp2p's peer store. */
export class ContactBook {
  private readonly store: ContactsStore
  private readonly libp2p: Libp2p<HyphaeServices>

  /** keeps the prekeys an invite carries, for the first message to that contact */
  private readonly savePrekeys?: (peer: string, bundle: PrekeyBundle) => Promise<void>

  constructor (store: ContactsStore, libp2p: Libp2p<HyphaeServices>, savePrekeys?: (peer: string, bundle: PrekeyBundle) => Promise<void>) {
    this.store = store
    this.libp2p = libp2p
    this.savePrekeys = savePrekeys
  }

  /** Adds (or re-adds, which also unblocks) a contact from an invite or a bare peer id. */
  async add (target: string, nickname?: string): Promise<ContactRecord> {
    let peerId: PeerId
    let addrs: string[] = []
    let publicKey: PublicKey | undefined
    let inviteName = ''
    let queues: ContactRecord['queues']
    if (holdsInvite(target)) {
      const { invite, after } = await parsePastedInvite(target)
      // `/add INVITE NICK` with the invite pasted in pieces: the words after it name the contact
      // (not the period or quote that ended a sentence around it)
      if (nickname == null && /[\p{L}\p{N}]/u.test(after) && after.length <= 64 && !after.includes('://')) nickname = after
      peerId = invite.peerId
      addrs = invite.addrs.map(a => a.toString())
      publicKey = invite.peerId.publicKey
      inviteName = invite.nickname
      if (invite.queues.length > 0) queues = invite.queues
      if (invite.prekeys != null && !invite.peerId.equals(this.libp2p.peerId)) await this.savePrekeys?.(invite.peerId.toString(), invite.prekeys)
      if (invite.addrs.length > 0) await this.libp2p.peerStore.merge(peerId, { multiaddrs: invite.addrs })
    } else {
      try {
        peerId = peerIdFromString(target.trim())
      } catch {
        throw new InvalidArgumentError(`not an invite or a peer id: ${JSON.stringify(target)}`)
      }
      publicKey = peerId.publicKey
    }
    if (peerId.equals(this.libp2p.peerId)) throw new InvalidArgumentError('that is your own identity')
    const existing = await this.store.get(peerId.toString())
    const name = nickname != null ? checkNickname(nickname) : (existing?.nickname || inviteName || peerId.toString().slice(-8))
    const record: ContactRecord = {
      peerId: peerId.toString(),
      nickname: name,
      publicKey: publicKey != null ? base64url.baseEncode(publicKeyToProtobuf(publicKey)) : existing?.publicKey,
      addrs: addrs.length > 0 ? addrs : existing?.addrs ?? [],
      ...((queues ?? existing?.queues) != null ? { queues: queues ?? existing?.queues } : {}),
      state: 'contact',
      addedAt: existing?.addedAt ?? Date.now()
    }
    await this.store.put(record)
    return record
  }

  /** A contact (or request) by peer id or unique nickname. */
  async resolve (ref: string): Promise<ContactRecord> {
    const trimmed = ref.trim()
    const byId = await this.store.get(trimmed)
    if (byId != null) return byId
    const matches = (await this.store.list()).filter(c => c.nickname === trimmed)
    if (matches.length === 1) return matches[0]
    if (matches.length > 1) throw new AmbiguousContactError(trimmed)
    throw new UnknownContactError(trimmed)
  }

  async rename (ref: string, nickname: string): Promise<ContactRecord> {
    const record = { ...(await this.resolve(ref)), nickname: checkNickname(nickname) }
    await this.store.put(record)
    return record
  }

  async remove (ref: string): Promise<ContactRecord> {
    const record = await this.resolve(ref)
    await this.store.delete(record.peerId)
    return record
  }

  async block (ref: string): Promise<ContactRecord> {
    let record: ContactRecord
    try {
      record = await this.resolve(ref)
    } catch (err) {
      // blocking someone who never wrote is allowed, by peer id
      if (!(err instanceof UnknownContactError)) throw err
      const peerId = peerIdFromString(ref.trim())
      record = { peerId: peerId.toString(), nickname: peerId.toString().slice(-8), addrs: [], state: 'blocked', addedAt: Date.now() }
    }
    record = { ...record, state: 'blocked' }
    await this.store.put(record)
    return record
  }

  async accept (ref: string): Promise<ContactRecord> {
    const record = await this.resolve(ref)
    const accepted: ContactRecord = { ...record, state: 'contact' }
    await this.store.put(accepted)
    return accepted
  }

  info (record: ContactRecord): ContactInfo {
    let safety: string | undefined
    if (record.publicKey != null) {
      try {
        const theirs = publicKeyFromProtobuf(base64url.baseDecode(record.publicKey))
        safety = safetyNumber(theirs.raw, this.libp2p.peerId.publicKey?.raw ?? new Uint8Array())
      } catch {}
    }
    return {
      peerId: record.peerId,
      nickname: record.nickname,
      state: record.state,
      online: isConnected(this.libp2p, record.peerId),
      safetyNumber: safety,
      addedAt: record.addedAt
    }
  }
}
