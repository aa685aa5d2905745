import { hex, unhex } from '../hex.ts'
import { MAX_NAME_LENGTH, signGroupMessage, type SignedGroupMessage } from './crypto.ts'
import { applyMessage, clockInBounds, mayPost, type MembershipChange, type Via } from './membership.ts'
import { GroupMessageKind as Kind } from '../../protocols/group/index.ts'
import { channelRefusal, withRevocation } from './channel-rules.ts'
import type { GroupContext } from './context.ts'
import type { GroupMessageKind, GroupMessageRecord, GroupRecord } from '../store/groups-store.ts'
import type { BatchOp } from '../store/messages-store.ts'
import type { QueueEntry } from '../store/durable-queue.ts'
import type { PrivateKey } from '@libp2p/interface'

/**
 * Accepted live messages waiting to be stored. Past it the validator ignores new ones (members
 * that missed them get them from history): the queue never outgrows what the disk keeps up with.
 */
export const MAX_QUEUED = 1024

export const KINDS: Record<Kind, GroupMessageKind> = { [Kind.TEXT]: 'text', [Kind.JOIN]: 'join', [Kind.LEAVE]: 'leave', [Kind.REMOVE]: 'remove', [Kind.REVOKE]: 'revoke' }

export type Outcome = 'stored' | 'duplicate' | 'ignored'

export interface GroupLedgerComponents {
  key: PrivateKey
  /**
   * A received message was stored. `gapSince`: its author's previous message is missing, from
   * this Lamport clock on.
   */
  onStored: (rec: GroupMessageRecord, change: MembershipChange, via: Via, gapSince?: number) => void
  /** a member's file offer: what its message shows and the ops that keep it (see Files.offerOps) */
  fileOffer?: (from: string, messageId: string, offer: Uint8Array, group: string) => { file: NonNullable<GroupMessageRecord['file']>, ops: BatchOp[] } | undefined
}

/**
 * Writes a group's messages: those received (live, once validated, or from history) and our
 * own, each in one batch with what it does to membership. Every write holds the group's lock.
 */
export class GroupLedger {
  private readonly ctx: GroupContext
  private readonly components: GroupLedgerComponents
  /** message id -> its write, for messages the validator accepted and not yet stored */
  private readonly queued = new Map<string, Promise<void>>()
  /** group -> messages receive() stored other than from the live queue (history), once written */
  private readonly storedElsewhere = new Map<string, number>()

  constructor (ctx: GroupContext, components: GroupLedgerComponents) {
    this.ctx = ctx
    this.components = components
  }

  /** Whether the message is stored or on its way there (the validator's dedupe). */
  holds (group: string, id: string): boolean {
    return this.queued.has(id) || this.ctx.store.hasSync(group, id)
  }

  /**
   * Taken before the validator's dedupe (holds): while it is unchanged, no message of the group
   * was stored but through the live queue, which never stores one id twice.
   */
  dedupeMark (group: string): number {
    return this.storedElsewhere.get(group) ?? 0
  }

  /**
   * Stores a validated live message after the validator has returned. False when the queue is
   * full: the validator ignores the message rather than accept what it cannot store. `mark`:
   * dedupeMark() from before the validator found the message not held.
   */
  enqueue (group: string, signed: SignedGroupMessage, via: Via, mark?: number): boolean {
    const id = hex(signed.message.id)
    if (this.queued.has(id)) return true
    if (this.queued.size >= MAX_QUEUED) return false
    const write = this.receive(group, signed, via, mark)
      .then(outcome => { if (outcome !== 'stored') this.ctx.log('an accepted message of %s was not stored: %s', group, outcome) })
      .catch(err => {
        this.ctx.count('not stored')
        this.ctx.log.error('storing a group message failed - %e', err)
      })
      .finally(() => { this.queued.delete(id) })
    this.queued.set(id, write)
    this.ctx.track(write)
    return true
  }

