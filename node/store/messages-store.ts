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
}

const STATUS_RANK: Record<MessageStatus, number> = { queued: 0, sent: 1, failed: 2, delivered: 3, read: 4, received: 0 }

/** Keys sort by conversation, then Lamport clock, then id: a range read is a page of a conversation. */
export function messageKey (conversation: string, lamport: number, id: string): string {
  return `${conversation}!${lamport.toString().padStart(16, '0')}!${id}`
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
  /** status changes read a record and write it back: one at a time, so none is lost */
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
   * Runs a status change (read the records, write them back) after every earlier one has been
   * written. A read receipt and the ack that marks the same message delivered would otherwise
   * both read it before either writes, and the later write could undo "read".
   */
  async changeStatus <T> (task: () => Promise<T>): Promise<T> {
    return this.statusLock.run('status', task)
  }

  /**
   * The operation that moves a message to `status`, never backwards (a read receipt may arrive
   * before the write that marks the message delivered).
   */
  async statusOps (id: string, status: MessageStatus, change: Partial<MessageRecord> = {}): Promise<BatchOp[]> {
    const key = await this.byId.get(id)
    if (key == null) return []
    const record = await this.messages.get(key)
    if (record == null || STATUS_RANK[record.status] >= STATUS_RANK[status]) return []
    return [{ type: 'put', sublevel: this.messages, key, value: { ...record, ...change, status } }]
  }

  /** Moves one message to `status` (never backwards); true if it changed. */
  async setStatus (id: string, status: MessageStatus, change: Partial<MessageRecord> = {}): Promise<boolean> {
    return this.changeStatus(async () => {
      const ops = await this.statusOps(id, status, change)
      if (ops.length > 0) await this.batch(ops)
      return ops.length > 0
    })
  }

  /**
   * statusOps for messages found by their keys in `messages` (see messageKey), read on this
   * thread: records written moments ago, still in LevelDB's memtable or block cache (the
   * outbox asks this for every message acked). One list per message (empty when it is already
   * past `status`), or undefined when there is no message at that key.
   */
  statusOpsByKey (changes: Array<{ key: string, status: MessageStatus }>): Array<BatchOp[] | undefined> {
    return changes.map(({ key, status }) => {
      const record = this.messages.getSync(key)
      if (record == null) return undefined
      if (STATUS_RANK[record.status] >= STATUS_RANK[status]) return []
      return [{ type: 'put', sublevel: this.messages, key, value: { ...record, status } }]
    })
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
    const ops: BatchOp[] = []
    for await (const [key, record] of this.messages.iterator({ gt: `${conversation}!`, lt: `${conversation}!~` })) {
      ops.push({ type: 'del', sublevel: this.messages, key }, { type: 'del', sublevel: this.byId, key: record.id }, { type: 'del', sublevel: this.unread, key: `${conversation}!${record.id}` })
    }
    ops.push({ type: 'del', sublevel: this.clocks, key: conversation })
    await this.batch(ops)
    this.clockCache.delete(conversation)
  }
}
