/** What the Messenger reports of this node on the network: identity, status, doctor, relays. */

export interface DoctorReport {
  reachability: Reachability
  nat: string
  publicAddresses: string[]
  /** peer ids of the relays this node holds a slot on */
  relays: string[]
  connections: number
  dhtRoutingTableSize: number
  bootstrap: { configured: number, connected: number }
  mdns: boolean
  /** dials only TLS-first addresses (see Settings.censored) */
  censored: boolean
  /** connections closed since start because they stopped delivering (see NodeStatus) */
  stalledConnectionsClosed: number
  outbox: number
  /** one sentence: where this node stands */
  verdict: string
  /** what to try next */
  advice: string[]
}

/** A relay the user added by hand (a bridge): see RelayList */
export interface RelayInfo {
  /** the `hyphae://relay/...` line to hand on */
  line: string
  address: string
  peerId: string
  tls: boolean
  connected: boolean
}

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
  /** ms, from libp2p's last liveness ping on this connection (every 10 s); absent until one answered */
  rtt?: number
}

export interface NodeStatus {
  peerId: string
  nickname: string
  connections: number
  peers: ConnectedPeer[]
  listenAddresses: string[]
  reachability: Reachability
  dht: { mode: 'client' | 'server', routingTableSize: number }
  /** the addresses the last round of rendezvous records gave every contact (none yet: empty) */
  rendezvous?: { published: string[] }
  knownPeers: number
  /** connections closed since start because they stopped delivering while messages waited */
  stalledConnectionsClosed: number
  /** for the last 32 such closes, ms from the last ack (or the first send) to the close */
  stallDetectionsMs: number[]
  /** short-flow sessions to website relays (node/net/website/session-client.ts): flows, bytes per flow, stalls */
  shortFlows?: { sessions: number, flows: number, flowBytes: number[], stalls: number, ends: Record<string, number>, stallDetectionsMs: number[] }
  /** false: no passphrase, the store's key sits beside it on disk (absent: not known) */
  passphrase?: boolean
}
