export interface TokenBucketsInit {
  /** tokens a key starts with, and the most it can save up */
  burst: number
  perSecond: number
  /** keys remembered at most (the oldest is forgotten first) */
  maxKeys?: number
  now?: () => number
}

/** One token bucket per key (an author in a group): `burst` at once, then `perSecond`. */
export class TokenBuckets {
  private readonly init: Required<TokenBucketsInit>
  private readonly buckets = new Map<string, { tokens: number, at: number }>()

  constructor (init: TokenBucketsInit) {
    this.init = { maxKeys: 1024, now: Date.now, ...init }
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
      if (this.buckets.size >= this.init.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string)
      this.buckets.set(key, bucket)
    }
    bucket.tokens = Math.min(this.init.burst, bucket.tokens + (now - bucket.at) / 1000 * this.init.perSecond)
    bucket.at = now
    return bucket
  }
}
