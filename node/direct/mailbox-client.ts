import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { AckStatus, checkEnvelope, Envelope, type ReceiveContext } from '../../protocols/dm/index.ts'
import { MailboxRefusedError, PROTOCOL as MAILBOX_PROTOCOL, type Mailbox } from '../../protocols/mailbox/index.ts'
import { PrekeyBundle } from '../../protocols/prekeys/index.ts'
import { hex } from '../hex.ts'
import { relaysOf, type RelayRef } from '../net/relay-addresses.ts'
import type { ContactsStore } from '../store/contacts-store.ts'
import type { HyphaeServices } from '../net/services.ts'
import type { Libp2p, Logger, PeerId, IdentifyResult } from '@libp2p/interface'

/** statuses after which the envelope is done with: the relay may delete it */
const DONE = new Set([AckStatus.STORED, AckStatus.DUPLICATE, AckStatus.REFUSED_BLOCKED, AckStatus.MALFORMED, AckStatus.WRONG_PEER, AckStatus.REFUSED_TOO_LARGE])
const FETCH_ROUNDS = 100
const FETCH_EVERY_MS = 60_000
const DEPOSIT_TIMEOUT = 20_000

export interface MailboxClientComponents {
  libp2p: Libp2p<HyphaeServices>
  mailbox: Mailbox
  contacts: ContactsStore
  log: Logger
  /** the same handler direct messages go through: opens, stores, then resolves */
  receive: (from: PeerId, envelope: Envelope, context?: ReceiveContext) => Promise<AckStatus>
  /** our invite's prekey bundle, left on each mailbox relay we meet */
  prekeys?: () => Promise<PrekeyBundle>
}

/**
 * The client side of relay mailboxes: leaves envelopes for contacts who cannot be reached on the
 * relays named in their addresses, and collects what waits for us from the relays we hold a
 * reservation on (ours, chosen by us: any other peer could pose as a mailbox and pour in
 * whatever it likes). Those relays checked each depositor's introduction. The outbox stays the
 * source of truth: a deposited message stays in it until the
 * recipient acks it directly (a duplicate it then ignores), so a relay that loses it loses nothing.
 */
export class MailboxClient {
  private readonly components: MailboxClientComponents
  private readonly fetching = new Set<string>()
  /** relays that hold our current prekeys (this run) */
  private readonly published = new Set<string>()
  private timer?: ReturnType<typeof setInterval>
  private stopped = false
  /** the relays our addresses named last time they changed */
  private reserved = new Set<string>()

  constructor (components: MailboxClientComponents) {
    this.components = components
  }

  start (): void {
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
  private reservedRelays (): PeerId[] {
    return relaysOf(this.components.libp2p.getMultiaddrs()).map(r => r.peerId)
  }

  /** A new reservation: what waits there is ours to collect now. */
  private readonly onSelfUpdate = (): void => {
    const relays = this.reservedRelays()
    for (const relay of relays) {
      if (!this.reserved.has(relay.toString())) void this.fetchFrom(relay)
    }
    this.reserved = new Set(relays.map(r => r.toString()))
  }

  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    if (!evt.detail.protocols.includes(MAILBOX_PROTOCOL)) return
    void this.fetchFrom(evt.detail.peerId)
    void this.publishTo(evt.detail.peerId)
  }

  /** Leaves our prekeys on a mailbox relay, so a sender without our invite can still seal to us. */
  private async publishTo (relay: PeerId): Promise<void> {
    const key = relay.toString()
    if (this.components.prekeys == null || this.published.has(key) || this.stopped) return
    this.published.add(key)
    try {
      await this.components.mailbox.publishPrekeys(relay, PrekeyBundle.encode(await this.components.prekeys()), { signal: AbortSignal.timeout(DEPOSIT_TIMEOUT) })
    } catch (err) {
      this.published.delete(key)
      this.components.log('prekeys not left on %p - %e', relay, err)
    }
  }

  /**
   * The prekeys of `peer` from the relays it is known by (its invite and peer-store addresses),
   * or undefined. Unchecked here: libsignal checks the signatures when the session starts.
   */
  async prekeysOf (peer: PeerId, signal: AbortSignal): Promise<PrekeyBundle | undefined> {
    for (const relay of await this.relaysOf(peer)) {
      if (signal.aborted || this.stopped) break
      try {
        await this.components.libp2p.peerStore.merge(relay.peerId, { multiaddrs: [relay.addr] })
        const bytes = await this.components.mailbox.fetchPrekeys(relay.peerId, peer, { signal: AbortSignal.any([signal, AbortSignal.timeout(DEPOSIT_TIMEOUT)]) })
        if (bytes != null) return PrekeyBundle.decode(bytes)
      } catch (err) {
        this.components.log('no prekeys of %p on %p - %e', peer, relay.peerId, err)
      }
    }
  }

