import { peerIdFromString } from '@libp2p/peer-id'
import { isConnected } from '../net/addresses.ts'
import { AckStatus, DRAFT_VERSION, Envelope, PeerRefusedError, type DirectMessages } from '../../protocols/dm/index.ts'
import { hex } from '../hex.ts'
import { MailboxDeposits } from './mailbox-deposits.ts'
import { DurableQueue, QueueStore, type QueueEntry, type RoundOutcome } from '../store/durable-queue.ts'
import type { BatchOp, MessagesStore } from '../store/messages-store.ts'
import { reachPeer, type FindContact } from './reach-peer.ts'
import { abortStalled, FrozenRelays } from '../net/stalled.ts'
import type { DepositEntry, DepositOptions } from './mailbox-client.ts'
import type { ReceiptEvent } from '../messenger.ts'
import type { HyphaeServices } from '../net/services.ts'
import type { ContactsStore } from '../store/contacts-store.ts'
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'

/** entries read and sent per round; the protocol pipelines them on one stream */
const BATCH = 1000
const REACH_TIMEOUT = 30_000
/** How long messages may wait with no ack at all before the path under them is probed. */
const STALL_AFTER = 5_000
const BACKOFF = { minMs: 1_000, maxMs: 5 * 60_000 }
/** refusals that no retry will change */
const FINAL_REFUSALS = new Set([AckStatus.REFUSED_BLOCKED, AckStatus.REFUSED_TOO_LARGE, AckStatus.MALFORMED, AckStatus.WRONG_PEER])

export interface OutboxComponents {
  libp2p: Libp2p<HyphaeServices>
  dm: DirectMessages
  /** sealed envelopes per peer, in the order sent: the same bytes go out on every retry */
  store: QueueStore
  messages: MessagesStore
  contacts: ContactsStore
  log: Logger
  onStatus: (event: ReceiptEvent) => void
  /** seals drafts among the entries once a session can be had (asking the peer when reachable) */
  sealDrafts?: (peer: string, entries: QueueEntry[], reachable: boolean) => Promise<void>
  /** leaves envelopes on the peer's relay mailboxes (MailboxClient.deposit) */
  /** reads a contact's rendezvous record */
  find?: FindContact
  deposit?: (peer: PeerId, entries: DepositEntry[], options: DepositOptions) => Promise<void>
}

/**
 * Delivers what the outbox holds: at once when the peer connects or a message is queued, else
 * with exponential backoff (the project's DurableQueue, as the group outbox does). What gets no
 * ack within a couple of seconds also goes to the peer's relay mailboxes meanwhile
 * (MailboxDeposits). An entry leaves the outbox only in the batch that marks its message
 * delivered (or finally refused), so a crash at any point resends it, and the recipient's dedupe
 * by id makes that harmless.
 */
export class Outbox {
  /** connections closed because they stopped delivering while messages waited */
  stalledClosed = 0
  /** for each stall closed, ms from the last ack (or the first send) to the close; the last 32 */
  readonly stallDetections: number[] = []
  private readonly frozenRelays = new FrozenRelays()
  private readonly components: OutboxComponents
  private readonly queue: DurableQueue
  private readonly deposits?: MailboxDeposits
  /**
   * Per peer, entries written since the last read of its queue, when together with what that
   * read returned they are everything its queue on disk holds: the next round takes them from
   * here instead of reading them back. Missing: the next round reads the disk.
   */
  private readonly fresh = new Map<string, { entries: QueueEntry[], lastKey: string }>()
  /** entries handed over while a round reads the peer's queue */
  private readonly collecting = new Map<string, QueueEntry[]>()
  /** acked envelopes waiting to be marked and taken off the outbox */
  private readonly settled: Settled[] = []
  private writing = false

  constructor (components: OutboxComponents) {
    this.components = components
    this.queue = new DurableQueue({ store: components.store, round: async peer => this.round(peer), backoff: BACKOFF, log: components.log })
    const { deposit, libp2p, messages, log, onStatus } = components
    if (deposit != null) {
      this.deposits = new MailboxDeposits({
        deposit,
        messages,
        log,
        onStatus,
        connected: peer => isConnected(libp2p, peer),
        stillQueued: async keys => components.store.sublevel.hasMany(keys),
        sealDrafts: components.sealDrafts
      })
    }
  }

  async start (): Promise<void> {
    this.components.libp2p.addEventListener('peer:connect', this.onConnect)
    await this.queue.start()
  }

  /** Stops new rounds; rounds under way end when libp2p stops (the DM service rejects their sends). */
  stop (): void {
    this.queue.stop()
    this.deposits?.stop()
    this.fresh.clear()
    this.components.libp2p.removeEventListener('peer:connect', this.onConnect)
  }

