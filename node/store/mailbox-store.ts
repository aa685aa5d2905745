import type { Database } from './database.ts'
import type { MailboxStore, QueueRecord, StoredEnvelope, Usage } from '../../protocols/mailbox/index.ts'
import type { AbstractSublevel } from 'abstract-level'

type Bytes = AbstractSublevel<Database, string | Uint8Array, string, Uint8Array>
type Json<V> = AbstractSublevel<Database, string | Uint8Array, string, V>
interface StoredQueue { key: string, depositHash: string, seenAt: number }

/** the sublevels of /hyphae/mailbox/1.0.0, keyed by recipient peer id: dropped at open */
const LEGACY = ['mailbox', 'mailbox-ids', 'mailbox-prekeys']

/**
 * A relay's queues in level, version 2: `<queue>` -> { queue key, deposit hash, day last seen };
 * `<queue>!<storedAt>!<expiresAt>!<id>` -> the sealed, padded box; `<queue>!<id>` -> that key,
 * for dedupe and deletion by id; `<queue>` -> the owner's prekey bundle. Queue ids are random,
 * drawn per relay: nothing here names a peer.
 */
export class LevelMailboxStore implements MailboxStore {
  private readonly db: Database
  private readonly queues: Json<StoredQueue>
  private readonly envelopes: Bytes
  private readonly ids: Json<string>
  private readonly prekeys: Bytes
  private readonly usageCache = new Map<string, Usage>()
  private total?: Usage
  private queuesHeld?: number
  private legacyDropped?: Promise<void>

  constructor (db: Database) {
    this.db = db
    this.queues = db.sublevel<string, StoredQueue>('mbx2-queues', { valueEncoding: 'json' })
    this.envelopes = db.sublevel<string, Uint8Array>('mbx2', { valueEncoding: 'view' })
    this.ids = db.sublevel<string, string>('mbx2-ids', { valueEncoding: 'json' })
    this.prekeys = db.sublevel<string, Uint8Array>('mbx2-prekeys', { valueEncoding: 'view' })
  }

  /**
   * Deletes what version 1 kept (envelopes and prekeys by recipient peer id): a 2.0.0 client
   * cannot fetch it (no queue), and it names peers. Senders lose nothing: a message leaves their
   * outbox only on the recipient's ack, so it is deposited again in a queue, or delivered.
   */
  async dropLegacy (): Promise<void> {
    this.legacyDropped ??= (async () => {
      for (const name of LEGACY) await this.db.sublevel(name).clear()
    })()
    await this.legacyDropped
  }

  async getQueue (queue: string): Promise<QueueRecord | undefined> {
    const held = await this.queues.get(queue)
    if (held == null) return undefined
    return { key: Uint8Array.from(Buffer.from(held.key, 'hex')), depositHash: Uint8Array.from(Buffer.from(held.depositHash, 'hex')), seenAt: held.seenAt }
  }

  async putQueue (queue: string, record: QueueRecord): Promise<void> {
    const isNew = (await this.queues.get(queue)) == null
    await this.queues.put(queue, { key: Buffer.from(record.key).toString('hex'), depositHash: Buffer.from(record.depositHash).toString('hex'), seenAt: record.seenAt })
    if (isNew && this.queuesHeld != null) this.queuesHeld++
  }

  async queueCount (): Promise<number> {
    if (this.queuesHeld == null) {
      let n = 0
      for await (const _ of this.queues.keys()) n++
      this.queuesHeld = n
    }
    return this.queuesHeld
  }

  async putPrekeys (queue: string, bundle: Uint8Array): Promise<void> {
    await this.prekeys.put(queue, bundle)
  }

  async getPrekeys (queue: string): Promise<Uint8Array | undefined> {
    return (await this.prekeys.get(queue)) ?? undefined
  }

  async put (queue: string, entry: StoredEnvelope): Promise<boolean> {
    if ((await this.ids.get(`${queue}!${entry.id}`)) != null) return false
    const key = `${queue}!${pad(entry.storedAt)}!${pad(entry.expiresAt)}!${entry.id}`
    await this.db.batch([
      { type: 'put', sublevel: this.envelopes, key, value: entry.envelope },
      { type: 'put', sublevel: this.ids, key: `${queue}!${entry.id}`, value: key }
    ] as any)
    const usage = await this.usage(queue)
    this.usageCache.set(queue, { messages: usage.messages + 1, bytes: usage.bytes + entry.envelope.byteLength })
    this.account(entry.envelope.byteLength, 1)
    return true
  }

  async totalUsage (): Promise<Usage> {
    this.total ??= await this.totals()
    return { ...this.total }
  }

