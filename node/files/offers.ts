/**
 * Offers received, and what the user lets in: an offer is checked (sizes bounded, a known root
 * keeps its record) before it is stored with its message; each contact has a largest size and
 * an auto-accept size, and only a contact's offers under the latter are fetched unasked.
 */
import { CHUNK_SIZE, FileOffer, MAX_FILE_BYTES } from '../../protocols/file/index.ts'
import { InvalidArgumentError } from '../errors.ts'
import { hex } from '../hex.ts'
import { KEY_BYTES } from './chunk-crypto.ts'
import { formatBytes } from './format-bytes.ts'
import { sanitizeFileName } from './names.ts'
import type { FileRecord, FileRecords } from './file-records.ts'
import type { FileLimits } from '../messenger.ts'
import type { Database } from '../store/database.ts'
import type { JsonSublevel } from '../store/contacts-store.ts'
import type { BatchOp } from '../store/messages-store.ts'
import type { Logger } from '@libp2p/interface'

/** Smallest and largest chunk an offer may name: bounds a peer's count of chunks and of bytes per frame. */
const MIN_CHUNK = 16 * 1024
const MAX_CHUNK = CHUNK_SIZE
const DEFAULT_LIMITS: FileLimits = { autoAccept: 0, maxSize: MAX_FILE_BYTES }

export interface FileOffersInit {
  db: Database
  records: FileRecords
  log: Logger
  /** a peer's standing: only contacts are auto-accepted from */
  contactState: (peer: string) => Promise<string | undefined>
  /** starts the download of an offer the limits let in */
  accept: (id: string) => Promise<unknown>
}

export class FileOffers {
  private readonly init: FileOffersInit
  private readonly limits: JsonSublevel<FileLimits>

  constructor (init: FileOffersInit) {
    this.init = init
    this.limits = init.db.sublevel<string, FileLimits>('file-limits', { valueEncoding: 'json' }) as any
  }

  /**
   * A received offer, checked: the operations that keep it (written with the message, in the
   * same batch) and what the message record shows. Undefined: not a valid offer.
   */
  offerOps (from: string, messageId: string, bytes: Uint8Array, group?: string): { file: { id: string, name: string, size: number }, ops: BatchOp[], record: FileRecord } | undefined {
    let offer: FileOffer
    try {
      offer = FileOffer.decode(bytes)
    } catch {
      return undefined
    }
    if (offer.root.byteLength !== 32 || offer.key.byteLength !== KEY_BYTES) return undefined
    if (offer.size > BigInt(MAX_FILE_BYTES) || offer.chunkSize < MIN_CHUNK || offer.chunkSize > MAX_CHUNK) return undefined
    const size = Number(offer.size)
    const name = sanitizeFileName(offer.name)
    const id = hex(offer.root)
    const record: FileRecord = {
      id, messageId, conversation: group ?? from, direction: 'in', name, size, state: 'offered',
      received: 0, refusedChunks: 0, createdAt: Date.now(), key: hex(offer.key), chunkSize: offer.chunkSize,
      ...(group != null ? { group, author: from } : {})
    }
    // a root already known (a file we sent or hold, or a replay) keeps its record: an offer cannot
    // take over another file's key, size or state
    if (this.init.records.has(id)) return { file: { id, name, size }, ops: [], record }
    return { file: { id, name, size }, ops: [{ type: 'put', sublevel: this.init.records.sublevel, key: id, value: record }], record }
  }

  /** After an offer is stored: accepted at once when the contact's auto-accept size covers it. */
  async offered (id: string): Promise<void> {
    const record = await this.init.records.get(id)
    if (record == null || record.direction !== 'in' || record.state !== 'offered') return
    const limits = await this.limitsOf(record.conversation)
    if (record.size > limits.maxSize) {
      await this.init.records.update(record, { state: 'refused', error: `larger than this contact's limit of ${limits.maxSize} bytes` })
      return
    }
    if (record.size <= limits.autoAccept && (await this.init.contactState(record.conversation)) === 'contact') {
      await this.init.accept(id).catch(err => { this.init.log('auto-accept of %s failed - %e', id, err) })
    }
  }

  async setLimits (peer: string, change: Partial<FileLimits>): Promise<FileLimits> {
    for (const name of ['autoAccept', 'maxSize'] as const) {
      const v = change[name]
      if (v != null && (!Number.isSafeInteger(v) || v < 0)) throw new InvalidArgumentError(`${name} is a number of bytes`)
    }
    const next = { ...(await this.limitsOf(peer)), ...change }
    next.maxSize = Math.min(next.maxSize, MAX_FILE_BYTES)
    await this.limits.put(peer, next)
    return next
  }

  async limitsOf (peer: string): Promise<FileLimits> {
    return { ...DEFAULT_LIMITS, ...(await this.limits.get(peer)) }
  }
}

/** What a file offer's message shows of it (an offer of ours: already checked). */
export function offerSummary (offer: Uint8Array): { id: string, name: string, size: number } {
  const decoded = FileOffer.decode(offer)
  return { id: hex(decoded.root), name: decoded.name, size: Number(decoded.size) }
}

/** The text of a file's message, for clients that know nothing of files. */
export function offerLine (name: string, size: number): string {
  return `[file] ${name} (${formatBytes(size)})`
}
