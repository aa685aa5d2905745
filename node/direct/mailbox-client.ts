import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { AckStatus, checkEnvelope, Envelope } from '../../protocols/dm/index.ts'
import { MailboxRefusedError, PROTOCOL as MAILBOX_PROTOCOL, type Mailbox } from '../../protocols/mailbox/index.ts'
import { PrekeyBundle } from '../../protocols/prekeys/index.ts'
import { hex } from '../hex.ts'
import { relaysOf } from '../net/relay-addresses.ts'
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
  receive: (from: PeerId, envelope: Envelope) => Promise<AckStatus>
  /** our invite's prekey bundle, left on each mailbox relay we meet */
  prekeys?: () => Promise<PrekeyBundle>
}

/**
 * The client side of relay mailboxes: leaves envelopes for contacts who cannot be reached on the
 * relays named in their addresses, and collects what waits for us from every mailbox relay we
 * connect to. The outbox stays the source of truth: a deposited message stays queued until the
 * recipient acks it directly (a duplicate it then ignores), so a relay that loses it loses nothing.
 */
export class MailboxClient {
  private readonly components: MailboxClientComponents
  private readonly deposited = new Set<string>()
  private readonly fetching = new Set<string>()
  /** relays that hold our current prekeys (this run) */
  private readonly published = new Set<string>()
  private timer?: ReturnType<typeof setInterval>
  private stopped = false

  constructor (components: MailboxClientComponents) {
    this.components = components
  }

  start (): void {
    this.components.libp2p.addEventListener('peer:identify', this.onIdentify)
    this.timer = setInterval(() => { this.fetchAll() }, FETCH_EVERY_MS)
    this.timer.unref?.()
  }

  stop (): void {
    this.stopped = true
    clearInterval(this.timer)
    this.components.libp2p.removeEventListener('peer:identify', this.onIdentify)
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
    const relays = new Set<string>()
    for (const conn of this.components.libp2p.getConnections()) {
      if (relays.has(conn.remotePeer.toString())) continue
      relays.add(conn.remotePeer.toString())
      void this.components.libp2p.peerStore.get(conn.remotePeer)
        .then(p => { if (p.protocols.includes(MAILBOX_PROTOCOL)) return this.fetchFrom(conn.remotePeer) }, () => {})
    }
  }

  /** Fetches, stores and then deletes everything waiting for us on `relay`. */
  async fetchFrom (relay: PeerId): Promise<number> {
    const key = relay.toString()
    if (this.fetching.has(key) || this.stopped) return 0
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
            // the author it names only picks the session: a forged name does not decrypt
            const from = peerIdFromPublicKey(checkEnvelope(envelope))
            const status = await this.components.receive(from, envelope)
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
   * Leaves the envelopes on the relays `peer` is known by (its invite and peer-store addresses).
   * Returns the ids some relay took. A full mailbox or a refusal leaves them in the outbox only.
   */
  async deposit (peer: PeerId, entries: Array<{ id: string, envelope: Uint8Array }>, signal: AbortSignal): Promise<string[]> {
    const fresh = entries.filter(e => !this.deposited.has(e.id))
    if (fresh.length === 0) return []
    const relays = await this.relaysOf(peer)
    const taken: string[] = []
    for (const relay of relays) {
      if (signal.aborted || this.stopped) break
      try {
        await this.components.libp2p.peerStore.merge(relay.peerId, { multiaddrs: [relay.addr] })
        const timeout = AbortSignal.any([signal, AbortSignal.timeout(DEPOSIT_TIMEOUT)])
        for (const entry of fresh) {
          if (taken.includes(entry.id)) continue
          await this.components.mailbox.deposit(relay.peerId, peer, entry.envelope, { signal: timeout })
          taken.push(entry.id)
          this.deposited.add(entry.id)
        }
        if (taken.length === fresh.length) break
      } catch (err) {
        if (err instanceof MailboxRefusedError) this.components.log('relay %p refused the deposit: %s', relay.peerId, err.status)
        else this.components.log('deposit on %p failed - %e', relay.peerId, err)
      }
    }
    return taken
  }
}
