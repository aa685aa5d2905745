import type net from 'node:net'
import type { MultiaddrConnection } from '@libp2p/interface'

/** How a client reaches website relays: plain (one long flow), short flows, or short flows once a plain one froze. */
export type ShortFlowMode = 'auto' | 'always' | 'never'

/** A flow that stopped answering before it had carried this much both ways looks frozen by a byte cap. */
const FREEZE_SUSPECT_BYTES = 24 * 1024
/** ... if it sent after its last answer and heard nothing for this long before it ended */
const FREEZE_SILENCE_MS = 3_000
/** how long a relay found frozen is reached only in short flows */
const FROZEN_FOR_MS = 30 * 60_000
const MAX_REMEMBERED = 256

/**
 * Which relays (host:port) froze a plain flow lately. A censor that freezes flows after ~16 KB
 * lets the TLS and libp2p handshakes through and stops the flow during identify or the
 * reservation: the connection ends having sent, heard nothing, and carried under ~24 KB.
 */
export class FreezeMemory {
  private readonly frozen = new Map<string, number>()

  constructor (private readonly mode: ShortFlowMode = 'auto') {}

  useShortFlows (key: string): boolean {
    if (this.mode !== 'auto') return this.mode === 'always'
    const until = this.frozen.get(key)
    if (until == null) return false
    if (until > Date.now()) return true
    this.frozen.delete(key)
    return false
  }

  /** Watches a plain flow from its start; returns the check to run if the dial fails before a connection exists. */
  watch (key: string, raw: net.Socket): { onConnection: (maConn: MultiaddrConnection) => void, check: () => void } {
    let lastReadAt = Date.now()
    let writtenAtLastRead = raw.bytesWritten
    let totalAtLastRead = raw.bytesRead + raw.bytesWritten
    raw.on('data', () => {
      lastReadAt = Date.now()
      writtenAtLastRead = raw.bytesWritten
      totalAtLastRead = raw.bytesRead + raw.bytesWritten
    })
    const check = (): void => {
      if (this.mode !== 'auto') return
      const looksFrozen = raw.bytesWritten > writtenAtLastRead && Date.now() - lastReadAt > FREEZE_SILENCE_MS && totalAtLastRead < FREEZE_SUSPECT_BYTES
      if (!looksFrozen) return
      if (this.frozen.size >= MAX_REMEMBERED) this.frozen.delete(this.frozen.keys().next().value as string)
      this.frozen.set(key, Date.now() + FROZEN_FOR_MS)
    }
    return {
      onConnection: (maConn) => { maConn.addEventListener('close', check, { once: true }) },
      check
    }
  }
}
