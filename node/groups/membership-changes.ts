/**
 * Who is in a group, as the user changes it: creating one, inviting, joining by invite, leaving,
 * and the admin's removal of a member, which moves everyone else to a new epoch secret (as does
 * a member's leave, and the admin's new epoch arriving here). The rules these follow live in
 * membership.ts; the epoch hand-over in rekey.ts.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { InvalidArgumentError } from '../errors.ts'
import { isConnected } from '../net/addresses.ts'
import { hex, unhex } from '../hex.ts'
import { active, type GroupContext } from './context.ts'
import { GROUP_NONCE_BYTES, groupIdOf, MAX_NAME_LENGTH, randomBytes, sealGroupEnvelope, SECRET_BYTES } from './crypto.ts'
import { InvalidGroupInviteError, NotGroupAdminError } from './errors.ts'
import { createGroupInvite, inviteOrder, parseGroupInvite } from './invite.ts'
import { acceptInvite, isAdmin, namedMembers } from './membership.ts'
import { checkName } from './refs.ts'
import { GroupMessageKind as Kind } from '../../protocols/group/index.ts'
import type { GroupHistory } from './history.ts'
import type { GroupLedger } from './ledger.ts'
import type { GroupPubSub } from './pubsub.ts'
import type { GroupRekeying } from './rekey.ts'
import type { GroupMessageRecord, GroupRecord } from '../store/groups-store.ts'
import type { HyphaeServices } from '../net/services.ts'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const MAX_INVITE_MEMBERS = 4

export interface MembershipChangesComponents {
  libp2p: Libp2p<HyphaeServices>
  key: PrivateKey
  pubsub: GroupPubSub
  ledger: GroupLedger
  history: GroupHistory
  rekeying: GroupRekeying
  /** announced in this node's joins */
  nickname: () => Promise<string>
  /** put in this node's invites */
  addresses: () => Multiaddr[]
  onMessage: (record: GroupMessageRecord) => void
  /** listens on the group's current topic and flushes its outbox */
  activate: (record: GroupRecord) => void
  deactivate: (group: string) => void
  kick: (group: string) => void
  dial: (peerId: string, addrs: Multiaddr[]) => Promise<void>
}

export class MembershipChanges {
  private readonly ctx: GroupContext
  private readonly components: MembershipChangesComponents

  constructor (ctx: GroupContext, components: MembershipChangesComponents) {
    this.ctx = ctx
    this.components = components
  }

  async create (name: string): Promise<GroupRecord> {
    const { store, me } = this.ctx
    const groupName = checkName(name)
    const now = Date.now()
    const nonce = randomBytes(GROUP_NONCE_BYTES)
    const record: GroupRecord = {
      id: hex(groupIdOf(this.components.key.publicKey, nonce)),
      name: groupName,
      admin: me,
      nonce: hex(nonce),
      epoch: 0,
      secrets: { 0: hex(randomBytes(SECRET_BYTES)) },
      state: 'active',
      createdAt: now,
      joinedAt: now
    }
    const nickname = await this.components.nickname()
    const join = await this.ctx.mutex.run(record.id, async () => {
      // queued like any join: published once the first members listen, not only served as
      // history (a joiner whose first syncs reach members without it would never get it)
      const { rec, ops } = await this.components.ledger.author(record, { kind: Kind.JOIN, body: nickname.slice(0, MAX_NAME_LENGTH) }, true)
      await store.batch([store.groupOp(record), ...ops])
      return rec
    })
    this.components.history.resume(record.id, 0, true)
    this.components.activate(record)
    this.components.onMessage(join)
    return record
  }

  /**
   * Admin only. A `hyphae://group/...` string signed by the admin: the epoch secret, the admin,
   * and this node plus a few members to dial.
   */
  async invite (record: GroupRecord): Promise<string> {
    const { store, me } = this.ctx
    const { libp2p } = this.components
    if (!isAdmin(record, me)) throw new NotGroupAdminError(record.name, 'invite: ask them for an invite')
    if (record.nonce == null) throw new NotGroupAdminError(record.name, 'invite, and this group predates signed invites: create a new one')
    const members = await store.listMembers(record.id)
    const others = inviteOrder(members.filter(m => m.state === 'member' && m.peerId !== me), m => isConnected(libp2p, m.peerId))
    const listed: Array<{ peerId: string, addrs: Multiaddr[] }> = [{ peerId: me, addrs: this.components.addresses() }]
    for (const m of others) {
      if (listed.length >= MAX_INVITE_MEMBERS) break
      const addrs = await libp2p.peerStore.get(peerIdFromString(m.peerId)).then((p: any) => p.addresses.map((a: any) => a.multiaddr), () => [])
      if (addrs.length > 0) listed.push({ peerId: m.peerId, addrs })
    }
    return createGroupInvite({ id: record.id, name: record.name, epoch: record.epoch, secret: unhex(record.secrets[record.epoch]), admin: record.admin, nonce: record.nonce, members: listed }, this.components.key)
  }

