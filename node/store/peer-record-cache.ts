import { Lru } from '../../protocols/dm/lru.ts'
import { PeerRecordTime } from '../pb/peer-record-time.ts'

/**
 * A rewrite that changes only the record's `updated` time is skipped while the stored time is
 * younger than this: the peer store's ages (1 h for addresses, 6 h for a peer) err by at most it.
 */
export const REWRITE_AFTER_MS = 60_000
/** records kept in memory; a messenger knows tens of peers, a DHT server a few hundred */
const MAX_RECORDS = 4_096

interface CachedRecord {
  value: Uint8Array
  /** the record without its `updated` field */
  body: Uint8Array
  updated: number
}

function parse (value: Uint8Array): CachedRecord {
  let updated = 0
  let body = value
  try {
    updated = PeerRecordTime.decode(value).updated ?? 0
    // @libp2p/peer-store encodes `updated` (field 8) last: the body is what precedes it
    const time = PeerRecordTime.encode({ updated })
    if (updated > 0 && endsWith(value, time)) body = value.subarray(0, value.byteLength - time.byteLength)
  } catch {}
  return { value, body, updated }
}

function endsWith (value: Uint8Array, tail: Uint8Array): boolean {
  if (tail.byteLength > value.byteLength) return false
  return Buffer.from(value.buffer, value.byteOffset + value.byteLength - tail.byteLength, tail.byteLength).equals(tail)
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)

/**
 * The peer records libp2p last read or wrote, so the peer store's rewrites of a record that did
 * not change are not written again: libp2p merges the protocol into the remote's record on every
 * stream it opens or accepts, and @libp2p/peer-store writes even when nothing but the time
 * changed, so each ping and DHT request cost an encrypted LevelDB read and write (bench/peer-store).
 */
export class PeerRecordCache {
  private readonly records = new Lru<CachedRecord>(MAX_RECORDS)
  /** rewrites skipped so far (for the bench) */
  skipped = 0
  /** counts forgets, so a read that raced a write is not cached over the write (see read) */
  private writes = 0

  get (key: string): Uint8Array | undefined {
    return this.records.get(key)?.value
  }

  /** Whether writing `value` under `key` can be skipped: only its time changed, and not by much. */
  unchanged (key: string, value: Uint8Array): boolean {
    const stored = this.records.get(key)
    if (stored == null) return false
    const next = parse(value)
    const skip = next.updated >= stored.updated && next.updated - stored.updated < REWRITE_AFTER_MS && same(next.body, stored.body)
    if (skip) this.skipped++
    return skip
  }

  /** `value` is what the database holds under `key` now. */
  stored (key: string, value: Uint8Array): void {
    // a copy: the caller's buffer may be reused, and a Buffer must come back as the database gives it
    this.records.set(key, parse(new Uint8Array(value)))
  }

  /** A read of the database: caches what `read` returns unless a write began meanwhile. */
  async read (key: string, read: () => Promise<Uint8Array | undefined>): Promise<Uint8Array | undefined> {
    const writes = this.writes
    const value = await read()
    if (value != null && writes === this.writes) this.stored(key, value)
    return value
  }

  /** Called before `key` is written or deleted. */
  forget (key: string): void {
    this.writes++
    this.records.delete(key)
  }
}
