import { peerIdFromString } from '@libp2p/peer-id'
import { AckStatus, Envelope, type ReceiveContext } from '../../protocols/dm/index.ts'
import { sealForRelay } from '../../protocols/dm/sealed.ts'
import { MailboxRefusedError, MailboxStatus, PROTOCOL as MAILBOX_PROTOCOL, type FetchedEnvelope, type Mailbox, type QueueKeys } from '../../protocols/mailbox/index.ts'
import { PrekeyBundle } from '../../protocols/prekeys/index.ts'
import { relaysOf, type RelayRef } from '../net/relay-addresses.ts'
import { fetchQueues, storeFetched } from './mailbox-fetch.ts'
import { deriveQueue, queueRef } from './mailbox-queues.ts'
import { MailboxCloses } from './mailbox-closes.ts'
import type { ContactsStore } from '../store/contacts-store.ts'
import type { Database } from '../store/database.ts'
import type { HyphaeServices } from '../net/services.ts'
import type { Libp2p, Logger, PeerId, IdentifyResult, PrivateKey } from '@libp2p/interface'

const FETCH_ROUNDS = 100
const FETCH_EVERY_MS = 60_000
/** contacts whose own queue we fetch on each relay (a fetch request each per poll) */
const MAX_CONTACT_QUEUES = 1000
const DEPOSIT_TIMEOUT = 20_000

export interface MailboxClientComponents {
  libp2p: Libp2p<HyphaeServices>
  mailbox: Mailbox
  contacts: ContactsStore
  log: Logger
  /** our identity: derives our queues and opens the sealed boxes left in them */
  key: PrivateKey
  /** the same handler direct messages go through: opens, stores, then resolves */
  receive: (from: PeerId, envelope: Envelope, context?: ReceiveContext) => Promise<AckStatus>
  /** our invite's prekey bundle, left under our queue on each mailbox relay of ours */
  prekeys?: () => Promise<PrekeyBundle>
  /** our relays changed: hand our contacts the new queues */
  onRelaysChanged?: (relays: RelayRef[]) => void
  /** when a deposit for `peer` may be dropped (its disappearing-messages timer), if ever */
  expiryOf?: (peer: string) => Promise<number | undefined>
  /** where the Closes relays have not answered yet, and the invite queue's generation, are kept */
  db?: Database
}

/**
 * The client side of relay mailboxes (/hyphae/mailbox/2.0.0, queues). As a recipient: on each
 * relay we hold a reservation on (ours, chosen by us and named in our invite) we open our queue,
 * leave our prekeys under it, and collect what waits there. As a sender: we leave sealed,
 * padded boxes only in the queues a contact handed us (its signed invite, or its encrypted
 * control message), never on a relay it did not name. The outbox stays the source of truth: a
 * deposited message stays in it until the recipient acks it directly (a duplicate it then
 * ignores), so a relay that loses it loses nothing.
 */
export class MailboxClient {
  private readonly components: MailboxClientComponents
  private readonly fetching = new Set<string>()
  /** queues (`<relay>~<generation>` the invite's, `<relay>!<contact>` a contact's) opened this run */
  private readonly opened = new Map<string, Promise<boolean>>()
  private readonly queues = new Map<string, Promise<QueueKeys>>()
  private timer?: ReturnType<typeof setInterval>
  private stopped = false
  /** the relays our addresses named last time they changed */
  private reserved = new Set<string>()
  /** fetch requests sent: what a poll costs */
  fetchRequests = 0
  /** per relay: whether it answers FetchMany (unknown until asked) */
  private readonly batched = new Map<string, boolean>()
  /** the Closes relays have not answered yet; the invite queue's generation (none without a db) */
  private readonly closes?: MailboxCloses

  constructor (components: MailboxClientComponents) {
    this.components = components
    const { db, key, mailbox, contacts, log, libp2p } = components
    if (db != null) this.closes = new MailboxCloses({ db, key, mailbox, contacts, log, connected: r => libp2p.getConnections(r).length > 0, reserved: () => this.reservedRelays() })
  }

  /** the invite queue's generation: what an invite names */
  get generation (): number {
    return this.closes?.generation ?? 0
  }

