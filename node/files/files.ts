/**
 * Files sent in conversations. Sending seals the file chunk by chunk into the profile (see
 * chunk-file.ts) and sends an offer (root, key, name, size) as a direct message, through the
 * ratchet like any text. A received offer is stored with the message and shown in the
 * conversation; nothing is fetched until the user accepts it (or it is under the contact's
 * auto-accept size). The download then fetches chunks over /hyphae/file/1.0.0 (download.ts),
 * checks each against the root, survives restarts, and on completion writes the plaintext to
 * the chosen folder (default DATA_DIR/downloads).
 */
import { randomBytes } from 'node:crypto'
import { mkdir, rm, stat, statfs } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { CHUNK_SIZE, FileOffer, FileStatus, MAX_FILE_BYTES, TAG_BYTES, type FileAnswer, type FileChunk, type FileRequest, type FileTransfer } from '../../protocols/file/index.ts'
import { InvalidArgumentError } from '../errors.ts'
import { hex, unhex } from '../hex.ts'
import { ChunkFile, chunkCount } from './chunk-file.ts'
import { KEY_BYTES, newFileKey } from './chunk-crypto.ts'
import { Download } from './download.ts'
import { FileNotFoundError, FileStateError, FileTooLargeError, InsufficientSpaceError } from './errors.ts'
import { reserveName, sanitizeFileName } from './names.ts'
import type { FileInfo, FileLimits, FileProgress, FileState } from '../messenger.ts'
import type { Database } from '../store/database.ts'
import type { JsonSublevel } from '../store/contacts-store.ts'
import type { BatchOp } from '../store/messages-store.ts'
import type { AbortOptions, Logger, PeerId } from '@libp2p/interface'

/** Smallest and largest chunk an offer may name: bounds a peer's count of chunks and of bytes per frame. */
const MIN_CHUNK = 16 * 1024
const MAX_CHUNK = CHUNK_SIZE
const DEFAULT_LIMITS: FileLimits = { autoAccept: 0, maxSize: MAX_FILE_BYTES }
const PROGRESS_MS = 250
/** open stores kept for serving */
const MAX_OPEN = 32
/**
 * A group file's author serves each chunk this many times, then leaves it to the members who
 * have it (the swarm), so its upload is a small multiple of the file whatever the group's size.
 */
export const AUTHOR_SERVES_PER_CHUNK = 2
/**
 * ...unless it has not served the chunk for this long (doubled with each serving past the cap,
 * up to 4x: a member that reaches no other member still gets the file):
 * the members who had it may have gone, and a download must not stall for good.
 */
const AUTHOR_RELAX_MS = 5_000

interface DownloadEntry {
  download?: Download
  stopped: boolean
  done: Promise<void>
}

interface FileRecord extends FileInfo {
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

export interface FilesComponents {
  transfer: FileTransfer
  db: Database
  /** the profile's directory: chunks under files/, saved files under downloads/ */
  dataDir: string
  log: Logger
  /** sends the offer as a direct message with `body` as its text; returns the message id */
  sendOffer: (ref: string, body: string, offer: Uint8Array) => Promise<{ id: string, conversation: string }>
  /** a peer's standing: only contacts are auto-accepted from */
  contactState: (peer: string) => Promise<string | undefined>
  onProgress: (progress: FileProgress) => void
  /** sends the offer as a group message with `body` as its text; returns the message id and the group's id */
  sendGroupOffer?: (ref: string, body: string, offer: Uint8Array) => Promise<{ id: string, conversation: string }>
  /** whether `peer` is a member of `group` now: who may fetch a group's file */
  groupMember?: (group: string, peer: string) => Promise<boolean>
  /** the group's members online now (connected, or on its topic): sources for its files */
  groupPeers?: (group: string) => Promise<string[]>
  /** this node's peer id */
  self?: string
}

export class Files {
  private readonly components: FilesComponents
  private readonly records: JsonSublevel<FileRecord>
  private readonly limits: JsonSublevel<FileLimits>
  readonly dir: string
  readonly downloadsDir: string
  private readonly open = new Map<string, Promise<ChunkFile>>()
  private readonly downloads = new Map<string, DownloadEntry>()
  /** bytes held by downloads under way (the stored record has them at each state change) */
  private readonly live = new Map<string, number>()
  /** chunks of our files served since start (an upload's progress) */
  private readonly served = new Map<string, Set<number>>()
  /** chunks refused since start, per file */
  private readonly refused = new Map<string, number>()
  /** bytes of our chunks served since start, per file */
  private readonly uploadedBytes = new Map<string, number>()
  /** a group file we sent: how often each chunk was served, and when last */
  private readonly authorServes = new Map<string, { count: Uint16Array, last: Float64Array }>()
  private readonly rates = new Map<string, { at: number, bytes: number, rate: number, emitted: number }>()
  private started = false

