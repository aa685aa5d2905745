import { SocksClient } from 'socks'
import { InvalidArgumentError } from '../errors.ts'
import type { Socket } from 'node:net'

/** A SOCKS5 proxy every outgoing connection goes through: Tor's SOCKS port, a VPN client's, Psiphon's. */
export interface ProxyAddress {
  host: string
  port: number
}

/** `socks5://HOST:PORT` (or `socks5h://`: names are always resolved by the proxy, never here). */
export function parseProxyUrl (value: string): ProxyAddress {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InvalidArgumentError(`--proxy takes socks5://HOST:PORT, not ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'socks5:' && url.protocol !== 'socks5h:') throw new InvalidArgumentError(`--proxy takes a SOCKS5 proxy (socks5://HOST:PORT), not ${url.protocol}`)
  const port = Number(url.port)
  if (url.hostname === '' || !Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError(`--proxy needs a host and a port: socks5://HOST:PORT, not ${JSON.stringify(value)}`)
  if (url.username !== '' || url.pathname.replace(/\/$/, '') !== '') throw new InvalidArgumentError('--proxy takes socks5://HOST:PORT only (no user, no path)')
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port }
}

/** A TCP connection to host:port made by the proxy; the host name, if any, is resolved there. */
export async function connectThroughProxy (proxy: ProxyAddress, host: string, port: number, signal: AbortSignal): Promise<Socket> {
  signal.throwIfAborted()
  const pending = SocksClient.createConnection({
    proxy: { host: proxy.host, port: proxy.port, type: 5 },
    command: 'connect',
    destination: { host, port },
    timeout: 30_000
  })
  let onAbort: (() => void) | undefined
  try {
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => { reject(signal.reason ?? new Error('aborted')) }
      signal.addEventListener('abort', onAbort, { once: true })
    })
    return (await Promise.race([pending, aborted])).socket
  } catch (err) {
    // a connection the proxy completes after we gave up is closed, not leaked
    pending.then(({ socket }) => { socket.destroy() }, () => {})
    throw err
  } finally {
    if (onAbort != null) signal.removeEventListener('abort', onAbort)
  }
}
