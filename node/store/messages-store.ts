import { KeyedMutex } from '../keyed-mutex.ts'
import { BatchQueue } from './batch-queue.ts'
import type { Database } from './database.ts'
import type { JsonSublevel } from './contacts-store.ts'

export type MessageStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'received' | 'failed'

export interface MessageRecord {
  id: string
  /** the other party's peer id: the conversation this message belongs to */
  conversation: string
  direction: 'in' | 'out'
  body: string
  replyTo?: string
  lamport: number
  sentAt: number
  /** when it was stored here */
  storedAt: number
  status: MessageStatus
  readAt?: number
  /** the message is a file offer: the file's id (see files.list for its state) */
  file?: { id: string, name: string, size: number }
}

const STATUS_RANK: Record<MessageStatus, number> = { queued: 0, sent: 1, failed: 2, delivered: 3, read: 4, received: 0 }

/** Keys sort by conversation, then Lamport clock, then id: a range read is a page of a conversation. */
export function messageKey (conversation: string, lamport: number, id: string): string {
  return `${conversation}!${lamport.toString().padStart(16, '0')}!${id}`
}

export interface StatusChange {
  id: string
  status: MessageStatus
  /** its key in `messages` when the caller knows it (see messageKey): saves a lookup */
  key?: string
  /** fields to set with it (readAt) */
  change?: Partial<MessageRecord>
}

export type BatchOp = { type: 'put', sublevel: JsonSublevel<any> | any, key: string, value: any } | { type: 'del', sublevel: JsonSublevel<any> | any, key: string }

export class MessagesStore {
  readonly messages: JsonSublevel<MessageRecord>
  /** message id -> its key in `messages`: dedupe and status updates */
  readonly byId: JsonSublevel<string>
  /** conversation -> its Lamport clock */
  readonly clocks: JsonSublevel<number>
  /** `<conversation>!<id>` for each incoming message not yet read: opening a conversation reads only these */
  readonly unread: JsonSublevel<string>
  private readonly db: Database
  /** clocks read or written so far: every write goes through here, so memory is authoritative */
  private readonly clockCache = new Map<string, number>()
  /** every batch of this store goes through here: concurrent batches share one write */
  private readonly writes: BatchQueue<BatchOp>
  /** status changes read a record and write it back: one at a time, so none is lost (updateStatus) */
  private readonly statusLock = new KeyedMutex()

  constructor (db: Database) {
    this.db = db
    this.writes = new BatchQueue<BatchOp>(async ops => { await this.db.batch(ops as any) })
    this.messages = db.sublevel<string, MessageRecord>('messages', { valueEncoding: 'json' })
    this.byId = db.sublevel<string, string>('message-ids', { valueEncoding: 'json' })
    this.clocks = db.sublevel<string, number>('clocks', { valueEncoding: 'json' })
    this.unread = db.sublevel<string, string>('unread', { valueEncoding: 'json' })
  }

  async clock (conversation: string): Promise<number> {
    let clock = this.clockCache.get(conversation)
    if (clock == null) {
      clock = (await this.clocks.get(conversation)) ?? 0
      this.clockCache.set(conversation, clock)
    }
    return clock
  }

  async has (id: string): Promise<boolean> {
    return (await this.byId.get(id)) != null
  }

  /**
   * has(), answered on this thread: a new id is a miss that LevelDB's bloom filters settle from
   * memory, which costs far less than a trip through the thread pool (every message received
   * asks this once).
   */
  hasSync (id: string): boolean {
    return this.byId.getSync(id) != null
  }

  async get (id: string): Promise<MessageRecord | undefined> {
    const key = await this.byId.get(id)
    return key == null ? undefined : this.messages.get(key)
  }

  /** The operations that store a message and advance the conversation clock; run them in one batch. */
  putOps (record: MessageRecord, clock: number): BatchOp[] {
    const key = messageKey(record.conversation, record.lamport, record.id)
    // callers hold the conversation's mutex; a batch that fails after this only leaves a gap
    this.clockCache.set(record.conversation, Math.max(clock, this.clockCache.get(record.conversation) ?? 0))
    const ops: BatchOp[] = [
      { type: 'put', sublevel: this.messages, key, value: record },
      { type: 'put', sublevel: this.byId, key: record.id, value: key },
      { type: 'put', sublevel: this.clocks, key: record.conversation, value: clock }
    ]
    if (record.direction === 'in' && record.status === 'received') ops.push({ type: 'put', sublevel: this.unread, key: `${record.conversation}!${record.id}`, value: record.id })
    return ops
  }

