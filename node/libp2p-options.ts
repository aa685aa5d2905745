import { noise } from '@chainsafe/libp2p-noise'
import { autoNAT } from '@libp2p/autonat'
import { bootstrap } from '@libp2p/bootstrap'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { gossipsub, type GossipSubComponents } from '@libp2p/gossipsub'
import { identify, identifyPush } from '@libp2p/identify'
import type { KadDHTComponents } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { hyphaeKadDHT } from './net/dht-privacy.ts'
import { lanDiscovery } from './net/lan-discovery.ts'
import { pacedRandomWalk } from './net/relay-search.ts'
import { censoredAnnounceFilter, censoredDialAllowed, proxiedDialAllowed } from './net/censored.ts'
import type { ProxyAddress } from './net/proxy.ts'
import { acceptWebsiteRelays, websiteTransport, type WebsiteTransportInit } from './net/website/transport.ts'
import { chain, chainTransport } from '../protocols/chain/index.ts'
import { directMessages } from '../protocols/dm/index.ts'
import { fileTransfer } from '../protocols/file/index.ts'
import { groupSync } from '../protocols/group-sync/index.ts'
import { mailbox, type MailboxInit, type MailboxStore } from '../protocols/mailbox/index.ts'
import { prekeys } from '../protocols/prekeys/index.ts'
import { rendezvousSelectors, rendezvousValidators } from '../protocols/rendezvous/index.ts'
import type { PeerProtection } from './net/peer-protection.ts'
import type { HyphaeDHT, HyphaePubSub, HyphaeServices } from './net/services.ts'
import type { Datastore } from 'interface-datastore'
import type { PrivateKey, ComponentLogger } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'
import type { Multiaddr } from '@multiformats/multiaddr'

export const DHT_PROTOCOL = '/hyphae/kad/1.0.0'
/** how long a peer pruned from a topic's mesh waits before grafting again (gossipsub's default: 1 min) */
export const PRUNE_BACKOFF_MS = 10_000
/** how often libp2p's connection monitor pings each connection (and aborts it when unanswered) */
export const CONNECTION_PING_INTERVAL_MS = 30_000

export interface NodeOptions {
  privateKey: PrivateKey
  datastore: Datastore
  listen: string[]
  announce?: string[]
  /** announced besides the others (a relay's onion service) */
  appendAnnounce?: string[]
  bootstrap: string[]
  mdns: boolean
  /** mDNS query interval in ms (tests lower it) */
  mdnsInterval?: number
  /**
   * DHT server mode, for a user who opts in (default false; relays other than bridges always
   * serve). A server is listed in every routing table a crawler walks, with its addresses: a
   * client is not, and a server never names it. On a LAN cut off from the internet, where no
   * relay is, someone must opt in.
   */
  dhtServer?: boolean
  logger?: ComponentLogger
  /** reserve a slot on a relay and advertise /p2p-circuit addresses (default true; not for relays) */
  relayClient?: boolean
  /** serve as a relay: circuit-relay-v2 server, DHT server (unless a bridge), mailboxes */
  relay?: RelayServerOptions
  /** libp2p's metrics (a relay passes @libp2p/prometheus-metrics, which nothing else loads) */
  metrics?: Libp2pOptions['metrics']
  /**
   * The network reads the traffic: dial only TLS-first addresses (and addresses on our own
   * links), announce only relayed and TLS addresses, no DHT server, AutoNAT or hole punching.
   */
  censored?: boolean
  /** certificate and site for listeners on website addresses (`.../ws/http-path/SECRET`) */
  website?: WebsiteTransportInit
  /** every outgoing connection through this SOCKS5 proxy: implies censored, with no LAN exception */
  proxy?: ProxyAddress
  /** listen addresses not to announce (the loopback listener an onion service forwards to) */
  unannounced?: (ma: Multiaddr) => boolean
  /** per-network inbound limits (and the tags that keep contacts): see peer-protection.ts */
  protection?: PeerProtection
}

