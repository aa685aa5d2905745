import { equalBytes } from '@noble/ciphers/utils.js'
import { MAX_PAGE_BYTES, MAX_PAGE_ITEMS, SyncStatus, type GroupSync, type SyncAnswer, type SyncPage, type SyncRequest } from '../../protocols/group-sync/index.ts'
import { hex } from '../hex.ts'
import { checkSyncProof, randomBytes, SYNC_TAG_BYTES, syncProof, verifyGroupMessage, type EpochKeys, type SignedGroupMessage } from './crypto.ts'
import { TokenBuckets } from './rate-limit.ts'
import { MAX_CHANNEL_BACKLOG, revocationsOf } from './channel-rules.ts'
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
/** Pages and bytes one sync takes from a peer; the rest is asked for at the next one. */
export const MAX_SYNC_PAGES = 64
export const MAX_SYNC_BYTES = 16 * 1024 * 1024
/**
 * Bytes of history taken from one peer, at once and per second after it, across its groups: a
 * member serving junk (its own valid messages, without end) fills our disk no faster than it
 * could by publishing live.
 */
export const FETCH_BURST_BYTES = 32 * 1024 * 1024
export const FETCH_BYTES_PER_SECOND = 1024 * 1024
/** Pages served to one peer, at once and per second after it, across its groups. */
export const SERVE_BURST_PAGES = 64
export const SERVE_PAGES_PER_SECOND = 4
/**
 * A sync that failed (a stream reset, a timeout: not a refusal) is tried again, at most this many
 * times in a row, waiting RETRY_FIRST_WAIT and twice as long each time up to RETRY_MAX_WAIT
 * (about 6 minutes in all): on a channel it is also how a follower proves to a neighbour that it
 * holds the key, and a follower whose syncs were all cut would stay out of that neighbour's mesh
 * for good. A loaded peer (dozens of nodes on two cores) cuts several in a row.
 */
export const MAX_SYNC_RETRIES = 10
const RETRY_FIRST_WAIT = 2_500
const RETRY_MAX_WAIT = 60_000
/** ms before retry number `failed` (1 for the first) */
export const retryWait = (failed: number): number => Math.min(RETRY_MAX_WAIT, RETRY_FIRST_WAIT * 2 ** (failed - 1))
/** The one answer to a request we do not serve, whatever the reason: no membership oracle. */
export const REFUSAL: SyncAnswer = { status: SyncStatus.NOT_MEMBER, epoch: 0n }

