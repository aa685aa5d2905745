import { createMessenger, resolveDataDir, type MessengerInit } from '../node/index.ts'
import { parseMultiaddrs } from '../node/config.ts'
import { parseProxyUrl } from '../node/net/proxy.ts'
import { parseOnionControl } from '../node/net/node-onion.ts'
import { stringList, UsageError } from './args.ts'
import { passphraseFor } from './passphrase.ts'
import type { Parsed } from './args.ts'
import type { HyphaeMessenger } from '../node/hyphae-messenger.ts'

export function dataDirOf (parsed: Parsed): string {
  return resolveDataDir(parsed.values['data-dir'] as string | undefined)
}

/** Node settings from the command line, validated before anything touches the disk. */
export function nodeInitOf (parsed: Parsed): Omit<MessengerInit, 'dataDir'> {
  const listen = stringList(parsed.values.listen)
  const bootstrap = stringList(parsed.values.bootstrap)
  try {
    parseMultiaddrs(listen)
    parseMultiaddrs(bootstrap)
  } catch (err: any) {
    throw new UsageError(err.message)
  }
  const proxy = parsed.values.proxy as string | undefined
  const onion = parsed.values.onion as string | undefined
  try {
    if (proxy != null) parseProxyUrl(proxy)
    if (onion != null) parseOnionControl(onion)
  } catch (err: any) {
    throw new UsageError(err.message)
  }
  return { listen, bootstrap, mdns: parsed.values['no-mdns'] !== true, ...(parsed.values.censored === true ? { censored: true } : {}), ...(parsed.values['dht-server'] === true ? { dhtServer: true } : {}), ...(proxy != null ? { proxy } : {}), ...(onion != null ? { onion } : {}) }
}

export async function openNode (parsed: Parsed, extra: Partial<MessengerInit> = {}): Promise<HyphaeMessenger> {
  const init = nodeInitOf(parsed)
  const dataDir = dataDirOf(parsed)
  return createMessenger({ ...init, dataDir, passphrase: await passphraseFor(dataDir), ...extra })
}