export interface RelayServerOptions {
  maxReservations: number
  reservationTtlMs: number
  /** per relayed connection */
  durationLimitMs: number
  dataLimitBytes: bigint
  mailboxStore: MailboxStore
  mailbox?: Omit<MailboxInit, 'store' | 'protocol'>
  /** a bridge is handed out privately: never a DHT server, so no crawl lists it */
  bridge?: boolean
  /** an entry relay: reaches peers abroad for its clients behind a whitelist (protocols/chain) */
  entry?: boolean
}

export function buildLibp2pOptions (opts: NodeOptions): Libp2pOptions<HyphaeServices> {
  const censored = opts.censored === true || opts.proxy != null
  const peerDiscovery: NonNullable<Libp2pOptions['peerDiscovery']> = []
  if (opts.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: opts.bootstrap, timeout: 0 }))
  if (opts.mdns) peerDiscovery.push(lanDiscovery({ interval: opts.mdnsInterval ?? 10_000 }))

  return {
    privateKey: opts.privateKey,
    datastore: opts.datastore,
    logger: opts.logger,
    metrics: opts.metrics,
    addresses: {
      // each '/p2p-circuit' asks the relay transport for a slot on a relay it finds: two, so
      // that losing one relay (seized, blocked) leaves contacts a path and a mailbox
      listen: opts.relay == null && (opts.relayClient ?? true) ? [...opts.listen, '/p2p-circuit', '/p2p-circuit'] : opts.listen,
      announce: opts.announce ?? [],
      appendAnnounce: opts.appendAnnounce ?? [],
      ...(censored || opts.unannounced != null ? { announceFilter: announceFilterOf(censored, opts.unannounced) } : {})
    },
    // the website transport comes first: it dials every TLS WebSocket address (stock
    // @libp2p/websockets can set neither SNI nor a pin); the relay transport looks for relays
    // through a paced walk of ours (see relay-search.ts)
    // a client first: circuit addresses of relays it cannot reach go through its entry relay
    transports: [...(opts.relay == null ? [chainTransport()] : []), websiteTransport({ ...opts.website, proxy: opts.proxy }), tcp(), webSockets(), (components: any) => acceptWebsiteRelays(circuitRelayTransport()(withPacedRelaySearch(components)))],
    connectionGater: {
      ...(censored ? { denyDialMultiaddr: (ma: Multiaddr) => !(opts.proxy != null ? proxiedDialAllowed(ma) : censoredDialAllowed(ma)) } : {}),
      ...(opts.protection != null ? { denyInboundConnection: opts.protection.denyInboundConnection } : {})
    },
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    // libp2p's default pings every connection every 10 s, a negotiated stream each that both ends
    // merge into the peer store: half of an idle messenger's CPU (bench/RESULTS.md). The DM
    // outbox probes a path itself once acks stop (stalled.ts), so a slower monitor loses no message
    connectionMonitor: { pingInterval: CONNECTION_PING_INTERVAL_MS },
    connectionManager: {
      // a messenger keeps few, long-lived connections; leave room for DHT queries and relays
      maxConnections: 200,
      // the default (5 inbound per second per host) refuses a LAN or a test network on loopback
      inboundConnectionThreshold: 100,
      maxIncomingPendingConnections: 50,
      maxParallelDials: 50,
      dialTimeout: 10_000
    },
    services: {
      identify: identify(),
      identifyPush: identifyPush(),
      // kad-dht pings each new contact with this service, and that stream can linger until the
      // remote's 10 s ping timeout; with the default limit of 1 the connection monitor's own ping
      // then fails and it aborts the connection (every new connection, ~10 s after it opens)
      ping: ping({ maxOutboundStreams: 4 }),
      // names only DHT servers (see dht-privacy.ts), with their LAN addresses: during an internet
      // cut the LAN is all there is
      dht: hyphaeKadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: opts.relay != null ? opts.relay.bridge === true : censored || opts.dhtServer !== true,
        // rendezvous records: a server stores one only if it is signed by the key its DHT key names
        validators: rendezvousValidators,
        selectors: rendezvousSelectors
      // the factory names the interface; hyphae reads a little more of the class (services.ts)
      }) as (components: KadDHTComponents) => HyphaeDHT,
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        globalSignaturePolicy: 'StrictSign',
        // a group message is at most 64 KiB of text plus its envelope: 4 MiB RPCs only help a flooder
        maxInboundDataLength: 1024 * 1024,
        // P6 (IP colocation) off, the rest of the peer score as it was: every member reached
        // through one circuit relay (a relayed connection's address is the relay's) or behind
        // one NAT shares an IP, and past 10 of them gossipsub would prune them all from the mesh,
        // past 15 drop everything they send. A group's Sybil defence is its membership instead:
        // only messages signed by members, sealed with the epoch key, are accepted or relayed.
        scoreParams: { IPColocationFactorWeight: 0 },
        fastMsgIdFn: fastMessageId,
        // a member is pruned while it has not yet proven itself to a peer (see MeshGate): its
        // join still in flight, or the others' joins not yet synced to it; gossipsub's default
        // minute of backoff would keep them apart that long after the proof
        pruneBackoff: PRUNE_BACKOFF_MS
      }) as (components: GossipSubComponents) => HyphaePubSub,
      // a censored node's direct addresses are neither announced nor dialable across the censor
      ...(censored ? {} : { autoNAT: autoNAT({ protocolPrefix: 'hyphae' }), dcutr: dcutr() }),
      // hyphae relays grant chat-sized limits, so a relayed connection is a real path for chat
      dm: directMessages({ runOnLimitedConnection: true }),
      prekeys: prekeys(),
      file: fileTransfer(),
      groupSync: groupSync(),
      chain: chain({ hop: opts.relay?.entry === true }),
      mailbox: mailbox(opts.relay != null ? { ...opts.relay.mailbox, store: opts.relay.mailboxStore } : {}),
      ...(opts.relay != null
        ? {
            relay: circuitRelayServer({
              reservations: {
                maxReservations: opts.relay.maxReservations,
                reservationTtl: opts.relay.reservationTtlMs,
                defaultDurationLimit: opts.relay.durationLimitMs,
                defaultDataLimit: opts.relay.dataLimitBytes,
                applyDefaultLimit: true
              }
            })
          }
        : {})
    }
  }
}

