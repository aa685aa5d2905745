import { randomBytes } from 'node:crypto'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { AbstractIterator, AbstractLevel } from 'abstract-level'
import { CorruptStoreError } from '../errors.ts'
import { KeyNames } from './key-names.ts'
import type { Level } from 'level'

/**
 * The profile's database, encrypted at rest. It sits at the root of the level stack, below every
 * sublevel, so each store (today's and any added later) is encrypted without knowing it:
 * - a key name is stored as KeyNames makes it (names HMAC'd, counters kept: ranges still work);
 * - a value is sealed with XChaCha20-Poly1305 under a key from the data key, together with its
 *   plain key name (which the HMAC cannot give back to an iterator), and bound to its on-disk
 *   key name as associated data, so a value moved to another key does not open.
 * A value that does not open is a CorruptStoreError, never a crash or a wrong answer.
 */
export type Inner = Level<string, Uint8Array>
type Format = 'utf8' | 'view'

const VERSION = 1
const NONCE = 24
/** a key kept in the raw store, outside the HMAC'd names: says the store is encrypted, and with which key */
const MARKER = '\x00hyphae-store'
const MARKER_CHECK = 'hyphae-store/1'
/** below the marker and above every stored name (ASCII up to `~`): bounds that hold nothing */
const LOWEST = '\x00'
const HIGHEST = '\x7f'
const text = new TextEncoder()
const untext = new TextDecoder('utf-8', { fatal: true })

export class StoreCipher {
  readonly names: KeyNames
  private readonly valueKey: Uint8Array
  private readonly location: string
  /**
   * Nonces: 16 random bytes drawn once per open, then a counter. Unique without a random draw
   * per value (a quarter of a seal's cost): the profile's lock means one opener at a time, and
   * two opens share a prefix with probability 2^-128.
   */
  private readonly nonce = new Uint8Array(NONCE)
  private counter = 0n

  constructor (dataKey: Uint8Array, location: string) {
    if (dataKey.byteLength !== 32) throw new TypeError('a data key is 32 bytes')
    this.names = new KeyNames(hkdf(sha256, dataKey, undefined, text.encode('hyphae store names'), 32))
    this.valueKey = hkdf(sha256, dataKey, undefined, text.encode('hyphae store values'), 32)
    this.location = location
    this.nonce.set(randomBytes(16))
  }

  private nextNonce (): Uint8Array {
    new DataView(this.nonce.buffer).setBigUint64(16, ++this.counter)
    return this.nonce.slice()
  }

  seal (plainKey: string, storedKey: string, value: Uint8Array): Uint8Array {
    const keyBytes = text.encode(plainKey)
    const plain = new Uint8Array(4 + keyBytes.byteLength + value.byteLength)
    new DataView(plain.buffer).setUint32(0, keyBytes.byteLength)
    plain.set(keyBytes, 4)
    plain.set(value, 4 + keyBytes.byteLength)
    const nonce = this.nextNonce()
    const sealed = xchacha20poly1305(this.valueKey, nonce, text.encode(storedKey)).encrypt(plain)
    const out = new Uint8Array(1 + NONCE + sealed.byteLength)
    out[0] = VERSION
    out.set(nonce, 1)
    out.set(sealed, 1 + NONCE)
    return out
  }

  /** [plain key, value]; throws CorruptStoreError when the value was changed, moved or sealed with another key */
  open (storedKey: string, stored: Uint8Array): [string, Uint8Array] {
    let plain: Uint8Array
    try {
      if (stored[0] !== VERSION || stored.byteLength < 1 + NONCE + 16 + 4) throw new Error('short')
      plain = xchacha20poly1305(this.valueKey, stored.subarray(1, 1 + NONCE), text.encode(storedKey)).decrypt(stored.subarray(1 + NONCE))
    } catch {
      throw new CorruptStoreError(this.location, `the value at one key does not decrypt: tampered with, or another profile's data key`)
    }
    const keyLength = new DataView(plain.buffer, plain.byteOffset).getUint32(0)
    return [untext.decode(plain.subarray(4, 4 + keyLength)), plain.subarray(4 + keyLength)]
  }

  marker (): Uint8Array {
    return this.seal(MARKER, MARKER, text.encode(MARKER_CHECK))
  }

  /** Whether `stored` is this key's marker. */
  opensMarker (stored: Uint8Array): boolean {
    try {
      return untext.decode(this.open(MARKER, stored)[1]) === MARKER_CHECK
    } catch {
      return false
    }
  }
}

function encodeValue (value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? text.encode(value) : value
}

function decodeValue (value: Uint8Array, format: Format): string | Uint8Array {
  return format === 'utf8' ? untext.decode(value) : value
}

interface RangeOptions { gt?: string, gte?: string, lt?: string, lte?: string, reverse?: boolean, limit?: number }

export class EncryptedLevel extends AbstractLevel<string | Uint8Array, string, Uint8Array> {
  readonly inner: Inner
  private readonly cipher: StoreCipher

  /** `inner` must be open (it holds the profile's lock) and already hold this key's marker (see openEncrypted). */
  constructor (inner: Inner, cipher: StoreCipher) {
    super({ encodings: { utf8: true, view: true }, getSync: true, implicitSnapshots: true, explicitSnapshots: false, permanence: true, seek: false } as any, { keyEncoding: 'utf8', valueEncoding: 'view' })
    this.inner = inner
    this.cipher = cipher
  }

  static marker (): string {
    return MARKER
  }

  get location (): string {
    return this.inner.location
  }

