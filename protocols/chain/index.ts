/**
 * `/hyphae/chain/hop/1.0.0` and `/hyphae/chain/stop/1.0.0`: a relay behind an allowed name,
 * inside a whitelisting country, reaches peers abroad for its clients. The client asks its
 * entry relay (hop) for a peer; the entry relay reaches that peer (through a relay abroad, or
 * directly) and asks it to take the call (stop); the two streams are spliced and the client
 * and the peer run Noise and yamux end to end over them. circuit-relay-v2 cannot do this: it
 * refuses a hop over a relayed connection, and a relay serves only peers with a slot on it.
 */
import { ChainService } from './chain.ts'
import type { ComponentLogger, Connection, PeerId, StreamHandler, StreamHandlerOptions, Upgrader } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export { chainTransport } from './transport.ts'
export { HOP_PROTOCOL, STOP_PROTOCOL } from './constants.ts'

export interface ChainInit {
  /** serve the hop protocol: an entry relay (default false; every node takes stop calls) */
  hop?: boolean
}

export interface ChainComponents {
  peerId: PeerId
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string): Promise<void>
  }
  connectionManager: {
    getConnections(peer?: PeerId): Connection[]
    openConnection(target: Multiaddr[], options?: { signal?: AbortSignal }): Promise<Connection>
  }
  upgrader: Upgrader
  logger: ComponentLogger
}

export function chain (init: ChainInit = {}): (components: ChainComponents) => ChainService {
  return (components) => new ChainService(components, init)
}