  /**
   * Stores a verified message of the group (deduplicated by id) and applies what it says about
   * membership. The caller has checked its signature, author and group. `mark`: the live queue's
   * (see enqueue), when the validator found the message not held.
   */
  async receive (group: string, signed: SignedGroupMessage, via: Via, mark?: number): Promise<Outcome> {
    const { store, me } = this.ctx
    const m = signed.message
    const id = hex(m.id)
    const author = signed.from.toString()
    const lamport = Number(m.lamport)
    let gapSince: number | undefined
    let stored: { rec: GroupMessageRecord, change: MembershipChange } | undefined
    const outcome = await this.ctx.mutex.run(group, async (): Promise<Outcome> => {
      // group, clock, member and head come from memory (the store's caches, written through under
      // this lock) and are read again, as a removal or rekey may have come in between; the dedupe
      // is a level read, skipped while only the live queue has stored messages since the validator's
      const record = await store.group(group)
      if (record == null || record.state !== 'active') return 'ignored'
      if ((mark == null || mark !== this.dedupeMark(group)) && store.hasSync(group, id)) return 'duplicate'
      // a remote clock never moves ours further than the bound (one 2^53-1 would end the group)
      if (!clockInBounds(await store.clock(group), lamport)) {
        this.ctx.count('clock too far ahead')
        return 'ignored'
      }
      if (record.channel === true ? channelRefusal(record.admin, signed, record.revoked) != null : m.kind === Kind.REVOKE) {
        this.ctx.count('not the channel\'s owner or editor')
        return 'ignored'
      }
      const member = await store.member(group, author)
      if (!mayPost(record, KINDS[m.kind], author, member, lamport, via)) return 'ignored'
      const head = await store.head(group, author)
      // the author's previous message is nearly always its head: no read then
      const prev = hex(m.prev)
      if (prev !== '' && prev !== head?.hash && !(await store.hasHash(group, prev))) gapSince = head?.lamport ?? 0
      const now = Date.now()
      const rec: GroupMessageRecord = {
        id,
        group,
        author,
        direction: author === me ? 'out' : 'in',
        kind: KINDS[m.kind],
        body: m.body,
        subject: m.subject,
        lamport,
        // the author's clock says when; a time in our future is shown as now
        sentAt: Math.min(Number(m.sentAt), now),
        storedAt: now,
        status: author === me ? 'sent' : 'received',
        hash: hex(signed.hash),
        prev
      }
      // a file offer is kept with its message (an invalid one leaves the message as its text line)
      const offer = m.file != null && rec.kind === 'text' && author !== me ? this.components.fileOffer?.(author, id, m.file, group) : undefined
      if (offer != null) rec.file = offer.file
      const ops = store.putMessageOps(rec, signed.bytes, Math.max(await store.clock(group), lamport), head)
      if (offer != null) ops.push(...offer.ops)
      const change = await this.membership(record, rec, signed, member, via)
      if (rec.direction === 'in' && rec.kind === 'text') ops.push(store.unreadOp(group, (await store.unreadCount(group)) + 1))
      const revoked = rec.kind === 'revoke' ? withRevocation(record, signed) : undefined
      if (revoked != null) ops.push(store.groupOp(revoked))
      await store.batch([...ops, ...this.ops(group, change)])
      if (mark == null) this.storedElsewhere.set(group, this.dedupeMark(group) + 1)
      stored = { rec, change }
      return 'stored'
    })
    if (stored != null) this.components.onStored(stored.rec, stored.change, via, gapSince)
    return outcome
  }

  /** Signs one of our own messages and returns the operations that store it (and queue it). Hold the group's lock. */
  async author (record: GroupRecord, init: { kind: Kind, body: string, subject?: string, epoch?: number, editor?: Uint8Array, file?: Uint8Array, summary?: GroupMessageRecord['file'] }, queue: boolean): Promise<{ rec: GroupMessageRecord, signed: SignedGroupMessage, ops: BatchOp[], queued?: QueueEntry }> {
    const { store, me } = this.ctx
    const group = record.id
    const lamport = (await store.clock(group)) + 1
    const head = await store.head(group, me)
    const { summary, ...fields } = init
    const signed = await signGroupMessage({ key: this.components.key, group: unhex(group), lamport, prev: head != null ? unhex(head.hash) : undefined, ...fields })
    const rec: GroupMessageRecord = {
      id: hex(signed.message.id),
      group,
      author: me,
      direction: 'out',
      kind: KINDS[init.kind],
      body: init.body,
      subject: init.subject,
      lamport,
      sentAt: Number(signed.message.sentAt),
      storedAt: Date.now(),
      status: queue ? 'queued' : 'sent',
      hash: hex(signed.hash),
      prev: head?.hash ?? '',
      ...(summary != null ? { file: summary } : {})
    }
    const ops = store.putMessageOps(rec, signed.bytes, lamport, head)
    const change = await this.membership(record, rec, signed, await store.member(group, me), { own: true })
    ops.push(...this.ops(group, change))
    // the outbox entry, also handed to the outbox once written (GroupOutbox.kick)
    const queued = queue ? { key: store.outboxKey(group, rec.id), value: signed.bytes } : undefined
    if (queued != null) ops.push(store.outboxOp(queued.key, queued.value))
    return { rec, signed, ops, queued }
  }

  private async membership (record: GroupRecord, rec: GroupMessageRecord, signed: SignedGroupMessage, member: Parameters<typeof applyMessage>[2], via: Via): Promise<MembershipChange> {
    const target = rec.kind === 'remove' && rec.subject !== rec.author ? await this.ctx.store.member(record.id, rec.subject as string) : member
    return applyMessage(record, { ...rec, epoch: Number(signed.message.epoch) }, member, target, this.ctx.me, via, MAX_NAME_LENGTH)
  }

  private ops (group: string, change: MembershipChange): BatchOp[] {
    const ops = change.members.map(m => this.ctx.store.memberOp(group, m))
    if (change.group != null) ops.push(this.ctx.store.groupOp(change.group))
    return ops
  }
}
