/**
 * Fetches a file's missing chunks from every peer that may hold them (the author, and in a group
 * the members that already have some: the swarm), each chunk checked against the Merkle root
 * as it arrives. A bad chunk aborts that stream and the chunk is asked again (from the same peer
 * or another); a peer that sends MAX_STRIKES bad chunks is dropped for this file. A lost
 * connection (a relay's data limit used up, a restart) is retried with backoff, and the next
 * stream opens a new connection; the store's checkpoints make the whole thing resumable.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { BadChunkError, MAX_CHUNKS_PER_REQUEST, type FileChunk, type FileRequest, type FileTransfer } from '../../protocols/file/index.ts'
import type { ChunkFile } from './chunk-file.ts'
import type { Logger } from '@libp2p/interface'

/** Requests in flight per source: hides a round trip between windows. */
const WINDOWS_PER_SOURCE = 2
/** Sources fetched from at once. */
const MAX_SOURCES = 8
const MAX_STRIKES = 3
const CHECKPOINT_MS = 1_000
const BACKOFF_MIN_MS = 250
const BACKOFF_MAX_MS = 10_000
/**
 * Several sources (a swarm): a source with nothing left for us is asked what it holds again
 * after this pause (members who got chunks have more to give), at most MAX_POLLS times in a row
 * before its worker ends and the next round asks the sources afresh.
 */
const POLL_MS = 150
const MAX_POLLS = 20
/** no chunk from any source for this long: requests say the asker is stranded (file-server.ts) */
export const STRANDED_AFTER_MS = 5_000

export interface DownloadInit {
  file: ChunkFile
  transfer: FileTransfer
  /** peers that may serve the file, best first (asked again whenever a source is dropped) */
  sources: () => Promise<string[]>
  log: Logger
  /** after every chunk kept */
  onChunk: (held: number) => void
  /** a chunk was refused (bad proof or length) */
  onRefused: (peer: string, index: number) => void
  /**
   * A source asked only for chunks no other source is known to hold: a group file's author,
   * which serves each chunk a few times and past that whatever it has not served for a while
   * (file-server.ts); without this every member took those chunks from it, not from each other.
   */
  lastResort?: string
}

export class Download {
  private readonly init: DownloadInit
  private readonly controller = new AbortController()
  /** chunks asked and not yet answered */
  private readonly inFlight = new Set<number>()
  private readonly strikes = new Map<string, number>()
  private readonly haves = new Map<string, Uint8Array>()
  private readonly learning = new Map<string, Promise<boolean>>()
  private lastCheckpoint = 0
  /** when a chunk last came (or the download started) */
  private lastChunkAt = Date.now()
  /** several sources: each starts its windows at random, so they do not all ask for the same chunks */
  private spread = false
  /** bytes sent to us per source */
  readonly servedBy = new Map<string, number>()

  constructor (init: DownloadInit) {
    this.init = init
  }

  stop (): void {
    this.controller.abort(new Error('download stopped'))
  }

  get stopped (): boolean {
    return this.controller.signal.aborted
  }

  /** Resolves once every chunk is held (or rejects when stopped). */
  async run (): Promise<void> {
    const { file } = this.init
    while (!file.complete) {
      this.controller.signal.throwIfAborted()
      const sources = (await this.init.sources()).filter(p => (this.strikes.get(p) ?? 0) < MAX_STRIKES).slice(0, MAX_SOURCES)
      this.spread = sources.length > 1
      if (sources.length === 0) {
        await this.sleep(BACKOFF_MAX_MS)
        continue
      }
      // each source runs its windows until nothing is left for it, or it fails for good
      const held = file.count
      await Promise.all(sources.flatMap(peer => Array.from({ length: WINDOWS_PER_SOURCE }, async () => this.worker(peer))))
      // what the sources hold changes (a swarm): asked afresh next round, after a pause if this one gave nothing
      this.haves.clear()
      if (file.count === held) await this.sleep(BACKOFF_MIN_MS * 2)
    }
    await file.checkpoint()
  }