/**
 * A group's history over /hyphae/group-sync/2.0.0: asking members for what we missed (when they
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
  /** group!peer -> syncs failed in a row */
  private readonly failures = new Map<string, number>()
  private readonly gapTimers = new Map<string, ReturnType<typeof setTimeout>>()
  private readonly fetchBudget = new TokenBuckets({ burst: FETCH_BURST_BYTES, perSecond: FETCH_BYTES_PER_SECOND, maxKeys: MAX_TRACKED_PEERS })
  private readonly serveBudget = new TokenBuckets({ burst: SERVE_BURST_PAGES, perSecond: SERVE_PAGES_PER_SECOND, maxKeys: MAX_TRACKED_PEERS })
  /** keys of the epochs we hold, to tell a junk tag from a real one in about the same time */
  private readonly decoy: EpochKeys = { topic: '', messageKey: randomBytes(32), syncKey: randomBytes(32), syncTag: randomBytes(SYNC_TAG_BYTES) }
  private started = false

  /** a peer proved it holds the group's current secret (a valid history request, or answer) */
  private readonly onProof: (group: string, peer: string) => void

  constructor (ctx: GroupContext, sync: GroupSync, ledger: GroupLedger, onProof: (group: string, peer: string) => void = () => {}) {
    this.ctx = ctx
    this.sync = sync
    this.ledger = ledger
    this.onProof = onProof
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
      .then(n => {
        this.failures.delete(key)
        if (n > 0) this.ctx.log('%d messages of %s from the history of %p', n, group, peer)
      })
      .catch(err => {
        this.ctx.count(`sync failed: ${err?.status ?? err?.name ?? 'error'}`)
        this.ctx.log('history of %s from %p failed - %e', group, peer, err)
        const failed = (this.failures.get(key) ?? 0) + 1
        if (this.failures.size >= MAX_TRACKED_PEERS * 4) this.failures.clear()
        this.failures.set(key, failed)
        // a refusal is an answer: asking again would get the same one
        if (err?.name !== 'SyncRefusedError' && failed <= MAX_SYNC_RETRIES) this.later(group, peer, retryWait(failed))
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

  /**
   * Pages through a member's history from `since` (default: where we resume); returns how many
   * were new. The request names only the epoch's sync tag (no group id or epoch) with a proof
   * bound to both peer ids, so a stranger on the topic learns nothing it could use. At most
   * MAX_SYNC_PAGES and MAX_SYNC_BYTES per sync, and the peer's byte budget.
   */
  async fetch (group: string, peer: PeerId, since?: number): Promise<number> {
    const { store } = this.ctx
    const record = active(await store.group(group))
    if (peer.equals(this.ctx.self)) return 0
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
    let bytes = 0
    let complete = false
    let lastClock: number | undefined
    for (let pages = 0; pages < MAX_SYNC_PAGES && bytes < MAX_SYNC_BYTES; pages++) {
      // a page is at most MAX_PAGE_BYTES past its first item: ask only with that much budget left
      if (!this.fetchBudget.take(peer.toString(), MAX_PAGE_BYTES)) {
        this.ctx.count('history paused: peer over its byte budget')
        break
      }
      const signal = AbortSignal.any([this.ctx.signal, AbortSignal.timeout(SYNC_TIMEOUT)])
      let page: SyncPage
      try {
        page = await this.sync.fetch(peer, {
          group: keys.syncTag as Uint8Array<ArrayBuffer>,
          epoch: 0n,
          proof: syncProof(keys, this.ctx.self, peer),
          since: BigInt(from),
          cursor: cursor as Uint8Array<ArrayBuffer>,
          limit: MAX_PAGE_ITEMS
        }, { signal })
      } catch (err: any) {
        // refused past the first page: most likely its page rate; go on later from where we are
        if (pages > 0 && err?.name === 'SyncRefusedError') break
        throw err
      }
      // the responder held the same secret: as good as a request of theirs (an older one sends none)
      if (pages === 0 && page.proof != null && checkSyncProof(keys, peer, this.ctx.self, page.proof) && !(await this.removed(record, peer))) this.onProof(group, peer.toString())
      const size = page.items.reduce((n, item) => n + item.byteLength, 0)
      bytes += size
      // what the page did not use goes back to the budget
      this.fetchBudget.charge(peer.toString(), size - MAX_PAGE_BYTES)
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
        lastClock = Number(signed.message.lamport)
        // a message whose author's previous one we lack (a join below where we resumed) asks the
        // same peer for that gap once this sync is over
        if ((await this.ledger.receive(group, signed, { sync: true, source: peer })) === 'stored') stored++
      }
      if (page.cursor == null) {
        complete = true
        break
      }
      cursor = page.cursor
    }
    // later syncs need not go back further than this, save for concurrent messages
    if (since == null && complete) this.resumeAt.set(group, Math.max(this.resumeAt.get(group) ?? 0, clockBefore - SYNC_OVERLAP))
    if (!complete) {
      // pages come in clock order: the next sync goes on from the last clock taken (its equals included)
      this.ctx.log('history of %s from %p paused after %d bytes: the rest in %d ms', group, peer, bytes, SYNC_INTERVAL)
      if (since == null && lastClock != null) this.resumeAt.set(group, Math.max(this.resumeAt.get(group) ?? 0, lastClock - 1))
      this.later(group, peer)
    }
    return stored
  }

  /** Asks `peer` again in `wait` ms (a sync that stopped at its bounds, or failed). */
  private later (group: string, peer: PeerId, wait = SYNC_INTERVAL): void {
    const key = `${group}!${peer.toString()}`
    if (!this.started || this.gapTimers.has(key)) return
    const timer = setTimeout(() => {
      this.gapTimers.delete(key)
      this.lastSync.delete(key)
      this.schedule(group, peer)
    }, wait)
    timer.unref?.()
    this.gapTimers.set(key, timer)
  }

  /** Whether a member we list has no join of theirs stored (it was named to us, not seen). */
  private async missingJoins (group: string): Promise<boolean> {
    return (await this.ctx.store.listMembers(group)).some(m => m.state === 'member' && m.at === 0 && m.peerId !== this.ctx.me)
  }

  /**
   * Only a current member (proof of the current epoch secret, not removed) reads history, at a
   * bounded rate. Every refusal is the same REFUSAL, and a junk tag costs the same HMAC as a real
   * one: a stranger cannot tell a member from a non-member, nor which groups we are in.
   */
  private async serve (from: PeerId, request: SyncRequest): Promise<SyncAnswer> {
    const { store } = this.ctx
    if (!this.serveBudget.take(from.toString())) {
      this.ctx.count('history refused: over the page rate')
      return REFUSAL
    }
    const found = await this.byTag(request.group)
    const keys = found != null ? this.ctx.keysOf(found) : this.decoy
    const proven = checkSyncProof(keys, from, this.ctx.self, request.proof)
    if (found == null || !proven) {
      this.ctx.count('history refused: no proof')
      return REFUSAL
    }
    const group = found.id
    if (await this.removed(found, from)) {
      this.ctx.count('history refused: removed member')
      return REFUSAL
    }
    this.onProof(group, from.toString())
    let since = request.since > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(request.since)
    // a channel's followers serve its last posts only: what any of them keeps serving is bounded
    if (found.channel === true) since = Math.max(since, (await store.clock(group)) - MAX_CHANNEL_BACKLOG)
    const cursor = request.cursor.byteLength > 0 && request.cursor.byteLength <= 128 ? new TextDecoder().decode(request.cursor) : undefined
    const limit = Math.min(request.limit, MAX_PAGE_ITEMS)
    // a channel's revocations lead its first page whatever the backlog: a late follower holds
    // them before any post of the editors they name
    const lead = found.channel === true && cursor == null ? revocationsOf(found).slice(0, Math.max(0, limit - 1)) : []
    const page = await store.history(group, since, cursor, limit - lead.length, MAX_PAGE_BYTES - lead.reduce((n, x) => n + x.byteLength, 0))
    // our own proof back, the one our request to them would carry: one sync proves both sides
    // to each other, whichever of them got through first (a loaded neighbour cuts many)
    const proof = cursor == null ? syncProof(keys, this.ctx.self, from) : undefined
    return { status: SyncStatus.OK, items: [...lead, ...page.items], cursor: page.next != null ? new TextEncoder().encode(page.next) : undefined, epoch: BigInt(found.epoch), proof }
  }

  /** Whether `peer` was removed from the group while its current secret was still theirs (not rekeyed yet). */
  private async removed (record: GroupRecord, peer: PeerId): Promise<boolean> {
    const member = await this.ctx.store.member(record.id, peer.toString())
    return member?.state === 'removed' && (member.removedEpoch ?? Infinity) >= record.epoch
  }

  /** The active group whose current epoch has this sync tag. */
  private async byTag (tag: Uint8Array): Promise<GroupRecord | undefined> {
    if (tag.byteLength !== SYNC_TAG_BYTES) return undefined
    for (const record of await this.ctx.store.listGroups()) {
      if (record.state === 'active' && equalBytes(this.ctx.keysOf(record).syncTag, tag)) return record
    }
    return undefined
  }
}
