/**
 * Files sent in conversations. Sending seals the file chunk by chunk into the profile (see
 * chunk-file.ts) and sends an offer (root, key, name, size) as a direct message, through the
 * ratchet like any text. A received offer is stored with the message and shown in the
 * conversation; nothing is fetched until the user accepts it (or it is under the contact's
 * auto-accept size: offers.ts). The download then fetches chunks over /hyphae/file/1.0.0
 * (downloads.ts), checks each against the root, survives restarts, and on completion writes the
 * plaintext to the chosen folder (default DATA_DIR/downloads). file-server.ts serves our chunks.
 */
import { mkdir, rm, stat, statfs } from 'node:fs/promises'
import { basename, join, resolve, sep } from 'node:path'
import { CHUNK_SIZE, FileOffer, MAX_FILE_BYTES, TAG_BYTES, type FileTransfer } from '../../protocols/file/index.ts'
import { InvalidArgumentError } from '../errors.ts'
import { hex } from '../hex.ts'
import { ChunkFile, chunkCount } from './chunk-file.ts'
import { newFileKey } from './chunk-crypto.ts'
import { Downloads } from './downloads.ts'
import { FileStateError, FileTooLargeError, InsufficientSpaceError } from './errors.ts'
import { FileRecords, type FileRecord } from './file-records.ts'
import { FileServer } from './file-server.ts'
import { FileOffers, offerLine } from './offers.ts'
import { sanitizeFileName } from './names.ts'
import type { FileInfo, FileLimits, FileProgress, FileState } from '../messenger.ts'
import type { Database } from '../store/database.ts'
import type { BatchOp } from '../store/messages-store.ts'
import type { Logger } from '@libp2p/interface'

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
  private readonly records: FileRecords
  private readonly offers: FileOffers
  private readonly server: FileServer
  private readonly downloads: Downloads
  readonly dir: string
  readonly downloadsDir: string

  constructor (components: FilesComponents) {
    this.components = components
    const { db, dataDir, log } = components
    this.downloadsDir = join(dataDir, 'downloads')
    this.records = new FileRecords({ db, dataDir, onProgress: components.onProgress, pinned: id => this.downloads.has(id) })
    this.dir = this.records.dir
    this.offers = new FileOffers({ db, records: this.records, log, contactState: components.contactState, accept: async id => this.accept(id) })
    this.server = new FileServer({ records: this.records, groupMember: components.groupMember })
    this.downloads = new Downloads({
      records: this.records, transfer: components.transfer, log, downloadsDir: this.downloadsDir,
      groupPeers: components.groupPeers, self: components.self
    })
  }

  async start (): Promise<void> {
    // files/ is made by the first file sent or accepted: a profile without files has none
    this.components.transfer.onRequest = async (from, request, options) => this.server.serve(from, request, options)
    await this.downloads.start()
  }

  async stop (): Promise<void> {
    this.components.transfer.onRequest = undefined
    await this.downloads.stop()
    await this.records.closeAll()
  }

  /** Seals `path` into the profile and offers it to the contact `ref` (or to the group `ref`). */
  async send (ref: string, path: string, options: { group?: boolean } = {}): Promise<FileInfo & { messageId: string }> {
    const sendOffer = options.group === true ? this.components.sendGroupOffer : this.components.sendOffer
    if (sendOffer == null) throw new InvalidArgumentError('this node has no groups')
    const info = await stat(path).catch(() => { throw new InvalidArgumentError(`no file at ${path}`) })
    if (!info.isFile()) throw new InvalidArgumentError(`${path} is not a regular file`)
    if (info.size > MAX_FILE_BYTES) throw new FileTooLargeError(info.size, MAX_FILE_BYTES, 'the largest file hyphae sends')
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    await checkSpace(this.dir, info.size + chunkCount({ size: info.size, chunkSize: CHUNK_SIZE }) * TAG_BYTES)
    const key = newFileKey()
    const file = await ChunkFile.seal(this.dir, path, key, CHUNK_SIZE)
    const id = hex(file.root)
    this.records.opened(id, file)
    const name = sanitizeFileName(basename(path))
    const offer = FileOffer.encode({ root: file.root as Uint8Array<ArrayBuffer>, key: key as Uint8Array<ArrayBuffer>, name, size: BigInt(info.size), chunkSize: CHUNK_SIZE, mime: '' })
    // the record first: the recipient may ask for chunks as soon as the offer lands
    const record: FileRecord = {
      id, messageId: '', conversation: '', direction: 'out', name, size: info.size, state: 'shared',
      received: info.size, refusedChunks: 0, createdAt: Date.now(), key: hex(key), chunkSize: CHUNK_SIZE
    }
    await this.records.put(record)
    try {
      const sent = await sendOffer(ref, offerLine(name, info.size), offer)
      record.messageId = sent.id
      record.conversation = sent.conversation
      if (options.group === true) record.group = sent.conversation
      await this.records.put(record)
    } catch (err) {
      await this.records.del(id)
      await this.records.closeFile(id)
      await ChunkFile.remove(this.dir, id)
      throw err
    }
    return { ...this.records.info(record), messageId: record.messageId }
  }

  /** See FileOffers.offerOps: a received offer, checked, and the ops that keep it. */
  offerOps (from: string, messageId: string, bytes: Uint8Array, group?: string): { file: { id: string, name: string, size: number }, ops: BatchOp[], record: FileRecord } | undefined {
    return this.offers.offerOps(from, messageId, bytes, group)
  }

  /** After an offer is stored: accepted at once when the contact's auto-accept size covers it. */
  async offered (id: string): Promise<void> {
    await this.offers.offered(id)
  }

  async list (options: { conversation?: string } = {}): Promise<FileInfo[]> {
    const out: FileInfo[] = []
    for await (const record of this.records.values()) {
      if (options.conversation == null || record.conversation === options.conversation) out.push(this.records.info(record))
    }
    return out.sort((a, b) => a.createdAt - b.createdAt)
  }

  async get (ref: string): Promise<FileInfo> {
    return this.records.info(await this.records.find(ref))
  }

  /** Starts fetching an offered file; it is written to `dir` (default DATA_DIR/downloads) once complete. */
  async accept (ref: string, options: { dir?: string } = {}): Promise<FileInfo> {
    const record = await this.records.find(ref)
    if (record.direction !== 'in') throw new FileStateError('that file is one you sent')
    if (record.state === 'downloading' || record.state === 'complete') return this.records.info(record)
    const limits = await this.offers.limitsOf(record.conversation)
    if (record.size > limits.maxSize) throw new FileTooLargeError(record.size, limits.maxSize, 'this contact\'s limit')
    const saveDir = options.dir ?? this.downloadsDir
    await mkdir(saveDir, { recursive: true, mode: 0o700 })
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    const have = await ChunkFile.exists(this.dir, record.id)
    await checkSpace(this.dir, have ? 0 : record.size + chunkCount(record) * TAG_BYTES)
    await checkSpace(saveDir, record.size)
    const next = await this.records.update(record, { state: 'downloading', saveDir, error: undefined })
    this.downloads.add(next)
    return this.records.info(next)
  }

  /** Stops a download (or refuses an offer) and deletes the chunks received; for a file you sent, stops sharing it and deletes its sealed copy. */
  async decline (ref: string): Promise<FileInfo> {
    const record = await this.records.find(ref)
    await this.downloads.cancel(record.id)
    await this.records.closeFile(record.id)
    await ChunkFile.remove(this.dir, record.id)
    return this.records.info(await this.records.update(record, { state: 'declined', received: 0 }))
  }

  /**
   * Files offered in messages that expired (disappearing messages): downloads stop, the writes
   * that delete their records (each file's key with it) go into the expiry's own batch, and once
   * it is written the sealed chunks go, with a copy this node saved into the profile's downloads
   * (one the user saved elsewhere stays, as a saved photo does in Signal).
   */
  async expiry (fileIds: string[]): Promise<{ ops: BatchOp[], written: () => Promise<void> }> {
    const ops: BatchOp[] = []
    const saved: string[] = []
    const downloads = resolve(this.downloadsDir) + sep
    for (const id of fileIds) {
      // read once the download has ended: one that was saving names its copy only then
      await this.downloads.cancel(id)
      const record = await this.records.get(id)
      if (record == null) continue
      await this.records.closeFile(id)
      ops.push({ type: 'del', sublevel: this.records.sublevel, key: id })
      if (record.savedTo != null && resolve(record.savedTo).startsWith(downloads)) saved.push(record.savedTo)
    }
    return {
      ops,
      written: async () => {
        for (const id of fileIds) await ChunkFile.remove(this.dir, id)
        for (const path of saved) await rm(path, { force: true })
      }
    }
  }

  /** Writes the plaintext of a complete file to `path` (a new file, or a new name in a folder). */
  async save (ref: string, path: string): Promise<FileInfo> {
    const record = await this.records.find(ref)
    if (record.direction === 'in' && record.state !== 'complete') throw new FileStateError(`the file is ${record.state}, not complete`)
    const target = await this.downloads.saveAs(record, path)
    return this.records.info(await this.records.update(record, { savedTo: target }))
  }

  async setLimits (peer: string, change: Partial<FileLimits>): Promise<FileLimits> {
    return this.offers.setLimits(peer, change)
  }

  async limitsOf (peer: string): Promise<FileLimits> {
    return this.offers.limitsOf(peer)
  }

  /** Bytes of the file's chunks this node served since it started (its upload). */
  uploaded (id: string): number {
    return this.server.uploaded(id)
  }

  /** Resolves once the download of `id` ends (for tests and one-off commands). */
  async settled (id: string): Promise<void> {
    await this.downloads.settled(id)
  }
}

async function checkSpace (dir: string, needed: number): Promise<void> {
  const fs = await statfs(dir)
  const free = Number(fs.bavail) * Number(fs.bsize)
  // a margin, so a file never fills the disk the profile's database needs
  if (needed + 64 * 1024 * 1024 > free) throw new InsufficientSpaceError(needed, free, dir)
}

export type { FileState }
