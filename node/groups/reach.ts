import { peerIdFromString } from '@libp2p/peer-id'
import { reachPeer } from '../direct/reach-peer.ts'
import type { GroupContext } from './context.ts'
import type { Libp2p } from '@libp2p/interface'
import type { HyphaeServices } from '../net/services.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

const DIAL_TIMEOUT = 10_000

/** Dials a member (or a channel's owner) named by an invite: its addresses go to the peer store, which reachPeer dials first; a failure is only logged. */
export async function dialMember (libp2p: Libp2p<HyphaeServices>, ctx: GroupContext, peerId: string, addrs: Multiaddr[]): Promise<void> {
  try {
    const id = peerIdFromString(peerId)
    await libp2p.peerStore.merge(id, { multiaddrs: addrs })
    await reachPeer(libp2p, id, [], AbortSignal.any([ctx.signal, AbortSignal.timeout(DIAL_TIMEOUT)]))
  } catch (err: any) {
    ctx.log('could not dial group member %s - %e', peerId, err)
  }
}