  /**
   * Rewrites LevelDB's files without what was deleted or overwritten: until then a deleted value
   * (an expired message's ciphertext, a superseded session state) stays in the log and table
   * files. LevelDB's compactRange alone does not do it: it never rewrites a file of the deepest
   * level with nothing above it, and a write and its delete flushed together land in one such
   * file. So each of two passes first writes tombstones at both ends of the key space (the
   * flushed file then overlaps every other and lands above them), then compacts everything:
   * the first pass brings all to the deepest level, the second merges into it, dropping what
   * is shadowed. The whole key space: names are HMACs, one conversation's entries are no range.
   */
  async compact (): Promise<void> {
    const inner = this.inner as Inner & { compactRange?: (start: string, end: string) => Promise<void> }
    if (inner.compactRange == null) return
    for (let pass = 0; pass < 2; pass++) {
      await inner.batch([{ type: 'del', key: LOWEST }, { type: 'del', key: HIGHEST }])
      await inner.compactRange(LOWEST, HIGHEST)
    }
  }

  async _open (): Promise<void> {
    if (this.inner.status !== 'open') await this.inner.open()
  }

  async _close (): Promise<void> {
    await this.inner.close()
  }

  async _put (key: string, value: string | Uint8Array): Promise<void> {
    const stored = this.cipher.names.key(key)
    await this.inner.put(stored, this.cipher.seal(key, stored, encodeValue(value)))
  }

  async _del (key: string): Promise<void> {
    await this.inner.del(this.cipher.names.key(key))
  }

  async _get (key: string, options: { valueEncoding: Format }): Promise<string | Uint8Array | undefined> {
    const stored = this.cipher.names.key(key)
    return this.decoded(stored, await this.inner.get(stored), options.valueEncoding)
  }

  _getSync (key: string, options: { valueEncoding: Format }): string | Uint8Array | undefined {
    const stored = this.cipher.names.key(key)
    return this.decoded(stored, this.inner.getSync(stored), options.valueEncoding)
  }

  async _getMany (keys: string[], options: { valueEncoding: Format }): Promise<Array<string | Uint8Array | undefined>> {
    const stored = keys.map(k => this.cipher.names.key(k))
    const values = await this.inner.getMany(stored)
    return values.map((v, i) => this.decoded(stored[i], v, options.valueEncoding))
  }

  async _has (key: string): Promise<boolean> {
    return this.inner.has(this.cipher.names.key(key))
  }

  async _hasMany (keys: string[]): Promise<boolean[]> {
    return this.inner.hasMany(keys.map(k => this.cipher.names.key(k)))
  }

  async _batch (operations: Array<{ type: 'put' | 'del', key: string, value?: string | Uint8Array }>): Promise<void> {
    // one batch below too: what was atomic stays atomic
    await this.inner.batch(operations.map(op => {
      const stored = this.cipher.names.key(op.key)
      return op.type === 'put'
        ? { type: 'put' as const, key: stored, value: this.cipher.seal(op.key, stored, encodeValue(op.value ?? new Uint8Array())) }
        : { type: 'del' as const, key: stored }
    }))
  }

  async _clear (options: RangeOptions): Promise<void> {
    await this.inner.clear(this.range(options))
  }

  _iterator (options: RangeOptions & { keys: boolean, values: boolean, keyEncoding: Format, valueEncoding: Format }): DecryptingIterator {
    return new DecryptingIterator(this, options, this.inner.iterator(this.range(options)) as Source, this.cipher)
  }

  /** The range in on-disk names; with no lower bound, the marker (below every name) is skipped. */
  private range (options: RangeOptions): RangeOptions {
    const range: RangeOptions = { reverse: options.reverse === true, limit: options.limit ?? -1 }
    if (options.gte != null) range.gte = this.cipher.names.bound(options.gte)
    else if (options.gt != null) range.gt = this.cipher.names.bound(options.gt)
    else range.gt = MARKER
    if (options.lte != null) range.lte = this.cipher.names.bound(options.lte)
    else if (options.lt != null) range.lt = this.cipher.names.bound(options.lt)
    return range
  }

  private decoded (stored: string, value: Uint8Array | undefined, format: Format): string | Uint8Array | undefined {
    if (value == null) return undefined
    return decodeValue(this.cipher.open(stored, value)[1], format)
  }
}

type Entry = [string | undefined, string | Uint8Array | undefined]
interface Source {
  next: () => Promise<[string, Uint8Array] | undefined>
  nextv: (size: number) => Promise<Array<[string, Uint8Array]>>
  all: () => Promise<Array<[string, Uint8Array]>>
  close: () => Promise<void>
}

class DecryptingIterator extends AbstractIterator<EncryptedLevel, string, Uint8Array> {
  private readonly source: Source
  private readonly cipher: StoreCipher
  private readonly wantKeys: boolean
  private readonly wantValues: boolean
  private readonly format: Format

  constructor (db: EncryptedLevel, options: { keys: boolean, values: boolean, valueEncoding: Format }, source: Source, cipher: StoreCipher) {
    super(db, options as any)
    this.source = source
    this.cipher = cipher
    this.wantKeys = options.keys
    this.wantValues = options.values
    this.format = options.valueEncoding
  }

  private entry (stored: string, value: Uint8Array): Entry {
    // the value is opened even for keys(): the plain key is inside it, and a tampered one is caught
    const [key, plain] = this.cipher.open(stored, value)
    return [this.wantKeys ? key : undefined, this.wantValues ? decodeValue(plain, this.format) : undefined]
  }

  async _next (): Promise<Entry | undefined> {
    const next = await this.source.next()
    return next == null ? undefined : this.entry(next[0], next[1])
  }

  async _nextv (size: number): Promise<Entry[]> {
    return (await this.source.nextv(size)).map(([k, v]) => this.entry(k, v))
  }

  async _all (): Promise<Entry[]> {
    return (await this.source.all()).map(([k, v]) => this.entry(k, v))
  }

  async _close (): Promise<void> {
    await this.source.close()
  }
}
