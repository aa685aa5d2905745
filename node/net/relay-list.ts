import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { base64url } from 'multiformats/bases/base64'
import { InvalidArgumentError } from '../errors.ts'
import { isTlsFirst } from './website/address.ts'
import type { MetaStore } from '../store/meta-store.ts'

/** A relay handed out privately (a bridge): one pasteable token, the relay's full address inside. */
export const RELAY_LINE_PREFIX = 'hyphae://relay/'
const META_KEY = 'relays'
/** a profile's own list of relays: more than this is a paste gone wrong, not a user */
const MAX_RELAYS = 64

export interface RelayEntry {
  /** the line to hand on */
  line: string
  address: string
  peerId: string
  /** true when its first bytes on the wire are a TLS ClientHello */
  tls: boolean
}

export function formatRelayLine (ma: Multiaddr): string {
  return RELAY_LINE_PREFIX + base64url.baseEncode(ma.bytes)
}

/** A relay line, or a relay's multiaddr as is; it must name the relay's peer id. */
export function parseRelayLine (input: string): Multiaddr {
  const text = input.replace(/\s+/g, '')
  let ma: Multiaddr
  try {
    ma = text.startsWith(RELAY_LINE_PREFIX)
      ? multiaddr(base64url.baseDecode(text.slice(RELAY_LINE_PREFIX.length)))
      : multiaddr(text)
  } catch {
    throw new InvalidArgumentError('not a relay line: it is truncated, mistyped, or not a hyphae://relay/ line')
  }
  const parts = ma.getComponents()
  if (parts.length < 3 || parts.at(-1)?.name !== 'p2p' || parts.some(c => c.name === 'p2p-circuit')) {
    throw new InvalidArgumentError('not a relay line: it must be a relay\'s own address ending in /p2p/PEER-ID')
  }
  return ma
}

export function relayEntry (ma: Multiaddr): RelayEntry {
  return { line: formatRelayLine(ma), address: ma.toString(), peerId: ma.getComponents().at(-1)?.value ?? '', tls: isTlsFirst(ma) }
}

/** The relays (bridges) the user added by hand, kept in the profile and dialled at every start. */
export class RelayList {
  constructor (private readonly meta: MetaStore) {}

  async addresses (): Promise<Multiaddr[]> {
    const saved = await this.meta.getJSON<string[]>(META_KEY) ?? []
    return saved.flatMap(a => { try { return [multiaddr(a)] } catch { return [] } })
  }

  async list (): Promise<RelayEntry[]> {
    return (await this.addresses()).map(relayEntry)
  }

  async add (line: string): Promise<RelayEntry> {
    const ma = parseRelayLine(line)
    const saved = (await this.addresses()).map(a => a.toString())
    if (!saved.includes(ma.toString())) {
      if (saved.length >= MAX_RELAYS) throw new InvalidArgumentError(`at most ${MAX_RELAYS} relays; remove one first`)
      await this.meta.putJSON(META_KEY, [...saved, ma.toString()])
    }
    return relayEntry(ma)
  }

  /** Removes by line, address or peer id; returns what was removed. */
  async remove (which: string): Promise<RelayEntry[]> {
    const all = await this.addresses()
    let target: string | undefined
    try { target = parseRelayLine(which).toString() } catch {}
    const gone = all.filter(a => a.toString() === target || relayEntry(a).peerId === which.trim())
    if (gone.length === 0) throw new InvalidArgumentError('no such relay in the list (hyphae relays list shows them)')
    await this.meta.putJSON(META_KEY, all.filter(a => !gone.includes(a)).map(a => a.toString()))
    return gone.map(relayEntry)
  }
}
