import { createHmac, createSecretKey, type KeyObject } from 'node:crypto'

/**
 * What a key name looks like on disk. Keys are `!`-separated segments (`!messages!<peer>!<lamport>!<id>`):
 * every segment that names something (a store, a peer, a group, an id) becomes a keyed HMAC, so
 * no peer or group id is readable; digit-only segments (Lamport clocks, sequence numbers,
 * timestamps) and the range sentinels `` and `~` stay as they are, so a range read over
 * `<peer>!` .. `<peer>!~` still finds exactly that peer's entries, in the same order.
 */
const SEPARATOR = '!'
/** abstract-level's sublevel upper bound: the prefix with its last `!` replaced by the next character */
const AFTER_SEPARATOR = '"'
const DIGITS = /^[0-9]+$/
/** 16 bytes of HMAC as hex: every character sorts between `"` and `~`, as the sentinels need */
const NAME_BYTES = 16
/** names remembered (peer ids recur in every write); cleared when full */
const CACHED_NAMES = 50_000

export class KeyNames {
  private readonly secret: KeyObject
  private readonly cache = new Map<string, string>()

  constructor (secret: Uint8Array) {
    // imported once: given raw bytes, createHmac imports the key anew on every name, ~4x its cost
    this.secret = createSecretKey(secret)
  }

  /** The on-disk name of a key that is stored. */
  key (plain: string): string {
    const segments = plain.split(SEPARATOR)
    for (let i = 0; i < segments.length; i++) segments[i] = this.segment(segments[i])
    return segments.join(SEPARATOR)
  }

  /**
   * The on-disk form of a range bound. Bounds are stored keys, prefixes ending in `!`, `!~`
   * sentinels, or a sublevel's upper bound (`!name"`): its last segment is a name followed by `"`.
   */
  bound (plain: string): string {
    const last = plain.lastIndexOf(SEPARATOR)
    const tail = plain.slice(last + 1)
    if (tail.length > 1 && tail.endsWith(AFTER_SEPARATOR)) {
      return `${this.key(plain.slice(0, last + 1) + tail.slice(0, -1))}${AFTER_SEPARATOR}`
    }
    return this.key(plain)
  }

  private segment (plain: string): string {
    if (plain === '' || plain === '~' || DIGITS.test(plain)) return plain
    let name = this.cache.get(plain)
    if (name == null) {
      name = createHmac('sha256', this.secret).update(plain).digest().subarray(0, NAME_BYTES).toString('hex')
      if (this.cache.size >= CACHED_NAMES) this.cache.clear()
      this.cache.set(plain, name)
    }
    return name
  }
}
