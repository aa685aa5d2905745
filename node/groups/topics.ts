import { TopicValidatorResult, type SubscriptionChangeData } from '@libp2p/gossipsub'
import { hex } from '../hex.ts'
import { openGroupEnvelope, verifyGroupMessage, type EpochKeys, type SignedGroupMessage } from './crypto.ts'
import { clockInBounds, isForgedRemoval, mayPost } from './membership.ts'
import { KINDS, type GroupLedger } from './ledger.ts'
import { TokenBuckets } from './rate-limit.ts'
import { GroupMessageKind as Kind } from '../../protocols/group/index.ts'
import { AppScorePenalties, scoreGroupTopic, type GroupPubSub, type Message } from './pubsub.ts'
import { MeshGate } from './mesh-gate.ts'
import { channelRefusal, REVOKED_EDITOR } from './channel-rules.ts'
import { Lru } from '../../protocols/dm/lru.ts'
import type { GroupContext } from './context.ts'
import type { GroupRecord } from '../store/groups-store.ts'
import type { PeerId } from '@libp2p/interface'

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
export const MAX_TRACKED_PEERS = 1024
/** message ids this node has passed on over gossipsub (see admit) */
const FORWARDED_KEPT = 10_000

interface ActiveTopic {
  group: string
  epoch: number
  admin: string
  keys: EpochKeys
  /** a channel: only its owner (the admin) and editors post, nobody is listed */
  channel: boolean
  /** channels: peers that proved they hold the key, not suspected again when they resubscribe */
  proven: Set<string>
}

export interface GroupTopicsComponents {
  pubsub: GroupPubSub
  ledger: GroupLedger
  /** a peer announced it listens on one of our topics */
  onSubscriber: (group: string, peer: PeerId) => void
  /** a peer was on the topic before we listened: ask it for history */
  onListening: (group: string, peer: PeerId) => void
}

/**
 * The gossipsub side of groups: one topic per group and epoch, derived from the epoch secret,
 * scored, and validated before anything on it is delivered or forwarded. The validator verifies
 * and dedupes; what it accepts is stored by the ledger after it has returned.
 */
export class GroupTopics {
  private readonly ctx: GroupContext
  private readonly components: GroupTopicsComponents
  /** topic -> the group and epoch it belongs to (only topics we listen on) */
  private readonly topics = new Map<string, ActiveTopic>()
  /** group -> its topic we listen on */
  private readonly current = new Map<string, string>()
  private readonly limiter = new TokenBuckets({ burst: RATE_BURST, perSecond: RATE_PER_SECOND, maxKeys: MAX_TRACKED_PEERS })
  private readonly penalties: AppScorePenalties
  /** ids of messages accepted here on gossipsub, i.e. forwarded to our mesh */
  private readonly forwarded = new Lru<true>(FORWARDED_KEPT)
  /** keeps peers that have not proven membership out of our topics' meshes */
  readonly gate: MeshGate
  private started = false

  constructor (ctx: GroupContext, components: GroupTopicsComponents) {
    this.ctx = ctx
    this.components = components
    this.penalties = new AppScorePenalties(components.pubsub, { decayPerSecond: FLOOD_PENALTY_DECAY, maxPeers: MAX_TRACKED_PEERS })
    this.gate = new MeshGate(components.pubsub, { maxPeers: MAX_TRACKED_PEERS * 4 })
  }

  start (): void {
    this.components.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.started = true
  }

  stop (): void {
    this.started = false
    this.components.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    for (const topic of this.topics.keys()) this.components.pubsub.topicValidators.delete(topic)
    this.penalties.clear()
    this.gate.clear()
  }

  /** `peer` proved it is a member of `group` (a message of theirs stored, a valid history request). */
  proved (group: string, peer: string): void {
    const topic = this.current.get(group)
    if (topic == null) return
    this.gate.prove(topic, peer)
    const proven = this.topics.get(topic)?.proven
    if (proven == null) return
    if (proven.size >= MAX_TRACKED_PEERS * 4) proven.clear()
    proven.add(peer)
  }

