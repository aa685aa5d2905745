import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { Envelope } from '../../protocols/dm/index.ts'
import type { Database } from './database.ts'
import type { MailboxStore, StoredEnvelope, Usage } from '../../protocols/mailbox/index.ts'
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
  /** per depositor and in all: read with one walk of every mailbox on first use, then kept */
  private depositors?: Map<string, Usage>
  private total?: Usage
  /** puts and deletes so far, so a walk can tell it raced one */
  private changes = 0

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
    this.account(entry.sender ?? senderOf(entry.envelope), entry.envelope.byteLength, 1)
    return true
  }

  async depositorUsage (sender: string): Promise<Usage> {
    await this.walk()
    return this.depositors?.get(sender) ?? { messages: 0, bytes: 0 }
  }

  async totalUsage (): Promise<Usage> {
    await this.walk()
    return { ...(this.total ?? { messages: 0, bytes: 0 }) }
  }

  private async walk (): Promise<void> {
    // a put or delete while walking (the walk reads a snapshot) means walking again: at most 3 times
    for (let attempt = 0; attempt < 3 && this.depositors == null; attempt++) {
      const changes = this.changes
      const depositors = new Map<string, Usage>()
      const total = { messages: 0, bytes: 0 }
      for await (const envelope of this.envelopes.values()) {
        const sender = senderOf(envelope)
        const usage = depositors.get(sender) ?? { messages: 0, bytes: 0 }
        usage.messages++
        usage.bytes += envelope.byteLength
        depositors.set(sender, usage)
        total.messages++
        total.bytes += envelope.byteLength
      }
      if (changes === this.changes || attempt === 2) {
        this.depositors ??= depositors
        this.total ??= total
      }
    }
  }

  private account (sender: string, bytes: number, messages: number): void {
    this.changes++
    if (this.depositors == null || this.total == null) return
    const usage = this.depositors.get(sender) ?? { messages: 0, bytes: 0 }
    usage.messages = Math.max(0, usage.messages + messages)
    usage.bytes = Math.max(0, usage.bytes + bytes * Math.sign(messages))
    if (usage.messages === 0) this.depositors.delete(sender)
    else this.depositors.set(sender, usage)
    this.total.messages = Math.max(0, this.total.messages + messages)
    this.total.bytes = Math.max(0, this.total.bytes + bytes * Math.sign(messages))
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
    const gone: Uint8Array[] = []
    for (const id of ids) {
      const key = await this.ids.get(`${recipient}!${id}`)
      if (key == null) continue
      const envelope = await this.envelopes.get(key)
      if (envelope != null) gone.push(envelope)
      bytes += envelope?.byteLength ?? 0
      ops.push({ type: 'del', sublevel: this.envelopes, key }, { type: 'del', sublevel: this.ids, key: `${recipient}!${id}` })
    }
    if (ops.length === 0) return 0
    await this.db.batch(ops)
    const usage = await this.usage(recipient)
    this.usageCache.set(recipient, { messages: Math.max(0, usage.messages - ops.length / 2), bytes: Math.max(0, usage.bytes - bytes) })
    for (const envelope of gone) this.account(senderOf(envelope), envelope.byteLength, -1)
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
    // counted again on next use
    if (expired > 0) {
      this.depositors = undefined
      this.total = undefined
    }
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

/** Who left an envelope: its author (the relay refuses deposits by anyone else). */
function senderOf (envelope: Uint8Array): string {
  try {
    return peerIdFromPublicKey(publicKeyFromProtobuf(Envelope.decode(envelope).sender)).toString()
  } catch {
    return ''
  }
}
