import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { certhashOf } from './address.ts'

export interface TlsCertificate {
  cert: string
  key: string
  /** the names the certificate is for (subjectAltName DNS entries, else its CN) */
  names: string[]
  /** `/certhash/` of the certificate, for addresses that pin it */
  certhash: string
}

export class CertificateError extends Error {
  static name = 'CertificateError'
  name = 'CertificateError'
}

/** Reads an operator's certificate and key (PEM) and checks that they belong together. */
export async function loadCertificate (certFile: string, keyFile: string): Promise<TlsCertificate> {
  let cert: string, key: string
  try {
    [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')])
  } catch (err: any) {
    throw new CertificateError(`cannot read the TLS certificate or key: ${err.message}`)
  }
  return describe(cert, key)
}

/**
 * The relay's own self-signed certificate for NAME, made once and kept in the profile so the
 * hash that bridge lines pin stays the same across restarts.
 */
export async function selfSignedCertificate (dir: string, name: string): Promise<TlsCertificate> {
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  try {
    const existing = await loadCertificate(certFile, keyFile)
    if (existing.names.includes(name)) return existing
  } catch {}
  const { cert, key } = await generate(name)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  for (const [file, pem] of [[keyFile, key], [certFile, cert]]) {
    await writeFile(file + '.tmp', pem, { mode: 0o600 })
    await rename(file + '.tmp', file)
  }
  return describe(cert, key)
}

/** A new self-signed certificate for NAME, in memory only (the caller keeps it where it likes). */
export async function newSelfSignedCertificate (name: string): Promise<TlsCertificate> {
  const { cert, key } = await generate(name)
  return describe(cert, key)
}

/** A certificate and key kept elsewhere (PEM text), checked as a file's would be. */
export function certificateOf (cert: string, key: string): TlsCertificate {
  return describe(cert, key)
}

function describe (cert: string, key: string): TlsCertificate {
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(cert)
  } catch (err: any) {
    throw new CertificateError(`the TLS certificate is not a PEM certificate: ${err.message}`)
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new CertificateError('the TLS key does not belong to the certificate')
  } catch (err: any) {
    if (err instanceof CertificateError) throw err
    throw new CertificateError(`the TLS key is not a PEM private key: ${err.message}`)
  }
  const alt = (x509.subjectAltName ?? '').split(',').map(s => s.trim()).filter(s => s.startsWith('DNS:')).map(s => s.slice(4))
  const cn = /CN=([^\n,]+)/.exec(x509.subject)?.[1]
  return { cert, key, names: alt.length > 0 ? alt : cn != null ? [cn] : [], certhash: certhashOf(x509.raw) }
}

async function generate (name: string): Promise<{ cert: string, key: string }> {
  // loaded only by a relay that makes its own certificate
  await import('reflect-metadata')
  const x509 = await import('@peculiar/x509')
  x509.cryptoProvider.set(webcrypto as unknown as Crypto)
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])
  const now = Date.now()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16).toString('hex').replace(/^[89a-f]/, '1'),
    name: `CN=${name}`,
    notBefore: new Date(now - 24 * 3600_000),
    notAfter: new Date(now + 5 * 365 * 24 * 3600_000),
    signingAlgorithm: algorithm,
    keys: keys as unknown as CryptoKeyPair,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: name }])]
  })
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64')
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END PRIVATE KEY-----\n`
  return { cert: cert.toString('pem') + '\n', key }
}

/** The `/certhash/` of a PEM certificate file (a proxy's, to pin). */
export async function certhashOfFile (certFile: string): Promise<string> {
  try {
    return certhashOf(new X509Certificate(await readFile(certFile)).raw)
  } catch (err: any) {
    throw new CertificateError(`cannot read the TLS certificate ${certFile}: ${err.message}`)
  }
}
