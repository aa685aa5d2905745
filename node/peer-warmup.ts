import type { Libp2p, PeerId, PeerInfo } from '@libp2p/interface'

const LAST_SEEN = 'hyphae/last-seen'
/** how many remembered peers to dial at start */
const RECONNECT_COUNT = 8
/** below this many connections, peers found by mDNS (or the DHT walk) are dialled */
const DISCOVERY_DIAL_BELOW = 32
const DIAL_TIMEOUT = 10_000

/**
 * libp2p 3 no longer dials what it discovers, nor the peers it remembers. A messenger must: this
 * dials peers found by mDNS (the LAN during an internet cut) and, on start, the peers it was last
 * connected to, so a node comes back without any bootstrap node.
 */
export class PeerWarmup {
  private readonly libp2p: Libp2p<any>
  private readonly controller = new AbortController()

  constructor (libp2p: Libp2p<any>) {
    this.libp2p = libp2p
  }

  start (options: { reconnect: boolean }): void {
    this.libp2p.addEventListener('peer:discovery', this.onDiscovery)
    this.libp2p.addEventListener('peer:connect', this.onConnect)
    if (options.reconnect) void this.reconnectKnownPeers().catch(() => {})
  }

  stop (): void {
    this.controller.abort()
    this.libp2p.removeEventListener('peer:discovery', this.onDiscovery)
    this.libp2p.removeEventListener('peer:connect', this.onConnect)
  }

  private readonly onConnect = (evt: CustomEvent<PeerId>): void => {
    const stamp = new TextEncoder().encode(String(Date.now()))
    void this.libp2p.peerStore.merge(evt.detail, { metadata: { [LAST_SEEN]: stamp } }).catch(() => {})
  }

  private readonly onDiscovery = (evt: CustomEvent<PeerInfo>): void => {
    const { id, multiaddrs } = evt.detail
    if (this.controller.signal.aborted || id.equals(this.libp2p.peerId)) return
    if (this.libp2p.getConnections(id).length > 0) return
    if (this.libp2p.getConnections().length >= DISCOVERY_DIAL_BELOW) return
    void this.dial(multiaddrs.length > 0 ? multiaddrs : id)
  }

  private async dial (target: Parameters<Libp2p['dial']>[0]): Promise<void> {
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(DIAL_TIMEOUT)])
    await this.libp2p.dial(target, { signal }).catch(() => {})
  }

  async reconnectKnownPeers (): Promise<void> {
    const peers = await this.libp2p.peerStore.all({ filters: [p => p.addresses.length > 0 && !p.id.equals(this.libp2p.peerId)] })
    const lastSeen = (p: typeof peers[number]): number => Number(new TextDecoder().decode(p.metadata.get(LAST_SEEN) ?? new Uint8Array())) || 0
    const recent = peers.sort((a, b) => lastSeen(b) - lastSeen(a)).slice(0, RECONNECT_COUNT)
    await Promise.all(recent.map(async p => this.dial(p.id)))
  }
}
