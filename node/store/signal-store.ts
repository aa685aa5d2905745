import {
  IdentityChange, IdentityKeyStore, KyberPreKeyRecord, KyberPreKeyStore, PreKeyRecord, PreKeyStore,
  ProtocolAddress, PublicKey, SessionRecord, SessionStore, SignedPreKeyRecord, SignedPreKeyStore,
  type Direction, type PrivateKey
} from '@signalapp/libsignal-client'
import { hex } from '../hex.ts'
import type { Database } from './database.ts'
import type { BatchOp } from './messages-store.ts'
import type { AbstractSublevel } from 'abstract-level'

type Sublevel = AbstractSublevel<Database, string | Uint8Array, string, Uint8Array>

/** What libsignal needs to know about us and about a peer's identity. */
export interface SignalIdentity {
  privateKey: PrivateKey
  registrationId: number
  /** the libsignal identity key bound to a peer id, or undefined when it has none */
  identityOf(peerId: string): PublicKey | undefined
}

/** The five stores libsignal's session functions take, all reading and writing one transaction. */
export interface SignalStores {
  session: SessionStore
  identity: IdentityKeyStore
  preKey: PreKeyStore
  signedPreKey: SignedPreKeyStore
  kyberPreKey: KyberPreKeyStore
}

export class PrekeyMissingError extends Error {
  static name = 'PrekeyMissingError'
  constructor (what: string, id: number) {
    super(`no ${what} prekey ${id} (rotated out, used up, or never ours)`)
    this.name = 'PrekeyMissingError'
  }
}

/** Keys: session!<peer>, prekey!<id>, signed!<id>, kyber!<id> (one-time), resort!<id> (last resort), used!<kyber>!<base key>. */
export const sessionKey = (peer: string): string => `session!${peer}`
export const prekeyKey = (id: number): string => `prekey!${pad(id)}`
export const signedKey = (id: number): string => `signed!${pad(id)}`
export const kyberKey = (id: number): string => `kyber!${pad(id)}`
export const resortKey = (id: number): string => `resort!${pad(id)}`
const usedKey = (kyberId: number, baseKey: PublicKey): string => `used!${pad(kyberId)}!${hex(baseKey.serialize())}`

function pad (id: number): string {
  return id.toString(16).padStart(8, '0')
}

/**
 * libsignal's session state over the profile's level database. libsignal changes its stores
 * while it decrypts; here those changes go into a transaction, and the caller writes
 * `tx.ops()` in the same batch as the message they belong to, so the ratchet never moves on
 * past a message that was not stored (nor a message gets stored twice). Writes handed to a batch
 * but not yet on disk stay visible to the next transaction (`pending`), so sends pipelined under
 * group commit build on each other.
 */
export class SignalStore {
  readonly db: Sublevel
  private readonly pending = new Map<string, Uint8Array | null>()
  private readonly identity: SignalIdentity

  constructor (db: Database, identity: SignalIdentity) {
    this.db = db.sublevel<string, Uint8Array>('signal', { valueEncoding: 'view' })
    this.identity = identity
  }

  get localIdentity (): SignalIdentity {
    return this.identity
  }

  async read (key: string): Promise<Uint8Array | undefined> {
    if (this.pending.has(key)) return this.pending.get(key) ?? undefined
    return (await this.db.get(key)) ?? undefined
  }

  /** A transaction over the store, or over `parent` (a savepoint: merge it or drop it). */
  transaction (parent?: SignalTransaction): SignalTransaction {
    return new SignalTransaction(this, parent)
  }

  /**
   * Call with the batch that carries `tx.ops()`: its writes are visible at once, and forgotten
   * from memory once on disk (or, if the write failed, so that the disk's state counts again).
   */
  committing (tx: SignalTransaction, written: Promise<unknown>): void {
    const writes = tx.writes()
    for (const [key, value] of writes) this.pending.set(key, value)
    const settle = (): void => {
      for (const [key, value] of writes) if (this.pending.get(key) === value) this.pending.delete(key)
    }
    written.then(settle, settle)
  }

  opsOf (writes: Map<string, Uint8Array | null>): BatchOp[] {
    return [...writes].map(([key, value]) => value == null
      ? { type: 'del', sublevel: this.db, key }
      : { type: 'put', sublevel: this.db, key, value })
  }

  async keys (prefix: string): Promise<string[]> {
    const keys = await this.db.keys({ gt: prefix, lt: prefix + '~' }).all()
    const seen = new Set(keys)
    for (const [key, value] of this.pending) {
      if (!key.startsWith(prefix)) continue
      if (value == null) seen.delete(key)
      else seen.add(key)
    }
    return [...seen].sort()
  }
}

/** Buffered reads and writes for one operation (an encrypt, a batch of decrypts). */
export class SignalTransaction {
  readonly stores: SignalStores
  private readonly store: SignalStore
  private readonly parent?: SignalTransaction
  private readonly buffer = new Map<string, Uint8Array | null>()