  private account (bytes: number, messages: number): void {
    if (this.total == null) return
    this.total.messages = Math.max(0, this.total.messages + messages)
    this.total.bytes = Math.max(0, this.total.bytes + bytes * Math.sign(messages))
  }

  async list (queue: string, limit: number): Promise<StoredEnvelope[]> {
    const entries = await this.envelopes.iterator({ gt: `${queue}!`, lt: `${queue}!~`, limit }).all()
    return entries.map(([key, envelope]) => {
      const [, storedAt, expiresAt, id] = key.split('!')
      return { id, envelope, storedAt: Number(storedAt), expiresAt: Number(expiresAt) }
    })
  }

  async delete (queue: string, ids: string[]): Promise<number> {
    const ops: any[] = []
    let bytes = 0
    for (const id of ids) {
      const key = await this.ids.get(`${queue}!${id}`)
      if (key == null) continue
      const envelope = await this.envelopes.get(key)
      bytes += envelope?.byteLength ?? 0
      ops.push({ type: 'del', sublevel: this.envelopes, key }, { type: 'del', sublevel: this.ids, key: `${queue}!${id}` })
    }
    if (ops.length === 0) return 0
    await this.db.batch(ops)
    const usage = await this.usage(queue)
    const count = ops.length / 2
    this.usageCache.set(queue, { messages: Math.max(0, usage.messages - count), bytes: Math.max(0, usage.bytes - bytes) })
    this.account(bytes, -count)
    return count
  }

  async usage (queue: string): Promise<Usage> {
    let usage = this.usageCache.get(queue)
    if (usage == null) {
      usage = { messages: 0, bytes: 0 }
      for await (const envelope of this.envelopes.values({ gt: `${queue}!`, lt: `${queue}!~` })) {
        usage.messages++
        usage.bytes += envelope.byteLength
      }
      if (this.usageCache.size >= 10_000) this.usageCache.delete(this.usageCache.keys().next().value as string)
      this.usageCache.set(queue, usage)
    }
    return usage
  }

  async expire (olderThan: number, now: number, idleSince: number): Promise<number> {
    await this.dropLegacy()
    const ops: any[] = []
    let expired = 0
    for await (const key of this.envelopes.keys()) {
      const [queue, storedAt, expiresAt, id] = key.split('!')
      if (Number(storedAt) >= olderThan && Number(expiresAt) > now) continue
      ops.push({ type: 'del', sublevel: this.envelopes, key }, { type: 'del', sublevel: this.ids, key: `${queue}!${id}` })
      expired++
      this.usageCache.delete(queue)
      if (ops.length >= 2000) { await this.db.batch(ops.splice(0)) }
    }
    if (ops.length > 0) await this.db.batch(ops.splice(0))
    // a queue its owner has not fetched from in a long while goes, with what it held
    for await (const [queue, record] of this.queues.iterator()) {
      if (record.seenAt >= idleSince) continue
      ops.push({ type: 'del', sublevel: this.queues, key: queue }, { type: 'del', sublevel: this.prekeys, key: queue })
      for await (const key of this.envelopes.keys({ gt: `${queue}!`, lt: `${queue}!~` })) {
        ops.push({ type: 'del', sublevel: this.envelopes, key }, { type: 'del', sublevel: this.ids, key: `${queue}!${key.split('!')[3]}` })
        expired++
      }
      this.usageCache.delete(queue)
      this.queuesHeld = undefined
      if (ops.length >= 2000) { await this.db.batch(ops.splice(0)) }
    }
    if (ops.length > 0) await this.db.batch(ops)
    // counted again on next use
    if (expired > 0) this.total = undefined
    return expired
  }

  async deleteQueue (queue: string): Promise<number> {
    const ops: any[] = [{ type: 'del', sublevel: this.queues, key: queue }, { type: 'del', sublevel: this.prekeys, key: queue }]
    let dropped = 0
    for await (const key of this.envelopes.keys({ gt: `${queue}!`, lt: `${queue}!~` })) {
      ops.push({ type: 'del', sublevel: this.envelopes, key }, { type: 'del', sublevel: this.ids, key: `${queue}!${key.split('!')[3]}` })
      dropped++
      // a queue holds at most its quota (1000 by default): bounded
      if (ops.length >= 2000) await this.db.batch(ops.splice(0))
    }
    await this.db.batch(ops)
    this.usageCache.delete(queue)
    this.queuesHeld = undefined
    if (dropped > 0) this.total = undefined
    return dropped
  }

  /** totals over every queue, for metrics */
  async totals (): Promise<Usage> {
    const totals = { messages: 0, bytes: 0 }
    for await (const envelope of this.envelopes.values()) {
      totals.messages++
      totals.bytes += envelope.byteLength
    }
    return totals
  }
}

const pad = (n: number): string => n.toString().padStart(16, '0')
