import { peerIdFromString } from '@libp2p/peer-id'
import { InvalidArgumentError } from '../errors.ts'
import { isConnected } from '../net/addresses.ts'
import { GroupsStore, type GroupMessageRecord, type GroupRecord } from '../store/groups-store.ts'
import { active, GroupContext, type GroupStats } from './context.ts'
import { MAX_BODY_BYTES } from './crypto.ts'
import { GroupMessageTooLargeError } from './errors.ts'
import { GroupFiles } from './group-files.ts'
import { GroupHistory } from './history.ts'
import { GroupLedger, type GroupLedgerComponents } from './ledger.ts'
import { isAdmin } from './membership.ts'
import { MembershipChanges } from './membership-changes.ts'
import { GroupOutbox } from './outbox.ts'
import { Channels } from './channels.ts'
import { dialMember } from './reach.ts'
import { TokenBuckets } from './rate-limit.ts'
import { GroupRekeying } from './rekey.ts'
import { channelOf, findGroup, groupInfo } from './refs.ts'
import { GroupTopics, RATE_BURST, RATE_PER_SECOND } from './topics.ts'
import { GroupMessageKind as Kind } from '../../protocols/group/index.ts'
import type { GroupPubSub } from './pubsub.ts'
import type { GroupSync } from '../../protocols/group-sync/index.ts'
import type { GroupInfo, GroupMemberInfo, GroupSendResult } from '../messenger.ts'
import type { Database } from '../store/database.ts'
import type { HyphaeServices } from '../net/services.ts'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface GroupChatsComponents {
  /** its `services.pubsub` is gossipsub, its `services.groupSync` serves and fetches history */
  libp2p: Libp2p<HyphaeServices>
  key: PrivateKey
  db: Database
  /** announced in this node's joins */
  nickname: () => Promise<string>
  /** put in this node's invites */
  addresses: () => Multiaddr[]
  /** the durable, acked, end-to-end encrypted direct path: how a new epoch reaches each member */
  sendControl: (peerId: string, app: string, data: Uint8Array) => Promise<string>
  /** a message was stored: received live, from history, or your own once queued */
  onMessage: (record: GroupMessageRecord) => void
  /** one of your messages left the group outbox: published to at least one member */
  onSent?: (group: string, id: string) => void
  /** a member's file offer: what its message shows and the ops that keep it (see Files.offerOps) */
  fileOffer?: GroupLedgerComponents['fileOffer']
}

/**
 * Group chats over gossipsub. One topic per group and epoch, derived from the epoch secret
 * (topics.ts); every message encrypted with the epoch key and signed by its author, stored with
 * what it does to membership (ledger.ts, membership.ts); history from other members over
 * /hyphae/group-sync/2.0.0 (history.ts); a durable outbox for messages no member was there to
 * take; removal by the admin moves everyone else to a new secret sent over direct messages
 * (rekey.ts). This class is the API and wires the parts together: who is in a group changes
 * in membership-changes.ts, channels in channels.ts, what files need of groups in group-files.ts.
 */
export class GroupChats {
  readonly store: GroupsStore
  readonly sync: GroupSync
  readonly stats: GroupStats
  private readonly components: GroupChatsComponents
  private readonly ctx: GroupContext
  private readonly pubsub: GroupPubSub
  private readonly me: string
  private readonly outbox: GroupOutbox
  private readonly ledger: GroupLedger
  private readonly topics: GroupTopics
  private readonly history: GroupHistory
  private readonly rekeying: GroupRekeying
  private readonly membership: MembershipChanges
  /** channels: the same parts, one author (channels.ts) */
  readonly channels: Channels
  /** offering files in a group, and who may fetch them (group-files.ts) */
  readonly files: GroupFiles
  private stopped = false

