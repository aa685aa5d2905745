import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { openEnvelope, sealEnvelope, type Envelope, type OpenedEnvelope, type SealInit } from '../../../protocols/dm/index.ts'
import { Ratchet } from '../../../node/direct/ratchet.ts'
import { removeDir, tempDir } from '../../fixtures/temp-dir.ts'
import { openDatabase, type Database } from '../../../node/store/database.ts'
import type { PrivateKey } from '@libp2p/interface'

/** one data key for every store here: a store reopened after a crash needs the same */
const DATA_KEY = randomBytes(32)

/** One side of a conversation: an Ed25519 identity and its Signal state in a level database of its own. */
export interface Party {
  key: PrivateKey
  peer: string
  ratchet: Ratchet
  db: Database
  dir: string
  close(): Promise<void>
}

export async function party (): Promise<Party> {
  const key = await generateKeyPair('Ed25519')
  const dir = await tempDir('hyphae-ratchet-')
  const db: Database = await openDatabase(dir, 'db', DATA_KEY)
  const ratchet = new Ratchet(db, key)
  await ratchet.ready()
  return {
    key, peer: ratchet.me, ratchet, db, dir,
    close: async () => { await db.close(); await removeDir(dir) }
  }
}

/** Seals from `from` to `to` (starting the session from `to`'s invite prekeys) and keeps the new state. */
export async function sealTo (from: Party, to: Party, body: string, extra: Partial<SealInit> = {}): Promise<Envelope> {
  const tx = from.ratchet.transaction()
  if (!(await from.ratchet.hasSession(tx, to.peer))) await from.ratchet.startSession(tx, to.peer, await to.ratchet.inviteBundle())
  const envelope = await sealEnvelope({ sender: from.key.publicKey, recipient: to.peer, stores: tx.stores, lamport: 1n, body, ...extra })
  await from.db.batch(tx.ops() as any)
  return envelope
}

/** Opens with `at`'s state; keeps the new state only when `keep` (as the inbox does once the message is stored). */
export async function openAt (at: Party, envelope: Envelope, keep = true): Promise<OpenedEnvelope> {
  const tx = at.ratchet.transaction()
  const message = await openEnvelope(envelope, tx.stores, at.peer)
  if (keep) await at.db.batch(tx.ops() as any)
  return message
}
