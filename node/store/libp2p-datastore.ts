import { stat } from 'node:fs/promises'
import { NotFoundError, type AbortOptions } from '@libp2p/interface'
import { Level } from 'level'
import { Key, type Batch, type Datastore, type KeyQuery, type Pair, type Query } from 'interface-datastore'
import type { AbstractSublevel } from 'abstract-level'
import { removeStore, type Database } from './database.ts'
import { PeerRecordCache } from './peer-record-cache.ts'

/**
 * libp2p's datastore (the peer store: contacts' peer ids, addresses, relays; DHT records) as a
 * sublevel of the profile's encrypted database, so the social graph on a seized disk is as
 * unreadable as the messages.
 *
 * A datastore key `/peers/<id>` is stored as the level key `.peers!.<id>`: one `!`-separated
 * segment per namespace, so the encrypted layer HMACs each one (see KeyNames), and a query for
 * the prefix `/peers/` is a range read over `.peers!` .. `.peers!~`. The `.` in front of every
 * segment keeps a namespace that is all digits (which KeyNames leaves readable) from being
 * stored in the clear; `%` and `!` inside a namespace are escaped.
 */
type Sub = AbstractSublevel<Database, string | Uint8Array, string, Uint8Array>

const SEPARATOR = '!'

function encodeSegment (namespace: string): string {
  return `.${namespace.replaceAll('%', '%25').replaceAll('!', '%21')}`
}

function decodeSegment (segment: string): string {
  return segment.slice(1).replaceAll('%21', '!').replaceAll('%25', '%')
}

export function levelKey (key: Key): string {
  return key.namespaces().map(encodeSegment).join(SEPARATOR)
}

function datastoreKey (stored: string): Key {
  return new Key(`/${stored.split(SEPARATOR).map(decodeSegment).join('/')}`, false)
}

/**
 * The level range that holds every key starting with `prefix`: the namespaces it names in full
 * (a prefix `/dht/provider/abc` names `dht` and `provider` in full; `abc` may be the start of a
 * longer one, so those keys are filtered after reading).
 */
function prefixRange (prefix: string | undefined): { gte?: string, lte?: string } {
  if (prefix == null || !prefix.startsWith('/')) return {}
  const parts = prefix.split('/').slice(1)
  if (!prefix.endsWith('/')) parts.pop()
  const whole = parts.filter(p => p !== '')
  if (whole.length === 0) return {}
  const base = whole.map(encodeSegment).join(SEPARATOR) + SEPARATOR
  return { gte: base, lte: `${base}~` }
}

async function * applyQuery<T> (items: AsyncIterable<T>, keyOf: (item: T) => Key, q: { prefix?: string, filters?: Array<(item: T) => boolean>, orders?: Array<(a: T, b: T) => number>, offset?: number, limit?: number }, options?: AbortOptions): AsyncGenerator<T> {
  let source: AsyncIterable<T> = items
  if (q.orders != null && q.orders.length > 0) {
    const all: T[] = []
    for await (const item of items) all.push(item)
    // the last order is the primary one, as in datastore-core's reduce over it-sort
    for (const order of q.orders) all.sort(order)
    source = (async function * () { yield * all })()
  }
  let skipped = 0
  let taken = 0
  if (q.limit != null && q.limit <= 0) return
  for await (const item of source) {
    options?.signal?.throwIfAborted()
    if (q.prefix != null && !keyOf(item).toString().startsWith(q.prefix)) continue
    if (q.filters != null && !q.filters.every(f => f(item))) continue
    if (q.offset != null && skipped < q.offset) { skipped++; continue }
    yield item
    if (q.limit != null && ++taken >= q.limit) return
  }
}

const PEERS = `${encodeSegment('peers')}${SEPARATOR}`
const isPeer = (stored: string): boolean => stored.startsWith(PEERS)

export interface EncryptedDatastoreInit {
  /** keep peer records in memory and skip rewrites that change only their time (default true) */
  peerCache?: boolean
}

export class EncryptedDatastore implements Datastore {
  private readonly db: Sub
  readonly peers?: PeerRecordCache

  constructor (db: Database, init: EncryptedDatastoreInit = {}) {
    this.db = db.sublevel<string, Uint8Array>('libp2p', { valueEncoding: 'view' })
    if (init.peerCache !== false) this.peers = new PeerRecordCache()
  }

  private cache (stored: string): PeerRecordCache | undefined {
    return isPeer(stored) ? this.peers : undefined
  }

  async open (): Promise<void> {}

