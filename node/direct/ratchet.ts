import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import {
  KEMKeyPair, KEMPublicKey, KyberPreKeyRecord, PreKeyBundle, PreKeyRecord, PrivateKey, PublicKey,
  SignedPreKeyRecord, processPreKeyBundle
} from '@signalapp/libsignal-client'
import { addressOf, DEVICE_ID } from '../../protocols/dm/index.ts'
import { Lru } from '../../protocols/dm/lru.ts'
import { PrekeyBundle } from '../../protocols/prekeys/index.ts'
import { kyberKey, prekeyKey, resortKey, sessionKey, signedKey, SignalStore, type SignalTransaction } from '../store/signal-store.ts'
import type { Database } from '../store/database.ts'
import type { PrivateKey as Libp2pKey } from '@libp2p/interface'

/** A new signed prekey (and last-resort Kyber key) each week; the old ones open first messages for 60 days. */
export const ROTATE_EVERY_MS = 7 * 24 * 3600 * 1000
export const RETIRE_AFTER_MS = 60 * 24 * 3600 * 1000
/** one-time prekeys handed out and not yet used: the oldest go past this */
export const MAX_ONE_TIME = 100

interface PrekeyState {
  registrationId: number
  /** the next id for any prekey */
  next: number
  current: { signed: number, kyber: number, at: number }
  retired: Array<{ signed: number, kyber: number, at: number }>
}

const STATE_KEY = 'state'
const bundleKey = (peer: string): string => `bundle!${peer}`
const text = new TextEncoder()
const untext = new TextDecoder()

/**
 * Our side of Signal: the libsignal identity, which is the X25519 form of the libp2p Ed25519
 * identity (so anyone holding a peer id knows the identity key bound to it, and no binding
 * signature needs to travel), our prekeys (rotated, replenished on demand), the bundles of peers
 * we may start sessions with, and the transactions the session functions run in.
 */
export class Ratchet {
  readonly store: SignalStore
  readonly me: string
  private readonly identities = new Lru<PublicKey>(4096)
  private state?: PrekeyState
  private starting?: Promise<void>

  constructor (db: Database, key: Libp2pKey) {
    if (key.type !== 'Ed25519') throw new Error('direct messages need an Ed25519 identity')
    this.me = peerIdFromPublicKey(key.publicKey).toString()
    const privateKey = PrivateKey.deserialize(Uint8Array.from(ed25519.utils.toMontgomerySecret(key.raw.subarray(0, 32))))
    const state = (): PrekeyState | undefined => this.state
    this.store = new SignalStore(db, {
      privateKey,
      get registrationId () { return state()?.registrationId ?? 0 },
      identityOf: peer => this.identityOf(peer)
    })
  }

  /** Loads (or makes) our prekeys once; every operation awaits this first. */
  async ready (): Promise<void> {
    this.starting ??= this.load()
    await this.starting
  }

  /** Rotates the signed prekey when a week old (called at start and once a day). */
  async maintain (now = Date.now()): Promise<void> {
    await this.ready()
    if (this.state == null || now - this.state.current.at >= ROTATE_EVERY_MS) await this.rotate(now)
  }

  private async load (): Promise<void> {
    const stored = await this.store.read(STATE_KEY)
    this.state = stored != null ? JSON.parse(untext.decode(stored)) : undefined
    if (this.state == null) await this.rotate()
  }

  /** The identity key bound to a peer id, or undefined for a peer id that holds no Ed25519 key. */
  identityOf (peer: string): PublicKey | undefined {
    let key = this.identities.get(peer)
    if (key == null) {
      let raw: Uint8Array | undefined
      try { raw = peerIdFromString(peer).publicKey?.raw } catch { return undefined }
      if (raw == null || raw.byteLength !== 32) return undefined
      key = PublicKey.deserialize(Uint8Array.from([5, ...ed25519.utils.toMontgomery(raw)]))
      this.identities.set(peer, key)
    }
    return key
  }

  transaction (parent?: SignalTransaction): SignalTransaction {
    return this.store.transaction(parent)
  }

  /** A new signed prekey and last-resort Kyber key; retired ones past RETIRE_AFTER_MS deleted. */
  async rotate (now = Date.now()): Promise<void> {
    const old = this.state
    const registrationId = old?.registrationId ?? (1 + (crypto.getRandomValues(new Uint32Array(1))[0] % 16380))
    const signedId = old?.next ?? 1
    const kyberId = signedId + 1
    const identity = this.store.localIdentity.privateKey
    const ec = PrivateKey.generate()
    const signed = SignedPreKeyRecord.new(signedId, now, ec.getPublicKey(), ec, identity.sign(ec.getPublicKey().serialize()))
    const kem = KEMKeyPair.generate()
    const kyber = KyberPreKeyRecord.new(kyberId, now, kem, identity.sign(kem.getPublicKey().serialize()))
    const retired = [...(old?.retired ?? []), ...(old != null ? [{ ...old.current, at: now }] : [])]
    const expired = retired.filter(r => now - r.at >= RETIRE_AFTER_MS)
    const state: PrekeyState = { registrationId, next: kyberId + 1, current: { signed: signedId, kyber: kyberId, at: now }, retired: retired.filter(r => !expired.includes(r)) }
    const writes = new Map<string, Uint8Array | null>([
      [signedKey(signedId), signed.serialize()],
      [resortKey(kyberId), kyber.serialize()],
      [STATE_KEY, text.encode(JSON.stringify(state))]
    ])
    for (const r of expired) {
      writes.set(signedKey(r.signed), null)
      writes.set(resortKey(r.kyber), null)
      for (const used of await this.store.keys(`used!${r.kyber.toString(16).padStart(8, '0')}!`)) writes.set(used, null)
    }
    await this.store.db.batch(this.store.opsOf(writes) as any)
    this.state = state
  }

