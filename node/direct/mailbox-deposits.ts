import { peerIdFromString } from '@libp2p/peer-id'
import { DRAFT_VERSION, Envelope } from '../../protocols/dm/index.ts'
import { QueueStore, type QueueEntry } from '../store/durable-queue.ts'
import type { DepositEntry, DepositOptions } from './mailbox-client.ts'
import type { ReceiptEvent } from '../messenger.ts'
import type { MessagesStore } from '../store/messages-store.ts'
import type { Logger, PeerId } from '@libp2p/interface'

/** How long a queued message may go without an ack before it also goes to the recipient's mailboxes. */
export const DEPOSIT_AFTER = 2_000

export interface MailboxDepositsComponents {
  messages: MessagesStore
  log: Logger
  onStatus: (event: ReceiptEvent) => void
  /** whether a connection to the peer is open now */
  connected: (peer: string) => boolean
  /** leaves envelopes on the peer's relay mailboxes (MailboxClient.deposit) */
  deposit: (peer: PeerId, entries: DepositEntry[], options: DepositOptions) => Promise<void>
  /** which of these outbox keys are still queued (not acked, not expired): only those are deposited */
  stillQueued?: (keys: string[]) => Promise<boolean[]>
  /** seals the drafts among the entries (with prekeys from the peer's relays), rewriting them in place */
  sealDrafts?: (peer: string, entries: QueueEntry[], reachable: boolean) => Promise<void>
}

const isDraft = (bytes: Uint8Array): boolean => {
  try { return Envelope.decode(bytes).version === DRAFT_VERSION } catch { return false }
}

/**
 * Leaves what got no ack within DEPOSIT_AFTER in the recipient's relay mailboxes while the outbox
 * goes on trying to reach the recipient directly: a sender who goes offline right after sending
 * has still handed the messages over. Its entries leave the outbox only on the recipient's ack
 * (a mailbox copy then arriving second is a duplicate the recipient drops).
 */
export class MailboxDeposits {
  private readonly components: MailboxDepositsComponents
  /**
   * per peer, the entries neither acked nor handed to a relay, by message id: the round's own
   * objects, so a draft sealed here or by the round is sealed once for both
   */
  private readonly waiting = new Map<string, Map<string, QueueEntry>>()
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>()
  /** ids some relay holds, or is being asked to hold, until their ack */
  private readonly handedOver = new Set<string>()
  /** per peer with entries waiting, when it last acked one */
  private readonly lastAck = new Map<string, number>()
  private readonly running = new Set<Promise<void>>()
  /** ids a relay took, to be marked 'sent' in the next write */
  private readonly toMark: Array<{ peer: string, id: string }> = []
  private marking?: Promise<void>
  private readonly controller = new AbortController()

  constructor (components: MailboxDepositsComponents) {
    this.components = components
  }

  /** Entries queued for `peer` (or read back for a round): deposited unless acked soon. */
  watch (peer: string, entries: QueueEntry[]): void {
    if (this.controller.signal.aborted) return
    let waiting = this.waiting.get(peer)
    for (const entry of entries) {
      const id = QueueStore.idOf(entry.key)
      if (this.handedOver.has(id)) continue
      if (waiting == null) this.waiting.set(peer, waiting = new Map())
      waiting.set(id, entry)
    }
    if (waiting != null && waiting.size > 0 && !this.timers.has(peer)) this.arm(peer)
  }

  /** The peer acked `id` (or refused it for good): it needs no mailbox. */
  acked (peer: string, id: string): void {
    this.handedOver.delete(id)
    const waiting = this.waiting.get(peer)
    if (waiting == null) return
    waiting.delete(id)
    this.lastAck.set(peer, Date.now())
    if (waiting.size === 0) this.forget(peer)
  }

  /** Messages taken off the outbox unsent (they expired): not deposited. */
  dropped (peer: string, ids: string[]): void {
    const waiting = this.waiting.get(peer)
    if (waiting == null) return
    for (const id of ids) waiting.delete(id)
    if (waiting.size === 0) this.forget(peer)
  }

  /**
   * Deposits at once everything waiting for peers that are not being delivered to, and waits
   * (until `signal`) for those deposits and the ones under way. For a node about to stop.
   */
  async flush (signal: AbortSignal): Promise<void> {
    for (const peer of [...this.waiting.keys()]) {
      if (!this.delivering(peer)) this.depositWaiting(peer, AbortSignal.any([signal, this.controller.signal]))
    }
    if (this.running.size === 0 || signal.aborted) return
    await new Promise<void>(resolve => {
      signal.addEventListener('abort', () => { resolve() }, { once: true })
      void Promise.allSettled(this.running).then(() => { resolve() })
    })
  }

