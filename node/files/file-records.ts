/**
 * What the node keeps about each file sent or offered to it: the stored record (its key, size,
 * state), the chunk files open on disk, and the progress shown while bytes move. The sending,
 * serving and download sides all read and change files through here, so a state change is
 * written and reported in one place.
 */
import { join } from 'node:path'
import { InvalidArgumentError } from '../errors.ts'
import { unhex } from '../hex.ts'
import { ChunkFile } from './chunk-file.ts'
import { FileNotFoundError } from './errors.ts'
import type { FileInfo, FileProgress } from '../messenger.ts'
import type { Database } from '../store/database.ts'
import type { JsonSublevel } from '../store/contacts-store.ts'

const PROGRESS_MS = 250
/** open stores kept for serving */
const MAX_OPEN = 32

export interface FileRecord extends FileInfo {
  /** the per-file key, hex */
  key: string
  chunkSize: number
  /** where the plaintext goes once complete */
  saveDir?: string
  /** a group's file: the group's id (conversation is then the group's id too) */
  group?: string
  /** a group's file received: who offered it */
  author?: string
}

export interface FileRecordsInit {
  db: Database
  /** the profile's directory: chunks are kept under files/ */
  dataDir: string
  onProgress: (progress: FileProgress) => void
  /** files not to close when too many are open (a download under way writes to its file) */
  pinned: (id: string) => boolean
}

export class FileRecords {
  readonly sublevel: JsonSublevel<FileRecord>
  /** where sealed chunks are kept */
  readonly dir: string
  private readonly init: FileRecordsInit
  private readonly open = new Map<string, Promise<ChunkFile>>()
  /** bytes held by downloads under way (the stored record has them at each state change) */
  private readonly live = new Map<string, number>()
  /** chunks refused since start, per file */
  private readonly refused = new Map<string, number>()
  private readonly rates = new Map<string, { at: number, bytes: number, rate: number, emitted: number }>()

  constructor (init: FileRecordsInit) {
    this.init = init
    this.sublevel = init.db.sublevel<string, FileRecord>('files', { valueEncoding: 'json' }) as any
    this.dir = join(init.dataDir, 'files')
  }

  async get (id: string): Promise<FileRecord | undefined> {
    return this.sublevel.get(id)
  }

  /** Whether a record for `id` exists, without waiting (an offer being checked). */
  has (id: string): boolean {
    return this.sublevel.getSync(id) != null
  }

  async put (record: FileRecord): Promise<void> {
    await this.sublevel.put(record.id, record)
  }

  async del (id: string): Promise<void> {
    await this.sublevel.del(id)
  }

  values (): AsyncIterable<FileRecord> {
    return this.sublevel.values()
  }

  /** A file named by its id, a unique prefix of 4+ hex digits of it, or its message's id. */
  async find (ref: string): Promise<FileRecord> {
    const wanted = typeof ref === 'string' ? ref.trim().toLowerCase() : ''
    if (/^[0-9a-f]{64}$/.test(wanted)) {
      const record = await this.sublevel.get(wanted)
      if (record != null) return record
    }
    if (/^[0-9a-f]{4,}$/.test(wanted)) {
      const found: FileRecord[] = []
      for await (const record of this.sublevel.values()) {
        if (record.id.startsWith(wanted) || record.messageId === wanted) found.push(record)
      }
      if (found.length === 1) return found[0]
      if (found.length > 1) throw new InvalidArgumentError(`${found.length} files start with ${wanted}: give more digits`)
    }
    throw new FileNotFoundError(ref)
  }

  /** Writes a change to the stored record (with the chunks refused since) and reports it. */
  async update (record: FileRecord, change: Partial<FileRecord>): Promise<FileRecord> {
    const stored = (await this.sublevel.get(record.id)) ?? record
    const next = { ...stored, ...change, refusedChunks: stored.refusedChunks + (this.refused.get(record.id) ?? 0) }
    this.refused.delete(record.id)
    await this.sublevel.put(record.id, next)
    this.emit(next, true)
    return next
  }

