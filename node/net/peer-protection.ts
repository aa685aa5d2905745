import { peerIdFromString } from '@libp2p/peer-id'
import { relaysOf } from './relay-addresses.ts'
import type { Connection, Libp2p, Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * Tag values libp2p's connection pruner sums per peer: past maxConnections it closes the
 * lowest first, so a flood of fresh identities (value 0) goes before any of these.
 */
export const PROTECTED_TAGS = {
  contact: { tag: 'hyphae-contact', value: 100 },
  relay: { tag: 'hyphae-relay', value: 80 },
  group: { tag: 'hyphae-group', value: 50 }
} as const

export type ProtectedKind = keyof typeof PROTECTED_TAGS

/** Inbound connections at once from one network: IPv4 /24 and /16, IPv6 /64 and /48. */
export interface InboundLimits {
  narrow: number
  wide: number
  /**
   * Count loopback too (default false): a flood from this very machine is not the threat, and
   * tests and benchmarks run many nodes on 127.0.0.1.
   */
  loopback?: boolean
}

export const INBOUND_LIMITS: InboundLimits = { narrow: 32, wide: 64 }

/** The two networks an address is in ('/24' and '/16' or '/64' and '/48'); none for relayed or non-IP ones. */
export function subnetsOf (addr: Multiaddr, loopback = false): [string, string] | undefined {
  const parts = addr.getComponents()
  if (parts.some(p => p.name === 'p2p-circuit')) return undefined
  const ip = parts[0]
  if (ip?.value == null) return undefined
  const v4 = ip.name === 'ip4' ? ip.value : ip.name === 'ip6' ? mappedIpv4(expandIpv6(ip.value)) : undefined
  if (v4 != null) {
    if (!loopback && v4.startsWith('127.')) return undefined
    const octets = v4.split('.')
    return [`${octets.slice(0, 3).join('.')}/24`, `${octets.slice(0, 2).join('.')}/16`]
  }
  if (ip.name === 'ip6') {
    if (!loopback && ip.value === '::1') return undefined
    const groups = expandIpv6(ip.value)
    return [`${groups.slice(0, 4).join(':')}/64`, `${groups.slice(0, 3).join(':')}/48`]
  }
  return undefined
}

/** A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d (multiaddr writes it in hex). */
function mappedIpv4 (groups: string[]): string | undefined {
  if (groups.length !== 8 || groups.slice(0, 5).some(g => g !== '0000') || groups[5] !== 'ffff') return undefined
  const [hi, lo] = [parseInt(groups[6], 16), parseInt(groups[7], 16)]
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.')
}

function expandIpv6 (value: string): string[] {
  const [head, tail = ''] = value.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === '' ? [] : tail.split(':')
  const fill = value.includes('::') ? Array(Math.max(0, 8 - left.length - right.length)).fill('0') : []
  return [...left, ...fill, ...right].map(g => g.toLowerCase().padStart(4, '0'))
}

/**
 * Keeps contacts, group neighbours and the relays we hold a slot on through a connection flood:
 * tags them for the pruner, and holds each network to a few inbound connections, so that a swarm
 * from a few subnets cannot take every slot (a contact could then not even come back).
 */
export class PeerProtection {
  readonly limits: InboundLimits
  private log?: Logger
  private libp2p?: Libp2p

  constructor (limits: Partial<InboundLimits> = {}) {
    this.limits = { ...INBOUND_LIMITS, ...limits }
  }

  /** For libp2p's connectionGater: refuses a connection its network has no room for. */
  readonly denyInboundConnection = (maConn: { remoteAddr: Multiaddr }): boolean => this.full(maConn.remoteAddr, undefined)

  start (libp2p: Libp2p): void {
    this.libp2p = libp2p
    this.log = libp2p.logger.forComponent('hyphae:protect')
    libp2p.addEventListener('connection:open', this.onOpen)
    libp2p.addEventListener('self:peer:update', this.onSelfUpdate)
  }

  stop (): void {
    this.libp2p?.removeEventListener('connection:open', this.onOpen)
    this.libp2p?.removeEventListener('self:peer:update', this.onSelfUpdate)
  }

  async protect (kind: ProtectedKind, peers: Array<string | PeerId>): Promise<void> {
    const { tag, value } = PROTECTED_TAGS[kind]
    for (const peer of peers) {
      try {
        const id = typeof peer === 'string' ? peerIdFromString(peer) : peer
        if (this.libp2p == null || id.equals(this.libp2p.peerId)) continue
        await this.libp2p.peerStore.merge(id, { tags: { [tag]: { value } } })
      } catch (err) {
        this.log?.('could not tag %s as %s - %e', peer.toString(), kind, err)
      }
    }
  }

  private full (addr: Multiaddr, except: Connection | undefined): boolean {
    const mine = subnetsOf(addr, this.limits.loopback)
    if (mine == null || this.libp2p == null) return false
    let narrow = 0
    let wide = 0
    for (const conn of this.libp2p.getConnections()) {
      if (conn === except || conn.direction !== 'inbound') continue
      const theirs = subnetsOf(conn.remoteAddr, this.limits.loopback)
      if (theirs?.[1] !== mine[1]) continue
      wide++
      if (theirs[0] === mine[0]) narrow++
    }
    return narrow >= this.limits.narrow || wide >= this.limits.wide
  }

  /** The gater's count misses connections still being set up: past the limit, the newest goes unless protected. */
  private readonly onOpen = (evt: CustomEvent<Connection>): void => {
    const conn = evt.detail
    if (conn.direction !== 'inbound' || !this.full(conn.remoteAddr, conn)) return
    void this.isProtected(conn.remotePeer).then(kept => {
      if (kept) return
      this.log?.('closing an inbound connection from %a: its network is at its limit', conn.remoteAddr)
      conn.abort(new Error('too many connections from this network'))
    })
  }

  private async isProtected (peer: PeerId): Promise<boolean> {
    try {
      const { tags } = await (this.libp2p as Libp2p).peerStore.get(peer)
      return Object.values(PROTECTED_TAGS).some(({ tag }) => tags.has(tag))
    } catch {
      return false
    }
  }

  /** The relays our circuit addresses go through hold our slots (and our mailbox). */
  private readonly onSelfUpdate = (): void => {
    if (this.libp2p == null) return
    void this.protect('relay', relaysOf(this.libp2p.getMultiaddrs()).map(r => r.peerId))
  }
}
