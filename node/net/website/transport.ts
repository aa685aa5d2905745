import { createHash, timingSafeEqual } from 'node:crypto'
import net from 'node:net'
import tls from 'node:tls'
import { ConnectionFailedError, serviceCapabilities, transportSymbol } from '@libp2p/interface'
import { WebSocket } from 'ws'
import { networkPart, parseWebsiteAddress, type WebsiteAddress } from './address.ts'
import { MAX_WEBSOCKET_MESSAGE, websocketToConnection } from './connection.ts'
import { connectThroughProxy, type ProxyAddress } from '../proxy.ts'
import { WebsiteListener, type WebsiteSite } from './listener.ts'
import { ClientSession, type ShortFlowSettings } from './session-client.ts'
import { FreezeMemory, type ShortFlowMode } from './short-flow-mode.ts'
import type { SessionLimits } from './session-server.ts'
import type { ComponentLogger, Connection, CreateListenerOptions, DialTransportOptions, Listener, Logger, Transport } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** What a browser on a desktop sends; the WebSocket handshake is inside TLS, but a website relay's logs see it. */
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'

export interface WebsiteTransportInit {
  /** certificate and key (PEM) for listeners on `/tls/.../ws/http-path/...` addresses */
  certificate?: { cert: string, key: string }
  /** what everyone who is not on the secret path gets (default: nginx's 404 for everything) */
  site?: WebsiteSite
  /** what listeners advertise in place of `/tls`: the SNI clients send, the pinned hash (`/tls/sni/NAME/certhash/HASH`) */
  announceTls?: string
  /** dial through this SOCKS5 proxy (the proxy resolves names) */
  proxy?: ProxyAddress
  /**
   * carry a connection in a session of short flows (each well under a censor's 16 KB freeze):
   * 'auto' (default) once a plain flow to that relay froze, 'always', or 'never'
   */
  shortFlows?: ShortFlowMode
  shortFlowSettings?: Partial<ShortFlowSettings>
  /** what a listener allows short-flow sessions (count, idle time) */
  sessionLimits?: Partial<SessionLimits>
}

export interface WebsiteTransportComponents {
  logger: ComponentLogger
}

export class PinnedCertificateError extends Error {
  static name = 'PinnedCertificateError'
  name = 'PinnedCertificateError'
}

/**
 * WebSockets the way a censored network has to see them: TLS first with the SNI the address
 * names, the certificate pinned by its hash when the address carries one, libp2p only on the
 * address's HTTP path. Listening, the same port serves a website to everyone else.
 */
export class WebsiteTransport implements Transport {
  readonly [transportSymbol] = true
  readonly [Symbol.toStringTag] = 'hyphae:website'
  readonly [serviceCapabilities] = ['@libp2p/transport']
  private readonly log: Logger
  private readonly freezes: FreezeMemory

  constructor (private readonly components: WebsiteTransportComponents, private readonly init: WebsiteTransportInit = {}) {
    this.log = components.logger.forComponent('hyphae:website')
    this.freezes = new FreezeMemory(init.shortFlows)
  }

  async dial (ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    const address = parseWebsiteAddress(ma)
    if (address == null) throw new ConnectionFailedError(`not a WebSocket address: ${ma.toString()}`)
    const key = `${address.host}:${address.port}`
    if (address.tls && address.path !== '/' && this.freezes.useShortFlows(key)) return this.dialShortFlows(address, ma, options)
    const { socket, raw } = await connect(address, options.signal, this.init.proxy)
    const watch = this.freezes.watch(key, raw)
    let websocket: WebSocket
    try {
      websocket = await openWebSocket(address, socket, options.signal)
    } catch (err) {
      watch.check()
      socket.destroy()
      throw err
    }
    this.log('connected to %a', ma)
    const maConn = websocketToConnection({
      websocket,
      remoteAddr: ma,
      direction: 'outbound',
      log: this.components.logger.forComponent('hyphae:website:connection')
    })
    watch.onConnection(maConn)
    try {
      return await options.upgrader.upgradeOutbound(maConn, options)
    } catch (err: any) {
      maConn.abort(err)
      throw err
    }
  }