  /** Ids of the conversation's incoming messages not yet read. */
  async unreadIds (conversation: string, limit = 100_000): Promise<string[]> {
    return this.unread.values({ gt: `${conversation}!`, lt: `${conversation}!~`, limit }).all()
  }

  /** How many of the conversation's incoming messages are not yet read. */
  async unreadCount (conversation: string): Promise<number> {
    let n = 0
    for await (const _ of this.unread.keys({ gt: `${conversation}!`, lt: `${conversation}!~` })) n++
    return n
  }

  /** The operation that takes a message off the unread index. */
  readOp (conversation: string, id: string): BatchOp {
    return { type: 'del', sublevel: this.unread, key: `${conversation}!${id}` }
  }

  /** Writes `ops` atomically; resolves once they are on disk (see BatchQueue). */
  async batch (ops: BatchOp[]): Promise<void> {
    await this.writes.batch(ops)
  }

  /**
   * The one way a message's status changes: moves each message to its status, never backwards
   * (a read receipt may arrive before the ack that marks the same message delivered), and writes
   * `alsoWrite` (the outbox entries it settles...) in the same batch. Changes run one at a time,
   * each reading after the previous one is written, so a receipt and an ack racing for the same
   * message cannot undo each other. Returns, per change, whether the message moved.
   */
  async updateStatus (changes: StatusChange[], alsoWrite: BatchOp[] = []): Promise<boolean[]> {
    return this.statusLock.run('status', async () => {
      const ops = await Promise.all(changes.map(async c => (c.key != null ? this.statusOpsAt(c.key, c) : undefined) ?? this.statusOps(c)))
      const all = [...ops.flat(), ...alsoWrite]
      if (all.length > 0) await this.batch(all)
      return ops.map(o => o.length > 0)
    })
  }

  private async statusOps (change: StatusChange): Promise<BatchOp[]> {
    const key = await this.byId.get(change.id)
    if (key == null) return []
    return this.moveOps(key, await this.messages.get(key), change)
  }

  /**
   * The record at `key`, read on this thread: when the outbox acks a message it was written
   * moments ago, and is still in LevelDB's memtable or block cache. Undefined: no record there.
   */
  private statusOpsAt (key: string, change: StatusChange): BatchOp[] | undefined {
    const record = this.messages.getSync(key)
    return record == null ? undefined : this.moveOps(key, record, change)
  }

  private moveOps (key: string, record: MessageRecord | undefined, { status, change }: StatusChange): BatchOp[] {
    if (record == null || STATUS_RANK[record.status] >= STATUS_RANK[status]) return []
    return [{ type: 'put', sublevel: this.messages, key, value: { ...record, ...change, status } }]
  }

  /** A page of a conversation, oldest first, ending before `before` (a message id) when given. */
  async list (conversation: string, options: { limit?: number, before?: string } = {}): Promise<MessageRecord[]> {
    const limit = Math.max(1, Math.min(options.limit ?? 50, 1000))
    let lt = `${conversation}!~`
    if (options.before != null) {
      const key = await this.byId.get(options.before)
      if (key != null) lt = key
    }
    const page = await this.messages.values({ gt: `${conversation}!`, lt, reverse: true, limit }).all()
    return page.reverse()
  }

  async deleteConversation (conversation: string): Promise<void> {
    await this.batch(await this.deleteOps(conversation))
    this.clockCache.delete(conversation)
  }

  /** The operations that delete the conversation's `limit` oldest messages (all of them and its clock, with no limit). */
  async deleteOps (conversation: string, limit?: number): Promise<BatchOp[]> {
    const ops: BatchOp[] = []
    for await (const [key, record] of this.messages.iterator({ gt: `${conversation}!`, lt: `${conversation}!~`, limit: limit ?? -1 })) {
      ops.push({ type: 'del', sublevel: this.messages, key }, { type: 'del', sublevel: this.byId, key: record.id }, { type: 'del', sublevel: this.unread, key: `${conversation}!${record.id}` })
    }
    if (limit == null) ops.push({ type: 'del', sublevel: this.clocks, key: conversation })
    return ops
  }

  /** After a batch with deleteOps(conversation) (no limit) is written: its clock is gone too. */
  forgetClock (conversation: string): void {
    this.clockCache.delete(conversation)
  }

  /** The conversation's messages, oldest first (for a quota that adds up their sizes). */
  async oldest (conversation: string, limit: number): Promise<MessageRecord[]> {
    return this.messages.values({ gt: `${conversation}!`, lt: `${conversation}!~`, limit }).all()
  }
}