  constructor (store: SignalStore, parent?: SignalTransaction) {
    this.store = store
    this.parent = parent
    this.stores = adapters(this, store.localIdentity)
  }

  async get (key: string): Promise<Uint8Array | undefined> {
    if (this.buffer.has(key)) return this.buffer.get(key) ?? undefined
    return this.parent != null ? this.parent.get(key) : this.store.read(key)
  }

  set (key: string, value: Uint8Array | null): void {
    this.buffer.set(key, value)
  }

  /** Folds a savepoint's writes into this transaction. */
  merge (child: SignalTransaction): void {
    for (const [key, value] of child.buffer) this.buffer.set(key, value)
  }

  writes (): Map<string, Uint8Array | null> {
    return new Map(this.buffer)
  }

  get empty (): boolean {
    return this.buffer.size === 0
  }

  /** The batch operations that make this transaction durable. */
  ops (): BatchOp[] {
    return this.store.opsOf(this.buffer)
  }
}

function adapters (tx: SignalTransaction, me: SignalIdentity): SignalStores {
  const peerOf = (address: ProtocolAddress): string => address.name()
  const session = new (class extends SessionStore {
    async saveSession (address: ProtocolAddress, record: SessionRecord): Promise<void> {
      tx.set(sessionKey(peerOf(address)), record.serialize())
    }

    async getSession (address: ProtocolAddress): Promise<SessionRecord | null> {
      const bytes = await tx.get(sessionKey(peerOf(address)))
      return bytes == null ? null : SessionRecord.deserialize(Uint8Array.from(bytes))
    }

    async getExistingSessions (addresses: ProtocolAddress[]): Promise<SessionRecord[]> {
      const records = await Promise.all(addresses.map(async a => this.getSession(a)))
      return records.filter(r => r != null)
    }
  })()
  const identity = new (class extends IdentityKeyStore {
    async getIdentityKey (): Promise<PrivateKey> { return me.privateKey }
    async getLocalRegistrationId (): Promise<number> { return me.registrationId }
    // a peer's libsignal identity is bound to its peer id (see SignalIdentity): nothing to save
    async saveIdentity (): Promise<IdentityChange> { return IdentityChange.NewOrUnchanged }
    async isTrustedIdentity (address: ProtocolAddress, key: PublicKey, _direction: Direction): Promise<boolean> {
      return me.identityOf(peerOf(address))?.equals(key) ?? false
    }

    async getIdentity (address: ProtocolAddress): Promise<PublicKey | null> {
      return me.identityOf(peerOf(address)) ?? null
    }
  })()
  const preKey = new (class extends PreKeyStore {
    async savePreKey (id: number, record: PreKeyRecord): Promise<void> { tx.set(prekeyKey(id), record.serialize()) }
    async getPreKey (id: number): Promise<PreKeyRecord> {
      const bytes = await tx.get(prekeyKey(id))
      if (bytes == null) throw new PrekeyMissingError('one-time', id)
      return PreKeyRecord.deserialize(Uint8Array.from(bytes))
    }

    async removePreKey (id: number): Promise<void> { tx.set(prekeyKey(id), null) }
  })()
  const signedPreKey = new (class extends SignedPreKeyStore {
    async saveSignedPreKey (id: number, record: SignedPreKeyRecord): Promise<void> { tx.set(signedKey(id), record.serialize()) }
    async getSignedPreKey (id: number): Promise<SignedPreKeyRecord> {
      const bytes = await tx.get(signedKey(id))
      if (bytes == null) throw new PrekeyMissingError('signed', id)
      return SignedPreKeyRecord.deserialize(Uint8Array.from(bytes))
    }
  })()
  const kyberPreKey = new (class extends KyberPreKeyStore {
    async saveKyberPreKey (id: number, record: KyberPreKeyRecord): Promise<void> { tx.set(kyberKey(id), record.serialize()) }
    async getKyberPreKey (id: number): Promise<KyberPreKeyRecord> {
      const bytes = (await tx.get(kyberKey(id))) ?? (await tx.get(resortKey(id)))
      if (bytes == null) throw new PrekeyMissingError('Kyber', id)
      return KyberPreKeyRecord.deserialize(Uint8Array.from(bytes))
    }

    async markKyberPreKeyUsed (id: number, _signedPreKeyId: number, baseKey: PublicKey): Promise<void> {
      if ((await tx.get(kyberKey(id))) != null) { tx.set(kyberKey(id), null); return }
      // a last-resort key stays, but one base key may not start two sessions with it (a replay)
      const used = usedKey(id, baseKey)
      if ((await tx.get(used)) != null) throw new Error(`Kyber prekey ${id} already used with this base key`)
      tx.set(used, new Uint8Array([1]))
    }
  })()
  return { session, identity, preKey, signedPreKey, kyberPreKey }
}
