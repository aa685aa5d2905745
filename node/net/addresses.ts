import { peerIdFromString } from '@libp2p/peer-id'
import { isPrivateIp } from '@libp2p/utils'
import { parseMultiaddr } from '../config.ts'
import { holdsInvite, parseInvite } from '../invite.ts'
import type { Reachability } from '../messenger.ts'
import type { HyphaeServices } from './services.ts'
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

function host (ma: Multiaddr): string | undefined {
  return ma.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
}

export function isCircuit (ma: Multiaddr): boolean {
  return ma.getComponents().some(c => c.name === 'p2p-circuit')
}

/** Whether we hold a connection to the peer (false for text that is not a peer id). */
export function isConnected (libp2p: Pick<Libp2p, 'getConnections'>, peerId: string): boolean {
  try {
    return libp2p.getConnections(peerIdFromString(peerId)).length > 0
  } catch {
    return false
  }
}

/** Addresses worth handing to another user: not loopback unless that is all there is. */
export function dialableAddresses (libp2p: Libp2p<HyphaeServices>): Multiaddr[] {
  const all = libp2p.getMultiaddrs()
  const notLoopback = all.filter(ma => {
    const h = host(ma)
    return h == null || !(h.startsWith('127.') || h === '::1')
  })
  return notLoopback.length > 0 ? notLoopback : all
}

/** How others can reach this node: a public address, a relay, only the LAN, or not at all. */
export function reachability (libp2p: Libp2p<HyphaeServices>): Reachability {
  if (libp2p.getConnections().length === 0) return 'offline'
  const addrs = libp2p.getMultiaddrs()
  const isPublic = addrs.some(ma => {
    if (isCircuit(ma)) return false
    const h = host(ma)
    return h != null && isPrivateIp(h) === false
  })
  if (isPublic) return 'direct'
  if (addrs.some(isCircuit)) return 'via-relay'
  return 'lan-only'
}

/** The addresses the DHT knows for a peer id (asked afresh, not from the cache). */
export async function findPeer (libp2p: Libp2p<HyphaeServices>, peerId: string, signal: AbortSignal): Promise<string[]> {
  const info = await libp2p.peerRouting.findPeer(peerIdFromString(peerId), { signal, useCache: false })
  return info.multiaddrs.map(a => a.toString())
}

/**
 * Dials an invite, a multiaddr or a peer id: for a peer id, the addresses the peer store knows,
 * then the DHT.
 */
export async function connect (libp2p: Libp2p<HyphaeServices>, target: string, signal: AbortSignal): Promise<void> {
  if (holdsInvite(target)) {
    const invite = await parseInvite(target)
    await libp2p.peerStore.merge(invite.peerId, { multiaddrs: invite.addrs })
    await libp2p.dial(invite.peerId, { signal })
    return
  }
  if (target.startsWith('/')) {
    await libp2p.dial(parseMultiaddr(target), { signal })
    return
  }
  const id = peerIdFromString(target)
  if ((await libp2p.peerStore.has(id)) && (await libp2p.peerStore.get(id)).addresses.length > 0) {
    try {
      await libp2p.dial(id, { signal })
      return
    } catch {}
  }
  const info = await libp2p.peerRouting.findPeer(id, { signal, useCache: false })
  await libp2p.dial(info.multiaddrs.length > 0 ? info.multiaddrs : id, { signal })
}
