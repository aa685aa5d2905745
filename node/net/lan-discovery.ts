import { randomInt } from 'node:crypto'
import { peerDiscoverySymbol, serviceCapabilities, type AbortOptions, type ComponentLogger, type Connection, type Logger, type PeerDiscovery, type PeerDiscoveryEvents, type PeerInfo, type Startable } from '@libp2p/interface'
import { isPrivate } from '@libp2p/utils'
import { CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import multicastDNS from 'multicast-dns'

/**
 * libp2p's own default service name, shared with every IPFS and libp2p app on a LAN: nothing in
 * it names hyphae. IPFS nodes' records carry a peer id and are skipped; ours carry none.
 */
export const LAN_SERVICE = '_p2p._udp.local'
const TXT_PREFIX = 'dnsaddr='
/** instance names heard and the peer each turned out to be: bounded, a LAN is small */
const MAX_KNOWN = 256
const DIAL_TIMEOUT = 10_000

export interface LanDiscoveryInit {
  /** query interval in ms */
  interval?: number
  /** multicast address and port (tests may move them) */
  ip?: string
  port?: number
}

export interface LanDiscoveryComponents {
  addressManager: { getAddresses(): Multiaddr[] }
  connectionManager: {
    getConnections(): Connection[]
    openConnection(target: Multiaddr[], options?: AbortOptions): Promise<Connection>
  }
  logger: ComponentLogger
}

/**
 * mDNS that tells a LAN observer neither "hyphae" nor who we are: the record names a random
 * instance made at each start and lists our LAN addresses without a peer id. A node that hears
 * one dials the addresses; the Noise handshake tells both sides who the other is, and only
 * then is the peer announced to libp2p. An observer who dials us learns our peer id the same
 * way (Noise XX shows the responder's key): hiding from an active prober is not claimed.
 */
export class LanDiscovery extends TypedEventEmitter<PeerDiscoveryEvents> implements PeerDiscovery, Startable {
  readonly [peerDiscoverySymbol] = this
  readonly [Symbol.toStringTag] = 'hyphae:lan-discovery'
  readonly [serviceCapabilities] = ['@libp2p/peer-discovery']
  private readonly components: LanDiscoveryComponents
  private readonly log: Logger
  private readonly init: LanDiscoveryInit
  /** random per start, 63 characters like @libp2p/mdns's own, so records look alike */
  private readonly instance = randomName(63)
  private readonly known = new Map<string, string>()
  private readonly dialling = new Set<string>()
  private mdns?: multicastDNS.MulticastDNS
  private timer?: ReturnType<typeof setInterval>

  constructor (components: LanDiscoveryComponents, init: LanDiscoveryInit = {}) {
    super()
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('hyphae:lan-discovery')
  }

  isStarted (): boolean { return this.mdns != null }

  async start (): Promise<void> {
    if (this.mdns != null) return
    const mdns = multicastDNS({ ip: this.init.ip ?? '224.0.0.251', port: this.init.port ?? 5353 })
    this.mdns = mdns
    mdns.on('query', (query: any) => { this.answer(query) })
    mdns.on('response', (response: any) => { this.heard(response) })
    mdns.on('warning', (err: Error) => { this.log.error('mdns warning - %e', err) })
    mdns.on('error', (err: Error) => { this.log.error('mdns error - %e', err) })
    const ask = (): void => { mdns.query({ questions: [{ name: LAN_SERVICE, type: 'PTR' }] }) }
    ask()
    this.timer = setInterval(ask, this.init.interval ?? 10_000)
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    const mdns = this.mdns
    this.mdns = undefined
    if (mdns != null) await new Promise<void>(resolve => { mdns.destroy(() => { resolve() }) })
  }

  /** Our private addresses, without the peer id (a circuit address names the relay too). */
  private addresses (): Multiaddr[] {
    return this.components.addressManager.getAddresses()
      .filter(a => isPrivate(a) && !a.getComponents().some(c => c.name === 'p2p-circuit'))
      .map(a => a.decapsulateCode(CODE_P2P))
  }

  private answer (query: any): void {
    if (this.mdns == null || query.questions?.[0]?.name !== LAN_SERVICE) return
    const name = `${this.instance}.${LAN_SERVICE}`
    const txt = this.addresses().map(a => TXT_PREFIX + a.toString()).filter(t => t.length <= 255)
    if (txt.length === 0) return
    this.mdns.respond([
      { name: LAN_SERVICE, type: 'PTR', class: 'IN', ttl: 120, data: name },
      ...txt.map(data => ({ name, type: 'TXT' as const, class: 'IN' as const, ttl: 120, data }))
    ])
  }

  private heard (response: any): void {
    const ptr = (response.answers ?? []).find((a: any) => a.type === 'PTR' && a.name === LAN_SERVICE)
    if (ptr == null || typeof ptr.data !== 'string') return
    const instance = ptr.data
    if (instance.startsWith(`${this.instance}.`) || this.dialling.has(instance)) return
    const known = this.known.get(instance)
    if (known != null && this.components.connectionManager.getConnections().some(c => c.remotePeer.toString() === known)) return
    const records = [...(response.answers ?? []), ...(response.additionals ?? [])]
      .filter((a: any) => a.type === 'TXT' && a.name === instance)
      .flatMap((a: any) => Array.isArray(a.data) ? a.data : [a.data])
      .map((d: any) => d.toString())
      .filter((d: string) => d.startsWith(TXT_PREFIX))
    const addrs: Multiaddr[] = []
    for (const record of records.slice(0, 16)) {
      try { addrs.push(multiaddr(record.slice(TXT_PREFIX.length))) } catch { return }
    }
    // a record with a peer id is another libp2p app's (an IPFS node): not ours to dial
    if (addrs.length === 0 || addrs.some(a => a.getComponents().some(c => c.code === CODE_P2P))) return
    void this.meet(instance, addrs)
  }

  /** Dials the addresses with no peer id expected; the handshake says who answered. */
  private async meet (instance: string, addrs: Multiaddr[]): Promise<void> {
    this.dialling.add(instance)
    try {
      const conn = await this.components.connectionManager.openConnection(addrs, { signal: AbortSignal.timeout(DIAL_TIMEOUT) })
      if (this.known.size >= MAX_KNOWN) this.known.delete(this.known.keys().next().value as string)
      this.known.set(instance, conn.remotePeer.toString())
      const detail: PeerInfo = { id: conn.remotePeer, multiaddrs: addrs }
      this.safeDispatchEvent('peer', { detail })
    } catch (err) {
      this.log('could not reach %s - %e', instance, err)
    } finally {
      this.dialling.delete(instance)
    }
  }
}

function randomName (length: number): string {
  const charset = 'abcdefghijklmnopqrstuvwxyz0123456789'
  return Array.from({ length }, () => charset[randomInt(charset.length)]).join('')
}

export function lanDiscovery (init: LanDiscoveryInit = {}): (components: LanDiscoveryComponents) => LanDiscovery {
  return (components) => new LanDiscovery(components, init)
}
