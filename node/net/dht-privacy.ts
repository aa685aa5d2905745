import { kadDHT, type KadDHT, type KadDHTComponents, type KadDHTInit } from '@libp2p/kad-dht'
import type { AbortOptions, PeerId, PeerInfo, PeerStore } from '@libp2p/interface'

/** What hyphae changes of kad-dht's peer routing: the peers its answers may name. */
interface OfflinePeerRouting {
  getClosestPeersOffline: (key: Uint8Array, options?: AbortOptions & { exclude?: PeerId[] }) => Promise<PeerInfo[]>
}

/** kad-dht's tagger of the 20 closest peers it pinged (KEEP_ALIVE: libp2p redials them) */
interface ClosestPeerTagger {
  updatePeerTags: () => Promise<void>
}

/** kad-dht changed where answers come from: the patch below would silently stop applying. */
export class DhtInternalsChangedError extends Error {
  static name = 'DhtInternalsChangedError'
  name = 'DhtInternalsChangedError'
}

/**
 * kad-dht with answers (FIND_NODE, GET_PROVIDERS' and GET_VALUE's closer peers) that name only
 * DHT servers. kad-dht answers a FIND_NODE for a peer id with that peer's addresses straight
 * from the peer store, routing table or not: a relay would hand any crawler who knows a
 * client's peer id the client's IP, LAN addresses and relays (its identify told the relay).
 * So a peer is named only if it told us, by identify, that it serves our DHT protocol: a client
 * never does, a peer learnt only from someone else's answer has not yet. Our own queries still
 * use every peer we know.
 *
 * A DHT client also leaves the 20 closest servers untagged: kad-dht tags them KEEP_ALIVE so a
 * server keeps its neighbourhood, and a client would then hold (and redial) 20 connections to
 * strangers. It keeps its relays and contacts; a query opens what it needs when it runs.
 */
export function hyphaeKadDHT (init: KadDHTInit & { protocol: string }): (components: KadDHTComponents) => KadDHT {
  return (components) => {
    const dht = kadDHT(init)(components)
    const routing = (dht as unknown as { peerRouting?: OfflinePeerRouting }).peerRouting
    if (typeof routing?.getClosestPeersOffline !== 'function') throw new DhtInternalsChangedError('kad-dht has no peerRouting.getClosestPeersOffline: check what its answers name')
    const offline = routing.getClosestPeersOffline.bind(routing)
    routing.getClosestPeersOffline = async (key, options) => {
      const peers = await offline(key, options)
      const servers = await Promise.all(peers.map(async p => servesDht(components.peerStore, p.id, init.protocol, options)))
      return peers.filter((_, i) => servers[i])
    }
    if (init.clientMode === true) {
      const tagger = (dht as unknown as { routingTable?: { closestPeerTagger?: ClosestPeerTagger } }).routingTable?.closestPeerTagger
      if (typeof tagger?.updatePeerTags !== 'function') throw new DhtInternalsChangedError('kad-dht has no routingTable.closestPeerTagger: check what it keeps alive')
      tagger.updatePeerTags = async () => {}
    }
    return dht
  }
}

/** Whether the peer store holds that this peer speaks `protocol` (learnt by identify). */
export async function servesDht (peerStore: PeerStore, peer: PeerId, protocol: string, options?: AbortOptions): Promise<boolean> {
  try {
    return (await peerStore.get(peer, options)).protocols.includes(protocol)
  } catch {
    return false
  }
}
