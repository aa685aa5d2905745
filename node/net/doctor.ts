import { isPrivateIp } from '@libp2p/utils'
import { relaysOf } from './relay-addresses.ts'
import { isTlsFirst } from './website/address.ts'
import { multiaddr } from '@multiformats/multiaddr'
import type { DoctorReport, NodeStatus } from '../messenger.ts'
import type { HyphaeServices } from './services.ts'
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

function host (ma: Multiaddr): string | undefined {
  return ma.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
}

/** Said by doctor and the TUI when the profile has no passphrase. */
export const UNPROTECTED = 'this device protects nothing: anyone with the disk reads your messages; set a passphrase: stop hyphae, then run `hyphae passphrase`'

/** What stands between this node and its contacts, and what to try next, in plain words. */
export function diagnose (libp2p: Libp2p<HyphaeServices>, status: NodeStatus, config: { bootstrap: string[], mdns: boolean, censored?: boolean }, outbox: number): DoctorReport {
  const { bootstrap, mdns } = config
  const censored = config.censored === true
  const addrs = libp2p.getMultiaddrs()
  const direct = addrs.filter(a => !a.getComponents().some(c => c.name === 'p2p-circuit'))
  const publicAddrs = direct.filter(a => { const h = host(a); return h != null && isPrivateIp(h) === false })
  const relays = relaysOf(addrs).map(r => r.peerId.toString())
  const connected = new Set(status.peers.map(p => p.peerId))
  const bootstrapPeers = bootstrap.map(b => /\/p2p\/([^/]+)$/.exec(b)?.[1]).filter((id): id is string => id != null)
  const bootstrapReached = bootstrapPeers.filter(id => connected.has(id))

  const advice: string[] = []
  let verdict: string
  if (status.connections === 0) {
    verdict = 'offline: no peer is connected'
    if (bootstrap.length === 0) advice.push('give a peer to join through: --bootstrap /ip4/.../tcp/.../p2p/... (a friend\'s address or a relay), or add a contact from an invite')
    else advice.push('none of the bootstrap peers answered: check the addresses, or ask a friend for a relay address')
    if (!mdns) advice.push('on a LAN, leave mDNS on (no --no-mdns) and the nodes find each other')
  } else if (publicAddrs.length > 0) {
    verdict = 'directly reachable: others can dial you'
  } else if (relays.length > 0) {
    verdict = `reachable through ${relays.length} relay(s): messages get through; direct connections are tried with hole punching`
  } else {
    verdict = 'connected, but others cannot dial you (no public address, no relay slot)'
    advice.push('connect to a relay (hyphae relay on any reachable machine; pass its address with --bootstrap) so contacts can reach you')
  }
  if (status.dht.routingTableSize === 0 && status.connections > 0) advice.push('the DHT knows no peers yet: finding contacts by peer id alone will fail until it does')
  if (bootstrapPeers.length > 0 && bootstrapReached.length === 0 && status.connections > 0) advice.push('no bootstrap peer is connected: you are running on peers remembered from before, which is fine')
  // a censor that reads the traffic lets TLS through and drops plain libp2p (or marks its destination)
  const tlsConnections = libp2p.getConnections().filter(c => isTlsFirst(c.remoteAddr)).length
  const plainBootstrapDown = bootstrap.filter(b => !isTlsFirst(safeMultiaddr(b)) && !connected.has(/\/p2p\/([^/]+)$/.exec(b)?.[1] ?? '')).length
  if (!censored && tlsConnections > 0 && plainBootstrapDown > 0) {
    advice.push('plain connections fail while TLS ones work: the network may be reading the traffic. Run with --censored (or settings.set {"censored": true}) so this node dials only TLS relays and bridges')
  }
  if (censored && bootstrap.filter(b => isTlsFirst(safeMultiaddr(b))).length === 0) {
    advice.push('censored mode dials only TLS relays: add one with hyphae relays add hyphae://relay/... (a bridge line from someone who runs one)')
  }
  if (status.stalledConnectionsClosed > 0) {
    advice.push(`${status.stalledConnectionsClosed} connection(s) stopped delivering and were closed (a network that freezes flows): messages went another way; a second relay or bridge gives them one (hyphae relays add)`)
  }
  if (status.passphrase === false) advice.push(UNPROTECTED)
  if (outbox > 0) advice.push(`${outbox} message(s) wait in the outbox for contacts who are not reachable; they go out when they are`)

  return {
    reachability: status.reachability,
    nat: publicAddrs.length > 0 ? 'public' : direct.some(a => { const h = host(a); return h != null && !h.startsWith('127.') && h !== '::1' }) ? 'private (behind NAT or on a LAN)' : 'loopback only',
    publicAddresses: publicAddrs.map(a => a.toString()),
    relays,
    connections: status.connections,
    dhtRoutingTableSize: status.dht.routingTableSize,
    bootstrap: { configured: bootstrapPeers.length, connected: bootstrapReached.length },
    mdns,
    censored,
    stalledConnectionsClosed: status.stalledConnectionsClosed,
    outbox,
    verdict,
    advice
  }
}

function safeMultiaddr (text: string): Multiaddr {
  try { return multiaddr(text) } catch { return multiaddr('/') }
}
