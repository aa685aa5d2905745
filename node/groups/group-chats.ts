import { TopicValidatorResult, type SubscriptionChangeData } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { MAX_PAGE_ITEMS, SyncStatus, type GroupSync, type SyncAnswer, type SyncRequest } from '../../protocols/group-sync/index.ts'
import { InvalidArgumentError } from '../errors.ts'
import { hex, unhex } from '../hex.ts'
import { KeyedMutex } from '../keyed-mutex.ts'
import { GroupsStore, type GroupMemberRecord, type GroupMessageKind, type GroupMessageRecord, type GroupRecord } from '../store/groups-store.ts'
import {
  checkSyncProof, epochKeys, GROUP_ID_BYTES, MAX_BODY_BYTES, MAX_NAME_LENGTH, openGroupEnvelope, randomBytes,
  sealGroupEnvelope, SECRET_BYTES, signGroupMessage, signRekey, syncProof, verifyGroupMessage, verifyRekey,
  type EpochKeys, type SignedGroupMessage
} from './crypto.ts'
import {
  AmbiguousGroupError, GroupMessageTooLargeError, GroupNotActiveError, InvalidGroupInviteError, NotGroupAdminError,
  UnknownGroupError, UnknownGroupMemberError
} from './errors.ts'
import { createGroupInvite, inviteOrder, parseGroupInvite } from './invite.ts'
import { GroupOutbox } from './outbox.ts'
import { TokenBuckets } from './rate-limit.ts'
import { GroupControl, GroupMessageKind as Kind } from '../../protocols/group/index.ts'
import { AppScorePenalties, scoreGroupTopic, type GroupPubSub, type Message } from './pubsub.ts'
import type { GroupInfo, GroupMemberInfo, GroupSendResult } from '../messenger.ts'
import type { BatchOp } from '../store/messages-store.ts'
import type { Database } from '../store/database.ts'
import type { Libp2p, Logger, PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The control app name of a group's direct messages (new epochs). */
export const GROUP_CONTROL_APP = 'group'
/** A peer that subscribes to a group topic is asked for history at most this often per group. */
const SYNC_INTERVAL = 5_000
/** A gap in an author's chain asks sooner, but not more than this often per group and peer. */
const GAP_SYNC_INTERVAL = 1_000
/** Lamport ticks re-asked after a sync, for messages that were concurrent with our last one. */
const SYNC_OVERLAP = 64
const SYNC_TIMEOUT = 30_000
const MAX_SYNC_PAGES = 1000
const DIAL_TIMEOUT = 10_000
/**
 * Messages an author may publish to a group in a burst, and per second after it: far above any
 * person. Our own outbox keeps to half of it, so a backlog sent after a reconnect is never taken
 * for a flood.
 */
export const RATE_BURST = 100
export const RATE_PER_SECOND = 20
/**
 * What each message over the limit costs its author in gossipsub's P5 (x10 by default: nine over
 * the limit graylist a peer), forgiven at 1 %/s.
 */
const FLOOD_PENALTY = 1
const FLOOD_PENALTY_DECAY = 0.99
const MAX_TRACKED_PEERS = 1024
const MAX_INVITE_MEMBERS = 4

const KINDS: Record<Kind, GroupMessageKind> = { [Kind.TEXT]: 'text', [Kind.JOIN]: 'join', [Kind.LEAVE]: 'leave', [Kind.REMOVE]: 'remove' }

export interface GroupChatsComponents {
  /** its `services.pubsub` is gossipsub, its `services.groupSync` serves and fetches history */
  libp2p: Libp2p<any>
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
}

/** What the topic validators decided, for logs and tests. */
export interface GroupStats {
  accepted: number
  ignored: number
  rejected: number
  /** ciphertexts on one of our topics that did not open with its epoch key */
  decryptFailures: number
  /** why messages were rejected or ignored, and other refusals (sync, new keys) */
  reasons: Record<string, number>
}

interface ActiveTopic {
  group: string
  epoch: number
  admin: string
  keys: EpochKeys
}

/** How a message reached us: live on an epoch's topic, from a member's history, or our own. */
type Via = { epoch: number, source: PeerId } | { sync: true, source: PeerId } | { own: true }

/**
 * Group chats over gossipsub. One topic per group and epoch, derived from the epoch secret;
 * every message encrypted with the epoch key and signed by its author; history from other
 * members over /hyphae/group-sync/1.0.0; a durable outbox for messages no member was there to
 * take; removal by the admin moves everyone else to a new secret sent over direct messages.
 */
export class GroupChats {
  readonly store: GroupsStore
  readonly sync: GroupSync
  readonly stats: GroupStats = { accepted: 0, ignored: 0, rejected: 0, decryptFailures: 0, reasons: {} }
  private readonly c: GroupChatsComponents
  private readonly pubsub: GroupPubSub
  private readonly self: PeerId
  private readonly me: string
  private readonly log: Logger
  private readonly mutex = new KeyedMutex()
  private readonly outbox: GroupOutbox
  /** topic -> the group and epoch it belongs to (only topics we listen on) */
  private readonly topics = new Map<string, ActiveTopic>()
  /** group -> its topic we listen on */
  private readonly current = new Map<string, string>()
  private readonly keyCache = new Map<string, EpochKeys>()
  /** group -> the Lamport clock from which history is asked for */
  private readonly resume = new Map<string, number>()
  private readonly syncs = new Map<string, Promise<void>>()
  private readonly lastSync = new Map<string, number>()
  /** group!peer: peers whose whole history of the group we have asked for (see syncGroup) */
  private readonly fullSyncs = new Set<string>()
  private readonly pendingGaps = new Map<string, number>()
  private readonly gapTimers = new Map<string, ReturnType<typeof setTimeout>>()
  private readonly limiter = new TokenBuckets({ burst: RATE_BURST, perSecond: RATE_PER_SECOND, maxKeys: MAX_TRACKED_PEERS })
  private readonly penalties: AppScorePenalties
  private readonly tasks = new Set<Promise<unknown>>()
  private readonly controller = new AbortController()
  private started = false
  private stopped = false

  constructor (components: GroupChatsComponents) {
    this.c = components
    const libp2p = components.libp2p
    this.pubsub = libp2p.services.pubsub
    if (this.pubsub == null) throw new Error('groups need gossipsub as services.pubsub')
    this.self = libp2p.peerId
    this.me = libp2p.peerId.toString()
    this.log = libp2p.logger.forComponent('hyphae:groups')
    this.store = new GroupsStore(components.db)
    this.penalties = new AppScorePenalties(this.pubsub, { decayPerSecond: FLOOD_PENALTY_DECAY, maxPeers: MAX_TRACKED_PEERS })
    this.sync = libp2p.services.groupSync
    if (this.sync == null) throw new Error('groups need group-sync as services.groupSync')
    this.outbox = new GroupOutbox({
      store: this.store, pubsub: this.pubsub, self: this.me, keys: record => this.keysOf(record), log: this.log,
      pace: new TokenBuckets({ burst: RATE_BURST / 2, perSecond: RATE_PER_SECOND / 2 }),
      onSent: (group, id) => { this.c.onSent?.(group, id) }
    })
  }

  /** Call once libp2p runs: serves history, listens on every active group's topic, flushes the outbox. */
  async start (): Promise<void> {
    // libp2p runs the protocol; history is served from here on, until stop()
    this.sync.onRequest = async (from, request) => this.serveHistory(from, request)
    this.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.started = true
    for (const record of await this.store.listGroups()) {
      if (record.state !== 'active') continue
      // what arrived while we were away has clocks above the last one we saw
      this.resume.set(record.id, await this.store.clock(record.id))
      this.activate(record)
      if ((record.rekeyPending?.length ?? 0) > 0) this.track(this.handOutKey(record.id))
    }
    await this.outbox.start()
  }

  /** Stops listening and serving; call before libp2p stops, then `drained()` before the store closes. */
  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.started = false
    this.controller.abort()
    this.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    for (const topic of this.topics.keys()) this.pubsub.topicValidators.delete(topic)
    this.outbox.stop()
    this.penalties.clear()
    for (const timer of this.gapTimers.values()) clearTimeout(timer)
    // answered UNAVAILABLE until libp2p stops the protocol
    this.sync.onRequest = undefined
  }

  async drained (): Promise<void> {
    await Promise.allSettled([...this.tasks])
    await this.outbox.drained()
  }

  async create (name: string): Promise<GroupInfo> {
    const groupName = checkName(name)
    const now = Date.now()
    const record: GroupRecord = {
      id: hex(randomBytes(GROUP_ID_BYTES)),
      name: groupName,
      admin: this.me,
      epoch: 0,
      secrets: { 0: hex(randomBytes(SECRET_BYTES)) },
      state: 'active',
      createdAt: now,
      joinedAt: now
    }
    const nickname = await this.c.nickname()
    const join = await this.mutex.run(record.id, async () => {
      // queued like any join: published once the first members listen, not only served as
      // history (a joiner whose first syncs reach members without it would never get it)
      const { rec, ops } = await this.author(record, { kind: Kind.JOIN, body: nickname.slice(0, MAX_NAME_LENGTH) }, true)
      await this.store.batch([this.store.groupOp(record), ...ops])
      return rec
    })
    this.resume.set(record.id, 0)
    this.activate(record)
    this.c.onMessage(join)
    return this.info(record)
  }

  /** A `hyphae://group/...` string: the epoch secret, the admin, and this node plus a few members to dial. */
  async invite (ref: string): Promise<string> {
    const record = active(await this.resolve(ref))
    const members = await this.store.listMembers(record.id)
    const others = inviteOrder(members.filter(m => m.state === 'member' && m.peerId !== this.me), m => this.online(m.peerId))
    const listed: Array<{ peerId: string, addrs: Multiaddr[] }> = [{ peerId: this.me, addrs: this.c.addresses() }]
    for (const m of others) {
      if (listed.length >= MAX_INVITE_MEMBERS) break
      const addrs = await this.c.libp2p.peerStore.get(peerIdFromString(m.peerId)).then((p: any) => p.addresses.map((a: any) => a.multiaddr), () => [])
      if (addrs.length > 0) listed.push({ peerId: m.peerId, addrs })
    }
    return createGroupInvite({ id: record.id, name: record.name, epoch: record.epoch, secret: unhex(record.secrets[record.epoch]), admin: record.admin, members: listed })
  }

  /** Takes part in the group the invite names: stores its key, announces a join, dials its members. */
  async join (inviteText: string): Promise<GroupInfo> {
    const invite = parseGroupInvite(inviteText)
    const nickname = await this.c.nickname()
    const outcome = await this.mutex.run(invite.id, async () => {
      const existing = await this.store.group(invite.id)
      if (existing != null && existing.admin !== invite.admin) throw new InvalidGroupInviteError('it names another admin for a group you already have')
      if (existing?.state === 'active' && existing.epoch >= invite.epoch) return { record: existing }
      if (existing != null && existing.state !== 'active' && existing.epoch > invite.epoch) {
        throw new InvalidGroupInviteError(`it holds epoch ${invite.epoch} of the group, older than the ${existing.epoch} you had: ask for a fresh one`)
      }
      const now = Date.now()
      const record: GroupRecord = {
        id: invite.id,
        name: existing?.name ?? invite.name,
        admin: invite.admin,
        epoch: invite.epoch,
        secrets: { ...existing?.secrets, [invite.epoch]: hex(invite.secret) },
        state: 'active',
        createdAt: existing?.createdAt ?? now,
        joinedAt: existing?.state === 'active' ? existing.joinedAt : now
      }
      const ops: BatchOp[] = [this.store.groupOp(record)]
      const known = new Map((await this.store.listMembers(invite.id)).map(m => [m.peerId, m]))
      for (const peerId of new Set([invite.admin, ...invite.members.map(m => m.peerId)])) {
        if (peerId === this.me || known.has(peerId)) continue
        ops.push(this.store.memberOp(invite.id, { peerId, nickname: '', state: 'member', admin: peerId === invite.admin, at: 0 }))
      }
      // still a member, only behind on the epoch (a key that never reached us): no new join
      if (existing?.state === 'active') {
        await this.store.batch(ops)
        return { record }
      }
      const { rec, ops: own } = await this.author(record, { kind: Kind.JOIN, body: nickname.slice(0, MAX_NAME_LENGTH) }, true)
      await this.store.batch([...ops, ...own])
      return { record, rec, fresh: existing == null }
    })
    if (outcome.rec != null) {
      this.resume.set(invite.id, outcome.fresh === true ? 0 : Math.max(0, (await this.store.clock(invite.id)) - SYNC_OVERLAP))
      this.c.onMessage(outcome.rec)
    }
    this.activate(outcome.record)
    for (const m of invite.members) {
      if (m.peerId !== this.me && m.addrs.length > 0) this.track(this.dial(m.peerId, m.addrs))
    }
    return this.info(outcome.record)
  }

  /** Announces the leave (it waits in the outbox if nobody is reachable) and stops listening. */
  async leave (ref: string): Promise<GroupInfo> {
    const { id } = active(await this.resolve(ref))
    const { record, rec } = await this.mutex.run(id, async () => {
      const fresh = active(await this.store.group(id))
      const { rec, ops } = await this.author(fresh, { kind: Kind.LEAVE, body: '' }, true)
      const record: GroupRecord = { ...fresh, state: 'left' }
      await this.store.batch([...ops, this.store.groupOp(record)])
      return { record, rec }
    })
    this.deactivate(id)
    this.c.onMessage(rec)
    this.outbox.kick(id)
    return this.info(record)
  }

  /**
   * Admin only. Announces the removal on the current topic (so the member removed learns of it),
   * moves to a new epoch secret and hands it to every remaining member through the durable
   * direct-message outbox; members offline get it when they come back.
   */
  async remove (ref: string, peerId: string): Promise<GroupInfo> {
    const { id } = active(await this.resolve(ref))
    if (typeof peerId !== 'string' || peerId.trim() === '') throw new InvalidArgumentError('name the member to remove by peer id')
    const out = await this.mutex.run(id, async () => {
      const fresh = active(await this.store.group(id))
      if (fresh.admin !== this.me) throw new NotGroupAdminError(fresh.name)
      if (peerId === this.me) throw new InvalidArgumentError('you cannot remove yourself: leave the group instead')
      const target = await this.store.member(id, peerId)
      if (target == null || target.state === 'removed') throw new UnknownGroupMemberError(peerId, fresh.name)
      const oldKeys = this.keysOf(fresh)
      const { rec, signed, ops } = await this.author(fresh, { kind: Kind.REMOVE, body: '', subject: peerId, epoch: fresh.epoch }, false)
      const remaining = (await this.store.listMembers(id)).filter(m => m.state === 'member' && m.peerId !== this.me && m.peerId !== peerId).map(m => m.peerId)
      const next: GroupRecord = {
        ...fresh,
        epoch: fresh.epoch + 1,
        secrets: { ...fresh.secrets, [fresh.epoch + 1]: hex(randomBytes(SECRET_BYTES)) },
        awaitingEpoch: undefined,
        rekeyPending: remaining
      }
      // the new secret and the list of who still needs it, in the same write: a crash before
      // the keys are handed out resumes on the next start
      await this.store.batch([...ops, this.store.groupOp(next)])
      return { next, rec, signed, oldKeys }
    })
    this.c.onMessage(out.rec)
    // best effort: the members who miss it live get the removal with the new key and in history
    await this.pubsub.publish(out.oldKeys.topic, sealGroupEnvelope(out.oldKeys, out.signed.bytes)).catch(err => { this.log('publishing the removal failed - %e', err) })
    this.resume.set(id, Math.max(0, (await this.store.clock(id)) - SYNC_OVERLAP))
    this.activate(out.next)
    await this.handOutKey(id)
    return this.info(out.next)
  }

  async list (): Promise<GroupInfo[]> {
    const records = await this.store.listGroups()
    return Promise.all(records.map(async r => this.info(r)))
  }

  async members (ref: string): Promise<GroupMemberInfo[]> {
    const record = await this.resolve(ref)
    const members = await this.store.listMembers(record.id)
    return members.map(m => ({ peerId: m.peerId, nickname: m.nickname, state: m.state, admin: m.peerId === record.admin, me: m.peerId === this.me, online: m.peerId !== this.me && this.online(m.peerId) }))
  }

  /** Stores the message and its outbox entry in one batch; publishing follows. */
  async send (ref: string, text: string): Promise<GroupSendResult> {
    if (typeof text !== 'string' || text.trim() === '') throw new InvalidArgumentError('the message is empty')
    const size = new TextEncoder().encode(text).byteLength
    if (size > MAX_BODY_BYTES) throw new GroupMessageTooLargeError(size, MAX_BODY_BYTES)
    const { id } = active(await this.resolve(ref))
    const rec = await this.mutex.run(id, async () => {
      const fresh = active(await this.store.group(id))
      const { rec, ops } = await this.author(fresh, { kind: Kind.TEXT, body: text }, true)
      await this.store.batch(ops)
      return rec
    })
    this.c.onMessage(rec)
    this.outbox.kick(id)
    return { id: rec.id, status: rec.status }
  }

  async messages (ref: string, options: { limit?: number, before?: string } = {}): Promise<GroupMessageRecord[]> {
    const record = await this.resolve(ref)
    return this.store.list(record.id, options)
  }

  /** Marks everything in the group read (group messages send no read receipts). */
  async markRead (ref: string): Promise<void> {
    const record = await this.resolve(ref)
    await this.mutex.run(record.id, async () => {
      if ((await this.store.unreadCount(record.id)) > 0) await this.store.batch([this.store.unreadOp(record.id, 0)])
    })
  }

  /** The topic this node listens on for the group (diagnostics and tests). */
  async topic (ref: string): Promise<string> {
    return this.keysOf(await this.resolve(ref)).topic
  }

  /** Asks `peerId` for the group's history now; resolves with how many new messages were stored. */
  async syncWith (ref: string, peerId: string, options: { since?: number } = {}): Promise<number> {
    const record = active(await this.resolve(ref))
    return this.syncGroup(record.id, peerIdFromString(peerId), options.since)
  }

  /** The handler of the "group" control app: a new epoch from the admin. Resolves once stored. */
  async onControl (from: PeerId, data: Uint8Array): Promise<void> {
    let control: GroupControl
    try {
      control = GroupControl.decode(data)
    } catch (err: any) {
      // acked anyway: a retry of the same bytes cannot do better
      this.count('undecodable group control')
      this.log('undecodable group control message from %p - %e', from, err)
      return
    }
    const rekey = control.rekey
    if (rekey == null) return
    if (rekey.group.byteLength !== GROUP_ID_BYTES || rekey.secret.byteLength !== SECRET_BYTES || rekey.epoch > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.count('malformed new key')
      return
    }
    const group = hex(rekey.group)
    const epoch = Number(rekey.epoch)
    const outcome = await this.mutex.run(group, async () => {
      const record = await this.store.group(group)
      if (record == null) return
      if (from.toString() !== record.admin || from.publicKey == null || !(await verifyRekey(rekey, from.publicKey))) {
        this.count('new key not signed by the admin')
        this.log('ignoring a new key for %s from %p, who is not its admin', group, from)
        return
      }
      if (epoch <= record.epoch || record.state !== 'active') return
      if (rekey.removed.includes(this.me)) {
        await this.store.batch([this.store.groupOp({ ...record, state: 'removed' })])
        return 'removed' as const
      }
      const next: GroupRecord = { ...record, epoch, secrets: { ...record.secrets, [epoch]: hex(rekey.secret) }, awaitingEpoch: undefined }
      const ops: BatchOp[] = [this.store.groupOp(next)]
      const known = new Map((await this.store.listMembers(group)).map(m => [m.peerId, m]))
      for (const peerId of new Set(rekey.removed)) {
        const m = known.get(peerId)
        if (m?.state === 'removed') continue
        ops.push(this.store.memberOp(group, { ...(m ?? { peerId, nickname: '', admin: false, at: 0 }), state: 'removed', removedEpoch: epoch - 1 }))
      }
      for (const peerId of new Set(rekey.members)) {
        if (peerId !== this.me && !known.has(peerId)) ops.push(this.store.memberOp(group, { peerId, nickname: '', state: 'member', admin: peerId === record.admin, at: 0 }))
      }
      await this.store.batch(ops)
      return next
    })
    if (outcome === 'removed') {
      this.deactivate(group)
    } else if (outcome != null) {
      this.resume.set(group, Math.max(0, (await this.store.clock(group)) - SYNC_OVERLAP))
      this.activate(outcome)
    }
  }

  // --- topics and validation ---

  private keysOf (record: GroupRecord, epoch = record.epoch): EpochKeys {
    const key = `${record.id}!${epoch}`
    let keys = this.keyCache.get(key)
    if (keys == null) {
      const secret = record.secrets[epoch]
      if (secret == null) throw new Error(`no secret for epoch ${epoch} of group ${record.id}`)
      keys = epochKeys(unhex(record.id), unhex(secret))
      this.keyCache.set(key, keys)
    }
    return keys
  }

  /** Listens on the group's current topic (leaving the previous epoch's), scored and validated. */
  private activate (record: GroupRecord): void {
    if (!this.started || record.state !== 'active') return
    const keys = this.keysOf(record)
    const previous = this.current.get(record.id)
    if (previous !== keys.topic) {
      if (previous != null) this.unlisten(previous)
      // scored before the first graft, validated before the first message
      scoreGroupTopic(this.pubsub, keys.topic)
      this.topics.set(keys.topic, { group: record.id, epoch: record.epoch, admin: record.admin, keys })
      this.current.set(record.id, keys.topic)
      this.pubsub.topicValidators.set(keys.topic, async (source, msg) => this.validate(keys.topic, source, msg))
      this.pubsub.subscribe(keys.topic)
      // peers already on the topic announced it before we listened: ask them for history now
      for (const peer of this.pubsub.getSubscribers(keys.topic)) this.scheduleSync(record.id, peer)
    }
    this.outbox.kick(record.id)
  }

  private deactivate (group: string): void {
    const topic = this.current.get(group)
    if (topic == null) return
    this.unlisten(topic)
    this.current.delete(group)
  }

  private unlisten (topic: string): void {
    this.topics.delete(topic)
    this.pubsub.topicValidators.delete(topic)
    this.pubsub.unsubscribe(topic)
  }

  /**
   * gossipsub's verdict on a message of one of our topics, before it is delivered or forwarded.
   *
   * Reject (P4: the peer that sent it, and any that relays the same message, are penalised) for
   * what no honest member ever publishes or relays, whatever it knows, since every member checks
   * the same way: oversized, undecodable, not encrypted with the topic's key, badly signed,
   * published by someone other than its author (a replay of a captured message), for another
   * group, a removal not signed by the admin. Ignore (dropped, no P4) for what depends on this
   * node's own state: a message we already hold (an honest outbox retry), one from a member we
   * know was removed while the topic's epoch is theirs, one we could not store, and an author
   * over its rate limit (penalised through P5 instead, see AppScorePenalties).
   */
  private async validate (topic: string, source: PeerId, msg: Message): Promise<TopicValidatorResult> {
    const run = this.judge(topic, source, msg)
    this.track(run)
    const [result, reason] = await run
    if (result === TopicValidatorResult.Accept) {
      this.stats.accepted++
    } else {
      if (result === TopicValidatorResult.Reject) this.stats.rejected++
      else this.stats.ignored++
      this.count(reason)
      this.log('%s a message on %s from %p: %s', result, topic.slice(-8), source, reason)
    }
    return result
  }

  private async judge (topic: string, source: PeerId, msg: Message): Promise<[TopicValidatorResult, string]> {
    const { Accept, Ignore, Reject } = TopicValidatorResult
    const active = this.topics.get(topic)
    if (active == null || this.stopped) return [Ignore, 'not listening']
    if (msg.type !== 'signed') return [Reject, 'unsigned']
    let signed: SignedGroupMessage
    try {
      signed = await verifyGroupMessage(openGroupEnvelope(active.keys, msg.data))
    } catch (err: any) {
      if (err?.reason === 'undecryptable') this.stats.decryptFailures++
      return [Reject, err?.reason ?? 'invalid']
    }
    const m = signed.message
    if (!signed.from.equals(msg.from)) return [Reject, 'not published by its author']
    if (hex(m.group) !== active.group) return [Reject, 'wrong group']
    if (m.kind === Kind.REMOVE && (signed.from.toString() !== active.admin || Number(m.epoch) !== active.epoch || m.subject === active.admin)) {
      return [Reject, 'forged removal']
    }
    if (!this.limiter.take(`${active.group}!${msg.from.toString()}`)) {
      // Ignore, not Reject: gossipsub would blame every peer that relayed the same message, and
      // members whose own limit had not yet been reached relay it in good faith. The author
      // alone pays, through the application-specific score, when it sent it to us itself.
      if (source.equals(msg.from)) this.penalties.add(source.toString(), FLOOD_PENALTY)
      return [Ignore, 'flooding']
    }
    try {
      const outcome = await this.receive(active.group, signed, { epoch: active.epoch, source })
      return outcome === 'stored' ? [Accept, 'stored'] : [Ignore, outcome]
    } catch (err: any) {
      this.log.error('storing a group message failed - %e', err)
      return [Ignore, 'not stored']
    }
  }

  // --- storing ---

  /**
   * Stores a verified message of the group (deduplicated by id), applies what it says about
   * membership, and asks for history when the author's previous message is missing.
   */
  private async receive (group: string, signed: SignedGroupMessage, via: Via): Promise<'stored' | 'duplicate' | 'ignored'> {
    const m = signed.message
    const id = hex(m.id)
    const author = signed.from.toString()
    const lamport = Number(m.lamport)
    let gapSince: number | undefined
    let stored: GroupMessageRecord | undefined
    let effects = { removedMe: false, newMember: false }
    const outcome = await this.mutex.run(group, async () => {
      const record = await this.store.group(group)
      if (record == null || record.state !== 'active') return 'ignored'
      if (await this.store.has(group, id)) return 'duplicate'
      if (m.kind === Kind.REMOVE && author !== record.admin) return 'ignored'
      const member = await this.store.member(group, author)
      if (member?.state === 'removed' && !admits(member, lamport, via)) return 'ignored'
      const head = await this.store.head(group, author)
      if (m.prev.byteLength > 0 && !(await this.store.hasHash(group, hex(m.prev)))) gapSince = head?.lamport ?? 0
      const rec: GroupMessageRecord = {
        id,
        group,
        author,
        direction: author === this.me ? 'out' : 'in',
        kind: KINDS[m.kind],
        body: m.body,
        subject: m.subject,
        lamport,
        sentAt: Number(m.sentAt),
        storedAt: Date.now(),
        status: author === this.me ? 'sent' : 'received',
        hash: hex(signed.hash),
        prev: hex(m.prev)
      }
      const ops = this.store.putMessageOps(rec, signed.bytes, Math.max(await this.store.clock(group), lamport), head)
      const change = await this.membership(record, rec, signed, member, via)
      if (rec.direction === 'in' && rec.kind === 'text') ops.push(this.store.unreadOp(group, (await this.store.unreadCount(group)) + 1))
      await this.store.batch([...ops, ...change.ops])
      stored = rec
      effects = change
      return 'stored'
    })
    if (stored != null) {
      this.c.onMessage(stored)
      if (effects.removedMe) this.deactivate(group)
      if (effects.newMember) this.outbox.kick(group)
      if (gapSince != null && 'source' in via) this.scheduleSync(group, via.source, { since: gapSince, gap: true })
    }
    return outcome
  }

  /** What a join, leave or removal changes in the member list (and, for a removal, the group). */
  private async membership (record: GroupRecord, rec: GroupMessageRecord, signed: SignedGroupMessage, member: GroupMemberRecord | undefined, via: Via): Promise<{ ops: BatchOp[], removedMe: boolean, newMember: boolean }> {
    const ops: BatchOp[] = []
    let removedMe = false
    let newMember = false
    const group = record.id
    const base = member ?? { peerId: rec.author, nickname: '', admin: rec.author === record.admin, at: 0 }
    switch (rec.kind) {
      case 'join':
        // an older join than the change we hold says nothing new, unless it readmits a removed member
        if (member != null && member.at >= rec.lamport && member.state !== 'removed') break
        newMember = member?.state !== 'member'
        ops.push(this.store.memberOp(group, { peerId: rec.author, nickname: rec.body.slice(0, MAX_NAME_LENGTH), state: 'member', admin: rec.author === record.admin, at: rec.lamport }))
        break
      case 'leave':
        if (member != null && member.at >= rec.lamport) break
        ops.push(this.store.memberOp(group, { ...base, state: 'left', at: rec.lamport }))
        break
      case 'remove': {
        const subject = rec.subject as string
        const removalEpoch = Number(signed.message.epoch)
        const target = subject === rec.author ? member : await this.store.member(group, subject)
        if (target == null || target.at < rec.lamport || target.state !== 'removed') {
          ops.push(this.store.memberOp(group, {
            ...(target ?? { peerId: subject, nickname: '', admin: false }),
            state: 'removed',
            at: Math.max(target?.at ?? 0, rec.lamport),
            removedAt: rec.lamport,
            removedEpoch: removalEpoch
          }))
        }
        if (subject === this.me) {
          ops.push(this.store.groupOp({ ...record, state: 'removed' }))
          removedMe = true
        } else if (!('own' in via) && record.epoch <= removalEpoch) {
          // the admin's next key is on its way: hold our own messages until it arrives
          ops.push(this.store.groupOp({ ...record, awaitingEpoch: removalEpoch + 1 }))
        }
        break
      }
    }
    return { ops, removedMe, newMember }
  }

  /** Signs one of our own messages and returns the operations that store it (and queue it). Hold the group's mutex. */
  private async author (record: GroupRecord, init: { kind: Kind, body: string, subject?: string, epoch?: number }, queue: boolean): Promise<{ rec: GroupMessageRecord, signed: SignedGroupMessage, ops: BatchOp[] }> {
    const group = record.id
    const lamport = (await this.store.clock(group)) + 1
    const head = await this.store.head(group, this.me)
    const signed = await signGroupMessage({ key: this.c.key, group: unhex(group), lamport, prev: head != null ? unhex(head.hash) : undefined, ...init })
    const rec: GroupMessageRecord = {
      id: hex(signed.message.id),
      group,
      author: this.me,
      direction: 'out',
      kind: KINDS[init.kind],
      body: init.body,
      subject: init.subject,
      lamport,
      sentAt: Number(signed.message.sentAt),
      storedAt: Date.now(),
      status: queue ? 'queued' : 'sent',
      hash: hex(signed.hash),
      prev: head?.hash ?? ''
    }
    const ops = this.store.putMessageOps(rec, signed.bytes, lamport, head)
    const change = await this.membership(record, rec, signed, await this.store.member(group, this.me), { own: true })
    ops.push(...change.ops)
    if (queue) ops.push(this.store.outboxOp(this.store.outboxKey(group, rec.id), signed.bytes))
    return { rec, signed, ops }
  }

  /** Hands the current epoch's key to every member still waiting for it (admin only). */
  private async handOutKey (group: string): Promise<void> {
    const record = await this.store.group(group)
    const pending = record?.rekeyPending ?? []
    if (record == null || pending.length === 0) return
    const members = await this.store.listMembers(group)
    const rekey = await signRekey(this.c.key, {
      group: unhex(group) as Uint8Array<ArrayBuffer>,
      epoch: BigInt(record.epoch),
      secret: unhex(record.secrets[record.epoch]) as Uint8Array<ArrayBuffer>,
      removed: members.filter(m => m.state === 'removed').map(m => m.peerId),
      members: [this.me, ...members.filter(m => m.state === 'member' && m.peerId !== this.me).map(m => m.peerId)],
      issuedAt: BigInt(Date.now())
    })
    const data = GroupControl.encode({ rekey })
    for (const peer of pending) {
      // from here the DM outbox owns it: acked by the member, retried until then, across restarts
      await this.c.sendControl(peer, GROUP_CONTROL_APP, data)
    }
    await this.mutex.run(group, async () => {
      const fresh = await this.store.group(group)
      if (fresh != null && fresh.epoch === record.epoch) await this.store.batch([this.store.groupOp({ ...fresh, rekeyPending: undefined })])
    })
  }

  // --- history ---

  private readonly onSubscriptionChange = (evt: CustomEvent<SubscriptionChangeData>): void => {
    for (const s of evt.detail.subscriptions) {
      if (!s.subscribe) continue
      const active = this.topics.get(s.topic)
      if (active == null) continue
      this.outbox.kick(active.group)
      this.scheduleSync(active.group, evt.detail.peerId)
    }
  }

  private scheduleSync (group: string, peer: PeerId, options: { since?: number, gap?: boolean } = {}): void {
    if (!this.started) return
    const key = `${group}!${peer.toString()}`
    if (this.syncs.has(key)) {
      if (options.gap === true) this.pendingGaps.set(key, Math.min(options.since ?? 0, this.pendingGaps.get(key) ?? Infinity))
      return
    }
    const last = this.lastSync.get(key)
    const interval = options.gap === true ? GAP_SYNC_INTERVAL : SYNC_INTERVAL
    if (last != null && Date.now() - last < interval) {
      // a gap is not forgotten: it is asked about once the interval is over
      if (options.gap === true && !this.gapTimers.has(key)) {
        const timer = setTimeout(() => {
          this.gapTimers.delete(key)
          this.scheduleSync(group, peer, options)
        }, interval - (Date.now() - last))
        timer.unref?.()
        this.gapTimers.set(key, timer)
      }
      return
    }
    if (this.lastSync.size >= MAX_TRACKED_PEERS * 4) this.lastSync.clear()
    this.lastSync.set(key, Date.now())
    const run = this.syncGroup(group, peer, options.since)
      .then(n => { if (n > 0) this.log('%d messages of %s from the history of %p', n, group, peer) })
      .catch(err => {
        this.count(`sync failed: ${err?.status ?? err?.name ?? 'error'}`)
        this.log('history of %s from %p failed - %e', group, peer, err)
      })
      .finally(() => {
        this.syncs.delete(key)
        const since = this.pendingGaps.get(key)
        if (since != null) {
          this.pendingGaps.delete(key)
          this.lastSync.delete(key)
          this.scheduleSync(group, peer, { since, gap: true })
        }
      })
    this.syncs.set(key, run)
    this.track(run)
  }

  /** Pages through a member's history from `since` (default: where we resume); returns how many were new. */
  private async syncGroup (group: string, peer: PeerId, since?: number): Promise<number> {
    const record = active(await this.store.group(group))
    const keys = this.keysOf(record)
    let from = since ?? this.resume.get(group) ?? await this.store.clock(group)
    const full = `${group}!${peer.toString()}`
    // a member we know of (from an invite or a new key) whose join we never got, most often one
    // signed early with a low clock: ask this peer once for the whole history, where it would be
    if (since == null && from > 0 && !this.fullSyncs.has(full) && await this.missingJoins(group)) from = 0
    if (from === 0) {
      if (this.fullSyncs.size >= MAX_TRACKED_PEERS * 4) this.fullSyncs.clear()
      this.fullSyncs.add(full)
    }
    const clockBefore = await this.store.clock(group)
    let cursor: Uint8Array = new Uint8Array(0)
    let stored = 0
    for (let pages = 0; pages < MAX_SYNC_PAGES; pages++) {
      const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(SYNC_TIMEOUT)])
      const page = await this.sync.fetch(peer, {
        group: unhex(group) as Uint8Array<ArrayBuffer>,
        epoch: BigInt(record.epoch),
        proof: syncProof(keys, this.self, peer),
        since: BigInt(from),
        cursor: cursor as Uint8Array<ArrayBuffer>,
        limit: MAX_PAGE_ITEMS
      }, { signal })
      for (const item of page.items) {
        let signed: SignedGroupMessage
        try {
          signed = await verifyGroupMessage(item)
        } catch (err: any) {
          this.count(`history: ${err?.reason ?? 'invalid'}`)
          continue
        }
        if (hex(signed.message.group) !== group) {
          this.count('history: wrong group')
          continue
        }
        // a message whose author's previous one we lack (a join below where we resumed) asks the
        // same peer for that gap once this sync is over
        if ((await this.receive(group, signed, { sync: true, source: peer })) === 'stored') stored++
      }
      if (page.cursor == null) break
      cursor = page.cursor
    }
    // later syncs need not go back further than this, save for concurrent messages
    if (since == null) this.resume.set(group, Math.max(this.resume.get(group) ?? 0, clockBefore - SYNC_OVERLAP))
    return stored
  }

  /** Whether a member we list has no join of theirs stored (it was named to us, not seen). */
  private async missingJoins (group: string): Promise<boolean> {
    return (await this.store.listMembers(group)).some(m => m.state === 'member' && m.at === 0 && m.peerId !== this.me)
  }

  /** Only a current member (proof of the current epoch secret, not removed) reads history. */
  private async serveHistory (from: PeerId, request: SyncRequest): Promise<SyncAnswer> {
    if (request.group.byteLength !== GROUP_ID_BYTES) return { status: SyncStatus.MALFORMED }
    const group = hex(request.group)
    const record = await this.store.group(group)
    if (record == null || record.state !== 'active') return { status: SyncStatus.UNKNOWN_GROUP }
    const epoch = BigInt(record.epoch)
    if (request.epoch !== epoch) return { status: SyncStatus.WRONG_EPOCH, epoch }
    if (!checkSyncProof(this.keysOf(record), from, this.self, request.proof)) {
      this.count('history refused: bad proof')
      return { status: SyncStatus.NOT_MEMBER, epoch }
    }
    const member = await this.store.member(group, from.toString())
    if (member?.state === 'removed' && (member.removedEpoch ?? Infinity) >= record.epoch) {
      this.count('history refused: removed member')
      return { status: SyncStatus.NOT_MEMBER, epoch }
    }
    const since = request.since > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(request.since)
    const cursor = request.cursor.byteLength > 0 && request.cursor.byteLength <= 128 ? new TextDecoder().decode(request.cursor) : undefined
    const page = await this.store.history(group, since, cursor, request.limit)
    return { status: SyncStatus.OK, items: page.items, cursor: page.next != null ? new TextEncoder().encode(page.next) : undefined, epoch }
  }

  // --- helpers ---

  private async dial (peerId: string, addrs: Multiaddr[]): Promise<void> {
    try {
      const id = peerIdFromString(peerId)
      await this.c.libp2p.peerStore.merge(id, { multiaddrs: addrs })
      if (this.c.libp2p.getConnections(id).length > 0) return
      await this.c.libp2p.dial(id, { signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(DIAL_TIMEOUT)]) })
    } catch (err: any) {
      this.log('could not dial group member %s - %e', peerId, err)
    }
  }

  private online (peerId: string): boolean {
    try {
      return this.c.libp2p.getConnections(peerIdFromString(peerId)).length > 0
    } catch {
      return false
    }
  }

  private async info (record: GroupRecord): Promise<GroupInfo> {
    const members = await this.store.listMembers(record.id)
    return {
      id: record.id,
      name: record.name,
      admin: record.admin,
      isAdmin: record.admin === this.me,
      epoch: record.epoch,
      state: record.state,
      members: members.filter(m => m.state === 'member').length,
      queued: await this.store.outboxSize(record.id),
      unread: await this.store.unreadCount(record.id),
      createdAt: record.createdAt,
      joinedAt: record.joinedAt
    }
  }

  /** A group by id, unique id prefix (4+ hex digits) or unique name. */
  private async resolve (ref: string): Promise<GroupRecord> {
    if (typeof ref !== 'string' || ref.trim() === '') throw new InvalidArgumentError('name a group by its id or name')
    const wanted = ref.trim()
    const all = await this.store.listGroups()
    const byId = all.find(g => g.id === wanted.toLowerCase())
    if (byId != null) return byId
    const byName = all.filter(g => g.name === wanted)
    const named = byName.filter(g => g.state === 'active').length === 1 ? byName.filter(g => g.state === 'active') : byName
    if (named.length === 1) return named[0]
    if (named.length > 1) throw new AmbiguousGroupError(wanted)
    if (/^[0-9a-f]{4,}$/i.test(wanted)) {
      const byPrefix = all.filter(g => g.id.startsWith(wanted.toLowerCase()))
      if (byPrefix.length === 1) return byPrefix[0]
      if (byPrefix.length > 1) throw new AmbiguousGroupError(wanted)
    }
    throw new UnknownGroupError(wanted)
  }

  private count (reason: string): void {
    this.stats.reasons[reason] = (this.stats.reasons[reason] ?? 0) + 1
  }

  private track (task: Promise<unknown>): void {
    const tracked = task.catch(() => {})
    this.tasks.add(tracked)
    void tracked.finally(() => { this.tasks.delete(tracked) })
  }
}

function active (record: GroupRecord | undefined): GroupRecord {
  if (record == null) throw new UnknownGroupError('(gone)')
  if (record.state !== 'active') throw new GroupNotActiveError(record.name, record.state)
  return record
}

function checkName (name: string): string {
  const trimmed = typeof name === 'string' ? name.trim() : ''
  if (trimmed === '' || trimmed.length > MAX_NAME_LENGTH) throw new InvalidArgumentError(`a group name is 1 to ${MAX_NAME_LENGTH} characters`)
  return trimmed
}

/**
 * Whether a removed member's message still counts: live, only on an epoch after the removal
 * (they were invited back); from history, only what they wrote before it.
 */
function admits (member: GroupMemberRecord, lamport: number, via: Via): boolean {
  if ('epoch' in via) return via.epoch > (member.removedEpoch ?? Infinity)
  if ('sync' in via) return member.removedAt == null || lamport < member.removedAt
  return true
}
