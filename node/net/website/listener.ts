import http from 'node:http'
import https from 'node:https'
import { timingSafeEqual } from 'node:crypto'
import { getThinWaistAddresses, ipPortToMultiaddr } from '@libp2p/utils'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import { WebSocketServer } from 'ws'
import { parseWebsiteAddress } from './address.ts'
import { MAX_WEBSOCKET_MESSAGE, websocketToConnection } from './connection.ts'
import { SessionHub, type SessionLimits } from './session-server.ts'
import type { ComponentLogger, Listener, ListenerEvents, Logger, Upgrader } from '@libp2p/interface'
import type { Duplex } from 'node:stream'

type UpgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void

/** Everything a listener answers that is not libp2p on the secret path: a website. */
export interface WebsiteSite {
  /**
   * Installs the server's `request` and `clientError` handlers and its timeouts; returns the
   * handler for upgrades that are not libp2p's.
   */
  attach: (server: http.Server) => UpgradeHandler
  /** what the TLS server offers (ALPN, ciphers), to look like the web server the site imitates */
  tlsOptions?: https.ServerOptions
}

export interface WebsiteListenerInit {
  upgrader: Upgrader
  logger: ComponentLogger
  certificate?: { cert: string, key: string }
  site?: WebsiteSite
  announceTls?: string
  sessionLimits?: Partial<SessionLimits>
}

/** Until a site is given: the status line nginx sends for a path it does not have. */
const NOT_FOUND_SITE: WebsiteSite = {
  attach: (server) => {
    server.on('request', (_req, res) => { res.statusCode = 404; res.end() })
    return (_req, socket) => { socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n') }
  },
  tlsOptions: { ALPNProtocols: ['http/1.1'] }
}

/**
 * One TCP port, one HTTP(S) server: WebSocket upgrades on the secret path become libp2p
 * connections, every other byte goes to the site, so that a prober without the path meets
 * an ordinary web server.
 */
export class WebsiteListener extends TypedEventEmitter<ListenerEvents> implements Listener {
  private readonly log: Logger
  private readonly server: http.Server
  private readonly wsServer = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_WEBSOCKET_MESSAGE })
  private secret = Buffer.alloc(0)
  private listenAddr?: Multiaddr
  private suffix?: Multiaddr
  private readonly shutdown = new AbortController()
  private readonly siteUpgrade: UpgradeHandler
  private readonly sessions: SessionHub

  constructor (private readonly init: WebsiteListenerInit) {
    super()
    this.log = init.logger.forComponent('hyphae:website:listener')
    const site = init.site ?? NOT_FOUND_SITE
    this.server = init.certificate != null
      ? https.createServer({ ...site.tlsOptions, cert: init.certificate.cert, key: init.certificate.key })
      : http.createServer()
    this.siteUpgrade = site.attach(this.server)
    this.sessions = new SessionHub({
      logger: init.logger,
      limits: init.sessionLimits,
      onSession: (maConn) => {
        this.log('inbound short-flow session from %a', maConn.remoteAddr)
        this.init.upgrader.upgradeInbound(maConn, { signal: this.shutdown.signal }).catch((err: Error) => {
          this.log.error('inbound session failed to upgrade - %e', err)
          maConn.abort(err)
        })
      }
    })
    this.server.on('upgrade', (req, socket, head) => { this.onUpgrade(req, socket, head) })
    // a TLS handshake that fails (a scanner, a wrong SNI) closes quietly, as nginx's does
    this.server.on('tlsClientError', (_err: Error, socket: Duplex) => { socket.destroy() })
  }

  private onUpgrade (req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const [pathPart, query] = (req.url ?? '').split('?', 2)
    const path = Buffer.from(pathPart)
    const onPath = path.length === this.secret.length && timingSafeEqual(path, this.secret)
    if (!onPath || req.headers.upgrade?.toLowerCase() !== 'websocket') {
      this.siteUpgrade(req, socket, head)
      return
    }
    // `?s`: one short flow of a session (transport.ts SESSION_QUERY)
    if (query === 's') {
      this.sessions.handleUpgrade(req, socket, head, remoteAddressOf(req).encapsulate('/ws'))
      return
    }
    this.wsServer.handleUpgrade(req, socket, head, websocket => {
      const remoteAddr = remoteAddressOf(req).encapsulate('/ws')
      const maConn = websocketToConnection({
        websocket,
        remoteAddr,
        direction: 'inbound',
        log: this.init.logger.forComponent('hyphae:website:connection')
      })
      this.log('inbound connection from %a', remoteAddr)
      this.init.upgrader.upgradeInbound(maConn, { signal: this.shutdown.signal }).catch((err: Error) => {
        this.log.error('inbound connection failed to upgrade - %e', err)
        maConn.abort(err)
      })
    })
  }

  async listen (ma: Multiaddr): Promise<void> {
    const address = parseWebsiteAddress(ma)
    if (address == null || address.family === 'dns') throw new Error(`cannot listen on ${ma.toString()}`)
    this.secret = Buffer.from(address.path)
    const host = address.family === 6 ? address.host.replace(/^\[|\]$/g, '') : address.host
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen({ host, port: address.port, ipv6Only: address.family === 6 }, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    const bound = this.server.address()
    if (bound == null || typeof bound === 'string') throw new Error('the website listener has no TCP address')
    const parts = ma.getComponents()
    this.listenAddr = multiaddr(parts.slice(0, 2)).decapsulate('/tcp').encapsulate(`/tcp/${bound.port}`)
    const tls = this.init.announceTls != null ? multiaddr(this.init.announceTls).getComponents() : [{ name: 'tls', code: 448 }]
    this.suffix = multiaddr(parts.slice(2).flatMap(c => c.name === 'tls' ? tls : c.name === 'p2p' ? [] : [c]) as any)
    this.safeDispatchEvent('listening')
  }

  getAddrs (): Multiaddr[] {
    if (this.listenAddr == null || this.suffix == null) return []
    const suffix = this.suffix
    return getThinWaistAddresses(this.listenAddr).map(a => a.encapsulate(suffix))
  }

  updateAnnounceAddrs (): void {}

  async close (): Promise<void> {
    this.shutdown.abort()
    this.sessions.close()
    for (const client of this.wsServer.clients) client.terminate()
    this.wsServer.close()
    this.server.closeAllConnections()
    await new Promise<void>(resolve => { this.server.close(() => { resolve() }) })
    this.safeDispatchEvent('close')
  }
}

/** Behind nginx or caddy on the same machine the TCP peer is the proxy; the header it sets names the client. */
function remoteAddressOf (req: http.IncomingMessage): Multiaddr {
  const peer = req.socket.remoteAddress ?? '0.0.0.0'
  const forwarded = req.headers['x-forwarded-for']
  if ((peer === '127.0.0.1' || peer === '::1' || peer === '::ffff:127.0.0.1') && typeof forwarded === 'string') {
    const client = forwarded.split(',').pop()?.trim() ?? ''
    try {
      return ipPortToMultiaddr(client, 0)
    } catch {}
  }
  return ipPortToMultiaddr(peer.replace(/^::ffff:/, ''), req.socket.remotePort ?? 0)
}
