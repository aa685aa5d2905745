import { Lru } from '../../protocols/dm/index.ts'
import type { Database } from './database.ts'
import type { QueueRecord } from '../direct/mailbox-queues.ts'
import type { BatchOp } from './messages-store.ts'
import type { AbstractSublevel } from 'abstract-level'

/** `contact`: someone you added; `request`: wrote to you first, awaiting accept; `blocked`: refused. */
export type ContactState = 'contact' | 'request' | 'blocked'

export interface ContactRecord {
  peerId: string
  nickname: string
  /** base64url protobuf public key, once known (from an invite, or the first envelope) */
  publicKey?: string
  /** addresses from the invite, the last fallback for reaching them */
  addrs: string[]
  state: ContactState
  addedAt: number
  /** their mailbox queues (from their invite, then their control messages): the only places we leave mail for them */
  queues?: QueueRecord[]
  /** a request's older messages dropped to keep it under its quota */
  dropped?: number
}

export type JsonSublevel<V> = AbstractSublevel<Database, string | Uint8Array, string, V>

/** Peers whose record (or its absence) is kept in memory; past this the oldest is read again. */
const CACHED = 10_000

/**
 * Contacts, requests and blocks. Every message sent or received looks its peer up here, so
 * records are kept in memory once read: the profile's LevelDB lock means this process is the
 * only writer, and every write goes through put(), delete() or stored(), so the cache is
 * authoritative. Returned records are shared: copy before changing one.
 */
export class ContactsStore {
  readonly sublevel: JsonSublevel<ContactRecord>
  /** null: known to have no record */
  private readonly cache = new Lru<ContactRecord | null>(CACHED)
  /** bumped by every write, so a read that raced one does not cache what it read */
  private writes = 0

  constructor (db: Database) {
    this.sublevel = db.sublevel<string, ContactRecord>('contacts', { valueEncoding: 'json' })
  }

  async get (peerId: string): Promise<ContactRecord | undefined> {
    const cached = this.cache.get(peerId)
    if (cached !== undefined) return cached ?? undefined
    const writes = this.writes
    const record = await this.sublevel.get(peerId)
    if (writes === this.writes) this.remember(peerId, record ?? null)
    return record
  }

  async put (record: ContactRecord): Promise<void> {
    await this.sublevel.put(record.peerId, record)
    this.stored(record)
  }

  async delete (peerId: string): Promise<void> {
    await this.sublevel.del(peerId)
    this.writes++
    this.remember(peerId, null)
  }

  /** The operation that writes `record` in someone else's batch; call stored() once it is written. */
  putOp (record: ContactRecord): BatchOp {
    return { type: 'put', sublevel: this.sublevel, key: record.peerId, value: record }
  }

  /** The operation that deletes `peerId`'s record in someone else's batch; call deleted() once it is written. */
  deleteOp (peerId: string): BatchOp {
    return { type: 'del', sublevel: this.sublevel, key: peerId }
  }

  deleted (peerId: string): void {
    this.writes++
    this.remember(peerId, null)
  }

  /** Records what a batch with putOp(record) wrote. */
  stored (record: ContactRecord): void {
    this.writes++
    this.remember(record.peerId, record)
  }

  async list (state?: ContactState): Promise<ContactRecord[]> {
    const all = await this.sublevel.values().all()
    return state == null ? all : all.filter(c => c.state === state)
  }

  private remember (peerId: string, record: ContactRecord | null): void {
    this.cache.set(peerId, record)
  }
}
