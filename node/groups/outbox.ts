import { sealGroupEnvelope, type EpochKeys } from './crypto.ts'
import { DurableQueue, QueueStore, type QueueEntry, type RoundOutcome } from '../store/durable-queue.ts'
import type { TokenBuckets } from './rate-limit.ts'
import type { GroupPubSub } from './pubsub.ts'
import type { GroupRecord, GroupsStore } from '../store/groups-store.ts'
import type { Logger, PeerId } from '@libp2p/interface'

/** entries read and published per round */
const BATCH = 64
const BACKOFF = { minMs: 1_000, maxMs: 60_000 }

export interface GroupOutboxComponents {
  store: GroupsStore
  pubsub: GroupPubSub
  /** this node's peer id */
  self: string
  /** the keys of the group's current epoch */
  keys: (record: GroupRecord) => EpochKeys
  log: Logger
  /** our own publishing rate per group, below what members accept from one author */
  pace: TokenBuckets
  /** channels: whether a subscriber of the topic has proven it holds the channel's key (see MeshGate) */
  isReader: (topic: string, peer: string) => boolean
  /** one of our messages went out to at least one member */
  onSent?: (group: string, id: string) => void
}

/**
 * Publishes what the group outbox holds. gossipsub itself forgets a message nobody was there to
 * take, so an entry stays until a publish reaches at least one member (a peer whose join we
 * hold, subscribed to the epoch's topic), whatever non-members relay it. Entries hold the signed
 * message, not the ciphertext: it is sealed with the epoch current when it finally goes out, so
 * a message queued before a removal is never readable by the removed member.
 *
 * Runs at once when a message is queued, a member subscribes, a member joins or a new epoch
 * arrives; otherwise retries with backoff (the project's DurableQueue, as the DM outbox does).
 * Members who missed a publish get it from history.
 */
export class GroupOutbox {
  private readonly components: GroupOutboxComponents
  private readonly queue: DurableQueue
  /** group -> entries this process just queued, published without reading them back */
  private readonly fresh = new Map<string, QueueEntry[]>()
  /** groups whose stored entries were all published when last read, and nothing queued since unseen */
  private readonly emptied = new Set<string>()

  constructor (components: GroupOutboxComponents) {
    this.components = components
    this.queue = new DurableQueue({ store: components.store.outbox, round: async group => this.round(group), backoff: BACKOFF, log: components.log })
  }

  async start (): Promise<void> {
    await this.queue.start()
  }

  stop (): void {
    this.queue.stop()
  }

  async drained (): Promise<void> {
    await this.queue.drained()
  }

  /**
   * Flushes `group` now (or once more after the round under way). `entry`: the one just queued
   * (written already): while nothing older waits it is published without a store read first,
   * a thread-pool trip that a loaded node (a channel's owner) waits on for up to seconds.
   */
  kick (group: string, entry?: QueueEntry): void {
    if (entry == null) {
      // queued by a path that does not hand its entry over: the next round reads the store
      this.emptied.delete(group)
    } else {
      const entries = this.fresh.get(group) ?? []
      if (entries.length < BATCH) entries.push(entry)
      else this.emptied.delete(group)
      this.fresh.set(group, entries)
    }
    this.queue.kick(group)
  }

  /** One round: 'wait' holds the group until an event (the next epoch) kicks it. */
  private async round (group: string): Promise<RoundOutcome> {
    const { store, pubsub, pace } = this.components
    const record = await store.group(group)
    if (record == null || record.state === 'removed') {
      // what was handed over for a group gone is never published: not kept either
      this.fresh.delete(group)
      this.emptied.delete(group)
      return 'done'
    }
    if (record.awaitingEpoch != null && record.epoch < record.awaitingEpoch) return 'wait'
    const fresh = this.fresh.get(group)
    this.fresh.delete(group)
    // the entries just queued, when nothing older waits (they are in the store as well)
    const quick = fresh != null && this.emptied.has(group)
    this.emptied.delete(group)
    const entries = quick ? fresh : await store.outbox.entries(group, BATCH)
    // an entry read here and handed over meanwhile is not published twice
    if (!quick) this.unhand(group, entries)
    if (entries.length === 0) { this.emptied.add(group); return 'done' }
    const keys = this.components.keys(record)
    // a channel lists no readers: one that proved it holds the key is as good as a member
    const members = record.channel === true ? undefined : new Set((await store.listMembers(group)).filter(m => m.state === 'member' && m.peerId !== this.components.self).map(m => m.peerId))
    const reaches = (p: PeerId): boolean => members != null ? members.has(p.toString()) : this.components.isReader(keys.topic, p.toString())
    // publishing to relays alone would spend the entry: wait until a member listens
    if (!pubsub.getSubscribers(keys.topic).some(reaches)) return 'retry'
    for (const entry of entries) {
      if (this.queue.signal.aborted) return 'done'
      const wait = pace.wait(group)
      if (wait > 0) return { after: wait }
      pace.take(group)
      const result = await pubsub.publish(keys.topic, sealGroupEnvelope(keys, entry.value))
      if (!result.recipients.some(reaches)) return 'retry'
      const id = QueueStore.idOf(entry.key)
      const ops = await store.statusOp(group, id, 'sent')
      await store.batch([...ops, store.outbox.deleteOp(entry.key)])
      if (ops.length > 0) this.components.onSent?.(group, id)
    }
    // after the quick path, a read of the store: anything queued meanwhile unseen goes out too
    if (quick) return 'more'
    this.unhand(group, entries)
    if (entries.length < BATCH) this.emptied.add(group)
    return entries.length === BATCH ? 'more' : 'done'
  }

  private unhand (group: string, entries: QueueEntry[]): void {
    const handed = this.fresh.get(group)
    if (handed == null) return
    const seen = new Set(entries.map(e => e.key))
    const left = handed.filter(e => !seen.has(e.key))
    if (left.length > 0) this.fresh.set(group, left)
    else this.fresh.delete(group)
  }
}
