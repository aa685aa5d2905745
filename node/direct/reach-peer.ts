import { multiaddr } from '@multiformats/multiaddr'
import type { HyphaeServices } from '../net/services.ts'
import type { FrozenRelays } from '../net/stalled.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const LOOKUP_TIMEOUT = 10_000
/** a direct address that does not answer in this long gives way to the relayed ones */
const DIRECT_TRY_MS = 3_000

/** Where a contact's rendezvous record says they are (see rendezvous-records.ts). */
export type FindContact = (peer: PeerId, signal: AbortSignal) => Promise<Multiaddr[]>

/**
 * Connects to a contact who is not connected: the addresses the peer store knows, then the
 * contact's rendezvous record in the DHT (signed by the contact, found under a key only the two
 * know), a DHT lookup by peer id only when no record exists, then the addresses of their invite.
 */
export async function reachPeer (libp2p: Libp2p<HyphaeServices>, peer: PeerId, inviteAddrs: string[], signal: AbortSignal, frozen?: FrozenRelays, find?: FindContact): Promise<void> {
  if (libp2p.getConnections(peer).length > 0) return
  const errors: string[] = []
  const known = await libp2p.peerStore.has(peer) ? (await libp2p.peerStore.get(peer)).addresses.map(a => a.multiaddr) : []
  if (known.length > 0) {
    try {
      // after a freeze, the paths through other relays go first, one after the other
      const ordered = frozen?.order(known)
      if (ordered != null && ordered.some((a, i) => a !== known[i])) {
        await dialInOrder(libp2p, peer, ordered, signal)
      } else {
        await libp2p.dial(peer, { signal })
      }
      return
    } catch (err: any) { errors.push(`peer store: ${err.message}`) }
  }
  signal.throwIfAborted()
  let recordFound = false
  if (find != null) {
    try {
      // an offline contact's record is old: don't let the lookup hold up the mailbox path
      const found = await find(peer, AbortSignal.any([signal, AbortSignal.timeout(LOOKUP_TIMEOUT)]))
      recordFound = true
      if (found.length > 0) {
        await dialFound(libp2p, found, signal)
        return
      }
    } catch (err: any) {
      if (err.name !== 'RendezvousNotFoundError') recordFound = true
      errors.push(`rendezvous: ${err.message}`)
    }
  }
  signal.throwIfAborted()
  if (!recordFound) {
    // no record at all: a peer who has not added us (a request by bare peer id) writes none.
    // Only then the old lookup by peer id, which shows the nodes near it who looks.
    try {
      const found = await libp2p.peerRouting.findPeer(peer, { signal: AbortSignal.any([signal, AbortSignal.timeout(LOOKUP_TIMEOUT)]), useCache: false })
      if (found.multiaddrs.length > 0) {
        await dialFound(libp2p, found.multiaddrs, signal)
        return
      }
    } catch (err: any) { errors.push(`dht: ${err.message}`) }
  }
  signal.throwIfAborted()
  const addrs = inviteAddrs.map(a => multiaddr(a))
  if (addrs.length > 0) {
    try {
      await libp2p.dial(addrs, { signal })
      return
    } catch (err: any) { errors.push(`invite: ${err.message}`) }
  }
  throw new Error(`cannot reach ${peer.toString()} (${errors.join('; ') || 'no addresses known'})`)
}

/**
 * The direct addresses for DIRECT_TRY_MS, then the relayed ones: a direct path a firewall drops
 * would otherwise take the whole dial timeout (libp2p tries relayed addresses last).
 */
export async function dialFound (libp2p: Libp2p<HyphaeServices>, addrs: Multiaddr[], signal: AbortSignal): Promise<void> {
  const relayed = addrs.filter(a => a.getComponents().some(c => c.name === 'p2p-circuit'))
  const direct = addrs.filter(a => !relayed.includes(a))
  if (direct.length > 0) {
    try {
      await libp2p.dial(direct, { signal: AbortSignal.any([signal, AbortSignal.timeout(relayed.length > 0 ? DIRECT_TRY_MS : 60_000)]) })
      return
    } catch (err) {
      if (relayed.length === 0) throw err
      signal.throwIfAborted()
    }
  }
  await libp2p.dial(relayed, { signal })
}

async function dialInOrder (libp2p: Libp2p<HyphaeServices>, peer: PeerId, addrs: Multiaddr[], signal: AbortSignal): Promise<void> {
  let last: unknown
  for (const addr of addrs) {
    signal.throwIfAborted()
    const full = addr.getComponents().at(-1)?.name === 'p2p' ? addr : addr.encapsulate(`/p2p/${peer.toString()}`)
    try {
      await libp2p.dial(full, { signal })
      return
    } catch (err) { last = err }
  }
  throw last ?? new Error('no address answered')
}
