import { RateLimiter } from '@libp2p/utils'

/**
 * Requests per key (a queue, or a connected peer kept in memory only) per minute (libp2p's RateLimiter: a window from a sender's first deposit),
 * for at most `maxSenders` senders at once: past that the longest-known one is forgotten.
 */
export class SenderRateLimit {
  private readonly limiter: RateLimiter
  private readonly maxSenders: number

  constructor (perMinute: number, maxSenders = 10_000) {
    this.limiter = new RateLimiter({ points: perMinute, duration: 60, keyPrefix: '' })
    this.maxSenders = maxSenders
  }

  allow (sender: string): boolean {
    const senders = this.limiter.memoryStorage.storage
    if (!senders.has(sender) && senders.size >= this.maxSenders) this.limiter.delete(senders.keys().next().value as string)
    try {
      this.limiter.consume(sender)
      return true
    } catch {
      return false
    }
  }
}