  /** One libp2p connection on a session of short TLS flows, each a fresh TCP connection to the relay. */
  private async dialShortFlows (address: WebsiteAddress, ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    const session = new ClientSession(async (signal) => {
      const { socket, raw } = await connect(address, signal, this.init.proxy)
      try {
        const websocket = await openWebSocket(address, socket, signal, SESSION_QUERY)
        return { websocket, wireBytes: () => raw.bytesRead + raw.bytesWritten }
      } catch (err) {
        socket.destroy()
        throw err
      }
    }, { remoteAddr: ma, logger: this.components.logger, settings: this.init.shortFlowSettings })
    const maConn = await session.start(options.signal)
    this.log('short-flow session to %a', ma)
    try {
      return await options.upgrader.upgradeOutbound(maConn, options)
    } catch (err: any) {
      maConn.abort(err)
      throw err
    }
  }

  createListener (options: CreateListenerOptions): Listener {
    return new WebsiteListener({
      upgrader: options.upgrader,
      logger: this.components.logger,
      certificate: this.init.certificate,
      site: this.init.site,
      announceTls: this.init.announceTls,
      sessionLimits: this.init.sessionLimits
    })
  }

  /** Listens only where a secret path keeps libp2p away from everyone else; TLS only with a certificate. */
  listenFilter (addrs: Multiaddr[]): Multiaddr[] {
    return addrs.filter(ma => {
      const a = parseWebsiteAddress(ma)
      return a != null && a.path !== '/' && (!a.tls || this.init.certificate != null)
    })
  }

  /**
   * Claims every TLS WebSocket address (stock @libp2p/websockets can set neither SNI nor a pin)
   * and every one with a path; onion addresses only with a proxy: without one, a contact's
   * onion address is passed over quietly for the others.
   */
  dialFilter (addrs: Multiaddr[]): Multiaddr[] {
    return addrs.filter(ma => {
      const a = parseWebsiteAddress(ma)
      return a != null && (a.tls || a.path !== '/') && (this.init.proxy != null || !a.host.endsWith('.onion'))
    })
  }
}

export function websiteTransport (init: WebsiteTransportInit = {}): (components: WebsiteTransportComponents) => Transport {
  return (components) => new WebsiteTransport(components, init)
}

/** What a session flow adds to the secret path: the listener hands such requests to its sessions. */
export const SESSION_QUERY = '?s'

/** The socket to speak on (TLS or not) and the TCP socket under it, whose byte counts are the wire's. */
async function connect (a: WebsiteAddress, signal: AbortSignal, proxy?: ProxyAddress): Promise<{ socket: net.Socket, raw: net.Socket }> {
  signal.throwIfAborted()
  const host = a.family === 6 ? a.host.replace(/^\[|\]$/g, '') : a.host
  if (proxy == null && host.endsWith('.onion')) throw new ConnectionFailedError(`${host} is an onion service: reach it through tor (--proxy socks5://127.0.0.1:9050)`)
  let tcp: net.Socket | undefined
  if (proxy != null) {
    try {
      tcp = await connectThroughProxy(proxy, host, a.port, signal)
    } catch (err: any) {
      throw new ConnectionFailedError(`the proxy at ${proxy.host}:${proxy.port} could not reach ${a.host}:${a.port}: ${err?.message ?? err}`)
    }
  }
  // TLS goes over a TCP socket of our own, whose counts (a short flow's budget) include the handshake
  if (a.tls) tcp ??= net.connect({ host, port: a.port })
  const socket = a.tls
    ? tls.connect({
      socket: tcp,
      // an IP literal is never sent as SNI (RFC 6066); a name is, unless the address names another
      servername: a.sni ?? (a.family === 'dns' ? host : ''),
      ALPNProtocols: ['http/1.1'],
      // a pinned certificate is checked below, by its hash, instead of by a CA
      rejectUnauthorized: a.certhash == null,
      minVersion: 'TLSv1.2'
    })
    : tcp ?? net.connect({ host, port: a.port })
  try {
    if (!a.tls && tcp != null) return { socket, raw: socket }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { reject(signal.reason ?? new Error('aborted')) }
      const cleanup = (): void => { signal.removeEventListener('abort', onAbort); socket.off('error', reject); tcp?.off('error', reject) }
      signal.addEventListener('abort', onAbort, { once: true })
      socket.once('error', reject)
      tcp?.once('error', reject)
      socket.once(a.tls ? 'secureConnect' : 'connect', () => { cleanup(); resolve() })
    })
    if (a.certhash != null) checkPin(socket as tls.TLSSocket, a.certhash)
  } catch (err: any) {
    socket.destroy()
    tcp?.destroy()
    if (err instanceof PinnedCertificateError) throw err
    throw new ConnectionFailedError(`could not connect to ${a.host}:${a.port}: ${err?.message ?? err}`)
  }
  return { socket, raw: tcp ?? socket }
}

