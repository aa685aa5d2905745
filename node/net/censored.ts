import { networkInterfaces } from 'node:os'
import { isIPv4 } from 'node:net'
import { isTlsFirst, networkPart } from './website/address.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * On a network that reads the traffic, a node dials only what starts with a TLS ClientHello,
 * plus addresses on one of its own links (a LAN, loopback): those packets never pass a router,
 * so never an ISP's DPI box. A plain libp2p dial across the censor would not just fail, it
 * would mark the destination (TSPU blocks the address for minutes), relays included.
 */
export function censoredDialAllowed (ma: Multiaddr, links: Link[] = localLinks()): boolean {
  const net = networkPart(ma)
  const host = net.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6' || c.name.startsWith('dns'))
  // `/p2p/RELAY/p2p-circuit/...` rides a connection that was itself gated when it was made
  if (host == null) return true
  if (isTlsFirst(net)) return true
  return host.value != null && onLink(host.value, links)
}

/**
 * Through a proxy, only what the website transport dials (it alone speaks SOCKS5): TLS-first
 * addresses, the LAN included, so that no packet leaves this machine but to the proxy.
 */
export function proxiedDialAllowed (ma: Multiaddr): boolean {
  const net = networkPart(ma)
  const host = net.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6' || c.name.startsWith('dns'))
  return host == null || isTlsFirst(net)
}

/** What a censored node tells others it can be reached at: its relayed and TLS addresses only. */
export function censoredAnnounceFilter (addrs: Multiaddr[]): Multiaddr[] {
  return addrs.filter(ma => ma.getComponents().some(c => c.name === 'p2p-circuit') || isTlsFirst(ma))
}

export interface Link {
  address: string
  netmask: string
  family: 'IPv4' | 'IPv6'
}

export function localLinks (): Link[] {
  return Object.values(networkInterfaces()).flat().filter(i => i != null).map(i => ({ address: i.address, netmask: i.netmask, family: i.family }))
}

export function onLink (ip: string, links: Link[]): boolean {
  if (ip === '::1' || ip.startsWith('127.')) return true
  if (isIPv4(ip)) {
    const target = ipv4ToInt(ip)
    return links.some(l => l.family === 'IPv4' && (ipv4ToInt(l.address) & ipv4ToInt(l.netmask)) === (target & ipv4ToInt(l.netmask)))
  }
  // IPv6: only link-local addresses are certainly on a link of ours
  return /^fe[89ab]/i.test(ip)
}

function ipv4ToInt (ip: string): number {
  return ip.split('.').reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0)
}
