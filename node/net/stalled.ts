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
export async function abortStalled (libp2p: Libp2p, peer: PeerId, timeoutMs = STALL_PROBE_TIMEOUT): Promise<{ closed: number, relays: string[] }> {
  const direct = libp2p.getConnections(peer)
  const relays = new Set(direct.map(relayOf).filter((id): id is string => id != null))
  const underneath = libp2p.getConnections().filter(c => relays.has(c.remotePeer.toString()))
  const silent = (await Promise.all([...direct, ...underneath].map(async conn => await answers(conn, timeoutMs) ? [] : [conn]))).flat()
  for (const conn of silent) conn.abort(new StalledConnectionError(`no answer within ${timeoutMs} ms on ${conn.remoteAddr.toString()}`))
  // a relay whose own connection froze is where the next dial should not go first
  return { closed: silent.length, relays: silent.filter(c => relays.has(c.remotePeer.toString())).map(c => c.remotePeer.toString()) }
}

/** Relays found frozen lately: a redial puts the paths through them last (a frozen flow's relay tends to freeze the next one too). */
export class FrozenRelays {
  private readonly until = new Map<string, number>()
  constructor (private readonly forMs = 2 * 60_000, private readonly max = 64) {}

  add (relay: string): void {
    if (this.until.size >= this.max) this.until.delete(this.until.keys().next().value as string)
    this.until.set(relay, Date.now() + this.forMs)
  }

  has (relay: string): boolean {
    const until = this.until.get(relay)
    if (until == null) return false
    if (until > Date.now()) return true
    this.until.delete(relay)
    return false
  }

  /** The addresses, those through a frozen relay moved to the end. */
  order<T extends { toString: () => string }> (addrs: T[]): T[] {
    const frozen = (a: T): boolean => [...this.until.keys()].some(r => this.has(r) && a.toString().includes(`/p2p/${r}/p2p-circuit`))
    return [...addrs.filter(a => !frozen(a)), ...addrs.filter(frozen)]
  }
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
