import type { Database } from './database.ts'
import type { MailboxStore, StoredEnvelope } from '../../protocols/mailbox/index.ts'
import type { AbstractSublevel } from 'abstract-level'

type Bytes = AbstractSublevel<Database, string | Uint8Array, string, Uint8Array>
type Json<V> = AbstractSublevel<Database, string | Uint8Array, string, V>

/**
 * A relay's mailboxes in level: `<recipient>!<storedAt>!<id>` -> the sealed envelope (all the
 * relay ever has: ciphertext, the two public keys, no nickname), and `<recipient>!<id>` -> that
 * key, for dedupe and deletion by id.
 */
export class LevelMailboxStore implements MailboxStore {
  private readonly db: Database
  private readonly envelopes: Bytes
  private readonly ids: Json<string>
  /** `<recipient>` -> its prekey bundle (one each, replaced when it publishes again) */
  private readonly prekeys: Bytes
  private readonly usageCache = new Map<string, { messages: number, bytes: number }>()

  constructor (db: Database) {
    this.db = db
    this.envelopes = db.sublevel<string, Uint8Array>('mailbox', { valueEncoding: 'view' })
    this.ids = db.sublevel<string, string>('mailbox-ids', { valueEncoding: 'json' })
    this.prekeys = db.sublevel<string, Uint8Array>('mailbox-prekeys', { valueEncoding: 'view' })
  }

  async putPrekeys (recipient: string, bundle: Uint8Array): Promise<void> {
    await this.prekeys.put(recipient, bundle)
  }

  async getPrekeys (recipient: string): Promise<Uint8Array | undefined> {
    return (await this.prekeys.get(recipient)) ?? undefined
  }

  async put (recipient: string, entry: StoredEnvelope): Promise<boolean> {
    if ((await this.ids.get(`${recipient}!${entry.id}`)) != null) return false
    const key = `${recipient}!${entry.storedAt.toString().padStart(16, '0')}!${entry.id}`
    await this.db.batch([
      { type: 'put', sublevel: this.envelopes, key, value: entry.envelope },
      { type: 'put', sublevel: this.ids, key: `${recipient}!${entry.id}`, value: key }
    ] as any)
    const usage = await this.usage(recipient)
    this.usageCache.set(recipient, { messages: usage.messages + 1, bytes: usage.bytes + entry.envelope.byteLength })
    return true
  }

  async list (recipient: string, limit: number): Promise<StoredEnvelope[]> {
    const entries = await this.envelopes.iterator({ gt: `${recipient}!`, lt: `${recipient}!~`, limit }).all()
    return entries.map(([key, envelope]) => {
      const [, storedAt, id] = key.split('!')
      return { id, envelope, storedAt: Number(storedAt) }
    })
  }

  async delete (recipient: string, ids: string[]): Promise<number> {
    const ops: any[] = []
    let bytes = 0
    for (const id of ids) {
      const key = await this.ids.get(`${recipient}!${id}`)
      if (key == null) continue
      bytes += (await this.envelopes.get(key))?.byteLength ?? 0
      ops.push({ type: 'del', sublevel: this.envelopes, key }, { type: 'del', sublevel: this.ids, key: `${recipient}!${id}` })
    }
    if (ops.length === 0) return 0
    await this.db.batch(ops)
    const usage = await this.usage(recipient)
    this.usageCache.set(recipient, { messages: Math.max(0, usage.messages - ops.length / 2), bytes: Math.max(0, usage.bytes - bytes) })
    return ops.length / 2
  }

  async usage (recipient: string): Promise<{ messages: number, bytes: number }> {
    let usage = this.usageCache.get(recipient)
    if (usage == null) {
      usage = { messages: 0, bytes: 0 }
      for await (const envelope of this.envelopes.values({ gt: `${recipient}!`, lt: `${recipient}!~` })) {
        usage.messages++
        usage.bytes += envelope.byteLength
      }
      this.usageCache.set(recipient, usage)
    }
    return usage
  }

  async expire (olderThan: number): Promise<number> {
    const ops: any[] = []
    let expired = 0
    for await (const key of this.envelopes.keys()) {
      const [recipient, storedAt, id] = key.split('!')
      if (Number(storedAt) >= olderThan) continue
      ops.push({ type: 'del', sublevel: this.envelopes, key }, { type: 'del', sublevel: this.ids, key: `${recipient}!${id}` })
      expired++
      this.usageCache.delete(recipient)
      if (ops.length >= 2000) { await this.db.batch(ops.splice(0)) }
    }
    if (ops.length > 0) await this.db.batch(ops)
    return expired
  }

  /** totals over every mailbox, for metrics */
  async totals (): Promise<{ messages: number, bytes: number }> {
    const totals = { messages: 0, bytes: 0 }
    for await (const envelope of this.envelopes.values()) {
      totals.messages++
      totals.bytes += envelope.byteLength
    }
    return totals
  }
}
