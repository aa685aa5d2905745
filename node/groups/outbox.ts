import { sealGroupEnvelope, type EpochKeys } from './crypto.ts'
import { DurableQueue, QueueStore, type RoundOutcome } from '../store/durable-queue.ts'
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

  /** Flushes `group` now (or once more after the round under way). */
  kick (group: string): void {
    this.queue.kick(group)
  }

  /** One round: 'wait' holds the group until an event (the next epoch) kicks it. */
  private async round (group: string): Promise<RoundOutcome> {
    const { store, pubsub, pace } = this.components
    const record = await store.group(group)
    if (record == null || record.state === 'removed') return 'done'
    if (record.awaitingEpoch != null && record.epoch < record.awaitingEpoch) return 'wait'
    const entries = await store.outbox.entries(group, BATCH)
    if (entries.length === 0) return 'done'
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
    return entries.length === BATCH ? 'more' : 'done'
  }
}
