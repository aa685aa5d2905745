import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { PeerId } from '@libp2p/interface'

export interface RelayRef {
  peerId: PeerId
  /** how to reach the relay itself (the part before /p2p-circuit) */
  addr: Multiaddr
}

/**
 * The relays behind circuit addresses: `<relay addr>/p2p/<relay>/p2p-circuit/p2p/<peer>` names
 * the relay a peer holds a reservation on, which is also where its mailbox is.
 */
export function relaysOf (addrs: Array<string | Multiaddr>): RelayRef[] {
  const seen = new Map<string, RelayRef>()
  for (const a of addrs) {
    let ma: Multiaddr
    try { ma = typeof a === 'string' ? multiaddr(a) : a } catch { continue }
    const parts = ma.getComponents()
    const circuit = parts.findIndex(c => c.name === 'p2p-circuit')
    if (circuit < 1 || parts[circuit - 1].name !== 'p2p' || parts[circuit - 1].value == null) continue
    try {
      const peerId = peerIdFromString(parts[circuit - 1].value as string)
      const addr = multiaddr(parts.slice(0, circuit).map(c => `/${c.name}${c.value != null ? `/${c.value}` : ''}`).join(''))
      if (!seen.has(peerId.toString())) seen.set(peerId.toString(), { peerId, addr })
    } catch {}
  }
  return [...seen.values()]
}
