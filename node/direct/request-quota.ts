import { KeyedMutex } from '../keyed-mutex.ts'
import type { ContactRecord, ContactsStore, JsonSublevel } from '../store/contacts-store.ts'
import type { Database } from '../store/database.ts'
import type { BatchOp, MessageRecord, MessagesStore } from '../store/messages-store.ts'
import type { RequestDropEvent, RequestDrops } from '../messenger.ts'

/** What strangers may keep on this disk: per request, and over all requests. */
export interface RequestLimits {
  messagesPerPeer: number
  bytesPerPeer: number
  requests: number
  bytes: number
}

/** 100 strangers x 20 messages, 4 MiB in all (a full 64 KiB body is one of 4 per stranger). */
export const REQUEST_LIMITS: RequestLimits = { messagesPerPeer: 20, bytesPerPeer: 256 * 1024, requests: 100, bytes: 4 * 1024 * 1024 }

/** A stored message's record and its three index entries, besides its text. */
const RECORD_OVERHEAD = 512

export function requestBytes (record: MessageRecord): number {
  return Buffer.byteLength(record.body) + RECORD_OVERHEAD
}

/** What was dropped to stay under the limits: older messages of a request, or a whole request. */
export type RequestDrop = RequestDropEvent
export type { RequestDrops }

export interface Admission {
  /** how many of the incoming messages, from the first, are over the request's own cap */
  skip: number
  /** deletions to write in the same batch as the messages */
  ops: BatchOp[]
  /** the request's record, its dropped count brought up to date */
  record: ContactRecord
  /** call once that batch is written: updates the counts, returns what was dropped */
  commit (): RequestDrop[]
}

interface Usage { messages: number, bytes: number, lastAt: number }

/**
 * Caps what strangers store here. Each request keeps its newest messages within its own cap;
 * past the total caps the least recently active requests go whole. Counts are read from the
 * store once, then kept: every request write goes through admit(), one at a time (run()).
 */
export class RequestQuota {
  readonly limits: RequestLimits
  private readonly contacts: ContactsStore
  private readonly messages: MessagesStore
  private readonly drops: JsonSublevel<RequestDrops>
  private readonly lock = new KeyedMutex()
  private usage?: Map<string, Usage>
  private total = 0

  constructor (db: Database, contacts: ContactsStore, messages: MessagesStore, limits: Partial<RequestLimits> = {}) {
    this.contacts = contacts
    this.messages = messages
    this.limits = { ...REQUEST_LIMITS, ...limits }
    this.drops = db.sublevel<string, RequestDrops>('request-drops', { valueEncoding: 'json' })
  }

  /** Runs `task` with no other admission in between (admit, write, commit). */
  async run <T> (task: () => Promise<T>): Promise<T> {
    return this.lock.run('requests', task)
  }

  async dropped (): Promise<RequestDrops> {
    return (await this.drops.get('total')) ?? { requests: 0, messages: 0 }
  }

  async admit (record: ContactRecord, incoming: MessageRecord[]): Promise<Admission> {
    const usage = await this.load()
    const peer = record.peerId
    const limits = this.limits
    const now = Date.now()
    const mine = usage.get(peer) ?? { messages: 0, bytes: 0, lastAt: now }
    const sizes = incoming.map(requestBytes)
    let messages = mine.messages + incoming.length
    let bytes = mine.bytes + sizes.reduce((a, b) => a + b, 0)
    const over = (): boolean => messages > limits.messagesPerPeer || bytes > limits.bytesPerPeer

    // the request's own cap: its oldest stored messages go first, then the first of this batch
    let older = 0
    if (over() && mine.messages > 0) {
      for (const old of await this.messages.oldest(peer, mine.messages)) {
        if (!over()) break
        messages--
        bytes -= requestBytes(old)
        older++
      }
    }
    let skip = 0
    while (over() && skip < incoming.length - 1) {
      messages--
      bytes -= sizes[skip++]
    }
    const ops: BatchOp[] = older > 0 ? await this.messages.deleteOps(peer, older) : []

    // the total caps: the least recently active other requests go whole
    let requests = usage.size + (usage.has(peer) ? 0 : 1)
    let total = this.total - mine.bytes + bytes
    const gone: Array<{ peerId: string, usage: Usage, deleted: boolean }> = []
    const others = [...usage.entries()].filter(([p]) => p !== peer).sort((a, b) => a[1].lastAt - b[1].lastAt)
    for (const [other, theirs] of others) {
      if (requests <= limits.requests && total <= limits.bytes) break
      requests--
      total -= theirs.bytes
      const current = await this.contacts.get(other)
      // accepted or blocked since: no longer a request, only forgotten here
      const deleted = current == null || current.state === 'request'
      if (deleted) {
        ops.push(...await this.messages.deleteOps(other))
        if (current != null) ops.push(this.contacts.deleteOp(other))
      }
      gone.push({ peerId: other, usage: theirs, deleted })
    }

    const droppedHere = older + skip
    const drops: RequestDrop[] = [
      ...(droppedHere > 0 ? [{ peerId: peer, messages: droppedHere, whole: false }] : []),
      ...gone.filter(g => g.deleted).map(g => ({ peerId: g.peerId, messages: g.usage.messages, whole: true }))
    ]
    if (drops.length > 0) {
      const before = await this.dropped()
      ops.push({
        type: 'put',
        sublevel: this.drops,
        key: 'total',
        value: { requests: before.requests + drops.filter(d => d.whole).length, messages: before.messages + drops.reduce((n, d) => n + d.messages, 0) }
      })
    }
    return {
      skip,
      ops,
      record: droppedHere > 0 ? { ...record, dropped: (record.dropped ?? 0) + droppedHere } : record,
      commit: () => {
        usage.set(peer, { messages, bytes, lastAt: now })
        for (const g of gone) {
          usage.delete(g.peerId)
          if (g.deleted) {
            this.contacts.deleted(g.peerId)
            this.messages.forgetClock(g.peerId)
          }
        }
        this.total = total
        return drops
      }
    }
  }

  /** A request became a contact or was blocked: it no longer counts. */
  forget (peer: string): void {
    const theirs = this.usage?.get(peer)
    if (theirs == null) return
    this.usage?.delete(peer)
    this.total -= theirs.bytes
  }

  private async load (): Promise<Map<string, Usage>> {
    if (this.usage != null) return this.usage
    const usage = new Map<string, Usage>()
    let total = 0
    for (const request of await this.contacts.list('request')) {
      const entry: Usage = { messages: 0, bytes: 0, lastAt: request.addedAt }
      for (const record of await this.messages.oldest(request.peerId, 100_000)) {
        entry.messages++
        entry.bytes += requestBytes(record)
        entry.lastAt = Math.max(entry.lastAt, record.storedAt)
      }
      usage.set(request.peerId, entry)
      total += entry.bytes
    }
    this.total = total
    this.usage ??= usage
    return this.usage
  }
}