  /** The profile's database is closed by its owner. */
  async close (): Promise<void> {}

  async put (key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    options?.signal?.throwIfAborted()
    const stored = levelKey(key)
    const cache = this.cache(stored)
    if (cache?.unchanged(stored, value) === true) return key
    cache?.forget(stored)
    await this.db.put(stored, value)
    cache?.stored(stored, value)
    return key
  }

  async get (key: Key, options?: AbortOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted()
    const stored = levelKey(key)
    const cache = this.cache(stored)
    const cached = cache?.get(stored)
    if (cached != null) return cached
    const read = async (): Promise<Uint8Array | undefined> => this.db.get(stored)
    const value = cache != null ? await cache.read(stored, read) : await read()
    if (value == null) throw new NotFoundError(`no value for ${key.toString()}`)
    return value
  }

  async has (key: Key, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    const stored = levelKey(key)
    if (this.cache(stored)?.get(stored) != null) return true
    return this.db.has(stored)
  }

  async delete (key: Key, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    const stored = levelKey(key)
    this.cache(stored)?.forget(stored)
    await this.db.del(stored)
  }

  async * putMany (source: Iterable<Pair> | AsyncIterable<Pair>, options?: AbortOptions): AsyncGenerator<Key> {
    for await (const { key, value } of source) yield await this.put(key, value, options)
  }

  async * getMany (source: Iterable<Key> | AsyncIterable<Key>, options?: AbortOptions): AsyncGenerator<Pair> {
    for await (const key of source) yield { key, value: await this.get(key, options) }
  }

  async * deleteMany (source: Iterable<Key> | AsyncIterable<Key>, options?: AbortOptions): AsyncGenerator<Key> {
    for await (const key of source) {
      await this.delete(key, options)
      yield key
    }
  }

  batch (): Batch {
    const ops: Array<{ type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }> = []
    return {
      put: (key, value) => { ops.push({ type: 'put', key: levelKey(key), value }) },
      delete: (key) => { ops.push({ type: 'del', key: levelKey(key) }) },
      commit: async (options?: AbortOptions) => {
        options?.signal?.throwIfAborted()
        const committing = ops.splice(0)
        for (const op of committing) this.cache(op.key)?.forget(op.key)
        // one level batch: atomic, as libp2p expects of a commit
        await this.db.batch(committing)
        for (const op of committing) if (op.type === 'put') this.cache(op.key)?.stored(op.key, op.value)
      }
    }
  }

  query (q: Query, options?: AbortOptions): AsyncGenerator<Pair> {
    return applyQuery(this.entries(q.prefix), p => p.key, q, options)
  }

  queryKeys (q: KeyQuery, options?: AbortOptions): AsyncGenerator<Key> {
    return applyQuery(this.keys(q.prefix), k => k, q, options)
  }

  private async * entries (prefix: string | undefined): AsyncGenerator<Pair> {
    for await (const [key, value] of this.db.iterator(prefixRange(prefix))) yield { key: datastoreKey(key), value }
  }

  private async * keys (prefix: string | undefined): AsyncGenerator<Key> {
    for await (const key of this.db.keys(prefixRange(prefix))) yield datastoreKey(key)
  }
}

/** entries copied per batch when a plaintext datastore is migrated */
const MIGRATE_BATCH = 500

/**
 * A profile from before kept libp2p's datastore in the clear in `<profile>/libp2p`: its entries
 * are copied into the encrypted one, then the directory is shredded. Runs under the profile's
 * lock. A copy cut short is done again at the next start (puts of the same keys); a directory
 * that does not open (a shred cut short) is shredded as it is: what is lost is cached peer
 * addresses and DHT records, which the node finds again. Returns the entries copied.
 */
export async function migratePlainDatastore (location: string, datastore: Datastore): Promise<number> {
  if (!(await exists(location))) return 0
  let copied = 0
  try {
    const plain = new Level<string, Uint8Array>(location, { valueEncoding: 'view' })
    await plain.open({ createIfMissing: false })
    try {
      let batch = datastore.batch()
      let pending = 0
      for await (const [key, value] of plain.iterator()) {
        batch.put(new Key(key), value)
        copied++
        if (++pending >= MIGRATE_BATCH) {
          await batch.commit()
          batch = datastore.batch()
          pending = 0
        }
      }
      await batch.commit()
    } finally {
      await plain.close()
    }
  } catch {
    copied = 0
  }
  await removeStore(location)
  return copied
}

async function exists (path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false)
}
