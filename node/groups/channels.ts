import { peerIdFromString } from '@libp2p/peer-id'
import { InvalidArgumentError } from '../errors.ts'
import { hex, unhex } from '../hex.ts'
import { active, type GroupContext } from './context.ts'
import { GROUP_NONCE_BYTES, groupIdOf, MAX_BODY_BYTES, randomBytes, SECRET_BYTES } from './crypto.ts'
import { MAX_REVOKED_EDITORS, signEditorCert, withRevocation } from './channel-rules.ts'
import { EditorRevokedError, GroupMessageTooLargeError, InvalidChannelInviteError, NotChannelOwnerError } from './errors.ts'
import { createGroupInvite, parseChannelInvite } from './invite.ts'
import { acceptInvite, isAdmin } from './membership.ts'
import { checkName } from './refs.ts'
import { GroupMessageKind as Kind } from '../../protocols/group/index.ts'
import type { GroupHistory } from './history.ts'
import type { GroupLedger } from './ledger.ts'
import type { GroupMessageRecord, GroupRecord } from '../store/groups-store.ts'
import type { QueueEntry } from '../store/durable-queue.ts'
import type { PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface ChannelsComponents {
  key: PrivateKey
  ledger: GroupLedger
  history: GroupHistory
  /** put in this node's invites */
  addresses: () => Multiaddr[]
  /** listens on the channel's topic and flushes its outbox */
  activate: (record: GroupRecord) => void
  deactivate: (group: string) => void
  /** flushes the outbox; `entry`: what was just queued (see GroupOutbox.kick) */
  kick: (group: string, entry?: QueueEntry) => void
  onMessage: (record: GroupMessageRecord) => void
  dial: (peerId: string, addrs: Multiaddr[]) => Promise<void>
}

/**
 * Channels: one author, many readers. A channel is a group record marked `channel` whose admin
 * is its owner, on the same parts as groups (a topic named by a hash of the secret, sealed and
 * signed messages, the ledger, the outbox, history from any follower), with other rules
 * (channel-rules.ts): only the owner and the editors it certified post; a follower publishes
 * nothing, is listed nowhere, and its invite names only the owner to dial. GroupChats takes the
 * rest (listing, reading, routing a group verb used on a channel here).
 */
export class Channels {
  private readonly ctx: GroupContext
  private readonly components: ChannelsComponents

  constructor (ctx: GroupContext, components: ChannelsComponents) {
    this.ctx = ctx
    this.components = components
  }

  async create (name: string): Promise<GroupRecord> {
    const channelName = checkName(name)
    const now = Date.now()
    const nonce = randomBytes(GROUP_NONCE_BYTES)
    const record: GroupRecord = {
      id: hex(groupIdOf(this.components.key.publicKey, nonce)),
      name: channelName,
      admin: this.ctx.me,
      nonce: hex(nonce),
      epoch: 0,
      secrets: { 0: hex(randomBytes(SECRET_BYTES)) },
      state: 'active',
      channel: true,
      createdAt: now,
      joinedAt: now
    }
    // nothing announced: a channel starts with its first post
    await this.ctx.store.batch([this.ctx.store.groupOp(record)])
    this.components.history.resume(record.id, 0, true)
    this.components.activate(record)
    return record
  }

  /**
   * Owner only. A `hyphae://channel/...` string signed by the owner: the read key, and the
   * owner's addresses alone (no follower is ever named). With `editor`, a peer id: the invite
   * also carries the owner's certificate that lets that peer post.
   */
  invite (record: GroupRecord, options: { editor?: string } = {}): string {
    if (!isAdmin(record, this.ctx.me)) throw new NotChannelOwnerError(record.name, 'invite')
    let editor: { peerId: string, cert: Uint8Array } | undefined
    if (options.editor != null) {
      let key
      try {
        key = peerIdFromString(options.editor).publicKey
      } catch {}
      if (key == null || key.type !== 'Ed25519') throw new InvalidArgumentError('name the editor by peer id')
      editor = { peerId: options.editor, cert: signEditorCert(this.components.key, unhex(record.id), key) }
    }
    return createGroupInvite({
      id: record.id,
      name: record.name,
      epoch: record.epoch,
      secret: unhex(record.secrets[record.epoch]),
      admin: record.admin,
      nonce: record.nonce as string,
      members: [{ peerId: this.ctx.me, addrs: this.components.addresses() }],
      channel: true,
      editor
    }, this.components.key)
  }

  /** Follows the channel the invite names: stores its key, listens, asks whoever is there for history. */
  async follow (inviteText: string): Promise<GroupRecord> {
    const invite = parseChannelInvite(inviteText)
    if (invite.editor != null && invite.editor.peerId !== this.ctx.me) {
      throw new InvalidChannelInviteError(`it makes ${invite.editor.peerId} an editor, not you: ask the owner for an invite of your own`)
    }
    const outcome = await this.ctx.mutex.run(invite.id, async () => {
      const existing = await this.ctx.store.group(invite.id)
      const terms = acceptInvite(existing, { ...invite, secret: hex(invite.secret) }, Date.now())
      if ('error' in terms) throw new InvalidChannelInviteError(terms.error)
      const editorCert = invite.editor != null ? hex(invite.editor.cert) : existing?.editorCert
      const record: GroupRecord = { ...terms.record, channel: true, editorCert }
      if (terms.changed || editorCert !== existing?.editorCert) await this.ctx.store.batch([this.ctx.store.groupOp(record)])
      return { record, fresh: terms.fresh, rejoined: terms.join }
    })
    if (outcome.rejoined) this.components.history.resume(invite.id, outcome.fresh ? 0 : await this.ctx.store.clock(invite.id), outcome.fresh)
    this.components.activate(outcome.record)
    for (const m of invite.members) {
      if (m.peerId !== this.ctx.me && m.addrs.length > 0) this.ctx.track(this.components.dial(m.peerId, m.addrs))
    }
    return outcome.record
  }

  /** Stops listening and serving; nothing is published (nobody learns a follower left). */
  async unfollow (record: GroupRecord): Promise<GroupRecord> {
    const left = await this.ctx.mutex.run(record.id, async () => {
      const fresh = active(await this.ctx.store.group(record.id))
      const next: GroupRecord = { ...fresh, state: 'left' }
      await this.ctx.store.batch([this.ctx.store.groupOp(next)])
      return next
    })
    this.components.deactivate(record.id)
    return left
  }

  /**
   * Owner only. Revokes an editor: a signed revocation that travels like a post (and ahead of
   * every history), after which every follower refuses that editor's posts from this Lamport
   * clock on; its earlier posts stay.
   */
  async revoke (id: string, editor: string): Promise<GroupMessageRecord> {
    const record = active(await this.ctx.store.group(id))
    if (!isAdmin(record, this.ctx.me)) throw new NotChannelOwnerError(record.name, 'revoke editors')
    let key
    try {
      key = peerIdFromString(editor).publicKey
    } catch {}
    if (key == null || key.type !== 'Ed25519') throw new InvalidArgumentError('name the editor to revoke by peer id')
    if (editor === this.ctx.me) throw new InvalidArgumentError('the owner cannot revoke itself')
    const rec = await this.ctx.mutex.run(record.id, async () => {
      const fresh = active(await this.ctx.store.group(record.id))
      if (fresh.revoked?.[editor] != null) throw new InvalidArgumentError(`${editor} is revoked already`)
      if (Object.keys(fresh.revoked ?? {}).length >= MAX_REVOKED_EDITORS) throw new InvalidArgumentError(`a channel revokes at most ${MAX_REVOKED_EDITORS} editors: make a new channel`)
      const { rec, signed, ops } = await this.components.ledger.author(fresh, { kind: Kind.REVOKE, body: '', subject: editor }, true)
      await this.ctx.store.batch([...ops, this.ctx.store.groupOp(withRevocation(fresh, signed) ?? fresh)])
      return rec
    })
    this.components.onMessage(rec)
    this.components.kick(record.id)
    return rec
  }

  /** Owner or editor: stores the post and its outbox entry in one batch; publishing follows. */
  async post (record: GroupRecord, text: string): Promise<GroupMessageRecord> {
    if (typeof text !== 'string' || text.trim() === '') throw new InvalidArgumentError('the message is empty')
    const size = new TextEncoder().encode(text).byteLength
    if (size > MAX_BODY_BYTES) throw new GroupMessageTooLargeError(size, MAX_BODY_BYTES)
    const { rec, queued } = await this.ctx.mutex.run(record.id, async () => {
      const fresh = active(await this.ctx.store.group(record.id))
      const owner = isAdmin(fresh, this.ctx.me)
      if (!owner && fresh.editorCert == null) throw new NotChannelOwnerError(fresh.name, 'post')
      if (!owner && fresh.revoked?.[this.ctx.me] != null) throw new EditorRevokedError(fresh.name)
      const editor = owner ? undefined : unhex(fresh.editorCert as string)
      const { rec, ops, queued } = await this.components.ledger.author(fresh, { kind: Kind.TEXT, body: text, editor }, true)
      await this.ctx.store.batch(ops)
      return { rec, queued }
    })
    this.components.onMessage(rec)
    this.components.kick(record.id, queued)
    return rec
  }
}