  /** What a client sees of a record: without its key, with the bytes held right now. */
  info (record: FileRecord): FileInfo {
    return publicInfo(record, { received: this.live.get(record.id), refused: this.refused.get(record.id) })
  }

  /** The file's chunks on disk, opened once and kept open (the oldest not pinned closes past MAX_OPEN). */
  async file (record: FileRecord): Promise<ChunkFile> {
    let file = this.open.get(record.id)
    if (file == null) {
      if (this.open.size >= MAX_OPEN) {
        for (const [id, f] of this.open) {
          if (this.init.pinned(id)) continue
          this.open.delete(id)
          void f.then(async x => x.close()).catch(() => {})
          break
        }
      }
      file = ChunkFile.open(this.dir, unhex(record.id), record)
      this.open.set(record.id, file)
      file.catch(() => { this.open.delete(record.id) })
    }
    return file
  }

  /** Keeps a file just sealed open, so its first requests need not open it again. */
  opened (id: string, file: ChunkFile): void {
    this.open.set(id, Promise.resolve(file))
  }

  async closeFile (id: string): Promise<void> {
    const file = this.open.get(id)
    this.open.delete(id)
    await (await file)?.close().catch(() => {})
  }

  async closeAll (): Promise<void> {
    const open = [...this.open.values()]
    this.open.clear()
    await Promise.allSettled(open.map(async f => (await f).close()))
  }

  /** A download under way holds this many checked bytes from the start (a resume). */
  resumed (id: string, bytes: number): void {
    this.live.set(id, bytes)
  }

  /** The download of `id` ended: the stored record has its bytes again. */
  ended (id: string): void {
    this.live.delete(id)
  }

  /** A peer sent a chunk that did not check out; counted into the record at its next change. */
  refusedChunk (id: string): void {
    this.refused.set(id, (this.refused.get(id) ?? 0) + 1)
  }

  /** Bytes moved (received, or served of a file we sent): reported at most every PROGRESS_MS. */
  progress (record: FileRecord, received: number): void {
    const now = Date.now()
    const r = this.rates.get(record.id) ?? { at: now, bytes: received, rate: 0, emitted: 0 }
    if (now - r.at >= 500) {
      const instant = (received - r.bytes) * 1000 / (now - r.at)
      r.rate = r.rate === 0 ? instant : 0.7 * r.rate + 0.3 * instant
      r.at = now
      r.bytes = received
    }
    this.rates.set(record.id, r)
    record.received = received
    if (record.direction === 'in') this.live.set(record.id, received)
    if (now - r.emitted >= PROGRESS_MS || received >= record.size) {
      r.emitted = now
      this.emit(record, false)
    }
  }

  /** Reports the record's state; `final` ends its rate (a state change, or an upload done). */
  emit (record: FileRecord, final: boolean): void {
    const rate = this.rates.get(record.id)?.rate ?? 0
    if (final) this.rates.delete(record.id)
    const left = record.size - record.received
    this.init.onProgress({
      id: record.id, conversation: record.conversation, name: record.name, direction: record.direction, state: record.state,
      received: record.received, size: record.size, bytesPerSecond: Math.round(rate),
      ...(rate > 0 && left > 0 ? { secondsLeft: Math.ceil(left / rate) } : {}),
      ...(record.savedTo != null ? { savedTo: record.savedTo } : {}),
      ...(record.error != null ? { error: record.error } : {})
    })
  }
}

function publicInfo (record: FileRecord, live?: { received?: number, refused?: number }): FileInfo {
  const { key: _key, chunkSize: _chunkSize, saveDir: _saveDir, ...info } = record
  return { ...info, received: live?.received ?? info.received, refusedChunks: info.refusedChunks + (live?.refused ?? 0) }
}
