/**
 * Rendezvous records in the DHT (namespace `/hyphae-rv/`): each side of a pair of contacts
 * writes, under a key only the two can compute and which changes every UTC day, its current
 * addresses sealed for the other. A node finds a contact by reading that record instead of
 * asking the DHT for the contact's peer id, so the DHT nodes near a peer id no longer see who
 * looks for it, an answer can no longer name someone else's relay (the addresses are signed by
 * the contact), and a DHT client is found as well as a server. See record.ts and keys.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { LOOKUP_GRACE_MS, LOOKUP_RETRY_MS, LOOKUP_TIMEOUT, LOOKUP_WALKS, NAMESPACE, PUBLISH_TIMEOUT } from './constants.ts'
import { RendezvousNotFoundError } from './errors.ts'
import { epochKeys, epochOf, pairSecret } from './keys.ts'
import { openRecord, sealRecord, selectRendezvousRecord, validateRendezvousRecord, type OpenedRecord } from './record.ts'
import type { AbortOptions, ComponentLogger, Logger, PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export { EPOCH_MS, NAMESPACE, SLOT_SECONDS } from './constants.ts'
export * from './errors.ts'
export { epochKeys, epochOf, pairSecret, type EpochKeys } from './keys.ts'
export { openRecord, sealRecord, selectRendezvousRecord, slotOf, validateRendezvousRecord, verifyValue, type OpenedRecord } from './record.ts'

/** kad-dht's `validators` and `selectors` entries for the namespace. */
export const rendezvousValidators = { [NAMESPACE]: validateRendezvousRecord }
export const rendezvousSelectors = { [NAMESPACE]: selectRendezvousRecord }

/** The part of kad-dht a rendezvous needs: its put and get, with their query events. */
export interface RendezvousRouting {
  put(key: Uint8Array, value: Uint8Array, options?: AbortOptions): AsyncIterable<{ name: string, messageName?: string }>
  get(key: Uint8Array, options?: AbortOptions & { onProgress?: (evt: any) => void }): AsyncIterable<{ name: string, record?: { value: Uint8Array } | null }>
}

export interface Rendezvous {
  /**
   * Writes our addresses for `contact` under today's key (and under tomorrow's too when
   * `tomorrow`); resolves to how many DHT servers took each.
   */
  publish (contact: PeerId, addrs: Multiaddr[], options?: AbortOptions & { tomorrow?: boolean }): Promise<number[]>
  /** Reads `contact`'s record for us (today's, else yesterday's): its addresses, newest first. */
  lookup (contact: PeerId, options?: LookupOptions): Promise<OpenedRecord>
}

/** `onProgress` gets kad-dht's query events (a bench counts hops with them). */
export interface LookupOptions extends AbortOptions {
  onProgress?: (evt: any) => void
}

export interface RendezvousInit {
  /** the clock (tests move it) */
  now?: () => number
  lookupGraceMs?: number
}

export interface RendezvousComponents {
  peerId: PeerId
  privateKey: PrivateKey
  logger: ComponentLogger
  dht: RendezvousRouting
}

class RendezvousService implements Rendezvous {
  private readonly components: RendezvousComponents
  private readonly log: Logger
  private readonly now: () => number
  private readonly grace: number
  /** pair secrets by contact: one X25519 each, then HKDF only */
  private readonly secrets = new Map<string, Uint8Array>()

  constructor (components: RendezvousComponents, init: RendezvousInit) {
    this.components = components
    this.log = components.logger.forComponent('hyphae:rendezvous')
    this.now = init.now ?? Date.now
    this.grace = init.lookupGraceMs ?? LOOKUP_GRACE_MS
  }

  readonly [Symbol.toStringTag] = '@hyphae/rendezvous'

  private secret (contact: PeerId): Uint8Array {
    const id = contact.toString()
    let secret = this.secrets.get(id)
    if (secret == null) {
      secret = pairSecret(this.components.privateKey, contact)
      // bounded by the contacts asked about; a node has a few hundred
      if (this.secrets.size >= 4096) this.secrets.delete(this.secrets.keys().next().value as string)
      this.secrets.set(id, secret)
    }
    return secret
  }

