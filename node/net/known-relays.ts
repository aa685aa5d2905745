import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { isCircuit } from './addresses.ts'
import type { MetaStore } from '../store/meta-store.ts'
import type { Libp2p } from '@libp2p/interface'

const META_KEY = 'relay-addresses'
/** an invite holds at most 32 addresses; a few relays are plenty */
const MAX_KEPT = 8

/**
 * This node's own relayed addresses (`.../p2p/RELAY/p2p-circuit/p2p/ME`), kept in the profile
 * each time its reservations change. A node started for one command (`hyphae invite`) has no
 * reservation yet: its invite then names the relays it last held, which is where its mailbox is.
 */
export class KnownRelays {
  private last = ''
  private writing: Promise<void> = Promise.resolve()

  constructor (private readonly libp2p: Libp2p, private readonly meta: MetaStore) {}

  start (): void {
    this.libp2p.addEventListener('self:peer:update', this.onUpdate)
  }

  /**
   * Keeps the relays held now (an address change does not always raise self:peer:update, e.g. a
   * reservation made before start), stops listening and waits for the write. Call before libp2p stops.
   */
  async stop (): Promise<void> {
    this.onUpdate()
    this.libp2p.removeEventListener('self:peer:update', this.onUpdate)
    await this.writing
  }

  /** the relayed addresses this profile last had, from the store */
  async addresses (): Promise<Multiaddr[]> {
    const saved = await this.meta.getJSON<string[]>(META_KEY).catch(() => undefined)
    if (!Array.isArray(saved)) return []
    return saved.slice(0, MAX_KEPT).flatMap(a => {
      try { return [multiaddr(String(a))] } catch { return [] }
    })
  }

  private readonly onUpdate = (): void => {
    const circuits = this.libp2p.getMultiaddrs().filter(isCircuit).slice(0, MAX_KEPT).map(a => a.toString())
    // losing every reservation is not news: the last ones are still the best guess
    const key = circuits.join(' ')
    if (circuits.length === 0 || key === this.last) return
    this.last = key
    this.writing = this.writing.then(async () => this.meta.putJSON(META_KEY, circuits)).catch(() => {})
  }
}
