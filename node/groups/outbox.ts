import { sealGroupEnvelope, type EpochKeys } from './crypto.ts'
import type { TokenBuckets } from './rate-limit.ts'
import type { GroupPubSub } from './pubsub.ts'
import type { GroupRecord, GroupsStore } from '../store/groups-store.ts'
import type { Logger } from '@libp2p/interface'

/** entries read and published per round */
const BATCH = 64
const BACKOFF_MIN = 1_000
const BACKOFF_MAX = 60_000

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
 * arrives; otherwise retries with backoff. Members who missed a publish get it from history.
 */
export class GroupOutbox {
  private readonly c: GroupOutboxComponents
  private readonly controller = new AbortController()
  private readonly running = new Map<string, Promise<void>>()
  private readonly again = new Set<string>()
  private readonly retries = new Map<string, { attempts: number, timer?: ReturnType<typeof setTimeout> }>()

  constructor (components: GroupOutboxComponents) {
    this.c = components
  }

  async start (): Promise<void> {
    for (const group of await this.c.store.outboxGroups()) this.kick(group)
  }

  stop (): void {
    this.controller.abort()
    for (const r of this.retries.values()) clearTimeout(r.timer)
  }

  async drained (): Promise<void> {
    await Promise.allSettled(this.running.values())
  }

  /** Flushes `group` now (or once more after the round under way). */
  kick (group: string): void {
    if (this.controller.signal.aborted) return
    const retry = this.retries.get(group)
    if (retry != null) clearTimeout(retry.timer)
    if (this.running.has(group)) { this.again.add(group); return }
    const run = this.flush(group).catch(err => { this.c.log.error('group outbox flush of %s failed - %e', group, err) })
      .finally(() => { this.running.delete(group) })
    this.running.set(group, run)
  }

  private async flush (group: string): Promise<void> {
    do {
      this.again.delete(group)
      const result = await this.flushOnce(group)
      if (result === 'retry') { this.scheduleRetry(group); return }
      if (result === 'wait') { this.retries.delete(group); return }
      if (typeof result === 'number') { this.scheduleRetry(group, result); return }
    } while (this.again.has(group) && !this.controller.signal.aborted)
    this.retries.delete(group)
  }

  /** Runs the group again after `delay` ms, or with backoff when none is given. */
  private scheduleRetry (group: string, delay?: number): void {
    if (this.controller.signal.aborted) return
    const retry = this.retries.get(group) ?? { attempts: 0 }
    if (delay == null) {
      retry.attempts++
      delay = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** (retry.attempts - 1)) * (0.75 + Math.random() / 2)
    }
    clearTimeout(retry.timer)
    retry.timer = setTimeout(() => { this.kick(group) }, delay)
    retry.timer.unref?.()
    this.retries.set(group, retry)
  }

  /**
   * One round. 'done': empty (or nothing to do); 'retry': no member reachable, try again later;
   * 'wait': held until an event (the next epoch) kicks it; a number: paced, go on in that many ms.
   */
  private async flushOnce (group: string): Promise<'done' | 'retry' | 'wait' | number> {
    const record = await this.c.store.group(group)
    if (record == null || record.state === 'removed') return 'done'
    if (record.awaitingEpoch != null && record.epoch < record.awaitingEpoch) return 'wait'
    const entries = await this.c.store.outboxEntries(group, BATCH)
    if (entries.length === 0) return 'done'
    const keys = this.c.keys(record)
    const members = new Set((await this.c.store.listMembers(group)).filter(m => m.state === 'member' && m.peerId !== this.c.self).map(m => m.peerId))
    // publishing to relays alone would spend the entry: wait until a member listens
    if (!this.c.pubsub.getSubscribers(keys.topic).some(p => members.has(p.toString()))) return 'retry'
    for (const entry of entries) {
      if (this.controller.signal.aborted) return 'done'
      const wait = this.c.pace.wait(group)
      if (wait > 0) return wait
      this.c.pace.take(group)
      const result = await this.c.pubsub.publish(keys.topic, sealGroupEnvelope(keys, entry.signed))
      if (!result.recipients.some(p => members.has(p.toString()))) return 'retry'
      const id = entry.key.slice(entry.key.lastIndexOf('!') + 1)
      const ops = await this.c.store.statusOp(group, id, 'sent')
      await this.c.store.batch([...ops, this.c.store.outboxDeleteOp(entry.key)])
      if (ops.length > 0) this.c.onSent?.(group, id)
    }
    if (entries.length === BATCH) this.again.add(group)
    return 'done'
  }
}
