import type { DirectMessages } from '../../protocols/dm/index.ts'
import type { Mailbox } from '../../protocols/mailbox/index.ts'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify, IdentifyPush } from '@libp2p/identify'
import type { PeerId } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'

/** What of kad-dht's routing table hyphae reads: not in KadDHT's interface, but on its class. */
export interface RoutingTableView {
  size: number
  addEventListener(type: 'peer:add', listener: (evt: CustomEvent<PeerId>) => void): void
  removeEventListener(type: 'peer:add', listener: (evt: CustomEvent<PeerId>) => void): void
}

/** The services buildLibp2pOptions (node/libp2p-options.ts) gives a node, by name. */
export interface HyphaeServices extends Record<string, unknown> {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  dht: KadDHT & { routingTable: RoutingTableView }
  pubsub: GossipSub
  autoNAT: unknown
  dcutr: unknown
  dm: DirectMessages
  mailbox: Mailbox
  /** only on a relay (hyphae relay) */
  relay?: CircuitRelayService
}