  constructor (components: FilesComponents) {
    this.components = components
    this.records = components.db.sublevel<string, FileRecord>('files', { valueEncoding: 'json' }) as any
    this.limits = components.db.sublevel<string, FileLimits>('file-limits', { valueEncoding: 'json' }) as any
    this.dir = join(components.dataDir, 'files')
    this.downloadsDir = join(components.dataDir, 'downloads')
  }

  async start (): Promise<void> {
    // files/ is made by the first file sent or accepted: a profile without files has none
    this.started = true
    this.components.transfer.onRequest = async (from, request, options) => this.serve(from, request, options)
    for await (const record of this.records.values()) {
      if (record.state === 'downloading') this.startDownload(record)
    }
  }

  async stop (): Promise<void> {
    this.started = false
    this.components.transfer.onRequest = undefined
    for (const entry of this.downloads.values()) { entry.stopped = true; entry.download?.stop() }
    await Promise.allSettled([...this.downloads.values()].map(async d => d.done))
    const open = [...this.open.values()]
    this.open.clear()
    await Promise.allSettled(open.map(async f => (await f).close()))
  }

  /** Seals `path` into the profile and offers it to the contact `ref` (or to the group `ref`). */
  async send (ref: string, path: string, options: { group?: boolean } = {}): Promise<FileInfo & { messageId: string }> {
    const sendOffer = options.group === true ? this.components.sendGroupOffer : this.components.sendOffer
    if (sendOffer == null) throw new InvalidArgumentError('this node has no groups')
    const info = await stat(path).catch(() => { throw new InvalidArgumentError(`no file at ${path}`) })
    if (!info.isFile()) throw new InvalidArgumentError(`${path} is not a regular file`)
    if (info.size > MAX_FILE_BYTES) throw new FileTooLargeError(info.size, MAX_FILE_BYTES, 'the largest file hyphae sends')
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    await this.checkSpace(this.dir, info.size + chunkCount({ size: info.size, chunkSize: CHUNK_SIZE }) * TAG_BYTES)
    const key = newFileKey()
    const file = await ChunkFile.seal(this.dir, path, key, CHUNK_SIZE)
    const id = hex(file.root)
    this.open.set(id, Promise.resolve(file))
    const name = sanitizeFileName(basename(path))
    const offer = FileOffer.encode({ root: file.root as Uint8Array<ArrayBuffer>, key: key as Uint8Array<ArrayBuffer>, name, size: BigInt(info.size), chunkSize: CHUNK_SIZE, mime: '' })
    // the record first: the recipient may ask for chunks as soon as the offer lands
    const record: FileRecord = {
      id, messageId: '', conversation: '', direction: 'out', name, size: info.size, state: 'shared',
      received: info.size, refusedChunks: 0, createdAt: Date.now(), key: hex(key), chunkSize: CHUNK_SIZE
    }
    await this.records.put(id, record)
    try {
      const sent = await sendOffer(ref, offerLine(name, info.size), offer)
      record.messageId = sent.id
      record.conversation = sent.conversation
      if (options.group === true) record.group = sent.conversation
      await this.records.put(id, record)
    } catch (err) {
      await this.records.del(id)
      this.open.delete(id)
      await file.close().catch(() => {})
      await ChunkFile.remove(this.dir, id)
      throw err
    }
    return { ...this.info(record), messageId: record.messageId }
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
    if (this.records.getSync(id) != null) return { file: { id, name, size }, ops: [], record }
    return { file: { id, name, size }, ops: [{ type: 'put', sublevel: this.records, key: id, value: record }], record }
  }

  /** After an offer is stored: accepted at once when the contact's auto-accept size covers it. */
  async offered (id: string): Promise<void> {
    const record = await this.records.get(id)
    if (record == null || record.direction !== 'in' || record.state !== 'offered') return
    const limits = await this.limitsOf(record.conversation)
    if (record.size > limits.maxSize) {
      await this.update(record, { state: 'refused', error: `larger than this contact's limit of ${limits.maxSize} bytes` })
      return
    }
    if (record.size <= limits.autoAccept && (await this.components.contactState(record.conversation)) === 'contact') {
      await this.accept(id).catch(err => { this.components.log('auto-accept of %s failed - %e', id, err) })
    }
  }

