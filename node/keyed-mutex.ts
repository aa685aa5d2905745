/** Runs tasks one at a time per key (e.g. per conversation), in the order they were queued. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>()

  async run <T> (key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    const result = previous.then(task, task)
    const tail = result.catch(() => {})
    this.tails.set(key, tail)
    void tail.then(() => { if (this.tails.get(key) === tail) this.tails.delete(key) })
    return result
  }

  /** Resolves once no task is running or queued under any key (those queued meanwhile too), or at `signal`. */
  async idle (signal: AbortSignal): Promise<void> {
    const aborted = new Promise<void>(resolve => { signal.addEventListener('abort', () => { resolve() }, { once: true }) })
    while (this.tails.size > 0 && !signal.aborted) await Promise.race([Promise.all([...this.tails.values()]), aborted])
  }
}
