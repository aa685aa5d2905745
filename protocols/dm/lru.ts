/**
 * A map that forgets its least recently used entry past `max` entries: the one LRU hyphae uses
 * for what a peer can make it remember (keys, strikes, contacts read). It lives here, not in
 * node/, because a protocol imports nothing of node/; node/ imports it from the DM protocol.
 */
export class Lru<V> {
  readonly max: number
  private readonly map = new Map<string, V>()

  constructor (max: number) {
    this.max = max
  }

  get size (): number {
    return this.map.size
  }

  /** The value, now the most recently used; undefined when absent. */
  get (key: string): V | undefined {
    const value = this.map.get(key)
    if (value !== undefined) {
      this.map.delete(key)
      this.map.set(key, value)
    }
    return value
  }

  set (key: string, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string)
  }

  delete (key: string): boolean {
    return this.map.delete(key)
  }

  clear (): void {
    this.map.clear()
  }
}
