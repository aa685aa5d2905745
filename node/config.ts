import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { InvalidArgumentError, InvalidMultiaddrError } from './errors.ts'

/** Where a profile lives: `--data-dir`, else `HYPHAE_HOME`, else the XDG data directory. */
export function resolveDataDir (flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag != null && flag !== '') return resolve(flag)
  if (env.HYPHAE_HOME != null && env.HYPHAE_HOME !== '') return resolve(env.HYPHAE_HOME)
  const xdg = env.XDG_DATA_HOME != null && env.XDG_DATA_HOME !== '' ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share')
  return join(xdg, 'hyphae')
}

/** Listen on every interface over TCP and WebSockets; port 0 is replaced by the port kept from the last run. */
export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws']

export function parseMultiaddr (value: string): Multiaddr {
  let ma: Multiaddr
  try {
    ma = multiaddr(value)
  } catch (err: any) {
    throw new InvalidMultiaddrError(value, err?.message)
  }
  if (ma.getComponents().length === 0) throw new InvalidMultiaddrError(value, 'empty')
  return ma
}

export function parseMultiaddrs (values: string[] = []): Multiaddr[] {
  return values.map(parseMultiaddr)
}

export function socketPath (dataDir: string): string {
  return join(dataDir, 'hyphae.sock')
}

/** `HOST:PORT` (`[v6]:PORT`); the port may be left out when there is a default. */
export function parseHostPort (value: string, defaultPort?: number): { host: string, port: number } {
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(value.trim())
  const port = m?.[2] != null ? Number(m[2]) : defaultPort
  if (m == null || m[1] === '' || port == null || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`expected HOST:PORT, not ${JSON.stringify(value)}`)
  }
  return { host: m[1], port }
}
