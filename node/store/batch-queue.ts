/**
 * Group commit for one database: a batch asked for while another is being written waits for
 * it, then goes down together with every other batch that queued meanwhile, as one LevelDB
 * write. Each caller's promise still resolves only once its own operations are on disk, and
 * batches are written in the order they were asked for. A lone writer pays nothing extra: with
 * nothing in flight its batch goes at once. Concurrent senders (a script pipelining sends, a
 * burst of acks and stores) share one thread-pool trip instead of queueing one trip each.
 */
export class BatchQueue<Op> {
  private readonly write: (ops: Op[]) => Promise<void>
  private readonly maxOps: number
  private pending: Array<{ ops: Op[], resolve: () => void, reject: (err: Error) => void }> = []
  private writing = false

  constructor (write: (ops: Op[]) => Promise<void>, maxOps = 10_000) {
    this.write = write
    this.maxOps = maxOps
  }

  async batch (ops: Op[]): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.pending.push({ ops, resolve, reject })
      if (!this.writing) void this.drain()
    })
  }

  private async drain (): Promise<void> {
    this.writing = true
    try {
      while (this.pending.length > 0) {
        const group = this.take()
        if (group.length === 1) {
          await this.writeOne(group[0])
          continue
        }
        try {
          await this.write(group.flatMap(g => g.ops))
          for (const g of group) g.resolve()
        } catch {
          // one caller's operations may be what the database refused: write each batch on its
          // own, so only that caller fails (and the others learn of a real failure themselves)
          for (const g of group) await this.writeOne(g)
        }
      }
    } finally {
      this.writing = false
    }
  }

  /** The next batches in order, up to maxOps operations (always at least one batch). */
  private take (): typeof this.pending {
    let n = 0
    let count = 0
    while (count < this.pending.length && (count === 0 || n + this.pending[count].ops.length <= this.maxOps)) {
      n += this.pending[count].ops.length
      count++
    }
    return this.pending.splice(0, count)
  }

  private async writeOne (g: { ops: Op[], resolve: () => void, reject: (err: Error) => void }): Promise<void> {
    try {
      await this.write(g.ops)
      g.resolve()
    } catch (err: any) {
      g.reject(err)
    }
  }
}