  private async worker (peer: string): Promise<void> {
    const { file } = this.init
    let backoff = BACKOFF_MIN_MS
    let failures = 0
    let polls = 0
    while (!file.complete && !this.controller.signal.aborted && (this.strikes.get(peer) ?? 0) < MAX_STRIKES) {
      // several sources: learn what this one holds before asking it for anything, or the first
      // worker of each round takes the last missing chunks to a source that may not serve them
      // (a group file's author past its cap) while the sources that hold them sit idle
      if (this.spread && !this.haves.has(peer) && !(await this.learn(peer))) return
      // what the others hold decides what is left for the last resort: learnt first
      if (this.spread && peer === this.init.lastResort) await Promise.allSettled([...this.learning.values()])
      const window = this.pick(peer)
      if (window == null) {
        if (!this.spread || this.haves.get(peer) == null || polls >= MAX_POLLS) return
        polls++
        await this.sleep(POLL_MS)
        if (file.complete || this.controller.signal.aborted) return
        try {
          // count 0: only what it holds now
          const { have } = await this.init.transfer.fetch(peerIdFromString(peer), this.request(0, 0), async () => {}, { signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(10_000)]) })
          this.haves.set(peer, have)
        } catch (err: any) {
          // a member that has not accepted yet refuses: it may hold chunks by the next poll
          if (err?.name !== 'FileRefusedError') return
        }
        continue
      }
      polls = 0
      const asked = new Set(window.indexes)
      const heldBefore = file.count
      try {
        const { have } = await this.init.transfer.fetch(peerIdFromString(peer), this.request(window.start, window.indexes.length), async (chunk: FileChunk) => {
          if (!(await file.write(chunk.index, chunk.data, chunk.proof))) {
            this.strikes.set(peer, (this.strikes.get(peer) ?? 0) + 1)
            this.init.onRefused(peer, chunk.index)
            throw new BadChunkError(chunk.index, 'it does not match the root')
          }
          asked.delete(chunk.index)
          this.inFlight.delete(chunk.index)
          this.lastChunkAt = Date.now()
          this.servedBy.set(peer, (this.servedBy.get(peer) ?? 0) + chunk.data.byteLength)
          this.init.onChunk(file.count)
          await this.maybeCheckpoint()
        }, { signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(60_000)]) })
        this.haves.set(peer, have)
        backoff = BACKOFF_MIN_MS
        failures = 0
      } catch (err: any) {
        if (this.controller.signal.aborted) return
        this.init.log('chunks %d+%d from %s failed - %e', window.start, window.indexes.length, peer, err)
        // chunks came (on this window or another) while it ran: most often a relay's data limit
        // ended the circuit, and the next request opens a new one at once (backing off there
        // made a relayed file crawl)
        if (file.count > heldBefore && err?.name !== 'BadChunkError') {
          backoff = BACKOFF_MIN_MS
          failures = 0
          continue
        }
        if (err?.name === 'FileRefusedError') {
          // it does not have the file (yet): with other sources, it holds nothing for now and
          // is polled with the others
          if (this.spread) {
            this.haves.set(peer, new Uint8Array(0))
            continue
          }
          // ask it again later, less often
          failures++
        }
        failures++
        await this.sleep(backoff)
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS)
        // a peer that keeps failing leaves the others its share; run() asks it again later
        if (failures > 6) return
      } finally {
        for (const i of asked) this.inFlight.delete(i)
      }
    }
  }

  /** Asks `peer` what it holds (count 0), once per round whichever of its windows asks first; false when it cannot say. */
  private async learn (peer: string): Promise<boolean> {
    let asking = this.learning.get(peer)
    if (asking == null) {
      asking = this.init.transfer.fetch(peerIdFromString(peer), this.request(0, 0), async () => {}, { signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(10_000)]) })
        .then(({ have }) => { this.haves.set(peer, have); return true }, (err: any) => {
          // a member that has not accepted yet refuses: it holds nothing for now, and is polled
          if (err?.name !== 'FileRefusedError') return false
          this.haves.set(peer, new Uint8Array(0))
          return true
        })
        .finally(() => { this.learning.delete(peer) })
      this.learning.set(peer, asking)
    }
    return asking
  }

  /** Chunks [start, start + count) of the file (count 0: what the peer holds), saying whether we are stranded. */
  private request (start: number, count: number): FileRequest {
    const stranded = Date.now() - this.lastChunkAt > STRANDED_AFTER_MS
    return { root: this.init.file.root as Uint8Array<ArrayBuffer>, start, count, ...(stranded ? { stranded } : {}) }
  }

  /** The next run of missing chunks this peer may hold and nobody is fetching: random, so sources spread. */
  private pick (peer: string): { start: number, indexes: number[] } | undefined {
    const { file } = this.init
    const have = this.haves.get(peer)
    const others = peer === this.init.lastResort && this.spread ? [...this.haves].filter(([p]) => p !== peer).map(([, h]) => h) : []
    const elsewhere = (i: number): boolean => others.some(h => (h[i >> 3] & (1 << (i & 7))) !== 0)
    const holds = (i: number): boolean => (have == null || (have[i >> 3] & (1 << (i & 7))) !== 0) && !elsewhere(i)
    const candidates: number[] = []
    for (let i = 0; i < file.n; i++) {
      if (!file.has(i) && !this.inFlight.has(i) && holds(i)) candidates.push(i)
    }
    if (candidates.length === 0) return undefined
    // in order from a random starting run: sequential reads for the responder, spread over sources
    const first = this.spread ? candidates[Math.floor(Math.random() * candidates.length)] : candidates[0]
    const indexes: number[] = []
    for (let i = first; i < file.n && indexes.length < MAX_CHUNKS_PER_REQUEST; i++) {
      if (file.has(i) || this.inFlight.has(i) || !holds(i)) break
      indexes.push(i)
    }
    for (const i of indexes) this.inFlight.add(i)
    return { start: first, indexes }
  }

  private async maybeCheckpoint (): Promise<void> {
    if (Date.now() - this.lastCheckpoint < CHECKPOINT_MS) return
    this.lastCheckpoint = Date.now()
    await this.init.file.checkpoint()
  }

  private async sleep (ms: number): Promise<void> {
    await new Promise<void>(resolve => {
      const timer = setTimeout(resolve, ms)
      this.controller.signal.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
    })
  }
}