  private async relaysOf (peer: PeerId): Promise<ReturnType<typeof relaysOf>> {
    const contact = await this.components.contacts.get(peer.toString())
    const known = await this.components.libp2p.peerStore.get(peer).then(p => p.addresses.map(a => a.multiaddr), () => [])
    return relaysOf([...(contact?.addrs ?? []), ...known])
  }

  private fetchAll (): void {
    for (const relay of this.reservedRelays()) {
      if (this.components.libp2p.getConnections(relay).length === 0) continue
      void this.components.libp2p.peerStore.get(relay)
        .then(p => { if (p.protocols.includes(MAILBOX_PROTOCOL)) return this.fetchFrom(relay) }, () => {})
    }
  }

  /** Fetches, stores and then deletes everything waiting for us on `relay`. */
  async fetchFrom (relay: PeerId): Promise<number> {
    const key = relay.toString()
    if (this.fetching.has(key) || this.stopped) return 0
    if (!this.reservedRelays().some(r => r.equals(relay))) return 0
    this.fetching.add(key)
    let total = 0
    try {
      for (let round = 0; round < FETCH_ROUNDS && !this.stopped; round++) {
        const { envelopes, more } = await this.components.mailbox.fetch(relay)
        const done: string[] = []
        for (const bytes of envelopes) {
          let envelope: Envelope
          try { envelope = Envelope.decode(bytes) } catch { continue }
          const id = hex(envelope.id)
          try {
            // the author it names only picks the session: a forged name does not decrypt; our
            // relay checked the depositor's introduction, and takes only envelopes the depositor wrote
            const from = peerIdFromPublicKey(checkEnvelope(envelope))
            const status = await this.components.receive(from, envelope, { introduced: true })
            if (DONE.has(status)) done.push(id)
          } catch (err) {
            // not for us or not readable: it will never be, let the relay drop it
            this.components.log('mailbox envelope %s from %p unreadable - %e', id, relay, err)
            done.push(id)
          }
        }
        total += done.length
        if (done.length > 0) await this.components.mailbox.delete(relay, done)
        if (!more || done.length === 0) break
      }
    } catch (err) {
      this.components.log('mailbox fetch from %p failed - %e', relay, err)
    } finally {
      this.fetching.delete(key)
    }
    return total
  }

  /**
   * Leaves the envelopes on every relay `peer` is known by (its invite and peer-store
   * addresses), all at once, each relay with its own timeout: one that is blocked or slow holds
   * up none of the others. `onTaken` hears of each id the first time a relay takes it. Resolves
   * once every envelope is on some relay or every relay is done; a refusal (a full mailbox)
   * leaves the envelope in the outbox only.
   */
  async deposit (peer: PeerId, entries: DepositEntry[], options: DepositOptions): Promise<void> {
    if (entries.length === 0 || this.stopped) return
    const relays = await this.relaysOf(peer)
    const taken = new Set<string>()
    await new Promise<void>(resolve => {
      let pending = relays.length
      if (pending === 0) { resolve(); return }
      for (const relay of relays) {
        const onTaken = (id: string): void => {
          if (taken.has(id)) return
          taken.add(id)
          options.onTaken([id])
        }
        void this.depositOn(relay, peer, entries, options.signal, onTaken).finally(() => {
          pending--
          // the relays still at it go on in the background, bounded by their timeout
          if (pending === 0 || taken.size === entries.length) resolve()
        })
      }
    })
  }

  /** Deposits the envelopes on one relay, in order (all, or up to a failure), telling each id it took. */
  private async depositOn (relay: RelayRef, peer: PeerId, entries: DepositEntry[], signal: AbortSignal, onTaken: (id: string) => void): Promise<void> {
    try {
      await this.components.libp2p.peerStore.merge(relay.peerId, { multiaddrs: [relay.addr] })
      const timeout = AbortSignal.any([signal, AbortSignal.timeout(DEPOSIT_TIMEOUT)])
      for (const entry of entries) {
        if (this.stopped) break
        await this.components.mailbox.deposit(relay.peerId, peer, entry.envelope, { signal: timeout })
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
