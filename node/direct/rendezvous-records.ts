import { peerIdFromString } from '@libp2p/peer-id'
import { EPOCH_MS, epochOf, rendezvous, type Rendezvous } from '../../protocols/rendezvous/index.ts'
import type { ContactsStore } from '../store/contacts-store.ts'
import type { HyphaeServices } from '../net/services.ts'
import type { Libp2p, Logger, PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** a changed address set is written out once it has held this long (relays come in one by one) */
const SETTLE_MS = 3_000
/** records are rewritten this often even when nothing changed (servers churn) */
const REPUBLISH_MS = 6 * 3600 * 1000
/** tomorrow's record goes out this long before midnight (UTC), for a contact who reads after it */
const BEFORE_MIDNIGHT_MS = 2 * 3600 * 1000
const CHECK_MS = 10 * 60 * 1000
/** contacts written per round, and at once: a round is one DHT put per contact and day */
const MAX_CONTACTS = 1000
const CONCURRENCY = 4
/** a round some record of which no server took is tried again after this, doubling */
const RETRY = { minMs: 15_000, maxMs: 15 * 60_000 }

export interface RendezvousRecordsComponents {
  libp2p: Libp2p<HyphaeServices>
  key: PrivateKey
  contacts: ContactsStore
  log: Logger
  now?: () => number
}

/**
 * Keeps a rendezvous record (protocols/rendezvous) for each contact in the DHT: at start, when
 * our addresses change (a new relay, a new network), for a new contact, every REPUBLISH_MS,
 * and for tomorrow before midnight. Finds a contact by reading theirs for us.
 */
export class RendezvousRecords {
  readonly service: Rendezvous
  private readonly components: RendezvousRecordsComponents
  private readonly now: () => number
  private settle?: ReturnType<typeof setTimeout>
  private check?: ReturnType<typeof setInterval>
  private retry?: ReturnType<typeof setTimeout>
  private retryMs = RETRY.minMs
  private running?: Promise<void>
  private again = false
  private stopped = new AbortController()
  /** what the last full round wrote: the addresses, when, whether tomorrow's too */
  private last = { addrs: '', at: 0, epoch: -1, tomorrow: false }

  constructor (components: RendezvousRecordsComponents) {
    this.components = components
    this.now = components.now ?? Date.now
    const { libp2p, key } = components
    this.service = rendezvous({ now: this.now })({ peerId: libp2p.peerId, privateKey: key, logger: libp2p.logger, dht: libp2p.services.dht })
  }

  start (): void {
    this.stopped = new AbortController()
    this.components.libp2p.addEventListener('self:peer:update', this.onUpdate)
    this.check = setInterval(() => { this.due() }, CHECK_MS)
    this.check.unref?.()
    this.onUpdate()
  }

  stop (): void {
    this.stopped.abort()
    clearTimeout(this.settle)
    clearTimeout(this.retry)
    clearInterval(this.check)
    this.components.libp2p.removeEventListener('self:peer:update', this.onUpdate)
  }

  /** The addresses the last round wrote for every contact, each on some server (tests read it). */
  get published (): string[] {
    return this.last.addrs === '' ? [] : this.last.addrs.split(' ')
  }

  /** Resolves once no round is under way. */
  async drained (): Promise<void> {
    await this.running
  }

  private readonly onUpdate = (): void => {
    clearTimeout(this.settle)
    this.settle = setTimeout(() => { this.due() }, SETTLE_MS)
    this.settle.unref?.()
  }

  /** Starts a round if the addresses changed, the day turned, or the records are getting old. */
  private due (): void {
    if (this.stopped.signal.aborted) return
    const now = this.now()
    const addrs = this.addresses()
    if (addrs.length === 0) return
    const tomorrow = EPOCH_MS - (now % EPOCH_MS) <= BEFORE_MIDNIGHT_MS
    const key = addrs.map(a => a.toString()).sort().join(' ')
    if (key === this.last.addrs && epochOf(now) === this.last.epoch && now - this.last.at < REPUBLISH_MS && (!tomorrow || this.last.tomorrow)) return
    void this.publishAll()
  }

  private addresses (): Multiaddr[] {
    return this.components.libp2p.getMultiaddrs()
  }

  /** Writes our record for every contact; a call during a round makes one more round after it. */
  async publishAll (): Promise<void> {
    if (this.running != null) { this.again = true; return this.running }
    this.running = (async () => {
      try {
        let done = false
        do {
          this.again = false
          done = await this.round()
        } while (this.again && !this.stopped.signal.aborted)
        clearTimeout(this.retry)
        if (done) {
          this.retryMs = RETRY.minMs
        } else if (!this.stopped.signal.aborted) {
          // no DHT server yet, or some took nothing: the contact would find an old record
          this.retry = setTimeout(() => { void this.publishAll() }, this.retryMs)
          this.retry.unref?.()
          this.retryMs = Math.min(this.retryMs * 2, RETRY.maxMs)
        }
      } finally {
        this.running = undefined
      }
    })()
    return this.running
  }

  /** Whether every contact's record went to at least one server. */
  private async round (): Promise<boolean> {
    const now = this.now()
    const addrs = this.addresses()
    if (addrs.length === 0) return true
    // a query with no peers waits for some until its timeout: try again once there are
    if (this.components.libp2p.services.dht.routingTable.size === 0) return false
    const tomorrow = EPOCH_MS - (now % EPOCH_MS) <= BEFORE_MIDNIGHT_MS
    const contacts = (await this.components.contacts.list('contact')).slice(0, MAX_CONTACTS)
    let next = 0
    let failed = 0
    const worker = async (): Promise<void> => {
      while (next < contacts.length && !this.stopped.signal.aborted) {
        const contact = contacts[next++]
        const stored = await this.publishFor(contact.peerId, addrs, tomorrow)
        if (stored.length === 0 || stored.some(n => n === 0)) failed++
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    if (failed > 0 || this.stopped.signal.aborted) return false
    this.last = { addrs: addrs.map(a => a.toString()).sort().join(' '), at: now, epoch: epochOf(now), tomorrow }
    return true
  }

  /** Writes our record for one contact (a new one: no need to wait for the next round). */
  async publishFor (peer: string | PeerId, addrs = this.addresses(), tomorrow = EPOCH_MS - (this.now() % EPOCH_MS) <= BEFORE_MIDNIGHT_MS): Promise<number[]> {
    if (addrs.length === 0 || this.stopped.signal.aborted) return []
    try {
      const id = typeof peer === 'string' ? peerIdFromString(peer) : peer
      return await this.service.publish(id, addrs, { tomorrow, signal: AbortSignal.any([this.stopped.signal, AbortSignal.timeout(30_000)]) })
    } catch (err) {
      this.components.log('no rendezvous record written for %s - %e', peer.toString(), err)
      return []
    }
  }

  /**
   * The addresses a contact's record gives (added to the peer store, where the mailbox client
   * finds their relays too), or none.
   */
  async lookup (peer: PeerId, signal: AbortSignal): Promise<Multiaddr[]> {
    const { multiaddrs } = await this.service.lookup(peer, { signal })
    if (multiaddrs.length > 0) await this.components.libp2p.peerStore.merge(peer, { multiaddrs })
    return multiaddrs
  }
}