let unmatched = 0

/**
 * Under StrictSign a message's id is its author and sequence number. Read straight off the
 * wire, they let gossipsub drop a copy it already has before checking its signature: a mesh
 * hands each message to a member several times, and each check costs an Ed25519 verify. A
 * forged copy that comes first fails its check and is not remembered, so it cannot shadow the
 * real one. A message without the two fields (invalid under StrictSign) never matches.
 */
export function fastMessageId (msg: { from?: Uint8Array, seqno?: Uint8Array }): string {
  if (msg.from == null || msg.seqno == null) return `unmatched ${++unmatched}`
  return Buffer.from(msg.from.buffer, msg.from.byteOffset, msg.from.byteLength).toString('hex') + ':' +
    Buffer.from(msg.seqno.buffer, msg.seqno.byteOffset, msg.seqno.byteLength).toString('hex')
}

/** libp2p's components, with the relay transport's random walk paced and paused while public */
function withPacedRelaySearch<T extends { randomWalk: any, addressManager: any }> (components: T): T {
  let paced: ReturnType<typeof pacedRandomWalk> | undefined
  return new Proxy(components, {
    get (target, prop, receiver) {
      if (prop !== 'randomWalk') return Reflect.get(target, prop, receiver)
      paced ??= pacedRandomWalk(target.randomWalk, target.addressManager)
      return paced
    }
  })
}

function announceFilterOf (censored: boolean, unannounced?: (ma: Multiaddr) => boolean): (addrs: Multiaddr[]) => Multiaddr[] {
  return addrs => {
    const shown = unannounced != null ? addrs.filter(ma => !unannounced(ma)) : addrs
    return censored ? censoredAnnounceFilter(shown) : shown
  }
}