  async start (): Promise<void> {
    await this.closes?.start()
    this.components.libp2p.addEventListener('peer:identify', this.onIdentify)
    this.components.libp2p.addEventListener('self:peer:update', this.onSelfUpdate)
    this.timer = setInterval(() => { this.fetchAll() }, FETCH_EVERY_MS)
    this.timer.unref?.()
  }

  stop (): void {
    this.stopped = true
    clearInterval(this.timer)
    this.components.libp2p.removeEventListener('peer:identify', this.onIdentify)
    this.components.libp2p.removeEventListener('self:peer:update', this.onSelfUpdate)
  }

  /** The relays we hold a reservation on: those our own circuit addresses go through. */
  private reservedRefs (): RelayRef[] {
    return relaysOf(this.components.libp2p.getMultiaddrs())
  }

  private reservedRelays (): PeerId[] {
    return this.reservedRefs().map(r => r.peerId)
  }

  private queueKey (relay: PeerId, contact?: PeerId): string {
    return contact == null ? `${relay.toString()}~${this.generation}` : `${relay.toString()}!${contact.toString()}`
  }

  private async queueOn (relay: PeerId, contact?: PeerId): Promise<QueueKeys> {
    const key = this.queueKey(relay, contact)
    let queue = this.queues.get(key)
    if (queue == null) this.queues.set(key, queue = deriveQueue(this.components.key, relay, contact, contact == null ? this.generation : 0))
    return queue
  }