  /** Resolves once no round is under way; await before closing the stores. */
  async drained (): Promise<void> {
    await this.queue.drained()
    await this.deposits?.drained()
  }

  /**
   * Leaves what waits for peers out of reach in their mailboxes now, and waits for it until
   * `signal` (a node about to stop). What no relay takes stays queued for the next start.
   */
  async flushToMailboxes (signal: AbortSignal): Promise<void> {
    if (this.deposits == null) return
    // from disk: a failed deposit was let go until the peer's next round
    for (const peer of await this.components.store.owners()) {
      if (signal.aborted) return
      this.deposits.watch(peer, await this.components.store.entries(peer, BATCH))
    }
    await this.deposits.flush(signal)
  }

  private readonly onConnect = (evt: CustomEvent<PeerId>): void => {
    // only a peer with something waiting for a retry
    this.queue.wake(evt.detail.toString())
  }

  /** An entry was written to the peer's queue (durably: call after the batch): deliver it. */
  queued (peer: string, key: string, envelope: Uint8Array): void {
    const collecting = this.collecting.get(peer)
    const fresh = this.fresh.get(peer)
    if (collecting != null) {
      collecting.push({ key, value: envelope })
    } else if (fresh != null) {
      if (key > fresh.lastKey) {
        fresh.entries.push({ key, value: envelope })
        fresh.lastKey = key
      } else {
        // written out of order: only the disk knows where it goes
        this.fresh.delete(peer)
      }
    }
    // the round under way may be reaching the peer for a while: this one's mailbox timer starts now
    this.deposits?.watch(peer, [{ key, value: envelope }])
    this.kick(peer)
  }

  /** The writes that take the entries of these message ids off the peer's queue (they expired unsent). */
  async unqueueOps (peer: string, ids: Set<string>): Promise<BatchOp[]> {
    const ops: BatchOp[] = []
    const store = this.components.store
    for await (const key of store.sublevel.keys({ gt: `${peer}!`, lt: `${peer}!~` })) {
      if (ids.has(QueueStore.idOf(key))) ops.push(store.deleteOp(key))
    }
    return ops
  }

  /** Messages taken off the peer's queue (unqueueOps, written): no round or mailbox sends them now. */
  unqueued (peer: string, ids: string[]): void {
    const gone = new Set(ids)
    const fresh = this.fresh.get(peer)
    if (fresh != null) fresh.entries = fresh.entries.filter(e => !gone.has(QueueStore.idOf(e.key)))
    this.deposits?.dropped(peer, ids)
  }

  /** Starts delivering to `peer` now (or once more after the round under way). */
  kick (peer: string): void {
    this.queue.kick(peer)
  }

  /** One round: reach the peer, send every queued envelope in order. */
  private async round (peer: string): Promise<RoundOutcome> {
    let ok = false
    try {
      const entries = await this.take(peer)
      if (entries.length === 0) { ok = true; return 'done' }
      const outcome = await this.deliverAll(peer, entries)
      ok = outcome === 'delivered'
      // a stalled path was closed: the next round dials another at once, no backoff
      if (outcome === 'stalled') return 'more'
      if (!ok) return 'retry'
      return entries.length === BATCH ? 'more' : 'done'
    } finally {
      // what a failed round leaves undelivered is on disk: the next round reads it from there
      if (!ok) this.fresh.delete(peer)
    }
  }

  /**
   * The next entries of the peer's queue, oldest first: those handed over since the last read
   * when they are known to be all there is, else read from disk. Rounds run one at a time per
   * peer and a round ends once each of its entries is acked and gone or has failed, so what the
   * disk holds then is exactly what was not delivered.
   */
  private async take (peer: string): Promise<QueueEntry[]> {
    const fresh = this.fresh.get(peer)
    if (fresh != null) return fresh.entries.splice(0, BATCH)
    const collecting: QueueEntry[] = []
    this.collecting.set(peer, collecting)
    let entries: QueueEntry[]
    try {
      entries = await this.components.store.entries(peer, BATCH)
    } finally {
      this.collecting.delete(peer)
    }
    if (entries.length < BATCH) {
      // the read has the whole queue as it was when the read began; of what was handed over
      // meanwhile, what it does not have was written later
      const read = new Set(entries.map(e => e.key))
      const next = { entries: [] as QueueEntry[], lastKey: entries.at(-1)?.key ?? '' }
      let inOrder = true
      for (const entry of collecting) {
        if (read.has(entry.key)) continue
        if (entry.key <= next.lastKey) { inOrder = false; break }
        next.entries.push(entry)
        next.lastKey = entry.key
      }
      if (inOrder) this.fresh.set(peer, next)
    }
    return entries
  }

