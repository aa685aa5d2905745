/**
 * The downloads under way: one Download (download.ts) per accepted file, resumed when the node
 * starts again, its sources chosen (the contact; for a group's file its author and the members
 * online), and on completion the plaintext written where the user asked.
 */
import { randomBytes } from 'node:crypto'
import { rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { InvalidArgumentError } from '../errors.ts'
import { unhex } from '../hex.ts'
import { Download } from './download.ts'
import { reserveName } from './names.ts'
import type { FileRecord, FileRecords } from './file-records.ts'
import type { FileTransfer } from '../../protocols/file/index.ts'
import type { Logger } from '@libp2p/interface'

interface DownloadEntry {
  download?: Download
  stopped: boolean
  done: Promise<void>
}

export interface DownloadsInit {
  records: FileRecords
  transfer: FileTransfer
  log: Logger
  /** where a file goes when its record names no folder */
  downloadsDir: string
  /** the group's members online now (connected, or on its topic): sources for its files */
  groupPeers?: (group: string) => Promise<string[]>
  /** this node's peer id */
  self?: string
}

export class Downloads {
  private readonly init: DownloadsInit
  private readonly entries = new Map<string, DownloadEntry>()
  private running = false

  constructor (init: DownloadsInit) {
    this.init = init
  }

  /** Resumes the downloads an earlier run left under way. */
  async start (): Promise<void> {
    this.running = true
    for await (const record of this.init.records.values()) {
      if (record.state === 'downloading') this.add(record)
    }
  }

  async stop (): Promise<void> {
    this.running = false
    for (const entry of this.entries.values()) { entry.stopped = true; entry.download?.stop() }
    await Promise.allSettled([...this.entries.values()].map(async d => d.done))
  }

  has (id: string): boolean {
    return this.entries.has(id)
  }

  /** Starts fetching the file of a record in state 'downloading' (once: a second call is a no-op). */
  add (record: FileRecord): void {
    if (!this.running || this.entries.has(record.id)) return
    const { records, log } = this.init
    const entry: DownloadEntry = { stopped: false, done: Promise.resolve() }
    entry.done = (async () => {
      const file = await records.file(record)
      if (entry.stopped) return
      // what an earlier run checked and kept (resumed from its last checkpoint)
      records.resumed(record.id, Math.min(record.size, file.count * record.chunkSize))
      entry.download = new Download({
        file,
        transfer: this.init.transfer,
        sources: async () => this.sourcesOf(record),
        ...(record.group != null && record.author != null ? { lastResort: record.author } : {}),
        log,
        onChunk: held => { records.progress(record, Math.min(record.size, held * record.chunkSize)) },
        onRefused: (peer, index) => {
          log('refused chunk %d of %s from %s', index, record.id, peer)
          records.refusedChunk(record.id)
        }
      })
      await entry.download.run()
      // stopped as the last chunk came (its message expired, or it was declined): nothing saved
      if (entry.stopped) return
      const target = await this.targetOf(record.saveDir ?? this.init.downloadsDir, record.name)
      await this.decrypt(record, target)
      await records.update(record, { state: 'complete', received: record.size, savedTo: target })
    })().catch(async err => {
      if (entry.stopped || !this.running) return
      log('download of %s failed - %e', record.id, err)
      await records.update(record, { state: 'failed', error: err?.message ?? String(err) }).catch(() => {})
    }).finally(() => {
      this.entries.delete(record.id)
      records.ended(record.id)
    })
    this.entries.set(record.id, entry)
  }

  /** Stops the download of `id`, if one is under way, and waits for it to end. */
  async cancel (id: string): Promise<void> {
    const entry = this.entries.get(id)
    if (entry == null) return
    entry.stopped = true
    entry.download?.stop()
    await entry.done.catch(() => {})
  }

  /** Resolves once the download of `id` ends (for tests and one-off commands). */
  async settled (id: string): Promise<void> {
    await this.entries.get(id)?.done
  }

  /** Writes the plaintext of a file held whole to `path` (a new file, or a new name in a folder). */
  async saveAs (record: FileRecord, path: string): Promise<string> {
    const target = await this.targetOf(path, record.name)
    await this.decrypt(record, target)
    return target
  }

  /** `path` itself when it is new, else a free name in it when it is a folder. */
  private async targetOf (path: string, name: string): Promise<string> {
    const info = await stat(path).catch(() => undefined)
    if (info?.isDirectory() === true) return reserveName(path, name)
    if (info != null) throw new InvalidArgumentError(`${path} exists: name a new file or a folder`)
    return path
  }

  private async decrypt (record: FileRecord, target: string): Promise<void> {
    const file = await this.init.records.file(record)
    // the temporary copy sits beside the target: a rename cannot cross file systems (a USB stick)
    try {
      await file.decryptTo(unhex(record.key), target, join(dirname(target), `.hyphae-saving-${randomBytes(8).toString('hex')}`))
    } catch (err) {
      // the empty name reserved for it goes too
      if ((await stat(target).catch(() => undefined))?.size === 0) await rm(target, { force: true })
      throw err
    }
  }

  /**
   * Where a download fetches from: the contact who sent it; for a group's file its author and
   * the group's members online now (asked again each round, so members who got chunks become
   * sources), in random order past the author so downloads spread over them.
   */
  private async sourcesOf (record: FileRecord): Promise<string[]> {
    if (record.group == null) return [record.conversation]
    const peers = (await this.init.groupPeers?.(record.group)) ?? []
    for (let i = peers.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [peers[i], peers[j]] = [peers[j], peers[i]]
    }
    const author = record.author ?? ''
    return [...(author !== '' ? [author] : []), ...peers.filter(p => p !== author && p !== this.init.self)]
  }
}
