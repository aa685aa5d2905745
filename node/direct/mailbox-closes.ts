/**
 * Closing our mailbox queues on relays, so that a contact we blocked or removed is refused there:
 * its own queue, and on a block the invite's queue too (anyone holding our invite deposits in it,
 * the blocked peer perhaps among them), which moves to a new generation. A Close reaches only a
 * relay we are connected to; each one not yet answered is kept on disk and sent again when that
 * relay is next identified and on each poll, until it answers, for as long as the relay would keep
 * an idle queue anyway (QUEUE_IDLE_MS).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { MailboxRefusedError, MailboxStatus, QUEUE_IDLE_MS, type Mailbox } from '../../protocols/mailbox/index.ts'
import { MetaStore } from '../store/meta-store.ts'
import { deriveQueue } from './mailbox-queues.ts'
import type { ContactsStore, JsonSublevel } from '../store/contacts-store.ts'
import type { Database } from '../store/database.ts'
import type { Logger, PeerId, PrivateKey } from '@libp2p/interface'

/** closes kept waiting at most; past this the oldest go (their queues idle out on the relay) */
export const MAX_PENDING_CLOSES = 512
/** a relay forgets a queue its owner has not fetched from in this long: no Close needed after */
export const MAX_CLOSE_AGE_MS = QUEUE_IDLE_MS
const CLOSE_TIMEOUT = 20_000
/** the meta store's key of the invite queue's generation */
const GENERATION_KEY = 'inviteQueueGeneration'

/** A Close a relay has not answered yet: of `contact`'s queue, or of the invite's of `generation`. */
export interface PendingClose {
  relay: string
  contact?: string
  generation?: number
  /** ms since the epoch: when the queue was given up */
  since: number
}

export interface MailboxClosesComponents {
  db: Database
  key: PrivateKey
  mailbox: Mailbox
  contacts: ContactsStore
  /** whether a Close can go to `relay` now */
  connected: (relay: PeerId) => boolean
  /** the relays we hold a slot on now */
  reserved: () => PeerId[]
  log: Logger
}

export class MailboxCloses {
  private readonly components: MailboxClosesComponents
  /** `<relay>!<contact>` or `<relay>!invite!<generation>` -> the close */
  private readonly pending: JsonSublevel<PendingClose>
  private readonly meta: MetaStore
  /** relays a retry is under way for */
  private readonly retrying = new Set<string>()
  /** the invite's queue generation: the one we open, fetch and hand out */
  generation = 0

  constructor (components: MailboxClosesComponents) {
    this.components = components
    this.pending = components.db.sublevel<string, PendingClose>('mailbox-closes', { valueEncoding: 'json' })
    this.meta = new MetaStore(components.db)
  }

  /** Reads the invite queue's generation: call before anything derives the invite's queue. */
  async start (): Promise<void> {
    const stored = await this.meta.getJSON<number>(GENERATION_KEY)
    this.generation = Number.isSafeInteger(stored) && stored! >= 0 && stored! <= 0xffffffff ? stored! : 0
  }

  /** Closes `contact`'s own queue on our relays and `named`: now where connected, later elsewhere. How many closed now. */
  async closeContact (contact: PeerId, named: string[]): Promise<number> {
    const relays = this.relaysAnd(named)
    const since = Date.now()
    await this.add(relays.map(r => ({ relay: r.toString(), contact: contact.toString(), since })))
    return this.retryAll(relays)
  }

  /**
   * Moves the invite to a new queue generation (written first: a crash then leaves the old queue
   * to idle out, never a Close of the live one) and closes the old one on our relays and `named`.
   */
  async rotateInvite (named: string[]): Promise<number> {
    const relays = this.relaysAnd(named)
    const old = this.generation
    if (old >= 0xffffffff) throw new RangeError('the invite queue generation is exhausted')
    await this.meta.putJSON(GENERATION_KEY, old + 1)
    this.generation = old + 1
    const since = Date.now()
    await this.add(relays.map(r => ({ relay: r.toString(), generation: old, since })))
    return this.retryAll(relays)
  }

