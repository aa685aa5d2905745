import { MAX_PAGE_ITEMS, SyncStatus, type GroupSync, type SyncAnswer, type SyncRequest } from '../../protocols/group-sync/index.ts'
import { hex, unhex } from '../hex.ts'
import { checkSyncProof, GROUP_ID_BYTES, syncProof, verifyGroupMessage, type SignedGroupMessage } from './crypto.ts'
import { MAX_TRACKED_PEERS } from './topics.ts'
import { active, type GroupContext } from './context.ts'
import type { GroupLedger } from './ledger.ts'
import type { GroupRecord } from '../store/groups-store.ts'
import type { PeerId } from '@libp2p/interface'

/** A peer that subscribes to a group topic is asked for history at most this often per group. */
const SYNC_INTERVAL = 5_000
/** A gap in an author's chain asks sooner, but not more than this often per group and peer. */
const GAP_SYNC_INTERVAL = 1_000
/** Lamport ticks re-asked after a sync, for messages that were concurrent with our last one. */
export const SYNC_OVERLAP = 64
const SYNC_TIMEOUT = 30_000
const MAX_SYNC_PAGES = 1000

/**
 * A group's history over /hyphae/group-sync/1.0.0: asking members for what we missed (when they
 * subscribe, when we come back, when an author's chain has a gap) and serving ours to members.
 */
export class GroupHistory {
  private readonly ctx: GroupContext
  private readonly sync: GroupSync
  private readonly ledger: GroupLedger
  /** group -> the Lamport clock from which history is asked for */
  private readonly resumeAt = new Map<string, number>()
  private readonly syncs = new Map<string, Promise<void>>()
  private readonly lastSync = new Map<string, number>()
  /** group!peer: peers whose whole history of the group we have asked for (see syncGroup) */
  private readonly fullSyncs = new Set<string>()
  private readonly pendingGaps = new Map<string, number>()
  private readonly gapTimers = new Map<string, ReturnType<typeof setTimeout>>()
  private started = false

  constructor (ctx: GroupContext, sync: GroupSync, ledger: GroupLedger) {
    this.ctx = ctx
    this.sync = sync
    this.ledger = ledger
  }

  /** Serves history from now on (libp2p runs the protocol itself). */
  start (): void {
    this.sync.onRequest = async (from, request) => this.serve(from, request)
    this.started = true
  }

  stop (): void {
    this.started = false
    for (const timer of this.gapTimers.values()) clearTimeout(timer)
    // answered UNAVAILABLE until libp2p stops the protocol
    this.sync.onRequest = undefined
  }

  /** Where the next sync of the group starts: `clock`, less an overlap unless `exact`. */
  resume (group: string, clock: number, exact = false): void {
    this.resumeAt.set(group, exact ? clock : Math.max(0, clock - SYNC_OVERLAP))
  }

  schedule (group: string, peer: PeerId, options: { since?: number, gap?: boolean } = {}): void {
    if (!this.started) return
    const key = `${group}!${peer.toString()}`
    if (this.syncs.has(key)) {
      if (options.gap === true) this.pendingGaps.set(key, Math.min(options.since ?? 0, this.pendingGaps.get(key) ?? Infinity))
      return
    }
    const last = this.lastSync.get(key)
    const interval = options.gap === true ? GAP_SYNC_INTERVAL : SYNC_INTERVAL
    if (last != null && Date.now() - last < interval) {
      // a gap is not forgotten: it is asked about once the interval is over
      if (options.gap === true && !this.gapTimers.has(key)) {
        const timer = setTimeout(() => {
          this.gapTimers.delete(key)
          this.schedule(group, peer, options)
        }, interval - (Date.now() - last))
        timer.unref?.()
        this.gapTimers.set(key, timer)
      }
      return
    }
    if (this.lastSync.size >= MAX_TRACKED_PEERS * 4) this.lastSync.clear()
    this.lastSync.set(key, Date.now())
    const run = this.fetch(group, peer, options.since)
      .then(n => { if (n > 0) this.ctx.log('%d messages of %s from the history of %p', n, group, peer) })
      .catch(err => {
        this.ctx.count(`sync failed: ${err?.status ?? err?.name ?? 'error'}`)
        this.ctx.log('history of %s from %p failed - %e', group, peer, err)
      })
      .finally(() => {
        this.syncs.delete(key)
        const since = this.pendingGaps.get(key)
        if (since != null) {
          this.pendingGaps.delete(key)
          this.lastSync.delete(key)
          this.schedule(group, peer, { since, gap: true })
        }
      })
    this.syncs.set(key, run)
    this.ctx.track(run)
  }

