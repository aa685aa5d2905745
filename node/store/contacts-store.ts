import type { Database } from './database.ts'
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
}

export type JsonSublevel<V> = AbstractSublevel<Database, string | Uint8Array, string, V>

export class ContactsStore {
  readonly sublevel: JsonSublevel<ContactRecord>

  constructor (db: Database) {
    this.sublevel = db.sublevel<string, ContactRecord>('contacts', { valueEncoding: 'json' })
  }

  async get (peerId: string): Promise<ContactRecord | undefined> {
    return this.sublevel.get(peerId)
  }

  async put (record: ContactRecord): Promise<void> {
    await this.sublevel.put(record.peerId, record)
  }

  async delete (peerId: string): Promise<void> {
    await this.sublevel.del(peerId)
  }

  async list (state?: ContactState): Promise<ContactRecord[]> {
    const all = await this.sublevel.values().all()
    return state == null ? all : all.filter(c => c.state === state)
  }
}
