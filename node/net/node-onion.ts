import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { parseHostPort } from '../config.ts'
import { InvalidArgumentError } from '../errors.ts'
import { TorControl, TorControlError } from './tor-control.ts'
import { certificateOf, newSelfSignedCertificate, type TlsCertificate } from './website/certificate.ts'
import type { MetaStore } from '../store/meta-store.ts'
import type { WebsiteTransportInit } from './website/transport.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

/** the port the onion address shows: what a website has */
const ONION_PORT = 443
/** where the profile keeps the onion key, certificate and path (the encrypted meta store) */
const META_KEY = 'onion'
const TOR_KEY = /^ED25519-V3:[A-Za-z0-9+/]{86}==$/
const PATH_CHARS = /^[A-Za-z0-9_-]{8,128}$/

/** What the profile keeps, so the onion address (and what it pins) is the same at every start. */
interface KeptOnion {
  /** tor's `ED25519-V3:...` key: whoever holds it can be this onion address */
  key: string
  cert: string
  tlsKey: string
  secretPath: string
}

export interface NodeOnion {
  /** the loopback-only listener tor forwards to: `/ip4/127.0.0.1/tcp/PORT/tls/ws/http-path/SECRET` */
  listen: string
  /** `/onion3/ID:443/tls/certhash/HASH/ws/http-path/SECRET`: announced, so invites and rendezvous records carry it */
  address: string
  serviceId: string
  /** the certificate the listener serves, and what it announces in place of `/tls` */
  website: WebsiteTransportInit
  /** the loopback listener's own address: only tor is to reach it, so it is not announced */
  isTarget: (ma: Multiaddr) => boolean
  /** keep open: tor withdraws the service when it closes */
  control: TorControl
}

/** `HOST:PORT` of tor's control port (the port defaults to 9051), or a clear error. */
export function parseOnionControl (value: string): { host: string, port: number } {
  try {
    if (typeof value !== 'string') throw new TypeError('not text')
    return parseHostPort(value, 9051)
  } catch {
    throw new InvalidArgumentError(`--onion takes tor's control port, HOST:PORT (127.0.0.1:9051), not ${JSON.stringify(value)}`)
  }
}

/**
 * Publishes a user's node as a Tor onion service through tor's control port. The service
 * forwards to a website-style listener on loopback (TLS, WebSocket on a secret path), because
 * that is the one transport a node behind --proxy dials: no new dialer, and one that already
 * refuses onion addresses without a proxy. The onion key, the certificate the address pins and
 * the path live in the encrypted profile store, never in a file of their own.
 */
export async function publishNodeOnion (controlAt: { host: string, port: number }, meta: MetaStore): Promise<NodeOnion> {
  const kept = validKept(await meta.getJSON<KeptOnion>(META_KEY))
  const certificate: TlsCertificate = kept != null ? certificateOf(kept.cert, kept.tlsKey) : await newSelfSignedCertificate('localhost')
  const secretPath = kept?.secretPath ?? randomBytes(16).toString('base64url')
  const port = await freeLoopbackPort()
  const control = await TorControl.connect(controlAt)
  try {
    const onion = await control.addOnion(ONION_PORT, `127.0.0.1:${port}`, kept?.key).catch((err: Error) => {
      throw new TorControlError(`tor would not publish this node's onion service: ${err.message}`)
    })
    if (kept == null) {
      if (onion.privateKey == null || !TOR_KEY.test(onion.privateKey)) throw new TorControlError('tor made an onion key hyphae cannot keep')
      await meta.putJSON(META_KEY, { key: onion.privateKey, cert: certificate.cert, tlsKey: certificate.key, secretPath } satisfies KeptOnion)
    }
    const tlsPart = `/tls/certhash/${certificate.certhash}`
    return {
      listen: `/ip4/127.0.0.1/tcp/${port}/tls/ws/http-path/${secretPath}`,
      address: `/onion3/${onion.serviceId}:${ONION_PORT}${tlsPart}/ws/http-path/${secretPath}`,
      serviceId: onion.serviceId,
      website: { certificate: { cert: certificate.cert, key: certificate.key }, announceTls: tlsPart },
      isTarget: ma => {
        const parts = ma.getComponents()
        return parts[0]?.name === 'ip4' && parts[0].value === '127.0.0.1' && parts[1]?.name === 'tcp' && parts[1].value === String(port)
      },
      control
    }
  } catch (err) {
    control.close()
    throw err
  }
}

/** What the store holds, if it is whole: a damaged entry is replaced by a new address, not sent to tor. */
function validKept (kept: KeptOnion | undefined): KeptOnion | undefined {
  if (kept == null || typeof kept.key !== 'string' || !TOR_KEY.test(kept.key) || typeof kept.secretPath !== 'string' || !PATH_CHARS.test(kept.secretPath)) return undefined
  try {
    certificateOf(kept.cert, kept.tlsKey)
  } catch {
    return undefined
  }
  return kept
}

/** A loopback port free right now: tor is told it before libp2p listens on it. */
async function freeLoopbackPort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => { resolve() })
  })
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>(resolve => { server.close(() => { resolve() }) })
  return port
}
