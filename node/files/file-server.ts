/**
 * The serving side of /hyphae/file/1.0.0: answers a peer's request for chunks of a file it may
 * have (the contact a file was sent to; for a group's file, the group's members now), and counts
 * what it uploads. The author of a group's file serves each chunk only a few times, so members
 * take the rest from each other (the swarm).
 */
import { FileStatus, type FileAnswer, type FileChunk, type FileRequest } from '../../protocols/file/index.ts'
import { hex } from '../hex.ts'
import type { FileRecord, FileRecords } from './file-records.ts'
import type { AbortOptions, PeerId } from '@libp2p/interface'

/**
 * A group file's author serves each chunk this many times, then leaves it to the members who
 * have it (the swarm), so its upload is a small multiple of the file whatever the group's size.
 */
export const AUTHOR_SERVES_PER_CHUNK = 2
/**
 * ...unless the asker says it is stranded (no chunk from anyone for a while: it reaches no
 * member that holds what it lacks, or they have gone) and the chunk has not been served for
 * this long (doubled with each serving past the cap, up to 4x): a download must not stall for
 * good. Asked by anyone, whenever it had rested that long, the author re-served every chunk
 * 7.5 times in a 100-member swarm on 2 cores (bench/RESULTS.md).
 */
const AUTHOR_RELAX_MS = 5_000

interface AuthorServes { count: Uint16Array, last: Float64Array }

export interface FileServerInit {
  records: FileRecords
  /** whether `peer` is a member of `group` now: who may fetch a group's file */
  groupMember?: (group: string, peer: string) => Promise<boolean>
}

export class FileServer {
  private readonly init: FileServerInit
  /** chunks of our files served since start (an upload's progress) */
  private readonly served = new Map<string, Set<number>>()
  /** bytes of our chunks served since start, per file */
  private readonly uploadedBytes = new Map<string, number>()
  /** a group file we sent: how often each chunk was served, and when last */
  private readonly authorServes = new Map<string, AuthorServes>()

  constructor (init: FileServerInit) {
    this.init = init
  }

  /** Bytes of the file's chunks this node served since it started (its upload). */
  uploaded (id: string): number {
    return this.uploadedBytes.get(id) ?? 0
  }

  /** Serves chunks of a file to the peer it was sent to (for a group's file: to the group's members). */
  async serve (from: PeerId, request: FileRequest, _options: AbortOptions): Promise<FileAnswer> {
    const records = this.init.records
    const record = await records.get(hex(request.root))
    if (record == null || !(await this.mayServe(record, from.toString()))) return { status: FileStatus.UNKNOWN_FILE }
    const file = await records.file(record)
    const start = request.start
    const end = Math.min(file.n, request.start + request.count)
    const served = this.served.get(record.id) ?? new Set<number>()
    this.served.set(record.id, served)
    const uploaded = (i: number, bytes: number): void => {
      this.uploadedBytes.set(record.id, (this.uploadedBytes.get(record.id) ?? 0) + bytes)
      if (record.direction !== 'out') return
      served.add(i)
      records.progress(record, Math.min(record.size, served.size * record.chunkSize))
      if (served.size === file.n) records.emit(record, true)
    }
    // the author of a group's file serves each chunk a few times; the bitmap it answers names
    // only those it will still serve, so askers take the rest from members
    let capped: AuthorServes | undefined
    let have = file.have
    const stranded = request.stranded === true
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
        if (file.has(i) && authorMayServe(c, i, now, stranded)) have[i >> 3] |= 1 << (i & 7)
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
            if (!authorMayServe(cap, i, Date.now(), stranded)) continue
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
    return (await this.init.groupMember?.(record.group, peer)) === true
  }
}

function authorMayServe (c: AuthorServes, i: number, now: number, stranded: boolean): boolean {
  if (c.count[i] < AUTHOR_SERVES_PER_CHUNK) return true
  return stranded && now - c.last[i] > AUTHOR_RELAX_MS * 2 ** Math.min(c.count[i] - AUTHOR_SERVES_PER_CHUNK, 2)
}
