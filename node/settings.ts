/** The profile's settings (see Settings), kept in its meta store. */
import { InvalidArgumentError } from './errors.ts'
import { parseProxyUrl } from './net/proxy.ts'
import { parseOnionControl } from './net/node-onion.ts'
import type { Settings } from './messenger.ts'
import type { MetaStore } from './store/meta-store.ts'

/** The settings, with their defaults where none was set. */
export async function readSettings (meta: MetaStore): Promise<Settings> {
  return { readReceipts: false, censored: false, proxy: null, onion: null, dhtServer: false, ...(await meta.getJSON<Partial<Settings>>('settings')) }
}

/** Checks and stores a change; a bad value changes nothing. */
export async function updateSettings (meta: MetaStore, change: Partial<Settings>): Promise<Settings> {
  for (const name of ['readReceipts', 'censored', 'dhtServer'] as const) {
    if (change[name] != null && typeof change[name] !== 'boolean') throw new InvalidArgumentError(`${name} is true or false`)
  }
  // null clears the proxy; a string must be a SOCKS5 URL
  if (change.proxy != null) parseProxyUrl(change.proxy)
  if (change.onion != null) parseOnionControl(change.onion)
  const next = {
    ...(await readSettings(meta)),
    ...(change.readReceipts != null ? { readReceipts: change.readReceipts } : {}),
    ...(change.censored != null ? { censored: change.censored } : {}),
    ...(change.dhtServer != null ? { dhtServer: change.dhtServer } : {}),
    ...(change.proxy !== undefined ? { proxy: change.proxy } : {}),
    ...(change.onion !== undefined ? { onion: change.onion } : {})
  }
  await meta.putJSON('settings', next)
  return next
}
