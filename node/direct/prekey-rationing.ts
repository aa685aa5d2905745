import { SenderRateLimit } from '../../protocols/mailbox/rate-limit.ts'
import type { Ratchet } from './ratchet.ts'
import type { PrekeyBundle } from '../../protocols/prekeys/index.ts'

/** one-time keys handed to one peer per minute, and to everyone together */
export const ONE_TIME_PER_PEER_PER_MINUTE = 2
export const ONE_TIME_PER_MINUTE = 20

/**
 * Who gets a one-time prekey. Each costs a Kyber key pair and a disk write, and only the newest
 * MAX_ONE_TIME are kept: a peer asking without end would burn our CPU and push out the keys
 * honest senders were handed before they used them (their first message would then not open).
 * Past the rate, a peer gets the invite's bundle (signed and last-resort keys only), with which
 * a session starts just as well, without a one-time key's extra forward secrecy.
 */
export class PrekeyRationing {
  private readonly perPeer = new SenderRateLimit(ONE_TIME_PER_PEER_PER_MINUTE)
  private readonly overall = new SenderRateLimit(ONE_TIME_PER_MINUTE, 1)

  constructor (private readonly ratchet: Ratchet) {}

  async bundleFor (peer: string): Promise<PrekeyBundle> {
    await this.ratchet.ready()
    if (this.perPeer.allow(peer) && this.overall.allow('all')) return this.ratchet.oneTimeBundle()
    return this.ratchet.inviteBundle()
  }
}
