import { serviceCapabilities, transportSymbol, type ComponentLogger, type Connection, type CreateListenerOptions, type DialTransportOptions, type Listener, type Logger, type PeerId, type Startable, type Transport, type TypedEventTarget, type Libp2pEvents, type Upgrader } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { CODE_P2P, type Multiaddr } from '@multiformats/multiaddr'
import { openHop } from './chain.ts'
import { HOP_PROTOCOL } from './constants.ts'
import { streamToConnection } from './stream-connection.ts'

export interface ChainTransportComponents {
  connectionManager: { getConnections(peer?: PeerId): Connection[] }
  upgrader: Upgrader
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
}

/**
 * Dials a circuit address (`/RELAY/p2p-circuit/p2p/PEER`) through an entry relay when this node
 * holds no connection to RELAY but does to an entry relay: behind a whitelist the relay abroad
 * is out of reach, the entry relay is not. Claims nothing when no entry relay is connected, so
 * a node without one dials exactly as before.
 */
export class ChainTransport implements Transport, Startable {
  readonly [transportSymbol] = true
  readonly [Symbol.toStringTag] = 'hyphae:chain'
  readonly [serviceCapabilities] = ['@libp2p/transport']
  private readonly components: ChainTransportComponents
  private readonly log: Logger
  /** connected peers that said (identify) they serve the hop protocol */
  private readonly entries = new Set<string>()

  constructor (components: ChainTransportComponents) {
    this.components = components
    this.log = components.logger.forComponent('hyphae:chain-transport')
  }

  async start (): Promise<void> {
    this.components.events.addEventListener('peer:identify', this.onIdentify)
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect)
  }

  async stop (): Promise<void> {
    this.components.events.removeEventListener('peer:identify', this.onIdentify)
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect)
    this.entries.clear()
  }

  private readonly onIdentify = (evt: CustomEvent<{ peerId: PeerId, protocols: string[] }>): void => {
    const peer = evt.detail.peerId.toString()
    if (evt.detail.protocols.includes(HOP_PROTOCOL)) this.entries.add(peer)
    else this.entries.delete(peer)
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => { this.entries.delete(evt.detail.toString()) }

  /** An open, unrelayed connection to an entry relay other than `relay`. */
  private entryFor (relay: string): Connection | undefined {
    for (const peer of this.entries) {
      if (peer === relay) continue
      const conn = this.components.connectionManager.getConnections(peerIdFromString(peer))
        .find(c => c.status === 'open' && !c.remoteAddr.getComponents().some(p => p.name === 'p2p-circuit'))
      if (conn != null) return conn
    }
    return undefined
  }

  dialFilter (multiaddrs: Multiaddr[]): Multiaddr[] {
    if (this.entries.size === 0) return []
    return multiaddrs.filter(ma => {
      const circuit = parseCircuit(ma)
      if (circuit == null) return false
      if (this.components.connectionManager.getConnections(peerIdFromString(circuit.relay)).length > 0) return false
      return this.entryFor(circuit.relay) != null
    })
  }

  async dial (ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    const circuit = parseCircuit(ma)
    const entry = circuit == null ? undefined : this.entryFor(circuit.relay)
    if (circuit == null || entry == null) throw new Error(`no entry relay to chain ${ma.toString()} through`)
    const target = peerIdFromString(circuit.target)
    this.log('dialling %p through entry relay %p', target, entry.remotePeer)
    const stream = await openHop(entry, target, [ma], options)
    // the target's id ends the address, so the upgrader makes Noise prove it
    const remoteAddr = entry.remoteAddr.encapsulate(`/p2p-circuit/p2p/${circuit.target}`)
    const maConn = streamToConnection(stream, remoteAddr, this.log.newScope('connection'))
    try {
      return await this.components.upgrader.upgradeOutbound(maConn, options)
    } catch (err: any) {
      maConn.abort(err)
      throw err
    }
  }

  listenFilter (): Multiaddr[] { return [] }

  createListener (_options: CreateListenerOptions): Listener {
    throw new Error('the chain transport does not listen')
  }
}

/** `/RELAY.../p2p/RELAY/p2p-circuit/p2p/TARGET` with one circuit, or undefined. */
function parseCircuit (ma: Multiaddr): { relay: string, target: string } | undefined {
  const parts = ma.getComponents()
  const circuits = parts.flatMap((c, i) => c.name === 'p2p-circuit' ? [i] : [])
  if (circuits.length !== 1) return undefined
  const i = circuits[0]
  const relay = parts[i - 1]?.code === CODE_P2P ? parts[i - 1].value : undefined
  const target = parts.length === i + 2 && parts[i + 1].code === CODE_P2P ? parts[i + 1].value : undefined
  return relay != null && target != null ? { relay, target } : undefined
}

export function chainTransport (): (components: ChainTransportComponents) => ChainTransport {
  return (components) => new ChainTransport(components)
}
