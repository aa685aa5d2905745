/** Deposits per sender in a sliding minute, for at most `maxSenders` senders at once. */
export class SenderRateLimit {
  private readonly hits = new Map<string, number[]>()
  constructor (private readonly perMinute: number, private readonly maxSenders = 10_000) {}

  allow (sender: string, now = Date.now()): boolean {
    const recent = (this.hits.get(sender) ?? []).filter(t => now - t < 60_000)
    if (recent.length >= this.perMinute) {
      this.hits.set(sender, recent)
      return false
    }
    recent.push(now)
    this.hits.delete(sender)
    this.hits.set(sender, recent)
    if (this.hits.size > this.maxSenders) this.hits.delete(this.hits.keys().next().value as string)
    return true
  }
}
