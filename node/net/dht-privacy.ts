import { kadDHT, passthroughMapper, type KadDHT, type KadDHTComponents, type KadDHTInit } from '@libp2p/kad-dht'
import { keepNewerRecords, type Selector } from './dht-keep-newer.ts'
import type { AbortOptions, IdentifyResult, PeerId, PeerInfo } from '@libp2p/interface'

/** peers remembered as DHT servers (by their own identify); past it the oldest is forgotten */
const MAX_KNOWN_SERVERS = 10_000

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

const serversOf = new WeakMap<object, Map<string, true>>()

/** Whether `peer`'s last identify said it serves this node's DHT. */
export function isDhtServer (dht: object, peer: PeerId): boolean {
  return serversOf.get(dht)?.has(peer.toString()) === true
}

/**
 * kad-dht that names only DHT servers, in its answers (FIND_NODE, GET_PROVIDERS, GET_VALUE's
 * closer peers) and in its routing table. A DHT server is a peer whose own identify lists the
 * protocol: libp2p's peer store will not do, as it records a protocol for a peer that merely
 * opened a stream of it (a client querying us). kad-dht alone would answer a FIND_NODE for any
 * peer id from the peer store, routing table or not (a relay would hand a crawler the address
 * of every client holding a slot on it), and would put a client that queried it in its table.
 * Our own queries still use every peer we know.
 *
 * A DHT client also leaves the 20 closest servers untagged: kad-dht tags them KEEP_ALIVE so a
 * server keeps its neighbourhood, and a client would then hold (and redial) 20 connections to
 * strangers. It keeps its relays and contacts; a query opens what it needs when it runs.
 * Its store keeps the newer of two records (dht-keep-newer.ts).
 */
export function hyphaeKadDHT (init: KadDHTInit & { protocol: string }): (components: KadDHTComponents) => KadDHT {
  return (components) => {
    const servers = new Map<string, true>()
    components.events.addEventListener('peer:identify', (evt: CustomEvent<IdentifyResult>) => {
      const key = evt.detail.peerId.toString()
      servers.delete(key)
      if (!evt.detail.protocols.includes(init.protocol)) return
      servers.set(key, true)
      if (servers.size > MAX_KNOWN_SERVERS) servers.delete(servers.keys().next().value as string)
    })
    const self = components.peerId
    const mapper = init.peerInfoMapper ?? passthroughMapper
    // a PUT_VALUE keeps the stored record if its namespace's selector ranks it newer
    const datastore = keepNewerRecords(components.datastore, (init.selectors ?? {}) as Record<string, Selector>, init.datastorePrefix)
    const withGuard = new Proxy(components, { get: (target, prop, receiver) => prop === 'datastore' ? datastore : Reflect.get(target, prop, receiver) })
    const dht = kadDHT({
      ...init,
      // kad-dht maps every peer it would name or add to its table: one with no address is dropped
      peerInfoMapper: (peer) => peer.id.equals(self) || servers.has(peer.id.toString()) ? mapper(peer) : { ...peer, multiaddrs: [] }
    })(withGuard)
    serversOf.set(dht, servers)
    const routing = (dht as unknown as { peerRouting?: OfflinePeerRouting }).peerRouting
    if (typeof routing?.getClosestPeersOffline !== 'function') throw new DhtInternalsChangedError('kad-dht has no peerRouting.getClosestPeersOffline: check what its answers name')
    const offline = routing.getClosestPeersOffline.bind(routing)
    // GET_VALUE's answer names these without the mapper
    routing.getClosestPeersOffline = async (key, options) => (await offline(key, options)).filter(p => servers.has(p.id.toString()))
    if (init.clientMode === true) {
      const tagger = (dht as unknown as { routingTable?: { closestPeerTagger?: ClosestPeerTagger } }).routingTable?.closestPeerTagger
      if (typeof tagger?.updatePeerTags !== 'function') throw new DhtInternalsChangedError('kad-dht has no routingTable.closestPeerTagger: check what it keeps alive')
      tagger.updatePeerTags = async () => {}
    }
    return dht
  }
}