  constructor (components: GroupChatsComponents) {
    this.components = components
    const libp2p = components.libp2p
    this.pubsub = libp2p.services.pubsub
    if (this.pubsub == null) throw new Error('groups need gossipsub as services.pubsub')
    this.sync = libp2p.services.groupSync
    if (this.sync == null) throw new Error('groups need group-sync as services.groupSync')
    this.me = libp2p.peerId.toString()
    this.store = new GroupsStore(components.db)
    const ctx = this.ctx = new GroupContext({ store: this.store, self: libp2p.peerId, log: libp2p.logger.forComponent('hyphae:groups') })
    this.stats = ctx.stats
    this.ledger = new GroupLedger(ctx, {
      key: components.key,
      fileOffer: components.fileOffer,
      onStored: (rec, change, via, gapSince) => {
        this.components.onMessage(rec)
        // a message of theirs we took proves they hold the secret; a member's (not a removed or
        // departed one's), or on a channel its owner's or an editor's (the only posts taken)
        if (rec.author !== this.me) this.ctx.track(this.store.group(rec.group).then(async g => g?.channel === true || (await this.store.member(rec.group, rec.author))?.state === 'member').then(ok => { if (ok) this.topics.proved(rec.group, rec.author) }))
        if (change.removedMe) this.topics.deactivate(rec.group)
        if (change.newMember) this.outbox.kick(rec.group)
        if (rec.kind === 'leave' && change.members.some(m => m.peerId === rec.author && m.state === 'left')) this.ctx.track(this.membership.rekeyAfterLeave(rec.group, rec.author))
        if (gapSince != null && 'source' in via) this.history.schedule(rec.group, via.source as PeerId, { since: gapSince, gap: true })
      }
    })
    this.topics = new GroupTopics(ctx, {
      pubsub: this.pubsub,
      ledger: this.ledger,
      onSubscriber: (group, peer) => {
        this.outbox.kick(group)
        this.history.schedule(group, peer)
      },
      onListening: (group, peer) => { this.history.schedule(group, peer) }
    })
    this.history = new GroupHistory(ctx, this.sync, this.ledger, (group, peer) => { this.topics.proved(group, peer) })
    const rekeying = this.rekeying = new GroupRekeying(ctx, { key: components.key, ledger: this.ledger, sendControl: components.sendControl })
    this.outbox = new GroupOutbox({
      store: this.store, pubsub: this.pubsub, self: this.me, keys: record => ctx.keysOf(record), log: ctx.log,
      pace: new TokenBuckets({ burst: RATE_BURST / 2, perSecond: RATE_PER_SECOND / 2 }),
      isReader: (topic, peer) => !this.topics.gate.suspects(topic, peer),
      onSent: (group, id) => { this.components.onSent?.(group, id) }
    })
    this.channels = new Channels(ctx, {
      key: components.key, ledger: this.ledger, history: this.history, addresses: components.addresses,
      activate: record => { this.activate(record) }, deactivate: group => { this.topics.deactivate(group) },
      kick: (group, entry) => { this.outbox.kick(group, entry) }, onMessage: rec => { this.components.onMessage(rec) }, dial: async (peer, addrs) => this.dial(peer, addrs)
    })
    this.membership = new MembershipChanges(ctx, {
      libp2p, key: components.key, pubsub: this.pubsub, ledger: this.ledger, history: this.history, rekeying,
      nickname: components.nickname, addresses: components.addresses, onMessage: rec => { this.components.onMessage(rec) },
      activate: record => { this.activate(record) }, deactivate: group => { this.topics.deactivate(group) },
      kick: group => { this.outbox.kick(group) }, dial: async (peer, addrs) => this.dial(peer, addrs)
    })
    this.files = new GroupFiles(ctx, {
      libp2p, pubsub: this.pubsub, ledger: this.ledger, onMessage: rec => { this.components.onMessage(rec) }, kick: group => { this.outbox.kick(group) }
    })
  }

  /** Call once libp2p runs: serves history, listens on every active group's topic, flushes the outbox. */
  async start (): Promise<void> {
    this.history.start()
    this.topics.start()
    for (const record of await this.store.listGroups()) {
      if (record.state !== 'active') continue
      // what arrived while we were away has clocks above the last one we saw
      this.history.resume(record.id, await this.store.clock(record.id), true)
      this.activate(record)
      if ((record.rekeyPending?.length ?? 0) > 0) this.ctx.track(this.rekeying.handOut(record.id))
    }
    await this.outbox.start()
  }

