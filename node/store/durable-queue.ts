import type { Database } from './database.ts'
import type { BatchOp } from './messages-store.ts'
import type { Logger } from '@libp2p/interface'
import type { AbstractSublevel } from 'abstract-level'

export interface QueueEntry {
  key: string
  value: Uint8Array
}

/**
 * Work waiting per owner (a peer, a group) on disk, keyed `<owner>!<seq>!<id>` so a range read
 * returns one owner's queue in the order it was written. An entry is put in the same batch as
 * whatever made it (the message), and deleted in the same batch as whatever settles it.
 */
export class QueueStore {
  readonly sublevel: AbstractSublevel<Database, string | Uint8Array, string, Uint8Array>
  private seq = Date.now() * 1000

  constructor (db: Database, name: string) {
    this.sublevel = db.sublevel<string, Uint8Array>(name, { valueEncoding: 'view' })
  }

  /** A key that sorts after every earlier one, across restarts too (time-based, then counted). */
  nextKey (owner: string, id: string): string {
    this.seq = Math.max(this.seq + 1, Date.now() * 1000)
    return `${owner}!${this.seq.toString().padStart(20, '0')}!${id}`
  }

  /** The id an entry was queued under (the last part of its key). */
  static idOf (key: string): string {
    return key.slice(key.lastIndexOf('!') + 1)
  }

  putOp (key: string, value: Uint8Array): BatchOp {
    return { type: 'put', sublevel: this.sublevel, key, value }
  }

  deleteOp (key: string): BatchOp {
    return { type: 'del', sublevel: this.sublevel, key }
  }

  /** The owner's oldest entries, in order. */
  async entries (owner: string, limit: number): Promise<QueueEntry[]> {
    const entries = await this.sublevel.iterator({ gt: `${owner}!`, lt: `${owner}!~`, limit }).all()
    return entries.map(([key, value]) => ({ key, value }))
  }

  /** Every owner with something queued. */
  async owners (): Promise<string[]> {
    const owners = new Set<string>()
    for await (const key of this.sublevel.keys()) owners.add(key.slice(0, key.indexOf('!')))
    return [...owners]
  }

  async size (owner?: string): Promise<number> {
    let n = 0
    const range = owner == null ? {} : { gt: `${owner}!`, lt: `${owner}!~` }
    for await (const _ of this.sublevel.keys(range)) n++
    return n
  }
}

/**
 * What a round did. 'done': nothing left (or nothing to do); 'more': a full batch went, run
 * again at once; 'retry': could not get through, again after a backoff; 'wait': held until a
 * kick; `{ after }`: paced, go on in that many ms (no backoff counted).
 */
export type RoundOutcome = 'done' | 'more' | 'retry' | 'wait' | { after: number }

export interface DurableQueueInit {
  store: QueueStore
  /** one round for `owner`: deliver its next entries and take the settled ones off the store */
  round: (owner: string) => Promise<RoundOutcome>
  /** the first retry's delay and the longest; it doubles in between (with ±25% jitter) */
  backoff: { minMs: number, maxMs: number }
  log: Logger
}

/**
 * A durable queue per owner: one round at a time per owner, at once when kicked (a new entry,
 * the peer connected), otherwise with exponential backoff while rounds fail. What a crash
 * interrupts is still on disk, and `start()` runs every owner that has something queued.
 */
export class DurableQueue {
  readonly store: QueueStore
  private readonly init: DurableQueueInit
  private readonly controller = new AbortController()
  private readonly running = new Map<string, Promise<void>>()
  private readonly again = new Set<string>()
  private readonly retries = new Map<string, { attempts: number, timer?: ReturnType<typeof setTimeout> }>()

  constructor (init: DurableQueueInit) {
    this.init = init
    this.store = init.store
  }

  /** Aborted once the queue stops: rounds under way should end soon after. */
  get signal (): AbortSignal {
    return this.controller.signal
  }

  async start (): Promise<void> {
    for (const owner of await this.store.owners()) this.kick(owner)
  }

  /** Stops new rounds; the ones under way end on their own (see drained). */
  stop (): void {
    this.controller.abort()
    for (const r of this.retries.values()) clearTimeout(r.timer)
  }

  /** Resolves once no round is under way; await before closing the store. */
  async drained (): Promise<void> {
    await Promise.allSettled(this.running.values())
  }

  /** Runs `owner` now (or once more after the round under way). */
  kick (owner: string): void {
    if (this.controller.signal.aborted) return
    clearTimeout(this.retries.get(owner)?.timer)
    if (this.running.has(owner)) { this.again.add(owner); return }
    const run = this.run(owner)
      .finally(() => { this.running.delete(owner) })
    this.running.set(owner, run)
  }

  /** Runs `owner` now only if it waits for a retry (its peer just connected, say). */
  wake (owner: string): void {
    if (this.retries.has(owner)) this.kick(owner)
  }

  private async run (owner: string): Promise<void> {
    let outcome: RoundOutcome
    do {
      this.again.delete(owner)
      try {
        outcome = await this.init.round(owner)
      } catch (err) {
        // a round that threw (a read of the store failed...) is retried like one that failed
        this.init.log.error('queue round for %s failed - %e', owner, err)
        outcome = 'retry'
      }
      if (outcome === 'retry') { this.schedule(owner); return }
      if (typeof outcome === 'object') { this.schedule(owner, outcome.after); return }
      if (outcome === 'wait') { this.retries.delete(owner); return }
    } while ((outcome === 'more' || this.again.has(owner)) && !this.controller.signal.aborted)
    this.retries.delete(owner)
  }

  /** Runs the owner again after `delay` ms, or after the next backoff when none is given. */
  private schedule (owner: string, delay?: number): void {
    if (this.controller.signal.aborted) return
    const retry = this.retries.get(owner) ?? { attempts: 0 }
    if (delay == null) {
      retry.attempts++
      const { minMs, maxMs } = this.init.backoff
      delay = Math.min(maxMs, minMs * 2 ** (retry.attempts - 1)) * (0.75 + Math.random() / 2)
    }
    clearTimeout(retry.timer)
    retry.timer = setTimeout(() => { this.kick(owner) }, delay)
    retry.timer.unref?.()
    this.retries.set(owner, retry)
  }
}
