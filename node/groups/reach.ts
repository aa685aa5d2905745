import { peerIdFromString } from '@libp2p/peer-id'
import type { GroupContext } from './context.ts'
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const DIAL_TIMEOUT = 10_000

/** Dials a member (or a channel's owner) named by an invite, unless connected; a failure is only logged. */
export async function dialMember (libp2p: Libp2p, ctx: GroupContext, peerId: string, addrs: Multiaddr[]): Promise<void> {
  try {
    const id = peerIdFromString(peerId)
    await libp2p.peerStore.merge(id, { multiaddrs: addrs })
    if (libp2p.getConnections(id).length > 0) return
    await libp2p.dial(id, { signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(DIAL_TIMEOUT)]) })
  } catch (err: any) {
    ctx.log('could not dial group member %s - %e', peerId, err)
  }
}

export function isOnline (libp2p: Libp2p, peerId: string): boolean {
  try {
    return libp2p.getConnections(peerIdFromString(peerId)).length > 0
  } catch {
    return false
  }
}
