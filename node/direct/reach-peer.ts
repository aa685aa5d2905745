import { multiaddr } from '@multiformats/multiaddr'
import type { HyphaeServices } from '../net/services.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'

const DHT_TIMEOUT = 10_000

/**
 * Connects to a contact who is not connected: the addresses the peer store knows, then the DHT
 * (peer routing by peer id alone), then the addresses from their invite.
 */
export async function reachPeer (libp2p: Libp2p<HyphaeServices>, peer: PeerId, inviteAddrs: string[], signal: AbortSignal): Promise<void> {
  if (libp2p.getConnections(peer).length > 0) return
  const errors: string[] = []
  if (await libp2p.peerStore.has(peer) && (await libp2p.peerStore.get(peer)).addresses.length > 0) {
    try {
      await libp2p.dial(peer, { signal })
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
