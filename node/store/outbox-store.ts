import type { Database } from './database.ts'
import type { BatchOp } from './messages-store.ts'
import type { AbstractSublevel } from 'abstract-level'

/**
 * Sealed envelopes waiting for the recipient's ack, keyed `<peer>!<seq>!<id>` so a range read
 * returns one peer's queue in the order the user sent it. The envelope is stored sealed, so a
 * retry sends the very same bytes (and a mailbox could hold them unread).
 */
export class OutboxStore {
  readonly sublevel: AbstractSublevel<Database, string | Uint8Array, string, Uint8Array>
  private seq = Date.now() * 1000

  constructor (db: Database) {
    this.sublevel = db.sublevel<string, Uint8Array>('outbox', { valueEncoding: 'view' })
  }

  /** A key that sorts after every earlier one, across restarts too (time-based, then counted). */
  nextKey (peer: string, id: string): string {
    this.seq = Math.max(this.seq + 1, Date.now() * 1000)
    return `${peer}!${this.seq.toString().padStart(20, '0')}!${id}`
  }

  putOp (key: string, envelope: Uint8Array): BatchOp {
    return { type: 'put', sublevel: this.sublevel, key, value: envelope }
  }

  deleteOp (key: string): BatchOp {
    return { type: 'del', sublevel: this.sublevel, key }
  }

  async forPeer (peer: string, limit = 1000): Promise<Array<{ key: string, envelope: Uint8Array }>> {
    const entries = await this.sublevel.iterator({ gt: `${peer}!`, lt: `${peer}!~`, limit }).all()
    return entries.map(([key, envelope]) => ({ key, envelope }))
  }

  async peers (): Promise<string[]> {
    const peers = new Set<string>()
    for await (const key of this.sublevel.keys()) peers.add(key.slice(0, key.indexOf('!')))
    return [...peers]
  }

  async size (): Promise<number> {
    let n = 0
    for await (const _ of this.sublevel.keys()) n++
    return n
  }
}
