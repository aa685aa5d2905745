import { Lru } from '../../protocols/dm/index.ts'

export interface TokenBucketsInit {
  /** tokens a key starts with, and the most it can save up */
  burst: number
  perSecond: number
  /** keys remembered at most (the least recently used is forgotten first) */
  maxKeys?: number
  now?: () => number
}

/**
 * One token bucket per key (an author in a group): `burst` at once, then `perSecond`. Not
 * libp2p's RateLimiter: its fixed window lets a flood timed to a window's end through at twice
 * the burst, it throws on every refusal (a flood's every message), and it keeps no debt.
 */
export class TokenBuckets {
  private readonly init: Required<TokenBucketsInit>
  private readonly buckets: Lru<{ tokens: number, at: number }>

  constructor (init: TokenBucketsInit) {
    this.init = { maxKeys: 1024, now: Date.now, ...init }
    this.buckets = new Lru(this.init.maxKeys)
  }

  /** Spends `cost` tokens of `key` (one by default); false when it has fewer left. */
  take (key: string, cost = 1): boolean {
    const bucket = this.refill(key)
    if (bucket.tokens < cost) return false
    bucket.tokens -= cost
    return true
  }

  /** Spends what `key` used after the fact (it may go below zero: the debt is paid by waiting). */
  charge (key: string, cost: number): void {
    this.refill(key).tokens -= cost
  }

  /** ms until `key` has a token again (0 when it has one now). */
  wait (key: string): number {
    const bucket = this.refill(key)
    return bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) / this.init.perSecond * 1000)
  }

  private refill (key: string): { tokens: number, at: number } {
    const now = this.init.now()
    let bucket = this.buckets.get(key)
    if (bucket == null) {
      bucket = { tokens: this.init.burst, at: now }
      this.buckets.set(key, bucket)
    }
    bucket.tokens = Math.min(this.init.burst, bucket.tokens + (now - bucket.at) / 1000 * this.init.perSecond)
    bucket.at = now
    return bucket
  }
}
