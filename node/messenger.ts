import type { AbortOptions, TypedEventTarget } from '@libp2p/interface'

export type Reachability = 'direct' | 'via-relay' | 'lan-only' | 'offline'

export interface IdentityInfo {
  peerId: string
  nickname: string
  /** addresses other peers can dial, each ending in /p2p/<peerId> */
  addresses: string[]
  /** a signed `hyphae://invite/...` string another user can paste */
  invite: string
}

export interface ConnectedPeer {
  peerId: string
  address: string
  direction: 'inbound' | 'outbound'
}

export interface NodeStatus {
  peerId: string
  nickname: string
  connections: number
  peers: ConnectedPeer[]
  listenAddresses: string[]
  reachability: Reachability
  dht: { mode: 'client' | 'server', routingTableSize: number }
  knownPeers: number
}

export interface MessengerEvents {
  'peer:connect': CustomEvent<string>
  'peer:disconnect': CustomEvent<string>
}

/** The one object cli/ talks to. */
export interface Messenger extends TypedEventTarget<MessengerEvents> {
  readonly peerId: string
  id (options?: AbortOptions): Promise<IdentityInfo>
  status (options?: AbortOptions): Promise<NodeStatus>
  setNickname (nickname: string): Promise<void>
  /** finds a peer's addresses by peer id alone, through the DHT */
  findPeer (peerId: string, options?: AbortOptions): Promise<string[]>
  /** dials a multiaddr, an invite or a peer id (found through the peer store or DHT) */
  connect (target: string, options?: AbortOptions): Promise<void>
  stop (): Promise<void>
}
