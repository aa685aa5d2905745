import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { InvalidArgumentError } from '../../errors.ts'
import { parseHostPort } from '../../config.ts'
import { certhashOfFile, loadCertificate, selfSignedCertificate, type TlsCertificate } from './certificate.ts'
import type { WebsiteSite } from './listener.ts'
import type { WebsiteTransportInit } from './transport.ts'

export interface RelayWebsiteInit {
  dataDir: string
  /** where the website listens: HOST:PORT */
  host: string
  port: number
  /** nginx or caddy in front holds the certificate: listen plain HTTP (on loopback) */
  behindProxy?: boolean
  /** the operator's certificate and key (PEM files); without them a self-signed one is made and pinned */
  certFile?: string
  keyFile?: string
  /** the name clients send as SNI (and the self-signed certificate's name) */
  name?: string
  /** HOST[:PORT] clients reach the website at, when it is not the listen address (a proxy, a NAT) */
  publicAddress?: string
  /** the secret path; default: one made at random and kept in the profile */
  secretPath?: string
  site?: WebsiteSite
}

export interface RelayWebsite {
  listen: string
  announce?: string
  /** extra components of the address clients dial (SNI, pin), after `/tls` */
  transport: WebsiteTransportInit
  secretPath: string
  certificate?: TlsCertificate
}

const PATH_CHARS = /^[A-Za-z0-9_-]{8,128}$/

/** Turns the relay's website flags into a listen address, an announced address and the transport's settings. */
export async function prepareRelayWebsite (init: RelayWebsiteInit): Promise<RelayWebsite> {
  // everything the operator typed is checked before anything is written to the profile
  if (init.secretPath != null && !PATH_CHARS.test(init.secretPath)) throw new InvalidArgumentError('the secret path is 8 to 128 letters, digits, - or _')
  if (init.behindProxy !== true && (init.certFile == null) !== (init.keyFile == null)) throw new InvalidArgumentError('--tls-cert and --tls-key go together')
  const family = isIP(init.host)
  if (family === 0) throw new InvalidArgumentError(`the website listens on an IP address, not ${JSON.stringify(init.host)}`)
  const ip = `/ip${family}/${init.host}/tcp/${init.port}`
  const publicAt = init.publicAddress != null ? parseHostPort(init.publicAddress, 443) : undefined
  const name = init.name ?? (publicAt != null && isIP(publicAt.host) === 0 ? publicAt.host : undefined)
  if (init.behindProxy === true && publicAt == null) throw new InvalidArgumentError('behind a proxy, say where clients reach it: --public-address NAME:443')
  if (init.behindProxy === true && init.keyFile != null) throw new InvalidArgumentError('behind a proxy the proxy holds the key: give --tls-cert alone, to pin a self-signed certificate')
  const dir = join(init.dataDir, 'website')
  const secretPath = init.secretPath ?? await keptSecretPath(dir)

  if (init.behindProxy === true && publicAt != null) {    // the proxy's own self-signed certificate, when it has no CA's, is pinned like ours
    const pin = init.certFile != null ? `/certhash/${await certhashOfFile(init.certFile)}` : ''
    return {
      listen: `${ip}/ws/http-path/${secretPath}`,
      announce: `${hostPart(publicAt.host)}/tcp/${publicAt.port}/tls${name != null ? `/sni/${name}` : ''}${pin}/ws/http-path/${secretPath}`,
      transport: { site: init.site },
      secretPath
    }
  }
  const selfSigned = init.certFile == null
  const certificate = selfSigned
    ? await selfSignedCertificate(dir, name ?? 'localhost')
    : await loadCertificate(init.certFile as string, init.keyFile as string)
  // an operator's CA certificate is checked by name (it renews); our own is pinned by hash
  const tlsPart = `/tls${name != null ? `/sni/${name}` : ''}${selfSigned ? `/certhash/${certificate.certhash}` : ''}`
  return {
    listen: `${ip}/tls/ws/http-path/${secretPath}`,
    announce: publicAt != null ? `${hostPart(publicAt.host)}/tcp/${publicAt.port}${tlsPart}/ws/http-path/${secretPath}` : undefined,
    transport: { certificate, site: init.site, announceTls: tlsPart },
    secretPath,
    certificate
  }
}

function hostPart (host: string): string {
  const family = isIP(host)
  return family === 0 ? `/dns/${host}` : `/ip${family}/${host}`
}

async function keptSecretPath (dir: string): Promise<string> {
  const file = join(dir, 'secret-path')
  try {
    const kept = (await readFile(file, 'utf8')).trim()
    if (PATH_CHARS.test(kept)) return kept
  } catch {}
  const made = randomBytes(16).toString('base64url')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await writeFile(file + '.tmp', made + '\n', { mode: 0o600 })
  await rename(file + '.tmp', file)
  return made
}
