import type { Libp2p, PeerId } from '@libp2p/interface'

/** The circuit relay server's reservation map, as its `reservations` getter hands it out. */
export interface ReservationMap {
  has: (peer: PeerId) => boolean
  set: (peer: PeerId, value: any) => unknown
  keys: () => Iterable<PeerId>
}

/**
 * Calls `onReserve` for each reservation the circuit relay server grants or renews: libp2p's
 * server emits no event for it, so its reservation map's `set` is wrapped. Returns the undo.
 */
export function watchReservations (reservations: ReservationMap | undefined, onReserve: (peer: PeerId, renewal: boolean) => void): () => void {
  if (reservations == null) return () => {}
  const set = reservations.set
  reservations.set = function (peer, value) {
    const renewal = reservations.has(peer)
    const result = set.call(this, peer, value)
    try { onReserve(peer, renewal) } catch {}
    return result
  }
  return () => { reservations.set = set }
}

/**
 * Reservations still in use: a reservation lasts only while its holder stays connected
 * (circuit relay v2), but libp2p keeps the entry until its TTL, so a count of entries grows stale.
 */
export function liveReservations (libp2p: Pick<Libp2p, 'getConnections'>, reservations: ReservationMap | undefined): number {
  if (reservations == null) return 0
  let live = 0
  for (const peer of reservations.keys()) if (libp2p.getConnections(peer).length > 0) live++
  return live
}