  /**
   * Listens on the group's current topic (leaving the previous epoch's), scored and validated.
   * False when not running or the group is not active.
   */
  activate (record: GroupRecord): boolean {
    if (!this.started || record.state !== 'active') return false
    const pubsub = this.components.pubsub
    const keys = this.ctx.keysOf(record)
    const previous = this.current.get(record.id)
    if (previous !== keys.topic) {
      if (previous != null) this.unlisten(previous)
      // scored before the first graft, validated before the first message
      scoreGroupTopic(pubsub, keys.topic)
      this.topics.set(keys.topic, { group: record.id, epoch: record.epoch, admin: record.admin, keys, channel: record.channel === true, proven: new Set() })
      this.current.set(record.id, keys.topic)
      pubsub.topicValidators.set(keys.topic, async (source, msg) => this.validate(keys.topic, source, msg))
      pubsub.subscribe(keys.topic)
      // peers already on the topic announced it before we listened: ask them for history now
      for (const peer of pubsub.getSubscribers(keys.topic)) {
        this.check(keys.topic, record.id, peer)
        this.components.onListening(record.id, peer)
      }
    }
    return true
  }

  deactivate (group: string): void {
    const topic = this.current.get(group)
    if (topic == null) return
    this.unlisten(topic)
    this.current.delete(group)
  }

  private unlisten (topic: string): void {
    this.topics.delete(topic)
    this.gate.forget(topic)
    this.components.pubsub.topicValidators.delete(topic)
    this.components.pubsub.unsubscribe(topic)
  }

  private readonly onSubscriptionChange = (evt: CustomEvent<SubscriptionChangeData>): void => {
    for (const s of evt.detail.subscriptions) {
      const active = this.topics.get(s.topic)
      if (active == null) continue
      if (!s.subscribe) {
        this.gate.forget(s.topic, evt.detail.peerId.toString())
        continue
      }
      this.check(s.topic, active.group, evt.detail.peerId)
      this.components.onSubscriber(active.group, evt.detail.peerId)
    }
  }

  /** A peer on our topic that we do not list as a member is kept out of its mesh until it proves it is one. */
  private check (topic: string, group: string, peer: PeerId): void {
    const id = peer.toString()
    const channel = this.topics.get(topic)
    if (channel?.channel === true) {
      // nobody but the owner is ever listed: every other peer proves itself by a history
      // request, or an editor by its post; suspected at once, before a publish can reach it
      if (id !== channel.admin && !channel.proven.has(id)) this.gate.suspect(topic, id)
      return
    }
    // suspected once the store has answered: suspecting a member even for a heartbeat would
    // prune it, and gossipsub then backs off from it for a minute
    this.ctx.track(this.ctx.store.member(group, id).then(member => {
      const active = this.topics.get(topic)
      // a peer proven while the store answered (its join came by history meanwhile) stays proven:
      // nothing would prove it again, and it would get none of our messages
      if (member?.state !== 'member' && active != null && !active.proven.has(id)) this.gate.suspect(topic, id)
    }))
  }

  /**
   * gossipsub's verdict on a message of one of our topics, before it is delivered or forwarded.
   *
   * Reject (P4: the peer that sent it, and any that relays the same message, are penalised) for
   * what no honest member ever publishes or relays, whatever it knows, since every member checks
   * the same way: oversized, undecodable, not encrypted with the topic's key, badly signed,
   * published by someone other than its author (a replay of a captured message), for another
   * group, a removal not signed by the admin, on a channel anything but a post of its owner or
   * an editor it certified. Ignore (dropped, no P4) for what depends on this
   * node's own state: a message we already hold (an honest outbox retry), one from a member we
   * know was removed while the topic's epoch is theirs, one we have no room to store, and an
   * author over its rate limit (penalised through P5 instead, see AppScorePenalties).
   */
  private async validate (topic: string, source: PeerId, msg: Message): Promise<TopicValidatorResult> {
    const run = this.judge(topic, source, msg)
    this.ctx.track(run)
    const [result, reason] = await run
    const stats = this.ctx.stats
    if (result === TopicValidatorResult.Accept) {
      stats.accepted++
    } else {
      if (result === TopicValidatorResult.Reject) stats.rejected++
      else stats.ignored++
      this.ctx.count(reason)
      this.ctx.log('%s a message on %s from %p: %s', result, topic.slice(-8), source, reason)
    }
    return result
  }

