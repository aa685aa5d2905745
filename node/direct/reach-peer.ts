import { multiaddr } from '@multiformats/multiaddr'
import type { HyphaeServices } from '../net/services.ts'
import type { FrozenRelays } from '../net/stalled.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const DHT_TIMEOUT = 10_000

/**
 * Connects to a contact who is not connected: the addresses the peer store knows, then the DHT
 * (peer routing by peer id alone), then the addresses from their invite.
 */
export async function reachPeer (libp2p: Libp2p<HyphaeServices>, peer: PeerId, inviteAddrs: string[], signal: AbortSignal, frozen?: FrozenRelays): Promise<void> {
  if (libp2p.getConnections(peer).length > 0) return
  const errors: string[] = []
  const known = await libp2p.peerStore.has(peer) ? (await libp2p.peerStore.get(peer)).addresses.map(a => a.multiaddr) : []
  if (known.length > 0) {
    try {
      // after a freeze, the paths through other relays go first, one after the other
      const ordered = frozen?.order(known)
      if (ordered != null && ordered.some((a, i) => a !== known[i])) {
        await dialInOrder(libp2p, peer, ordered, signal)
      } else {
        await libp2p.dial(peer, { signal })
      }
      return
    } catch (err: any) { errors.push(`peer store: ${err.message}`) }
  }
  signal.throwIfAborted()
  try {
    // an offline peer is not in the DHT either: don't let the lookup hold up the mailbox path
    const found = await libp2p.peerRouting.findPeer(peer, { signal: AbortSignal.any([signal, AbortSignal.timeout(DHT_TIMEOUT)]), useCache: false })
    if (found.multiaddrs.length > 0) {
      await libp2p.dial(found.multiaddrs, { signal })
      return
    }
  } catch (err: any) { errors.push(`dht: ${err.message}`) }
  signal.throwIfAborted()
  const addrs = inviteAddrs.map(a => multiaddr(a))
  if (addrs.length > 0) {
    try {
      await libp2p.dial(addrs, { signal })
      return
    } catch (err: any) { errors.push(`invite: ${err.message}`) }
  }
  throw new Error(`cannot reach ${peer.toString()} (${errors.join('; ') || 'no addresses known'})`)
}

async function dialInOrder (libp2p: Libp2p<HyphaeServices>, peer: PeerId, addrs: Multiaddr[], signal: AbortSignal): Promise<void> {
  let last: unknown
  for (const addr of addrs) {
    signal.throwIfAborted()
    const full = addr.getComponents().at(-1)?.name === 'p2p' ? addr : addr.encapsulate(`/p2p/${peer.toString()}`)
    try {
      await libp2p.dial(full, { signal })
      return
    } catch (err) { last = err }
  }
  throw last ?? new Error('no address answered')
}
