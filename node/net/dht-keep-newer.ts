import { Libp2pRecord } from '@libp2p/record'
import { equals } from 'uint8arrays/equals'
import type { AbortOptions } from '@libp2p/interface'
import type { Datastore, Key } from 'interface-datastore'

/** kad-dht's selector signature: the index of the best of `records` for `key` */
export type Selector = (key: Uint8Array, records: Uint8Array[]) => number

/** A PUT_VALUE whose record the namespace's selector ranks below the one already stored. */
export class OlderRecordError extends Error {
  static name = 'OlderRecordError'
  name = 'OlderRecordError'
}

/**
 * The datastore kad-dht writes records through, made to keep the better record: kad-dht's
 * PUT_VALUE handler validates and then overwrites whatever it held, so a replay of an old
 * record (or a reader's stale "correction") would replace a newer one. Here a record for a
 * namespace with a selector is stored only if the selector ranks it first against the stored
 * one (ties go to the incoming: a writer's own rewrite); otherwise the put throws and the
 * PUT_VALUE is answered with an error, as go-libp2p-kad-dht does ("old record").
 */
export function keepNewerRecords (datastore: Datastore, selectors: Record<string, Selector>, datastorePrefix = '/dht'): Datastore {
  const recordPrefix = `${datastorePrefix}/record/`
  const put = async (key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> => {
    if (key.toString().startsWith(recordPrefix)) {
      const incoming = Libp2pRecord.deserialize(value)
      const namespace = new TextDecoder().decode(incoming.key).split('/')[1] ?? ''
      const select = selectors[namespace]
      if (select != null) {
        let stored: Libp2pRecord | undefined
        try {
          stored = Libp2pRecord.deserialize(await datastore.get(key, options))
        } catch {}
        if (stored != null && !equals(stored.value, incoming.value) && select(incoming.key, [incoming.value, stored.value]) !== 0) {
          throw new OlderRecordError(`a newer record is stored under /${namespace}/`)
        }
      }
    }
    return datastore.put(key, value, options)
  }
  return new Proxy(datastore, {
    get (target, prop, receiver) {
      if (prop === 'put') return put
      const member = Reflect.get(target, prop, receiver)
      return typeof member === 'function' ? member.bind(target) : member
    }
  })
}