  /** Stops listening and serving; call before libp2p stops, then `drained()` before the store closes. */
  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.ctx.stop()
    this.topics.stop()
    this.outbox.stop()
    this.history.stop()
  }

  async drained (): Promise<void> {
    await this.ctx.drained()
    await this.outbox.drained()
  }

  async create (name: string): Promise<GroupInfo> {
    return this.info(await this.membership.create(name))
  }

  /**
   * Admin only. A `hyphae://group/...` string signed by the admin: the epoch secret, the admin,
   * and this node plus a few members to dial.
   */
  async invite (ref: string, options: { editor?: string } = {}): Promise<string> {
    const record = active(await this.resolve(ref))
    if (record.channel === true) return this.channels.invite(record, options)
    return this.membership.invite(record)
  }

  /** Takes part in the group the invite names: stores its key, announces a join, dials its members. */
  async join (inviteText: string): Promise<GroupInfo> {
    return this.info(await this.membership.join(inviteText))
  }

  /** Announces the leave (it waits in the outbox if nobody is reachable) and stops listening. */
  async leave (ref: string): Promise<GroupInfo> {
    const record = active(await this.resolve(ref))
    if (record.channel === true) return this.info(await this.channels.unfollow(record))
    return this.info(await this.membership.leave(record.id))
  }

  /** Admin only. Removes a member and moves everyone else to a new epoch secret. */
  async remove (ref: string, peerId: string): Promise<GroupInfo> {
    return this.info(await this.membership.remove(active(await this.resolve(ref)), peerId))
  }

  async createChannel (name: string): Promise<GroupInfo> { return this.info(await this.channels.create(name)) }
  async followChannel (invite: string): Promise<GroupInfo> { return this.info(await this.channels.follow(invite)) }

  /** A channel's id, from its id, prefix or name; a group named so is refused, not acted on. */
  async channel (ref: string): Promise<string> { return channelOf(await this.resolve(ref)).id }

  async list (): Promise<GroupInfo[]> {
    const records = await this.store.listGroups()
    return Promise.all(records.map(async r => this.info(r)))
  }

  async members (ref: string): Promise<GroupMemberInfo[]> {
    const record = await this.resolve(ref)
    const members = await this.store.listMembers(record.id)
    return members.map(m => ({ peerId: m.peerId, nickname: m.nickname, state: m.state, admin: isAdmin(record, m.peerId), me: m.peerId === this.me, online: m.peerId !== this.me && isConnected(this.components.libp2p, m.peerId) }))
  }

  /** Stores the message and its outbox entry in one batch; publishing follows. */
  async send (ref: string, text: string): Promise<GroupSendResult> {
    if (typeof text !== 'string' || text.trim() === '') throw new InvalidArgumentError('the message is empty')
    const size = new TextEncoder().encode(text).byteLength
    if (size > MAX_BODY_BYTES) throw new GroupMessageTooLargeError(size, MAX_BODY_BYTES)
    const channel = active(await this.resolve(ref))
    if (channel.channel === true) return await this.channels.post(channel, text).then(rec => ({ id: rec.id, status: rec.status }))
    const { id } = channel
    const { rec, queued } = await this.ctx.mutex.run(id, async () => {
      const fresh = active(await this.store.group(id))
      const { rec, ops, queued } = await this.ledger.author(fresh, { kind: Kind.TEXT, body: text }, true)
      await this.store.batch(ops)
      return { rec, queued }
    })
    this.components.onMessage(rec)
    this.outbox.kick(id, queued)
    return { id: rec.id, status: rec.status }
  }

  /** The group's id, for a ref (id, prefix or name) of an active group. */
  async groupId (ref: string): Promise<string> {
    return active(await this.resolve(ref)).id
  }

  async messages (ref: string, options: { limit?: number, before?: string } = {}): Promise<GroupMessageRecord[]> {
    const record = await this.resolve(ref)
    return this.store.list(record.id, options)
  }

  /** Marks everything in the group read (group messages send no read receipts). */
  async markRead (ref: string): Promise<void> {
    const record = await this.resolve(ref)
    await this.ctx.mutex.run(record.id, async () => {
      if ((await this.store.unreadCount(record.id)) > 0) await this.store.batch([this.store.unreadOp(record.id, 0)])
    })
  }

  /** The topic this node listens on for the group (diagnostics and tests). */
  async topic (ref: string): Promise<string> {
    return this.ctx.keysOf(await this.resolve(ref)).topic
  }

  /** Asks `peerId` for the group's history now; resolves with how many new messages were stored. */
  async syncWith (ref: string, peerId: string, options: { since?: number } = {}): Promise<number> {
    const record = active(await this.resolve(ref))
    return this.history.fetch(record.id, peerIdFromString(peerId), options.since)
  }

  /** The handler of the "group" control app: a new epoch from the admin. Resolves once stored. */
  async onControl (from: PeerId, data: Uint8Array): Promise<void> {
    await this.membership.onControl(from, data)
  }

  /** Listens on the group's current topic and flushes its outbox. */
  private activate (record: GroupRecord): void {
    if (this.topics.activate(record)) this.outbox.kick(record.id)
  }

  private async dial (peerId: string, addrs: Multiaddr[]): Promise<void> { await dialMember(this.components.libp2p, this.ctx, peerId, addrs) }

  private async info (record: GroupRecord): Promise<GroupInfo> {
    return groupInfo(this.store, record, this.me)
  }

  /** A group by id, unique id prefix (4+ hex digits) or unique name. */
  private async resolve (ref: string): Promise<GroupRecord> {
    return findGroup(await this.store.listGroups(), ref)
  }
}