  async publish (contact: PeerId, addrs: Multiaddr[], options: AbortOptions & { tomorrow?: boolean } = {}): Promise<number[]> {
    const signal = options.signal ?? AbortSignal.timeout(PUBLISH_TIMEOUT)
    const now = this.now()
    const today = epochOf(now)
    const epochs = options.tomorrow === true ? [today, today + 1] : [today]
    return Promise.all(epochs.map(async epoch => {
      const keys = epochKeys(this.secret(contact), this.components.peerId, contact, epoch)
      const value = await sealRecord(keys, this.components.privateKey, addrs, Math.floor(now / 1000))
      let stored = 0
      try {
        for await (const event of this.components.dht.put(keys.dhtKey, value, { signal })) {
          // the put's walk to the closest servers answers too (FIND_NODE): only a PUT_VALUE stored it
          if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE') stored++
        }
      } catch (err) {
        // a server that never answers holds the put up to its deadline: the others took it
        if (stored === 0) throw err
        this.log('put ended early - %e', err)
      }
      this.log('published day %d for a contact on %d server(s)', epoch, stored)
      return stored
    }))
  }

  async lookup (contact: PeerId, options: LookupOptions = {}): Promise<OpenedRecord> {
    const signal = options.signal ?? AbortSignal.timeout(LOOKUP_TIMEOUT)
    const secret = this.secret(contact)
    // a walk that ends empty early may have missed the servers holding the record (answers lost,
    // a routing table of 2): the next one starts from the servers this one met
    for (let walk = 1; ; walk++) {
      const found = await this.readDays(secret, contact, signal, options.onProgress)
      if (found != null) return found
      signal.throwIfAborted()
      if (walk >= LOOKUP_WALKS) break
      await sleep(LOOKUP_RETRY_MS * walk, undefined, { signal })
    }
    throw new RendezvousNotFoundError(`no record of ${contact.toString()} for us`)
  }

  /** today's and yesterday's at once (a contact offline since before midnight wrote only yesterday's), but today's answers as soon as it is found */
  private async readDays (secret: Uint8Array, contact: PeerId, signal: AbortSignal, onProgress?: (evt: any) => void): Promise<OpenedRecord | undefined> {
    const today = epochOf(this.now())
    const yesterday = new AbortController()
    const reads = [today, today - 1].map(async (epoch, i) => this.read(epochKeys(secret, contact, this.components.peerId, epoch), contact, i === 0 ? signal : AbortSignal.any([signal, yesterday.signal]), onProgress))
    reads[1].catch(() => {})
    try {
      return await reads[0].catch(() => undefined) ?? await reads[1].catch(() => undefined)
    } finally {
      yesterday.abort()
    }
  }

  /** The newest record that opens, stopping the query a short grace after the first. */
  private async read (keys: ReturnType<typeof epochKeys>, contact: PeerId, signal: AbortSignal, onProgress?: (evt: any) => void): Promise<OpenedRecord | undefined> {
    const done = new AbortController()
    let best: OpenedRecord | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      for await (const event of this.components.dht.get(keys.dhtKey, { signal: AbortSignal.any([signal, done.signal]), onProgress })) {
        const raw = event.record?.value
        if (event.name !== 'PEER_RESPONSE' || raw == null) continue
        try {
          const opened = await openRecord(keys, contact, raw, this.now())
          if (best == null || opened.written > best.written) best = opened
          timer ??= setTimeout(() => { done.abort() }, this.grace)
        } catch (err) {
          // a hostile server's garbage, or a replay: the next server may have the real one
          this.log('refused a record - %e', err)
        }
      }
    } catch (err) {
      if (!done.signal.aborted) {
        if (best == null) throw err
        this.log('lookup ended early - %e', err)
      }
    } finally {
      clearTimeout(timer)
    }
    return best
  }
}

export function rendezvous (init: RendezvousInit = {}): (components: RendezvousComponents) => Rendezvous {
  return (components) => new RendezvousService(components, init)
}