  /** A new reservation: open our queue there and collect what waits in it. */
  private readonly onSelfUpdate = (): void => {
    const refs = this.reservedRefs()
    let changed = refs.length !== this.reserved.size
    for (const relay of refs) {
      if (this.reserved.has(relay.peerId.toString())) continue
      changed = true
      void this.fetchFrom(relay.peerId)
    }
    this.reserved = new Set(refs.map(r => r.peerId.toString()))
    if (changed && refs.length > 0) this.components.onRelaysChanged?.(refs)
  }

  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    if (!evt.detail.protocols.includes(MAILBOX_PROTOCOL)) return
    void this.closes?.retry(evt.detail.peerId)
    void this.fetchFrom(evt.detail.peerId)
  }

  /**
   * Opens our queue on a relay of ours (the invite's, or `contact`'s own) once a run, and leaves
   * our prekeys under it; false when the relay refused (it is asked again next time).
   */
  private async ensureOpen (relay: PeerId, contact?: PeerId): Promise<boolean> {
    const key = this.queueKey(relay, contact)
    let opening = this.opened.get(key)
    if (opening == null) {
      opening = (async () => {
        // a hand-over still in flight when the contact was blocked must not open its queue again
        if (contact != null && await this.blocked(contact)) return false
        const signal = AbortSignal.timeout(DEPOSIT_TIMEOUT)
        const queue = await this.queueOn(relay, contact)
        await this.components.mailbox.open(relay, queue, { signal })
        // under every queue: a contact that lost our session starts one from what its queue holds
        if (this.components.prekeys != null) {
          await this.components.mailbox.publishPrekeys(relay, queue, PrekeyBundle.encode(await this.components.prekeys()), { signal })
            .catch(err => { this.components.log('prekeys not left on %p - %e', relay, err) })
        }
        // blocked while it opened: the block's Close may have reached the relay first
        if (contact != null && await this.blocked(contact)) {
          await this.closeQueues(contact, [relay.toString()])
          return false
        }
        return true
      })().catch(err => {
        this.opened.delete(key)
        this.components.log('no queue opened on %p - %e', relay, err)
        return false
      })
      this.opened.set(key, opening)
    }
    return opening
  }

  private async blocked (contact: PeerId): Promise<boolean> {
    return (await this.components.contacts.get(contact.toString()))?.state === 'blocked'
  }

  /**
   * Opens our queue on each of these relays we are connected to, waiting at most until `signal`:
   * an invite then names queues that exist (a contact's deposit into one not yet opened is refused).
   */
  async openQueues (relays: PeerId[], signal: AbortSignal, contact?: PeerId): Promise<void> {
    const connected = relays.filter(r => this.components.libp2p.getConnections(r).length > 0)
    if (connected.length === 0 || this.stopped) return
    await Promise.race([
      Promise.allSettled(connected.map(async r => this.ensureOpen(r, contact))),
      new Promise(resolve => { signal.addEventListener('abort', resolve, { once: true }) })
    ])
  }

  /**
   * The prekeys of `peer` from the queues it handed us, or undefined. Unchecked here: libsignal
   * checks the signatures when the session starts.
   */
  async prekeysOf (peer: PeerId, signal: AbortSignal): Promise<PrekeyBundle | undefined> {
    for (const q of await this.queuesOf(peer)) {
      if (signal.aborted || this.stopped) break
      try {
        await this.components.libp2p.peerStore.merge(q.relay.peerId, { multiaddrs: [q.relay.addr] })
        const bytes = await this.components.mailbox.fetchPrekeys(q.relay.peerId, q, { signal: AbortSignal.any([signal, AbortSignal.timeout(DEPOSIT_TIMEOUT)]) })
        if (bytes != null) return PrekeyBundle.decode(bytes)
      } catch (err) {
        this.components.log('no prekeys of %p on %p - %e', peer, q.relay.peerId, err)
      }
    }
  }

  /** The queues `peer` handed us: only relays it signed (its invite) or told us of (its own encrypted message). */
  private async queuesOf (peer: PeerId): Promise<Array<ReturnType<typeof queueRef>>> {
    const contact = await this.components.contacts.get(peer.toString())
    const refs: Array<ReturnType<typeof queueRef>> = []
    for (const record of contact?.queues ?? []) {
      try { refs.push(queueRef(record)) } catch {}
    }
    return refs
  }

  private fetchAll (): void {
    void this.closes?.retryAll()
    for (const relay of this.reservedRelays()) {
      if (this.components.libp2p.getConnections(relay).length === 0) continue
      void this.components.libp2p.peerStore.get(relay)
        .then(p => { if (p.protocols.includes(MAILBOX_PROTOCOL)) return this.fetchFrom(relay) }, () => {})
    }
  }

  /**
   * Fetches, stores and then deletes everything waiting in our queues on `relay`: the invite's,
   * and each contact's own, named together in one FetchMany per round (a relay that has no
   * FetchMany is asked queue by queue).
   */
  async fetchFrom (relay: PeerId): Promise<number> {
    const key = relay.toString()
    if (this.fetching.has(key) || this.stopped) return 0
    if (!this.reservedRelays().some(r => r.equals(relay))) return 0
    this.fetching.add(key)
    let total = 0
    try {
      const contacts = (await this.components.contacts.list('contact')).slice(0, MAX_CONTACT_QUEUES)
      const owners = [undefined, ...contacts.map(c => peerIdFromString(c.peerId))]
      const open = new Map<string, { contact?: PeerId, keys: QueueKeys }>()
      for (const contact of owners) {
        if (this.stopped) break
        // once a run each; past one the relay refused (opens are rate-limited) the rest wait
        // for the next poll
        if (!(await this.ensureOpen(relay, contact))) break
        const keys = await this.queueOn(relay, contact)
        open.set(Buffer.from(keys.id).toString('hex'), { contact, keys })
      }
      total = await fetchQueues(relay, open, {
        mailbox: this.components.mailbox,
        batched: this.batched,
        stopped: () => this.stopped,
        counted: () => { this.fetchRequests++ },
        store: async items => this.store(relay, items),
        one: async contact => this.fetchQueue(relay, contact),
        denied: contact => { this.opened.delete(this.queueKey(relay, contact)) }
      })
    } catch (err) {
      this.components.log('mailbox fetch from %p failed - %e', relay, err)
    } finally {
      this.fetching.delete(key)
    }
    return total
  }

  private async store (relay: PeerId, items: FetchedEnvelope[]): Promise<string[]> {
    return storeFetched(relay, items, this.components)
  }

  private async fetchQueue (relay: PeerId, contact?: PeerId): Promise<number> {
    let total = 0
    try {
      if (!(await this.ensureOpen(relay, contact))) return 0
      const queue = await this.queueOn(relay, contact)
      for (let round = 0; round < FETCH_ROUNDS && !this.stopped; round++) {
        this.fetchRequests++
        const { items, more } = await this.components.mailbox.fetch(relay, queue)
        const done = await this.store(relay, items)
        total += done.length
        if (done.length > 0) await this.components.mailbox.delete(relay, queue, done)
        if (!more || done.length === 0) break
      }
    } catch (err) {
      // a relay that forgot our queue (restarted without its data, or expired it) is asked to open it again
      if (err instanceof MailboxRefusedError && err.status === MailboxStatus.DENIED) this.opened.delete(this.queueKey(relay, contact))
      this.components.log('mailbox fetch from %p failed - %e', relay, err)
    }
    return total
  }

  /**
   * Drops `contact`'s own queue (it was blocked or removed) on our relays and on `named` (those
   * it was told of): the relays then refuse its deposits. How many closed now (MailboxCloses).
   */
  async closeQueues (contact: PeerId, named: string[] = []): Promise<number> {
    for (const map of [this.opened, this.queues]) {
      for (const key of [...map.keys()]) if (key.endsWith(`!${contact.toString()}`)) map.delete(key)
    }
    return (await this.closes?.closeContact(contact, named)) ?? 0
  }

  /** Moves the invite to a new queue (MailboxCloses.rotateInvite) and opens it with our prekeys. */
  async rotateInviteQueue (named: string[] = []): Promise<number> {
    // what waits in the old one is collected first where we can (its senders' outboxes keep the rest)
    await Promise.allSettled(this.reservedRelays().map(async r => this.fetchFrom(r)))
    const closed = (await this.closes?.rotateInvite(named)) ?? 0
    await this.openQueues(this.reservedRelays(), AbortSignal.timeout(DEPOSIT_TIMEOUT))
    return closed
  }

  /**
   * Leaves the envelopes in every queue `peer` handed us, all at once, each relay with its own
   * timeout: one that is blocked or slow holds up none of the others. Each relay gets its own
   * sealed box of each envelope (no two relays can match theirs). `onTaken` hears of each id the
   * first time a relay takes it. Resolves once every envelope is on some relay or every relay is
   * done; a refusal (a full queue) leaves the envelope in the outbox only.
   */
  async deposit (peer: PeerId, entries: DepositEntry[], options: DepositOptions): Promise<void> {
    if (entries.length === 0 || this.stopped) return
    const queues = await this.queuesOf(peer)
    if (queues.length === 0) { this.components.log('%p handed us no mailbox queue: nothing deposited', peer); return }
    const expiresAt = await this.components.expiryOf?.(peer.toString()).catch(() => undefined)
    const taken = new Set<string>()
    await new Promise<void>(resolve => {
      let pending = queues.length
      for (const queue of queues) {
        const onTaken = (id: string): void => {
          if (taken.has(id)) return
          taken.add(id)
          options.onTaken([id])
        }
        void this.depositOn(queue, peer, entries, options.signal, onTaken, expiresAt).finally(() => {
          pending--
          // the relays still at it go on in the background, bounded by their timeout
          if (pending === 0 || taken.size === entries.length) resolve()
        })
      }
    })
  }

  /** Deposits the envelopes in one queue, in order (all, or up to a failure), telling each id it took. */
  private async depositOn (queue: ReturnType<typeof queueRef>, peer: PeerId, entries: DepositEntry[], signal: AbortSignal, onTaken: (id: string) => void, expiresAt?: number): Promise<void> {
    const relay = queue.relay
    try {
      const recipient = peer.publicKey
      if (recipient == null) throw new Error('no public key in the peer id')
      await this.components.libp2p.peerStore.merge(relay.peerId, { multiaddrs: [relay.addr] })
      const timeout = AbortSignal.any([signal, AbortSignal.timeout(DEPOSIT_TIMEOUT)])
      for (const entry of entries) {
        if (this.stopped) break
        await this.components.mailbox.deposit(relay.peerId, queue, sealForRelay(entry.envelope, recipient), { signal: timeout, expiresAt })
        onTaken(entry.id)
      }
    } catch (err) {
      if (err instanceof MailboxRefusedError) this.components.log('relay %p refused the deposit: %s', relay.peerId, err.status)
      else this.components.log('deposit on %p failed - %e', relay.peerId, err)
    }
  }
}

export interface DepositEntry {
  /** the message id, hex */
  id: string
  envelope: Uint8Array
}

export interface DepositOptions {
  signal: AbortSignal
  /** ids a relay took, each told once */
  onTaken: (ids: string[]) => void
}