  async list (options: { conversation?: string } = {}): Promise<FileInfo[]> {
    const out: FileInfo[] = []
    for await (const record of this.records.values()) {
      if (options.conversation == null || record.conversation === options.conversation) out.push(this.info(record))
    }
    return out.sort((a, b) => a.createdAt - b.createdAt)
  }

  async get (ref: string): Promise<FileInfo> {
    return this.info(await this.find(ref))
  }

  /** Starts fetching an offered file; it is written to `dir` (default DATA_DIR/downloads) once complete. */
  async accept (ref: string, options: { dir?: string } = {}): Promise<FileInfo> {
    const record = await this.find(ref)
    if (record.direction !== 'in') throw new FileStateError('that file is one you sent')
    if (record.state === 'downloading' || record.state === 'complete') return this.info(record)
    const limits = await this.limitsOf(record.conversation)
    if (record.size > limits.maxSize) throw new FileTooLargeError(record.size, limits.maxSize, 'this contact\'s limit')
    const saveDir = options.dir ?? this.downloadsDir
    await mkdir(saveDir, { recursive: true, mode: 0o700 })
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    const have = await ChunkFile.exists(this.dir, record.id)
    await this.checkSpace(this.dir, have ? 0 : record.size + chunkCount(record) * TAG_BYTES)
    await this.checkSpace(saveDir, record.size)
    const next = await this.update(record, { state: 'downloading', saveDir, error: undefined })
    this.startDownload(next)
    return this.info(next)
  }

  /** Stops a download (or refuses an offer) and deletes the chunks received; for a file you sent, stops sharing it and deletes its sealed copy. */
  async decline (ref: string): Promise<FileInfo> {
    const record = await this.find(ref)
    await this.stopDownload(record.id)
    await this.closeFile(record.id)
    await ChunkFile.remove(this.dir, record.id)
    return this.info(await this.update(record, { state: 'declined', received: 0 }))
  }