  private async judge (topic: string, source: PeerId, msg: Message): Promise<[TopicValidatorResult, string]> {
    const { Ignore, Reject } = TopicValidatorResult
    const active = this.topics.get(topic)
    if (active == null || this.ctx.stopped) return [Ignore, 'not listening']
    if (msg.type !== 'signed') return [Reject, 'unsigned']
    let signed: SignedGroupMessage
    try {
      signed = await verifyGroupMessage(openGroupEnvelope(active.keys, msg.data))
    } catch (err: any) {
      if (err?.reason === 'undecryptable') this.ctx.stats.decryptFailures++
      return [Reject, err?.reason ?? 'invalid']
    }
    const m = signed.message
    const author = signed.from.toString()
    if (!signed.from.equals(msg.from)) return [Reject, 'not published by its author']
    if (hex(m.group) !== active.group) return [Reject, 'wrong group']
    if (active.channel) {
      // the same verdict at every follower (channel-rules.ts): a follower posting, or anyone
      // without the owner's certificate, is refused by all and relayed by none
      const refusal = channelRefusal(active.admin, signed, (await this.ctx.store.group(active.group))?.revoked)
      // Ignore, not Reject: a follower the revocation has not reached yet relays in good faith;
      // the revoked editor alone pays, when it sent it to us itself
      if (refusal === REVOKED_EDITOR) {
        if (source.equals(msg.from)) this.penalties.add(source.toString(), FLOOD_PENALTY)
        return [Ignore, refusal]
      }
      if (refusal != null) return [Reject, refusal]
    } else if (m.kind === Kind.REVOKE) {
      return [Reject, 'a channel\'s revocation on a group']
    }
    if (m.kind === Kind.REMOVE && isForgedRemoval(active, author, Number(m.epoch), m.subject)) return [Reject, 'forged removal']
    try {
      return await this.admit(active, signed, source)
    } catch (err: any) {
      this.ctx.log.error('reading the group store failed - %e', err)
      return [Ignore, 'not stored']
    }
  }

  /** Dedupes and checks the author against what we know of the group (reads only), then queues the write. */
  private async admit (active: ActiveTopic, signed: SignedGroupMessage, source: PeerId): Promise<[TopicValidatorResult, string]> {
    const { Accept, Ignore } = TopicValidatorResult
    const { group, epoch } = active
    const m = signed.message
    const author = signed.from.toString()
    const id = hex(m.id)
    // deduped before the author's rate limit: a replay of someone's old messages (gossipsub
    // forgets ids after 2 minutes) must not spend their bucket and silence them
    if (this.forwarded.get(id) != null) return [Ignore, 'duplicate']
    const mark = this.components.ledger.dedupeMark(group)
    if (this.components.ledger.holds(group, id)) {
      // held but never passed on: it came by history sync (a member that synced with its author
      // before the author's publish reached it). Accepted once so gossipsub forwards it: members
      // linked only through this node would otherwise never get it. Nothing is stored again.
      this.forwarded.set(id, true)
      return [Accept, 'held, forwarded once']
    }
    if (!this.limiter.take(`${active.group}!${author}`)) {
      // Ignore, not Reject: gossipsub would blame every peer that relayed the same message, and
      // members whose own limit had not yet been reached relay it in good faith. The author
      // alone pays, through the application-specific score, when it sent it to us itself.
      if (source.equals(signed.from)) this.penalties.add(source.toString(), FLOOD_PENALTY)
      return [Ignore, 'flooding']
    }
    // Ignore, not Reject: a member far behind (just back, still syncing) sees honest clocks ahead
    if (!clockInBounds(await this.ctx.store.clock(group), Number(m.lamport))) return [Ignore, 'clock too far ahead']
    const via = { epoch, source }
    const member = await this.ctx.store.member(group, author)
    // a topic is listened on only while its group is active (the write checks again)
    if (!mayPost({ state: 'active', admin: active.admin }, KINDS[m.kind], author, member, Number(m.lamport), via)) return [Ignore, 'ignored']
    if (!this.components.ledger.enqueue(group, signed, via, mark)) return [Ignore, 'store busy']
    this.forwarded.set(id, true)
    // its author published it sealed with the epoch key: proven now, not once it is stored, so
    // that a heartbeat in between does not prune a joiner for gossipsub's backoff
    if (!active.channel && (m.kind === Kind.JOIN || member?.state === 'member')) this.proved(group, author)
    return [Accept, 'accepted']
  }
}
