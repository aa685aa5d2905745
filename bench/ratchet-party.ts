import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openEnvelope, sealEnvelope, type Envelope, type OpenedEnvelope } from '../protocols/dm/index.ts'
import { Ratchet } from '../node/direct/ratchet.ts'
import { openDatabase, type Database } from '../node/store/database.ts'
import type { PrivateKey } from '@libp2p/interface'

/** one data key for every store here: a store reopened after a crash needs the same */
const DATA_KEY = randomBytes(32)

/**
 * One side's Signal state for the benches that run the DM protocol without a messenger: a
 * Ratchet over its own level database, seals and opens one at a time (as the node's per-peer
 * lock makes them), each writing the ratchet's new state.
 */
export interface RatchetParty {
  ratchet: Ratchet
  seal(to: RatchetParty, key: PrivateKey, body: string, lamport: bigint): Promise<Envelope>
  open(envelope: Envelope): Promise<OpenedEnvelope>
  close(): Promise<void>
}

export async function ratchetParty (key: PrivateKey): Promise<RatchetParty> {
  const dir = await mkdtemp(join(tmpdir(), 'hyphae-bench-ratchet-'))
  const db: Database = await openDatabase(dir, 'db', DATA_KEY)
  const ratchet = new Ratchet(db, key)
  await ratchet.ready()
  let queue: Promise<unknown> = Promise.resolve()
  const serially = async <T> (task: () => Promise<T>): Promise<T> => {
    const result = queue.then(task, task)
    queue = result.catch(() => {})
    return result
  }
  return {
    ratchet,
    seal: async (to, senderKey, body, lamport) => serially(async () => {
      const tx = ratchet.transaction()
      if (!(await ratchet.hasSession(tx, to.ratchet.me))) await ratchet.startSession(tx, to.ratchet.me, await to.ratchet.inviteBundle())
      const envelope = await sealEnvelope({ sender: senderKey.publicKey, recipient: to.ratchet.me, stores: tx.stores, lamport, body })
      const written = db.batch(tx.ops() as any)
      ratchet.store.committing(tx, written)
      return envelope
    }),
    open: async envelope => serially(async () => {
      const tx = ratchet.transaction()
      const message = await openEnvelope(envelope, tx.stores, ratchet.me)
      const written = db.batch(tx.ops() as any)
      ratchet.store.committing(tx, written)
      return message
    }),
    close: async () => {
      await queue
      await db.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}