  /** Pages through a member's history from `since` (default: where we resume); returns how many were new. */
  async fetch (group: string, peer: PeerId, since?: number): Promise<number> {
    const { store } = this.ctx
    const record = active(await store.group(group))
    const keys = this.ctx.keysOf(record)
    let from = since ?? this.resumeAt.get(group) ?? await store.clock(group)
    const full = `${group}!${peer.toString()}`
    // a member we know of (from an invite or a new key) whose join we never got, most often one
    // signed early with a low clock: ask this peer once for the whole history, where it would be
    if (since == null && from > 0 && !this.fullSyncs.has(full) && await this.missingJoins(group)) from = 0
    if (from === 0) {
      if (this.fullSyncs.size >= MAX_TRACKED_PEERS * 4) this.fullSyncs.clear()
      this.fullSyncs.add(full)
    }
    const clockBefore = await store.clock(group)
    let cursor: Uint8Array = new Uint8Array(0)
    let stored = 0
    for (let pages = 0; pages < MAX_SYNC_PAGES; pages++) {
      const signal = AbortSignal.any([this.ctx.signal, AbortSignal.timeout(SYNC_TIMEOUT)])
      const page = await this.sync.fetch(peer, {
        group: unhex(group) as Uint8Array<ArrayBuffer>,
        epoch: BigInt(record.epoch),
        proof: syncProof(keys, this.ctx.self, peer),
        since: BigInt(from),
        cursor: cursor as Uint8Array<ArrayBuffer>,
        limit: MAX_PAGE_ITEMS
      }, { signal })
      for (const item of page.items) {
        let signed: SignedGroupMessage
        try {
          signed = await verifyGroupMessage(item)
        } catch (err: any) {
          this.ctx.count(`history: ${err?.reason ?? 'invalid'}`)
          continue
        }
        if (hex(signed.message.group) !== group) {
          this.ctx.count('history: wrong group')
          continue
        }
        // a message whose author's previous one we lack (a join below where we resumed) asks the
        // same peer for that gap once this sync is over
        if ((await this.ledger.receive(group, signed, { sync: true, source: peer })) === 'stored') stored++
      }
      if (page.cursor == null) break
      cursor = page.cursor
    }
    // later syncs need not go back further than this, save for concurrent messages
    if (since == null) this.resumeAt.set(group, Math.max(this.resumeAt.get(group) ?? 0, clockBefore - SYNC_OVERLAP))
    return stored
  }

  /** Whether a member we list has no join of theirs stored (it was named to us, not seen). */
  private async missingJoins (group: string): Promise<boolean> {
    return (await this.ctx.store.listMembers(group)).some(m => m.state === 'member' && m.at === 0 && m.peerId !== this.ctx.me)
  }

  /** Only a current member (proof of the current epoch secret, not removed) reads history. */
  private async serve (from: PeerId, request: SyncRequest): Promise<SyncAnswer> {
    const { store } = this.ctx
    if (request.group.byteLength !== GROUP_ID_BYTES) return { status: SyncStatus.MALFORMED }
    const group = hex(request.group)
    const record: GroupRecord | undefined = await store.group(group)
    if (record == null || record.state !== 'active') return { status: SyncStatus.UNKNOWN_GROUP }
    const epoch = BigInt(record.epoch)
    if (request.epoch !== epoch) return { status: SyncStatus.WRONG_EPOCH, epoch }
    if (!checkSyncProof(this.ctx.keysOf(record), from, this.ctx.self, request.proof)) {
      this.ctx.count('history refused: bad proof')
      return { status: SyncStatus.NOT_MEMBER, epoch }
    }
    const member = await store.member(group, from.toString())
    if (member?.state === 'removed' && (member.removedEpoch ?? Infinity) >= record.epoch) {
      this.ctx.count('history refused: removed member')
      return { status: SyncStatus.NOT_MEMBER, epoch }
    }
    const since = request.since > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(request.since)
    const cursor = request.cursor.byteLength > 0 && request.cursor.byteLength <= 128 ? new TextDecoder().decode(request.cursor) : undefined
    const page = await store.history(group, since, cursor, request.limit)
    return { status: SyncStatus.OK, items: page.items, cursor: page.next != null ? new TextEncoder().encode(page.next) : undefined, epoch }
  }
}