  /** What an invite carries: the current signed prekey and last-resort Kyber key, no one-time key. */
  async inviteBundle (): Promise<PrekeyBundle> {
    const state = this.requireState()
    const signed = SignedPreKeyRecord.deserialize(Uint8Array.from(await this.required(signedKey(state.current.signed))))
    const kyber = KyberPreKeyRecord.deserialize(Uint8Array.from(await this.required(resortKey(state.current.kyber))))
    return {
      registrationId: state.registrationId,
      signedPreKeyId: signed.id(),
      signedPreKey: signed.publicKey().serialize(),
      signedPreKeySignature: signed.signature(),
      kyberPreKeyId: kyber.id(),
      kyberPreKey: kyber.publicKey().serialize(),
      kyberPreKeySignature: kyber.signature()
    }
  }

  /** A bundle with fresh one-time EC and Kyber prekeys, for a peer that asks (the prekeys protocol). */
  async oneTimeBundle (): Promise<PrekeyBundle> {
    const bundle = await this.inviteBundle()
    const state = this.requireState()
    const ecId = state.next
    const kyberId = ecId + 1
    state.next = kyberId + 1
    const identity = this.store.localIdentity.privateKey
    const ec = PrivateKey.generate()
    const kem = KEMKeyPair.generate()
    const kyber = KyberPreKeyRecord.new(kyberId, Date.now(), kem, identity.sign(kem.getPublicKey().serialize()))
    const writes = new Map<string, Uint8Array | null>([
      [prekeyKey(ecId), PreKeyRecord.new(ecId, ec.getPublicKey(), ec).serialize()],
      [kyberKey(kyberId), kyber.serialize()],
      [STATE_KEY, text.encode(JSON.stringify(state))]
    ])
    // a peer asking again and again only pushes out the oldest unused keys: the store stays bounded
    for (const prefix of ['prekey!', 'kyber!']) {
      const keys = await this.store.keys(prefix)
      for (const key of keys.slice(0, Math.max(0, keys.length + 1 - MAX_ONE_TIME))) writes.set(key, null)
    }
    await this.store.db.batch(this.store.opsOf(writes) as any)
    return { ...bundle, preKeyId: ecId, preKey: ec.getPublicKey().serialize(), kyberPreKeyId: kyberId, kyberPreKey: kem.getPublicKey().serialize(), kyberPreKeySignature: kyber.signature() }
  }

  /** Keeps a peer's bundle (from its invite) for the first message to it. */
  async saveBundle (peer: string, bundle: PrekeyBundle): Promise<void> {
    await this.store.db.put(bundleKey(peer), PrekeyBundle.encode(bundle))
  }

  /**
   * Forgets the session with `peer` and the bundle from its invite (its prekeys may be gone with
   * the state it lost): the next message starts a new session from fresh prekeys, asked of the
   * peer or its relays. Call under the peer's lock, as every session operation runs.
   */
  async resetSession (peer: string): Promise<boolean> {
    const tx = this.transaction()
    const had = await this.hasSession(tx, peer)
    tx.set(sessionKey(peer), null)
    tx.set(bundleKey(peer), null)
    const written = this.store.db.batch(tx.ops() as any)
    this.store.committing(tx, written)
    await written
    return had
  }

  async hasSession (tx: SignalTransaction, peer: string): Promise<boolean> {
    return (await tx.stores.session.getSession(addressOf(peer))) != null
  }

  /**
   * Makes sure `tx` holds a session with `peer`: from the bundle of its invite, else from
   * `fetch` (asking the peer). False when neither has one.
   */
  async ensureSession (tx: SignalTransaction, peer: string, fetch?: () => Promise<PrekeyBundle | undefined>): Promise<boolean> {
    if (await this.hasSession(tx, peer)) return true
    const saved = await this.store.read(bundleKey(peer))
    const bundle = saved != null ? PrekeyBundle.decode(saved) : await fetch?.()
    if (bundle == null) return false
    await this.startSession(tx, peer, bundle)
    return true
  }

  /** PQXDH from a bundle: libsignal checks its signatures against the identity bound to `peer`. */
  async startSession (tx: SignalTransaction, peer: string, bundle: PrekeyBundle): Promise<void> {
    const identity = this.identityOf(peer)
    if (identity == null) throw new Error(`${peer} has no Ed25519 key to bind a Signal identity to`)
    const preKey = bundle.preKeyId != null && bundle.preKey != null ? PublicKey.deserialize(Uint8Array.from(bundle.preKey)) : null
    const libsignalBundle = PreKeyBundle.new(
      bundle.registrationId, DEVICE_ID, preKey != null ? bundle.preKeyId ?? null : null, preKey,
      bundle.signedPreKeyId, PublicKey.deserialize(Uint8Array.from(bundle.signedPreKey)), Uint8Array.from(bundle.signedPreKeySignature),
      identity, bundle.kyberPreKeyId, KEMPublicKey.deserialize(Uint8Array.from(bundle.kyberPreKey)), Uint8Array.from(bundle.kyberPreKeySignature)
    )
    await processPreKeyBundle(libsignalBundle, addressOf(peer), addressOf(this.me), tx.stores.session, tx.stores.identity)
  }

  private requireState (): PrekeyState {
    if (this.state == null) throw new Error('the ratchet has not started')
    return this.state
  }

  private async required (key: string): Promise<Uint8Array> {
    const value = await this.store.read(key)
    if (value == null) throw new Error(`missing ${key}`)
    return value
  }
}