  /** Drops every timer and aborts the deposits under way (see drained). */
  stop (): void {
    this.controller.abort()
    for (const timer of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
    this.waiting.clear()
    this.lastAck.clear()
  }

  /** Resolves once no deposit is under way (they write statuses: await before closing the stores). */
  async drained (): Promise<void> {
    await Promise.allSettled(this.running)
  }

  /** A connected peer that acks is being delivered to: a backlog behind its acks is no reason to deposit. */
  private delivering (peer: string): boolean {
    return this.components.connected(peer) && Date.now() - (this.lastAck.get(peer) ?? 0) < DEPOSIT_AFTER
  }

  private arm (peer: string): void {
    const timer = setTimeout(() => {
      this.timers.delete(peer)
      if (!this.waiting.has(peer)) return
      if (this.delivering(peer)) this.arm(peer)
      else this.depositWaiting(peer, this.controller.signal)
    }, DEPOSIT_AFTER)
    timer.unref?.()
    this.timers.set(peer, timer)
  }

  private forget (peer: string): void {
    this.waiting.delete(peer)
    this.lastAck.delete(peer)
    clearTimeout(this.timers.get(peer))
    this.timers.delete(peer)
  }

  private depositWaiting (peer: string, signal: AbortSignal): void {
    const waiting = this.waiting.get(peer)
    this.forget(peer)
    if (waiting == null || waiting.size === 0) return
    const entries = [...waiting].map(([id, entry]) => ({ id, entry }))
    for (const { id } of entries) this.handedOver.add(id)
    const run = this.deposit(peer, entries, signal).finally(() => { this.running.delete(run) })
    this.running.add(run)
  }

  private async deposit (peer: string, waiting: Array<{ id: string, entry: QueueEntry }>, signal: AbortSignal): Promise<void> {
    const taken = new Set<string>()
    let queued = waiting
    const writes: Array<Promise<void>> = []
    // ids that may need another try: all, until we know which a relay took in an earlier run
    let retry = queued.map(q => q.id)
    try {
      // an entry gone from the outbox meanwhile (acked, or its message expired) is left nowhere
      const still = await this.components.stillQueued?.(queued.map(q => q.entry.key))
      if (still != null) queued = queued.filter((_, i) => still[i])
      // a message queued before we had the peer's prekeys is a draft: sealed with prekeys from
      // its relays if they hold them, else it waits for the peer (a draft cannot be left anywhere)
      if (queued.some(q => isDraft(q.entry.value))) await this.components.sealDrafts?.(peer, queued.map(q => q.entry), false)
      const sealed = queued.filter(q => !isDraft(q.entry.value)).map(({ id, entry }) => ({ id, envelope: entry.value }))
      // marked 'sent' in an earlier run: a relay holds it already (and a relay's rate limit
      // should go to what is new)
      const records = await Promise.all(sealed.map(async e => this.components.messages.get(e.id)))
      const fresh: DepositEntry[] = sealed.filter((_, i) => records[i]?.status !== 'sent')
      retry = [...queued.filter(q => isDraft(q.entry.value)).map(q => q.id), ...fresh.map(e => e.id)]
      await this.components.deposit(peerIdFromString(peer), fresh, {
        signal,
        onTaken: ids => {
          for (const id of ids) taken.add(id)
          writes.push(this.markSent(peer, ids))
        }
      })
      await Promise.all(writes)
    } catch (err) {
      this.components.log('mailbox deposit for %s failed - %e', peer, err)
    } finally {
      // what no relay took (a draft among it) is deposited again on the peer's next round
      for (const id of retry) if (!taken.has(id)) this.handedOver.delete(id)
    }
  }

  /** Marks the ids 'sent': every id taken while a write is under way goes in the next one. */
  private async markSent (peer: string, ids: string[]): Promise<void> {
    for (const id of ids) this.toMark.push({ peer, id })
    this.marking ??= this.writeMarks()
    await this.marking
  }

  private async writeMarks (): Promise<void> {
    // let the ids taken in the same turn join this write
    await Promise.resolve()
    while (true) {
      // cleared in the same turn as the last look at the queue: a later id starts a new write
      if (this.toMark.length === 0) { this.marking = undefined; return }
      const batch = this.toMark.splice(0, this.toMark.length)
      try {
        // a status only moves forward: an ack that came first keeps 'delivered'
        const moved = await this.components.messages.updateStatus(batch.map(({ id }) => ({ id, status: 'sent' })))
        batch.forEach(({ peer, id }, i) => { if (moved[i]) this.components.onStatus({ id, conversation: peer, status: 'sent' }) })
      } catch (err) {
        this.components.log('marking %d message(s) sent failed - %e', batch.length, err)
      }
    }
  }
}