  private async deliverAll (peer: string, taken: QueueEntry[]): Promise<'delivered' | 'failed' | 'stalled'> {
    const peerId = peerIdFromString(peer)
    const contact = await this.components.contacts.get(peer)
    this.deposits?.watch(peer, taken)
    try {
      const signal = AbortSignal.any([this.queue.signal, AbortSignal.timeout(REACH_TIMEOUT)])
      await reachPeer(this.components.libp2p, peerId, contact?.addrs ?? [], signal, this.frozenRelays, this.components.find)
    } catch (err) {
      // its mailboxes have had the entries since DEPOSIT_AFTER (see MailboxDeposits)
      this.components.log('cannot reach %s yet - %e', peer, err)
      return 'failed'
    }
    // reaching the peer can take REACH_TIMEOUT: what left the queue meanwhile (a disappearing
    // message that expired, a deleted one) is not sent
    const queued = await this.components.store.sublevel.hasMany(taken.map(e => e.key))
    const entries = taken.filter((_, i) => queued[i])
    // a message queued before we had a session with the peer is sealed now that it answers
    if (!(await this.sealDrafts(peer, entries, true))) return 'failed'
    // a path that stops delivering (a censor freezes the flow, no reset) is probed once no ack
    // has come for STALL_AFTER while messages wait, and closed if it does not answer: they then
    // fail at once and go out again. A slow link that still acks is never probed.
    let stalled = false
    let lastAck = Date.now()
    let probing = false
    const watchdog = setInterval(() => {
      if (probing || Date.now() - lastAck < STALL_AFTER) return
      probing = true
      void abortStalled(this.components.libp2p, peerId).then(({ closed, relays }) => {
        if (closed === 0) return
        stalled = true
        this.stalledClosed += closed
        if (this.stallDetections.push(Date.now() - lastAck) > 32) this.stallDetections.shift()
        for (const relay of relays) this.frozenRelays.add(relay)
        this.components.log('closed %d stalled connection(s) on the way to %s', closed, peer)
      }, () => {}).finally(() => { probing = false; lastAck = Date.now() })
    }, STALL_AFTER / 5)
    try {
      const results = await Promise.allSettled(entries.map(async entry => {
        await this.deliver(peerId, entry.key, entry.value)
        lastAck = Date.now()
      }))
      if (results.every(r => r.status === 'fulfilled')) return 'delivered'
      return stalled ? 'stalled' : 'failed'
    } finally {
      clearInterval(watchdog)
    }
  }

  /** True when no draft is left among the entries. */
  private async sealDrafts (peer: string, entries: QueueEntry[], reachable: boolean): Promise<boolean> {
    try {
      await this.components.sealDrafts?.(peer, entries, reachable)
    } catch (err) {
      this.components.log('could not seal the messages queued for %s - %e', peer, err)
    }
    return entries.every(e => Envelope.decode(e.value).version !== DRAFT_VERSION)
  }

  private async deliver (peer: PeerId, key: string, bytes: Uint8Array): Promise<void> {
    const envelope = Envelope.decode(bytes)
    let status: 'delivered' | 'failed' = 'delivered'
    try {
      await this.components.dm.send(peer, envelope)
    } catch (err) {
      if (!(err instanceof PeerRefusedError && FINAL_REFUSALS.has(err.status))) throw err
      status = 'failed'
    }
    await new Promise<void>((resolve, reject) => {
      this.settled.push({ conversation: peer.toString(), entry: key, id: hex(envelope.id), status, resolve, reject })
      if (!this.writing) void this.writeSettled()
    })
  }

  /**
   * Marks acked messages and takes them off the outbox: every ack that came in while the
   * previous batch was being written goes in the next one, with one read for all of them.
   */
  private async writeSettled (): Promise<void> {
    this.writing = true
    try {
      while (this.settled.length > 0) {
        const batch = this.settled.splice(0, this.settled.length)
        try {
          const moved = await this.components.messages.updateStatus(
            // the clock is inside the ciphertext now: the record is found by id
            batch.map(s => ({ id: s.id, status: s.status })),
            batch.map(s => this.components.store.deleteOp(s.entry))
          )
          batch.forEach((s, i) => {
            // control payloads have no message record, and nobody to tell
            if (moved[i]) this.components.onStatus({ id: s.id, conversation: s.conversation, status: s.status })
            this.deposits?.acked(s.conversation, s.id)
            s.resolve()
          })
        } catch (err: any) {
          for (const s of batch) s.reject(err)
        }
      }
    } finally {
      this.writing = false
    }
  }
}

interface Settled {
  conversation: string
  /** its key in the outbox */
  entry: string
  id: string
  status: 'delivered' | 'failed'
  resolve(): void
  reject(err: Error): void
}
