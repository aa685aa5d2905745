import { isPrivateIp } from '@libp2p/utils'
import type { AbortOptions, PeerInfo } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** what the relay transport needs of libp2p's random walk */
export interface RandomWalkLike {
  walk: (options?: AbortOptions) => AsyncGenerator<PeerInfo>
}

/** what the pacing needs of libp2p's address manager */
export interface AddressSource {
  getAddressesWithMetadata: () => Array<{ multiaddr: Multiaddr, verified: boolean, type: string }>
}

export interface RelaySearchPacing {
  /** the pause before the first peer of a search (ms) */
  firstMs: number
  /** the pause doubles per peer handed out, up to this (ms) */
  maxMs: number
}

export const RELAY_SEARCH_PACING: RelaySearchPacing = { firstMs: 1_000, maxMs: 5 * 60_000 }

/**
 * True when AutoNAT (or an identify peer's observation, confirmed) says others can dial one of
 * this node's public addresses: such a node needs no relay to be reached, so it does not go
 * looking for one. Relays it meets anyway still get a reservation: that is where its mailbox is.
 */
export function publiclyReachable (addresses: AddressSource): boolean {
  return addresses.getAddressesWithMetadata().some(({ multiaddr, verified, type }) => {
    if (!verified || type === 'transport') return false
    const parts = multiaddr.getComponents()
    if (parts.some(c => c.name === 'p2p-circuit')) return false
    const host = parts.find(c => c.name === 'ip4' || c.name === 'ip6')?.value
    return host != null && isPrivateIp(host) === false
  })
}

async function pause (ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>(resolve => {
    const done = (): void => { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve() }
    const timer = setTimeout(done, ms)
    // a search in the background never holds the process: libp2p's relay discovery can start a
    // walk as the node stops (a reservation dropped), with a signal nothing aborts after
    timer.unref?.()
    signal?.addEventListener('abort', done, { once: true })
  })
}

/**
 * libp2p's random walk runs DHT queries back to back for as long as the relay transport wants a
 * relay: with peers around and none of them a relay that is ~25% of a core, for ever. This walk
 * hands out the same peers one at a time with a pause that doubles (1 s up to 5 min) while no
 * relay turns up, and hands out nothing while the node is publicly reachable. The walk below
 * waits while nobody asks for its next peer, so the DHT rests with it.
 */
export function pacedRandomWalk (inner: RandomWalkLike, addresses: AddressSource, pacing: RelaySearchPacing = RELAY_SEARCH_PACING): RandomWalkLike {
  return {
    async * walk (options: AbortOptions = {}): AsyncGenerator<PeerInfo> {
      const signal = options.signal
      const aborted = (): boolean => signal?.aborted === true
      let wait = pacing.firstMs
      const controller = new AbortController()
      const stop = (): void => { controller.abort() }
      signal?.addEventListener('abort', stop, { once: true })
      try {
        while (!aborted()) {
          await pause(wait, signal)
          wait = Math.min(wait * 2, pacing.maxMs)
          if (aborted()) return
          if (publiclyReachable(addresses)) continue
          // one peer from the real walk, then back to pausing
          const walker = inner.walk({ signal: controller.signal })
          let next: IteratorResult<PeerInfo> | undefined
          try {
            next = await walker.next()
          } catch {
            // no peer to ask yet (an empty routing table): try again after the next pause
          } finally {
            await walker.return(undefined).catch(() => {})
          }
          if (next != null && next.done !== true) yield next.value
        }
      } finally {
        signal?.removeEventListener('abort', stop)
        controller.abort()
      }
    }
  }
}
