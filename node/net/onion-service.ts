import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { InvalidArgumentError } from '../errors.ts'
import { TorControl } from './tor-control.ts'
import type { RelayWebsite } from './website/relay-website.ts'

/** the port the onion address shows: what a website has */
const ONION_PORT = 443

export interface PublishedOnion {
  /** `/onion3/ID:443/tls/.../ws/http-path/SECRET`: announced, so relay lines and invites carry it */
  address: string
  /** keep open: tor withdraws the service when it closes */
  control: TorControl
}

/**
 * Publishes a relay's website as a Tor onion service through tor's control port. The key is
 * kept in the profile (DATA_DIR/website/onion.key), so the address survives restarts.
 */
export async function publishOnion (controlAt: { host: string, port: number }, dataDir: string, website: RelayWebsite): Promise<PublishedOnion> {
  const at = /^\/ip([46])\/([^/]+)\/tcp\/(\d+)\/tls\//.exec(website.listen)
  if (at == null || website.transport.announceTls == null) throw new InvalidArgumentError('--onion needs the relay to hold its own certificate (no --behind-proxy)')
  const host = at[2] === '0.0.0.0' ? '127.0.0.1' : at[2] === '::' ? '::1' : at[2]
  const target = at[1] === '6' ? `[${host}]:${at[3]}` : `${host}:${at[3]}`
  const keyFile = join(dataDir, 'website', 'onion.key')
  const kept = await readFile(keyFile, 'utf8').then(k => k.trim(), () => undefined)
  const control = await TorControl.connect(controlAt)
  try {
    const onion = await control.addOnion(ONION_PORT, target, kept)
    if (kept == null && onion.privateKey != null) {
      await mkdir(join(dataDir, 'website'), { recursive: true, mode: 0o700 })
      await writeFile(keyFile, onion.privateKey + '\n', { mode: 0o600 })
      await chmod(keyFile, 0o600)
    }
    return { address: `/onion3/${onion.serviceId}:${ONION_PORT}${website.transport.announceTls}/ws/http-path/${website.secretPath}`, control }
  } catch (err) {
    control.close()
    throw err
  }
}
