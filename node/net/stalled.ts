import { byteStream } from '@libp2p/utils'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'

/** libp2p's ping: 32 bytes echoed. Every hyphae node serves it. */
const PING_PROTOCOL = '/ipfs/ping/1.0.0'
const PING_BYTES = 32
/** A link that does not echo 32 bytes in this long while a message waits is dead to the user. */
export const STALL_PROBE_TIMEOUT = 5_000

export class StalledConnectionError extends Error {
  static name = 'StalledConnectionError'
  name = 'StalledConnectionError'
}

/**
 * Censors freeze flows instead of resetting them (TSPU, after ~16 KB to foreign hosting): the
 * connection looks open while every packet vanishes. Pings each connection to `peer` and, under
 * a relayed one, the connection to its relay; aborts each that does not answer in time, so the
 * caller's next dial takes another path. Returns how many it aborted.
 */
export async function abortStalled (libp2p: Libp2p, peer: PeerId, timeoutMs = STALL_PROBE_TIMEOUT): Promise<number> {
  const direct = libp2p.getConnections(peer)
  const relays = new Set(direct.map(relayOf).filter((id): id is string => id != null))
  const underneath = libp2p.getConnections().filter(c => relays.has(c.remotePeer.toString()))
  const results = await Promise.all([...direct, ...underneath].map(async conn => {
    if (await answers(conn, timeoutMs)) return 0
    conn.abort(new StalledConnectionError(`no answer within ${timeoutMs} ms on ${conn.remoteAddr.toString()}`))
    return 1
  }))
  return results.reduce<number>((a, b) => a + b, 0)
}

/** The relay's peer id of a relayed connection (`.../p2p/RELAY/p2p-circuit/...`). */
function relayOf (conn: Connection): string | undefined {
  const parts = conn.remoteAddr.getComponents()
  const circuit = parts.findIndex(c => c.name === 'p2p-circuit')
  return circuit > 0 && parts[circuit - 1].name === 'p2p' ? parts[circuit - 1].value : undefined
}

async function answers (conn: Connection, timeoutMs: number): Promise<boolean> {
  if (conn.status !== 'open') return true
  const signal = AbortSignal.timeout(timeoutMs)
  let stream
  try {
    stream = await conn.newStream(PING_PROTOCOL, { signal, runOnLimitedConnection: true })
    const bytes = byteStream(stream)
    const data = crypto.getRandomValues(new Uint8Array(PING_BYTES))
    await Promise.all([bytes.write(data, { signal }), bytes.read({ bytes: PING_BYTES, signal })])
    await stream.close({ signal }).catch(() => {})
    return true
  } catch (err: any) {
    stream?.abort(err)
    // a peer that answered "no such protocol" answered
    return err?.name === 'UnsupportedProtocolError'
  }
}
