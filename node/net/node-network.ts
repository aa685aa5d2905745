/**
 * The network side of the Messenger: warming up connections at start, protecting contacts,
 * group neighbours and relays through a connection flood, the relays kept in the profile (added
 * by hand, or last held), a relay's reservations, and the addresses and dials the API offers.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { connect, dialableAddresses, findPeer, isCircuit, isConnected, reachability } from './addresses.ts'
import { KnownRelays } from './known-relays.ts'
import { PeerProtection } from './peer-protection.ts'
import { PeerWarmup } from './peer-warmup.ts'
import { RelayList, type RelayEntry } from './relay-list.ts'
import { liveReservations, watchReservations, type ReservationMap } from './relay-reservations.ts'
import type { Reachability, RelayInfo } from '../messenger.ts'
import type { HyphaeServices } from './services.ts'
import type { LevelMailboxStore } from '../store/mailbox-store.ts'
import type { MetaStore } from '../store/meta-store.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const DEFAULT_TIMEOUT = 30_000

export interface RelayStats {
  reservations: number
  connections: number
  mailbox: { messages: number, bytes: number }
}

/** The Messenger events the network raises. */
export type NetworkEvent = 'peer:connect' | 'peer:disconnect' | 'relay:reservation'

export interface NodeNetworkInit {
  libp2p: Libp2p<HyphaeServices>
  meta: MetaStore
  /** keeps contacts, group neighbours and relays through a connection flood */
  protection?: PeerProtection
  /** set when this node keeps mailboxes for others (a relay) */
  mailboxStore?: LevelMailboxStore
  dispatch: (event: NetworkEvent, peer: string) => void
}

export class NodeNetwork {
  readonly warmup: PeerWarmup
  readonly protection: PeerProtection
  private readonly init: NodeNetworkInit
  private readonly libp2p: Libp2p<HyphaeServices>
  private readonly relayList: RelayList
  private readonly knownRelays: KnownRelays
  private unwatchReservations = (): void => {}

  constructor (init: NodeNetworkInit) {
    this.init = init
    this.libp2p = init.libp2p
    this.warmup = new PeerWarmup(this.libp2p, init.meta)
    this.protection = init.protection ?? new PeerProtection()
    this.relayList = new RelayList(init.meta)
    this.knownRelays = new KnownRelays(this.libp2p, init.meta)
  }

  start (options: { reconnect: boolean }): void {
    this.unwatchReservations = watchReservations(this.reservationMap(), peer => { this.init.dispatch('relay:reservation', peer.toString()) })
    this.protection.start(this.libp2p)
    this.libp2p.addEventListener('peer:connect', this.onPeerConnect)
    this.libp2p.addEventListener('peer:disconnect', this.onPeerDisconnect)
    this.warmup.start({ reconnect: options.reconnect })
    this.knownRelays.start()
  }

  /** Stops warming up and protecting (a node going down reconnects to nobody). */
  stopDialling (): void {
    this.warmup.stop()
    this.protection.stop()
  }

  /** Stops listening; call before libp2p stops (the relays last held are written while the addresses still show them). */
  async stop (): Promise<void> {
    this.libp2p.removeEventListener('peer:connect', this.onPeerConnect)
    this.libp2p.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    this.unwatchReservations()
    await this.warmup.flushRecent().catch(() => {})
    await this.knownRelays.stop()
  }

  private reservationMap (): ReservationMap | undefined {
    return (this.libp2p.services.relay as { reservations?: ReservationMap } | undefined)?.reservations
  }

  private readonly onPeerConnect = (evt: CustomEvent<PeerId>): void => {
    this.init.dispatch('peer:connect', evt.detail.toString())
  }

  private readonly onPeerDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.init.dispatch('peer:disconnect', evt.detail.toString())
  }

  /** What a relay holds for others; undefined on a node that is not a relay. */
  async relayStats (): Promise<RelayStats | undefined> {
    if (this.init.mailboxStore == null) return undefined
    return {
      reservations: liveReservations(this.libp2p, this.reservationMap()),
      connections: this.libp2p.getConnections().length,
      mailbox: await this.init.mailboxStore.totals()
    }
  }

  /** Addresses worth handing to another user: not loopback unless that is all there is. */
  dialableAddresses (): Multiaddr[] {
    return dialableAddresses(this.libp2p)
  }

  /** What an invite names: the dialable addresses, and with no reservation yet the relays last held. */
  async inviteAddresses (): Promise<Multiaddr[]> {
    const addrs = this.dialableAddresses()
    // no reservation yet (a node started for one command): the relays this profile last held
    if (!addrs.some(isCircuit)) addrs.push(...await this.knownRelays.addresses())
    return addrs
  }

  reachability (): Reachability {
    return reachability(this.libp2p)
  }

  async findPeer (peerId: string, signal?: AbortSignal): Promise<string[]> {
    return findPeer(this.libp2p, peerId, signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT))
  }

  async connect (target: string, signal?: AbortSignal): Promise<void> {
    await connect(this.libp2p, target, signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT))
  }

  /** Keeps the relay in the profile and dials it now (a failed dial keeps it: the next start tries again). */
  async addRelay (line: string): Promise<RelayInfo> {
    const entry = await this.relayList.add(line)
    await this.libp2p.dial(multiaddr(entry.address), { signal: AbortSignal.timeout(DEFAULT_TIMEOUT) }).catch(() => {})
    return this.relayInfo(entry)
  }

  async listRelays (): Promise<RelayInfo[]> {
    return (await this.relayList.list()).map(e => this.relayInfo(e))
  }

  async removeRelay (which: string): Promise<RelayInfo[]> {
    return (await this.relayList.remove(which)).map(e => this.relayInfo(e))
  }

  private relayInfo (entry: RelayEntry): RelayInfo {
    return { ...entry, connected: isConnected(this.libp2p, entry.peerId) }
  }
}
