import { createHash } from 'node:crypto'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { base64url } from 'multiformats/bases/base64'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'

/**
 * A WebSocket address as hyphae dials it: `/ip4|ip6|dns*|dns/HOST/tcp/PORT` (or `/onion3/ID:PORT`), then optionally
 * `/tls` with `/sni/NAME` (the name sent in the ClientHello) and `/certhash/HASH` (the
 * certificate's SHA-256, pinned instead of trusting a CA), then `/ws`, then optionally
 * `/http-path/PATH` (the secret path a website relay serves libp2p on), then `/p2p/ID`.
 */
export interface WebsiteAddress {
  host: string
  port: number
  family: 4 | 6 | 'dns'
  tls: boolean
  sni?: string
  certhash?: Uint8Array
  /** the HTTP request path, always starting with '/' */
  path: string
  peerId?: string
}

const HOSTS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6'])

/** Parses a (non-circuit) WebSocket address, or returns undefined when it is not one. */
export function parseWebsiteAddress (ma: Multiaddr): WebsiteAddress | undefined {
  const parts = ma.getComponents()
  let i = 0
  const next = (name: string): string | undefined => {
    if (parts[i]?.name !== name) return undefined
    return parts[i++].value ?? ''
  }
  const hostPart = parts[i++]
  if (hostPart == null || hostPart.value == null) return undefined
  // `/onion3/ID:PORT`: a Tor onion service, reached only through a SOCKS proxy (tor's)
  const onion = hostPart.name === 'onion3' ? /^([a-z2-7]{56}):(\d+)$/.exec(hostPart.value) : undefined
  if (onion === null || (onion == null && !HOSTS.has(hostPart.name))) return undefined
  const port = Number(onion != null ? onion[2] : next('tcp'))
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined
  let tls = next('tls') != null
  const sni = tls ? next('sni') : undefined
  const hash = tls ? next('certhash') : undefined
  if (next('ws') == null) {
    // `/wss` is the old spelling of `/tls/ws`
    if (tls || next('wss') == null) return undefined
    tls = true
  }
  const path = next('http-path')
  const peerId = next('p2p')
  if (i !== parts.length) return undefined
  let certhash: Uint8Array | undefined
  if (hash != null) {
    try {
      certhash = Digest.decode(base64url.baseDecode(hash.replace(/^u/, ''))).digest
    } catch {
      return undefined
    }
  }
  return {
    host: onion != null ? `${onion[1]}.onion` : hostPart.value,
    port,
    family: hostPart.name === 'ip4' ? 4 : hostPart.name === 'ip6' ? 6 : 'dns',
    tls,
    sni,
    certhash,
    path: path == null ? '/' : '/' + path.replace(/^\/+/, ''),
    peerId
  }
}

/** The part of a relayed address that is dialled over the network: the relay's own address. */
export function networkPart (ma: Multiaddr): Multiaddr {
  const parts = ma.getComponents()
  const circuit = parts.findIndex(c => c.name === 'p2p-circuit')
  return circuit < 0 ? ma : multiaddr(parts.slice(0, circuit))
}

/** True when the first bytes this address puts on the wire are a TLS ClientHello. */
export function isTlsFirst (ma: Multiaddr): boolean {
  const names = networkPart(ma).getComponents().map(c => c.name)
  return names.includes('tls') || names.includes('wss')
}

/** `/certhash/` value for a DER certificate: a base64url multibase SHA-256 multihash, as WebTransport writes it. */
export function certhashOf (der: Uint8Array): string {
  const digest = Digest.create(sha256.code, new Uint8Array(createHash('sha256').update(der).digest()))
  return base64url.encode(digest.bytes)
}
