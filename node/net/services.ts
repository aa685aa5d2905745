import type { DirectMessages } from '../../protocols/dm/index.ts'
import type { FileTransfer } from '../../protocols/file/index.ts'
import type { GroupSync } from '../../protocols/group-sync/index.ts'
import type { Mailbox } from '../../protocols/mailbox/index.ts'
import type { Prekeys } from '../../protocols/prekeys/index.ts'
import type { ChainService } from '../../protocols/chain/chain.ts'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { GossipSub } from '@libp2p/gossipsub'
import type { PeerScoreParams } from '@libp2p/gossipsub/score'
import type { Identify, IdentifyPush } from '@libp2p/identify'
import type { AbortOptions, PeerDiscoveryEvents, PeerId, TypedEventTarget } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'

/** What hyphae reads of kad-dht's routing table: not in KadDHT's interface, but on its class. */
export interface RoutingTableView extends TypedEventTarget<{ 'peer:add': CustomEvent<PeerId>, 'peer:remove': CustomEvent<PeerId> }> {
  size: number
  add(peer: PeerId, options?: AbortOptions): Promise<void>
  find(peer: PeerId, options?: AbortOptions): Promise<PeerId | undefined>
  remove(peer: PeerId): Promise<void>
}

/** kad-dht as its class is: the interface, its routing table, and the peers it learns of. */
export interface HyphaeDHT extends KadDHT, TypedEventTarget<PeerDiscoveryEvents> {
  routingTable: RoutingTableView
}

/** gossipsub as its class is: the interface, and the mesh and scores specs and benches read. */
export interface HyphaePubSub extends GossipSub {
  score: { params: PeerScoreParams }
  getMeshPeers(topic: string): string[]
  getScore(peerId: string): number
}

/** The services buildLibp2pOptions (node/libp2p-options.ts) gives a node, by name. */
export interface HyphaeServices extends Record<string, unknown> {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  dht: HyphaeDHT
  pubsub: HyphaePubSub
  /** neither in censored mode */
  autoNAT?: unknown
  dcutr?: unknown
  dm: DirectMessages
  groupSync: GroupSync
  mailbox: Mailbox
  prekeys: Prekeys
  file: FileTransfer
  chain: ChainService
  /** only on a relay (hyphae relay) */
  relay?: CircuitRelayService
}