  /** Ours now, and these (named to contacts or in invites), once each. */
  private relaysAnd (named: string[]): PeerId[] {
    const ids = new Set([...this.components.reserved().map(r => r.toString()), ...named])
    const out: PeerId[] = []
    for (const id of ids) {
      try { out.push(peerIdFromString(id)) } catch {}
    }
    return out
  }

  /** What waits to be closed, oldest first. */
  async list (): Promise<PendingClose[]> {
    const all = await this.pending.values().all()
    return all.sort((a, b) => a.since - b.since)
  }

  /** Sends the Closes waiting for each relay of those we are connected to (default: all that have some). */
  async retryAll (relays?: PeerId[]): Promise<number> {
    relays ??= [...new Set((await this.list()).map(c => c.relay))].map(r => peerIdFromString(r))
    const counts = await Promise.all(relays.filter(r => this.components.connected(r)).map(async r => this.retry(r)))
    return counts.reduce((a, b) => a + b, 0)
  }

  /** Sends the Closes waiting for `relay`, one by one, until one fails to get an answer. How many it answered. */
  async retry (relay: PeerId): Promise<number> {
    const id = relay.toString()
    if (this.retrying.has(id)) return 0
    this.retrying.add(id)
    let answered = 0
    try {
      const entries = await this.pending.iterator({ gt: `${id}!`, lt: `${id}!~`, limit: MAX_PENDING_CLOSES }).all()
      for (const [key, close] of entries) {
        if (!(await this.wanted(close))) {
          await this.pending.del(key)
          continue
        }
        if (!(await this.send(relay, close))) break
        await this.pending.del(key)
        answered++
      }
    } catch (err) {
      this.components.log('pending closes on %p not tried - %e', relay, err)
    } finally {
      this.retrying.delete(id)
    }
    return answered
  }

  /** false when the close is too old to matter, or the queue is wanted again (the contact was added back) */
  private async wanted (close: PendingClose): Promise<boolean> {
    if (Date.now() - close.since > MAX_CLOSE_AGE_MS) return false
    if (close.contact != null) return (await this.components.contacts.get(close.contact))?.state !== 'contact'
    return close.generation !== this.generation
  }

  /** true once the relay answered: closed, or it holds no such queue of ours (DENIED) */
  private async send (relay: PeerId, close: PendingClose): Promise<boolean> {
    try {
      const contact = close.contact != null ? peerIdFromString(close.contact) : undefined
      const queue = await deriveQueue(this.components.key, relay, contact, close.generation ?? 0)
      await this.components.mailbox.close(relay, queue, { signal: AbortSignal.timeout(CLOSE_TIMEOUT) })
      return true
    } catch (err) {
      if (err instanceof MailboxRefusedError && err.status === MailboxStatus.DENIED) return true
      this.components.log('queue not closed on %p, kept for later - %e', relay, err)
      return false
    }
  }

  /** Keeps these closes, past MAX_PENDING_CLOSES dropping the oldest, in one batch. */
  private async add (closes: PendingClose[]): Promise<void> {
    const keyOf = (c: PendingClose): string => c.contact != null ? `${c.relay}!${c.contact}` : `${c.relay}!invite!${c.generation ?? 0}`
    const fresh = new Map(closes.map(c => [keyOf(c), c]))
    const held = (await this.list()).filter(c => !fresh.has(keyOf(c)))
    const over = Math.max(0, held.length + fresh.size - MAX_PENDING_CLOSES)
    const ops = [
      ...held.slice(0, over).map(c => ({ type: 'del' as const, key: keyOf(c) })),
      ...[...fresh].slice(0, MAX_PENDING_CLOSES).map(([key, value]) => ({ type: 'put' as const, key, value }))
    ]
    if (over > 0) this.components.log('%d pending close(s) dropped, past the cap', over)
    await this.pending.batch(ops)
  }
}