  /** Writes the plaintext of a complete file to `path` (a new file, or a new name in a folder). */
  async save (ref: string, path: string): Promise<FileInfo> {
    const record = await this.find(ref)
    if (record.direction === 'in' && record.state !== 'complete') throw new FileStateError(`the file is ${record.state}, not complete`)
    const target = await this.targetOf(path, record.name)
    await this.decrypt(record, target)
    return this.info(await this.update(record, { savedTo: target }))
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

  /** Bytes of the file's chunks this node served since it started (its upload). */
  uploaded (id: string): number {
    return this.uploadedBytes.get(id) ?? 0
  }

  /** Resolves once the download of `id` ends (for tests and one-off commands). */
  async settled (id: string): Promise<void> {
    await this.downloads.get(id)?.done
  }

  private info (record: FileRecord): FileInfo {
    return publicInfo(record, { received: this.live.get(record.id), refused: this.refused.get(record.id) })
  }

  private async find (ref: string): Promise<FileRecord> {
    const wanted = typeof ref === 'string' ? ref.trim().toLowerCase() : ''
    if (/^[0-9a-f]{64}$/.test(wanted)) {
      const record = await this.records.get(wanted)
      if (record != null) return record
    }
    if (/^[0-9a-f]{4,}$/.test(wanted)) {
      const found: FileRecord[] = []
      for await (const record of this.records.values()) {
        if (record.id.startsWith(wanted) || record.messageId === wanted) found.push(record)
      }
      if (found.length === 1) return found[0]
      if (found.length > 1) throw new InvalidArgumentError(`${found.length} files start with ${wanted}: give more digits`)
    }
    throw new FileNotFoundError(ref)
  }

  private async update (record: FileRecord, change: Partial<FileRecord>): Promise<FileRecord> {
    const stored = (await this.records.get(record.id)) ?? record
    const next = { ...stored, ...change, refusedChunks: stored.refusedChunks + (this.refused.get(record.id) ?? 0) }
    this.refused.delete(record.id)
    await this.records.put(record.id, next)
    this.emit(next, true)
    return next
  }

  private async file (record: FileRecord): Promise<ChunkFile> {
    let file = this.open.get(record.id)
    if (file == null) {
      if (this.open.size >= MAX_OPEN) {
        for (const [id, f] of this.open) {
          if (this.downloads.has(id)) continue
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

  private async closeFile (id: string): Promise<void> {
    const file = this.open.get(id)
    this.open.delete(id)
    await (await file)?.close().catch(() => {})
  }

  private startDownload (record: FileRecord): void {
    if (!this.started || this.downloads.has(record.id)) return
    const log = this.components.log
    const entry: DownloadEntry = { stopped: false, done: Promise.resolve() }
    entry.done = (async () => {
      const file = await this.file(record)
      if (entry.stopped) return
      // what an earlier run checked and kept (resumed from its last checkpoint)
      this.live.set(record.id, Math.min(record.size, file.count * record.chunkSize))
      entry.download = new Download({
        file,
        transfer: this.components.transfer,
        sources: async () => this.sourcesOf(record),
        log,
        onChunk: held => { this.progress(record, Math.min(record.size, held * record.chunkSize)) },
        onRefused: (peer, index) => {
          log('refused chunk %d of %s from %s', index, record.id, peer)
          this.refused.set(record.id, (this.refused.get(record.id) ?? 0) + 1)
        }
      })
      await entry.download.run()
      const target = await this.targetOf(record.saveDir ?? this.downloadsDir, record.name)
      await this.decrypt(record, target)
      await this.update(record, { state: 'complete', received: record.size, savedTo: target })
    })().catch(async err => {
      if (entry.stopped || !this.started) return
      log('download of %s failed - %e', record.id, err)
      await this.update(record, { state: 'failed', error: err?.message ?? String(err) }).catch(() => {})
    }).finally(() => {
      this.downloads.delete(record.id)
      this.live.delete(record.id)
    })
    this.downloads.set(record.id, entry)
  }

  private async stopDownload (id: string): Promise<void> {
    const entry = this.downloads.get(id)
    if (entry == null) return
    entry.stopped = true
    entry.download?.stop()
    await entry.done.catch(() => {})
  }

  private progress (record: FileRecord, received: number): void {
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

  private emit (record: FileRecord, final: boolean): void {
    const rate = this.rates.get(record.id)?.rate ?? 0
    if (final) this.rates.delete(record.id)
    const left = record.size - record.received
    this.components.onProgress({
      id: record.id, conversation: record.conversation, name: record.name, direction: record.direction, state: record.state,
      received: record.received, size: record.size, bytesPerSecond: Math.round(rate),
      ...(rate > 0 && left > 0 ? { secondsLeft: Math.ceil(left / rate) } : {}),
      ...(record.savedTo != null ? { savedTo: record.savedTo } : {}),
      ...(record.error != null ? { error: record.error } : {})
    })
  }

  /** `path` itself when it is new, else a free name in it when it is a folder. */
  private async targetOf (path: string, name: string): Promise<string> {
    const info = await stat(path).catch(() => undefined)
    if (info?.isDirectory() === true) return reserveName(path, name)
    if (info != null) throw new InvalidArgumentError(`${path} exists: name a new file or a folder`)
    return path
  }

  private async decrypt (record: FileRecord, target: string): Promise<void> {
    const file = await this.file(record)
    // the temporary copy sits beside the target: a rename cannot cross file systems (a USB stick)
    try {
      await file.decryptTo(unhex(record.key), target, join(dirname(target), `.hyphae-saving-${randomBytes(8).toString('hex')}`))
    } catch (err) {
      // the empty name reserved for it goes too
      if ((await stat(target).catch(() => undefined))?.size === 0) await rm(target, { force: true })
      throw err
    }
  }

  private async checkSpace (dir: string, needed: number): Promise<void> {
    const fs = await statfs(dir)
    const free = Number(fs.bavail) * Number(fs.bsize)
    // a margin, so a file never fills the disk the profile's database needs
    if (needed + 64 * 1024 * 1024 > free) throw new InsufficientSpaceError(needed, free, dir)
  }

  /**
   * Where a download fetches from: the contact who sent it; for a group's file its author and
   * the group's members online now (asked again each round, so members who got chunks become
   * sources), in random order past the author so downloads spread over them.
   */
  private async sourcesOf (record: FileRecord): Promise<string[]> {
    if (record.group == null) return [record.conversation]
    const peers = (await this.components.groupPeers?.(record.group)) ?? []
    for (let i = peers.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [peers[i], peers[j]] = [peers[j], peers[i]]
    }
    const author = record.author ?? ''
    return [...(author !== '' ? [author] : []), ...peers.filter(p => p !== author && p !== this.components.self)]
  }

  /** Serves chunks of a file to the peer it was sent to (for a group's file: to the group's members). */
  private async serve (from: PeerId, request: FileRequest, _options: AbortOptions): Promise<FileAnswer> {
    const record = await this.records.get(hex(request.root))
    if (record == null || !(await this.mayServe(record, from.toString()))) return { status: FileStatus.UNKNOWN_FILE }
    const file = await this.file(record)
    const start = request.start
    const end = Math.min(file.n, request.start + request.count)
    const served = this.served.get(record.id) ?? new Set<number>()
    this.served.set(record.id, served)
    const uploaded = (i: number, bytes: number): void => {
      this.uploadedBytes.set(record.id, (this.uploadedBytes.get(record.id) ?? 0) + bytes)
      if (record.direction !== 'out') return
      served.add(i)
      this.progress(record, Math.min(record.size, served.size * record.chunkSize))
      if (served.size === file.n) this.emit(record, true)
    }
    // the author of a group's file serves each chunk a few times; the bitmap it answers names
    // only those it will still serve, so askers take the rest from members
    let capped: { count: Uint16Array, last: Float64Array } | undefined
    let have = file.have
    if (record.group != null && record.direction === 'out') {
      capped = this.authorServes.get(record.id)
      if (capped == null) {
        capped = { count: new Uint16Array(file.n), last: new Float64Array(file.n) }
        this.authorServes.set(record.id, capped)
      }
      const now = Date.now()
      const c = capped
      have = new Uint8Array(file.have.byteLength)
      for (let i = 0; i < file.n; i++) {
        if (file.has(i) && authorMayServe(c, i, now)) have[i >> 3] |= 1 << (i & 7)
      }
    }
    const offered = have
    const cap = capped
    return {
      status: FileStatus.OK,
      have: offered as Uint8Array<ArrayBuffer>,
      chunks: (async function * (): AsyncGenerator<FileChunk> {
        for (let i = start; i < end; i++) {
          if ((offered[i >> 3] & (1 << (i & 7))) === 0) continue
          if (cap != null) {
            // counted before the read: concurrent requests cannot all take the last serving
            if (!authorMayServe(cap, i, Date.now())) continue
            cap.count[i] = Math.min(cap.count[i] + 1, 0xffff)
            cap.last[i] = Date.now()
          }
          const data = await file.read(i)
          yield { index: i, data: data as Uint8Array<ArrayBuffer>, proof: file.tree.proof(i) as Array<Uint8Array<ArrayBuffer>> }
          uploaded(i, data.byteLength)
        }
      })()
    }
  }

  /**
   * The key is not needed to serve, but the root only names a file to the peers it was sent to:
   * the contact, or the members of the group it was offered in (checked now, so a member
   * removed or gone is refused).
   */
  private async mayServe (record: FileRecord, peer: string): Promise<boolean> {
    if (record.group == null) return record.direction === 'out' && record.state === 'shared' && record.conversation === peer
    const holds = record.direction === 'out' ? record.state === 'shared' : record.state === 'downloading' || record.state === 'complete'
    if (!holds) return false
    return (await this.components.groupMember?.(record.group, peer)) === true
  }
}

function authorMayServe (c: { count: Uint16Array, last: Float64Array }, i: number, now: number): boolean {
  if (c.count[i] < AUTHOR_SERVES_PER_CHUNK) return true
  return now - c.last[i] > AUTHOR_RELAX_MS * 2 ** Math.min(c.count[i] - AUTHOR_SERVES_PER_CHUNK, 2)
}

function publicInfo (record: FileRecord, live?: { received?: number, refused?: number }): FileInfo {
  const { key: _key, chunkSize: _chunkSize, saveDir: _saveDir, ...info } = record
  return { ...info, received: live?.received ?? info.received, refusedChunks: info.refusedChunks + (live?.refused ?? 0) }
}

export function formatBytes (n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++ }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`
}

/** The text of a file's message, for clients that know nothing of files. */
export function offerLine (name: string, size: number): string {
  return `[file] ${name} (${formatBytes(size)})`
}

export type { FileState }