function checkPin (socket: tls.TLSSocket, expected: Uint8Array): void {
  const der = socket.getPeerX509Certificate()?.raw
  const actual = der == null ? undefined : createHash('sha256').update(der).digest()
  if (actual == null || actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new PinnedCertificateError('the relay\'s TLS certificate is not the one its address pins')
  }
}

async function openWebSocket (a: WebsiteAddress, socket: net.Socket, signal: AbortSignal, query = ''): Promise<WebSocket> {
  const hostHeader = a.sni ?? (a.family === 6 ? `[${a.host}]` : a.host)
  const port = (a.tls && a.port === 443) || (!a.tls && a.port === 80) ? '' : `:${a.port}`
  const websocket = new WebSocket(`${a.tls ? 'wss' : 'ws'}://${hostHeader}${port}${a.path}${query}`, {
    createConnection: () => socket,
    perMessageDeflate: false,
    maxPayload: MAX_WEBSOCKET_MESSAGE,
    headers: { 'User-Agent': USER_AGENT }
  })
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { websocket.terminate(); reject(signal.reason ?? new Error('aborted')) }
    const cleanup = (): void => { signal.removeEventListener('abort', onAbort); websocket.off('error', onError); websocket.off('unexpected-response', onResponse) }
    const onError = (err: Error): void => { cleanup(); reject(new ConnectionFailedError(`WebSocket to ${a.host}:${a.port}${a.path} failed: ${err.message}`)) }
    const onResponse = (req: { destroy: () => void }, res: { statusCode?: number }): void => {
      cleanup()
      // errors after this one (the aborted request) have nobody left to tell
      websocket.on('error', () => {})
      req.destroy()
      reject(new ConnectionFailedError(`${a.host}:${a.port}${a.path} answered HTTP ${res.statusCode ?? '?'}: wrong path, or not a hyphae relay`))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    websocket.once('error', onError)
    websocket.once('unexpected-response', onResponse)
    websocket.once('open', () => { cleanup(); resolve() })
  })
  return websocket
}

/**
 * circuit-relay-v2 dials any relay address but its dialFilter knows only stock ones: this lets
 * it take `WEBSITE-ADDRESS/p2p/RELAY/p2p-circuit/p2p/PEER` too (the relay part is dialled
 * through the connection manager, so through this transport).
 */
export function acceptWebsiteRelays (transport: Transport): Transport {
  const stock = transport.dialFilter.bind(transport)
  transport.dialFilter = (addrs) => addrs.filter(ma => {
    if (stock([ma]).length > 0) return true
    const parts = ma.getComponents()
    const circuit = parts.findIndex(c => c.name === 'p2p-circuit')
    return circuit > 0 && parts[circuit - 1].name === 'p2p' && parts.at(-1)?.name === 'p2p' && circuit === parts.length - 2 &&
      parseWebsiteAddress(networkPart(ma)) != null
  })
  return transport
}