  /** Takes part in the group the invite names: stores its key, announces a join, dials its members. */
  async join (inviteText: string): Promise<GroupRecord> {
    const { store, me } = this.ctx
    const { ledger, history } = this.components
    const invite = parseGroupInvite(inviteText)
    const nickname = await this.components.nickname()
    const outcome = await this.ctx.mutex.run(invite.id, async () => {
      const existing = await store.group(invite.id)
      const terms = acceptInvite(existing, { ...invite, secret: hex(invite.secret) }, Date.now())
      if ('error' in terms) throw new InvalidGroupInviteError(terms.error)
      const { record } = terms
      if (!terms.changed) return { record }
      const known = new Map((await store.listMembers(invite.id)).map(m => [m.peerId, m]))
      const named = namedMembers(record, [invite.admin, ...invite.members.map(m => m.peerId)], known, me)
      const ops = [store.groupOp(record), ...named.map(m => store.memberOp(invite.id, m))]
      if (!terms.join) {
        await store.batch(ops)
        return { record }
      }
      const { rec, ops: own } = await ledger.author(record, { kind: Kind.JOIN, body: nickname.slice(0, MAX_NAME_LENGTH) }, true)
      await store.batch([...ops, ...own])
      return { record, rec, fresh: terms.fresh }
    })
    if (outcome.rec != null) {
      if (outcome.fresh) history.resume(invite.id, 0, true)
      else history.resume(invite.id, await store.clock(invite.id))
      this.components.onMessage(outcome.rec)
    }
    this.components.activate(outcome.record)
    for (const m of invite.members) {
      if (m.peerId !== me && m.addrs.length > 0) this.ctx.track(this.components.dial(m.peerId, m.addrs))
    }
    return outcome.record
  }

  /** Announces the leave (it waits in the outbox if nobody is reachable) and stops listening. */
  async leave (id: string): Promise<GroupRecord> {
    const { store } = this.ctx
    const { record, rec } = await this.ctx.mutex.run(id, async () => {
      const fresh = active(await store.group(id))
      const { rec, ops } = await this.components.ledger.author(fresh, { kind: Kind.LEAVE, body: '' }, true)
      const record: GroupRecord = { ...fresh, state: 'left' }
      await store.batch([...ops, store.groupOp(record)])
      return { record, rec }
    })
    this.components.deactivate(id)
    this.components.onMessage(rec)
    this.components.kick(id)
    return record
  }

  /**
   * Admin only. Announces the removal on the current topic (so the member removed learns of it),
   * moves to a new epoch secret and hands it to every remaining member through the durable
   * direct-message outbox; members offline get it when they come back.
   */
  async remove (group: GroupRecord, peerId: string): Promise<GroupRecord> {
    const { id, channel, name } = group
    if (channel === true) throw new InvalidArgumentError(`"${name}" is a channel: its followers are not listed, and cannot post`)
    if (typeof peerId !== 'string' || peerId.trim() === '') throw new InvalidArgumentError('name the member to remove by peer id')
    const { rekeying } = this.components
    const out = await rekeying.remove(id, peerId)
    this.components.onMessage(out.rec)
    // best effort: the members who miss it live get the removal with the new key and in history
    await this.components.pubsub.publish(out.oldKeys.topic, sealGroupEnvelope(out.oldKeys, out.signed.bytes)).catch(err => { this.ctx.log('publishing the removal failed - %e', err) })
    await this.moved(out.next)
    await rekeying.handOut(id)
    return out.next
  }

  /** The admin moves the group to a new secret when a member leaves, as when it removes one. */
  async rekeyAfterLeave (group: string, leaver: string): Promise<void> {
    const next = await this.components.rekeying.rotate(group, leaver)
    if (next == null) return
    await this.moved(next)
    await this.components.rekeying.handOut(group)
  }

  /** The handler of the "group" control app: a new epoch from the admin. Resolves once stored. */
  async onControl (from: PeerId, data: Uint8Array): Promise<void> {
    const record = await this.components.rekeying.receive(from, data)
    if (record?.state === 'removed') {
      this.components.deactivate(record.id)
    } else if (record != null) {
      await this.moved(record)
    }
  }

  /** The group is on a new epoch: history goes on from what we hold, on the new topic. */
  private async moved (record: GroupRecord): Promise<void> {
    this.components.history.resume(record.id, await this.ctx.store.clock(record.id))
    this.components.activate(record)
  }
}
