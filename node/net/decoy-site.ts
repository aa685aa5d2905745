/**
 * Makes a Node http/https server answer every request it is given as Debian's nginx 1.22
 * serving a static directory (decoyNginxConfig()) does: status lines, header order and
 * casing, error pages, keep-alive, junk bytes and silence. The relay's transport hands it
 * everything that is not its secret WebSocket path, so an active prober sees a web server.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { extname, join, posix } from 'node:path'
import type { Stats } from 'node:fs'
import type { Duplex } from 'node:stream'
import {
  DECOY_CLIENT_HEADER_TIMEOUT_MS, DECOY_INDEX_FILES, DECOY_KEEPALIVE_TIMEOUT_MS, DECOY_SERVER_TOKEN,
  DECOY_TLS_CIPHERS, DEFAULT_DECOY_ROOT
} from './decoy-nginx-config.ts'
import { DECOY_MIME_TYPES } from './decoy-mime-types.ts'
import { NGINX_REASONS, NGINX_TO_HTTPS, errorPage, httpDate, rawErrorResponse, wantsPadding } from './decoy-responses.ts'

export interface DecoySiteInit {
  /** The static directory served at `/`; defaults to the committed decoy site. */
  root?: string
  /** The Server header and error-page signature; defaults to `nginx/<DECOY_NGINX_VERSION>`. */
  serverToken?: string
}

export interface DecoySite {
  /** The `request` handler attachDecoySite installed; call it for a request routed elsewhere. */
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): void
  /**
   * For an `upgrade` event that is not the secret path: answers as nginx answers a
   * WebSocket upgrade to a static location (an ordinary response) and gives the socket back
   * to the server's HTTP parser for keep-alive. Alternatively set the server's
   * `shouldUpgradeCallback` (Node >= 24.9) to accept only the secret path: Node then hands
   * every other upgrade to the `request` handler by itself.
   */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void
  /** The `clientError` handler attachDecoySite installed. */
  handleClientError(err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex): void
  /** Removes the handlers and restores the server's listeners. */
  detach(): void
}

/** nginx's `keepalive_requests` default: the 1000th request on a connection gets `close`. */
const KEEPALIVE_REQUESTS = 1000

/**
 * TLS options that make an https.Server look like Debian's nginx from outside: spread into
 * `https.createServer({ ...decoyTlsOptions(), key, cert })`. ALPN http/1.1 only (nginx 1.22
 * without `http2` picks it and refuses h2 alone), nginx's cipher list and order, and its
 * `ssl_session_timeout 5m` as the ticket lifetime hint. Still different: a TLS 1.0/1.1
 * ClientHello gets alert 70 (protocol_version) here, 80 (internal_error) from Debian's nginx;
 * nginx sends two TLS 1.3 session tickets, Node none.
 */
export function decoyTlsOptions (): Pick<https.ServerOptions, 'ALPNProtocols' | 'ciphers' | 'honorCipherOrder' | 'minVersion' | 'sessionTimeout'> {
  return { ALPNProtocols: ['http/1.1'], ciphers: DECOY_TLS_CIPHERS + ':@SECLEVEL=2', honorCipherOrder: true, minVersion: 'TLSv1.2', sessionTimeout: 300 }
}

const mimeByExtension = new Map<string, string>()
for (const [type, exts] of DECOY_MIME_TYPES) for (const ext of exts) mimeByExtension.set(ext, type)

function contentType (file: string): string {
  return mimeByExtension.get(extname(file).slice(1).toLowerCase()) ?? 'application/octet-stream'
}

function etag (s: Stats): string {
  return `"${Math.floor(s.mtimeMs / 1000).toString(16)}-${s.size.toString(16)}"`
}

async function statOrNull (path: string): Promise<Stats | null> {
  try { return await stat(path) } catch { return null }
}

/** nginx's URI normalization: the path alone, %-decoded, slashes merged, dot segments resolved. */
function normalizeUri (url: string): { path: string } | { bad: true } {
  let target = url
  const absolute = /^https?:\/\/[^/]*/i.exec(target)
  if (absolute != null) target = target.slice(absolute[0].length) || '/'
  if (!target.startsWith('/')) return { bad: true }
  const q = target.indexOf('?')
  if (q !== -1) target = target.slice(0, q)
  let decoded: string
  try { decoded = decodeURIComponent(target) } catch { decoded = target }
  if (decoded.includes('\0')) return { bad: true }
  const segments: string[] = []
  for (const seg of decoded.split('/').slice(1)) {
    if (seg === '..') {
      if (segments.length === 0) return { bad: true }
      segments.pop()
    } else if (seg !== '.' && seg !== '') {
      segments.push(seg)
    }
  }
  const trailing = decoded.endsWith('/') || decoded.endsWith('/.') || decoded.endsWith('/..')
  const path = '/' + segments.join('/') + (trailing && segments.length > 0 ? '/' : '')
  return { path: posix.normalize(path) }
}

function keepAliveFor (req: http.IncomingMessage, socket: Duplex, counts: WeakMap<Duplex, number>): boolean {
  const n = (counts.get(socket) ?? 0) + 1
  counts.set(socket, n)
  if (n >= KEEPALIVE_REQUESTS) return false
  const conn = (req.headers.connection ?? '').toLowerCase()
  if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) return /\bkeep-alive\b/.test(conn)
  return !/\bclose\b/.test(conn)
}

export function attachDecoySite (server: http.Server | https.Server, init: DecoySiteInit = {}): DecoySite {
  const root = init.root ?? DEFAULT_DECOY_ROOT
  const token = init.serverToken ?? DECOY_SERVER_TOKEN
  const isTls = server instanceof https.Server
  const requestCounts = new WeakMap<Duplex, number>()

  // Node writes its own Date, Keep-Alive and a bare 400 for a missing Host: nginx does not.
  const saved = {
    sendDate: undefined as boolean | undefined,
    requireHostHeader: (server as any).requireHostHeader,
    keepAliveTimeout: server.keepAliveTimeout,
    headersTimeout: server.headersTimeout,
    requestTimeout: server.requestTimeout
  };
  (server as any).requireHostHeader = false
  server.keepAliveTimeout = DECOY_KEEPALIVE_TIMEOUT_MS
  server.requestTimeout = 0
  server.headersTimeout = DECOY_CLIENT_HEADER_TIMEOUT_MS

  function send (req: http.IncomingMessage, res: http.ServerResponse, status: number, headers: Array<[string, string]>, body: string | null, keepAlive: boolean, file?: { path: string, start: number, end: number }): void {
    res.sendDate = false
    const code = status === NGINX_TO_HTTPS ? 400 : status
    const all: Array<[string, string]> = [['Server', token], ['Date', httpDate(new Date())], ...headers]
    // nginx puts Connection after its fixed headers and before the listed ones (ETag, ...).
    const at = all.findIndex(([k]) => k === 'ETag' || k === 'Accept-Ranges' || k === 'Content-Range')
    all.splice(at === -1 ? all.length : at, 0, ['Connection', keepAlive ? 'keep-alive' : 'close'])
    res.writeHead(code, NGINX_REASONS[code], all.flat())
    if (req.method === 'HEAD' || body == null) {
      if (file != null && req.method !== 'HEAD') {
        createReadStream(file.path, { start: file.start, end: file.end }).on('error', () => res.destroy()).pipe(res)
        return
      }
      res.end()
      return
    }
    res.end(body, 'latin1')
  }

  function sendError (req: http.IncomingMessage, res: http.ServerResponse, status: number, keepAlive: boolean, extra: Array<[string, string]> = []): void {
    // nginx drops keep-alive after these (ngx_http_special_response_handler).
    if ([400, 413, 414, NGINX_TO_HTTPS, 500, 501].includes(status)) keepAlive = false
    const body = errorPage(status, wantsPadding(req.headers['user-agent']), token)
    send(req, res, status, [['Content-Type', 'text/html'], ['Content-Length', String(Buffer.byteLength(body))], ...extra], body, keepAlive)
  }

  async function serve (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const keepAlive = keepAliveFor(req, req.socket, requestCounts)
    if (req.method === 'TRACE') { sendError(req, res, 405, false); return }
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 1 && req.headers.host == null) { sendError(req, res, 400, false); return }
    const uri = normalizeUri(req.url ?? '/')
    if ('bad' in uri) { sendError(req, res, 400, false); return }
    const method = req.method ?? 'GET'
    const readable = method === 'GET' || method === 'HEAD'

    let path = uri.path
    let fileStat: Stats | null = null
    if (path.endsWith('/')) {
      const dir = await statOrNull(join(root, path))
      if (dir?.isDirectory() !== true) { sendError(req, res, 404, keepAlive); return }
      for (const index of DECOY_INDEX_FILES) {
        const s = await statOrNull(join(root, path, index))
        if (s?.isFile() === true) { path += index; fileStat = s; break }
      }
      if (fileStat == null) {
        sendError(req, res, readable || method === 'POST' ? 403 : 405, keepAlive)
        return
      }
    } else {
      fileStat = await statOrNull(join(root, path))
      if (fileStat == null) { sendError(req, res, 404, keepAlive); return }
      if (fileStat.isDirectory()) {
        if (!readable && method !== 'POST') { sendError(req, res, 405, keepAlive); return }
        const hostHeader = req.headers.host ?? ''
        const host = hostHeader.replace(/:\d*$/, '') || (req.socket.localAddress ?? '')
        const port = req.socket.localPort ?? (isTls ? 443 : 80)
        const portPart = port === (isTls ? 443 : 80) ? '' : `:${port}`
        sendError(req, res, 301, keepAlive, [['Location', `${isTls ? 'https' : 'http'}://${host}${portPart}${path}/`]])
        return
      }
    }
    if (!readable) { sendError(req, res, 405, keepAlive); return }

    const full = join(root, path)
    const tag = etag(fileStat)
    const modified = httpDate(fileStat.mtime)
    const inm = req.headers['if-none-match']
    const ims = req.headers['if-modified-since']
    if ((inm != null && (inm === '*' || inm.split(/\s*,\s*/).includes(tag))) || (inm == null && ims === modified)) {
      send(req, res, 304, [['Last-Modified', modified], ['ETag', tag]], null, keepAlive)
      return
    }
    const size = fileStat.size
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '')
    if (range != null && (range[1] !== '' || range[2] !== '')) {
      let start = range[1] === '' ? Math.max(0, size - Number(range[2])) : Number(range[1])
      let end = range[1] === '' ? size - 1 : (range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1))
      if (start >= size || start > end) {
        const body = errorPage(416, wantsPadding(req.headers['user-agent']), token)
        send(req, res, 416, [['Content-Type', 'text/html'], ['Content-Length', String(Buffer.byteLength(body))], ['Content-Range', `bytes */${size}`]], body, keepAlive)
        return
      }
      start = Math.max(0, start)
      end = Math.max(start, end)
      send(req, res, 206, [
        ['Content-Type', contentType(full)], ['Content-Length', String(end - start + 1)], ['Last-Modified', modified],
        ['ETag', tag], ['Content-Range', `bytes ${start}-${end}/${size}`]
      ], null, keepAlive, { path: full, start, end })
      return
    }
    send(req, res, 200, [
      ['Content-Type', contentType(full)], ['Content-Length', String(size)], ['Last-Modified', modified],
      ['ETag', tag], ['Accept-Ranges', 'bytes']
    ], null, keepAlive, { path: full, start: 0, end: Math.max(0, size - 1) })
  }

  const handleRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    serve(req, res).catch(() => { if (!res.headersSent) sendError(req, res, 500, false); else res.destroy() })
  }

  const handleClientError = (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex): void => {
    // A header timeout or a reset: nginx closes without a word.
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    const raw = err.rawPacket
    // HTTP/0.9 (`GET /path` and a newline): nginx sends the bare file, no status line.
    const simple = raw != null ? /^GET (\/[^\s]*)\r?\n/.exec(raw.toString('latin1')) : null
    if (simple != null) {
      void serveSimple(simple[1], socket)
      return
    }
    const status = err.code === 'HPE_INVALID_VERSION' && raw != null && /^[A-Z_-]+ \S+ HTTP\/[2-9]\.\d\r?\n/.test(raw.toString('latin1')) ? 505 : 400
    socket.end(rawErrorResponse(status === 505 ? 505 : 400, false, false, true, token))
  }

  async function serveSimple (target: string, socket: Duplex): Promise<void> {
    const uri = normalizeUri(target)
    let file: string | null = null
    if (!('bad' in uri)) {
      const path = uri.path
      if (path.endsWith('/')) {
        for (const index of DECOY_INDEX_FILES) {
          if ((await statOrNull(join(root, path, index)))?.isFile() === true) { file = join(root, path, index); break }
        }
      } else if ((await statOrNull(join(root, path)))?.isFile() === true) {
        file = join(root, path)
      }
    }
    if (file == null) { socket.end(errorPage(404, false, token)); return }
    createReadStream(file).on('error', () => socket.destroy()).pipe(socket)
  }

  /**
   * nginx reads plain HTTP on its TLS port: a first byte that opens no TLS (or SSLv2) record
   * gets an HTTP answer (497, shown as 400, or 400 for junk), not a failed handshake. Node's
   * TLS server would only close, so the first bytes are looked at before TLS sees them.
   */
  function answerPlainOnTlsPort (tlsServer: https.Server): () => void {
    const plain = http.createServer()
    ;(plain as any).requireHostHeader = false
    plain.keepAliveTimeout = DECOY_KEEPALIVE_TIMEOUT_MS
    plain.requestTimeout = 0
    plain.headersTimeout = DECOY_CLIENT_HEADER_TIMEOUT_MS
    plain.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      keepAliveFor(req, req.socket, requestCounts)
      const noHost = req.httpVersionMajor === 1 && req.httpVersionMinor === 1 && req.headers.host == null
      sendError(req, res, noHost || req.method === 'TRACE' ? (noHost ? 400 : 405) : NGINX_TO_HTTPS, false)
    })
    plain.on('clientError', handleClientError)
    const tlsListeners = tlsServer.listeners('connection') as Array<(socket: net.Socket) => void>
    tlsServer.removeAllListeners('connection')
    const onConnection = (socket: net.Socket): void => {
      const onEarlyError = (): void => { socket.destroy() }
      socket.on('error', onEarlyError)
      // nginx's client_header_timeout covers the wait for the first byte too.
      socket.setTimeout(DECOY_CLIENT_HEADER_TIMEOUT_MS, () => socket.destroy())
      socket.once('data', (first: Buffer) => {
        socket.pause()
        socket.setTimeout(0)
        socket.off('error', onEarlyError)
        if (first[0] === 0x16 || (first[0] & 0x80) !== 0) {
          // TLSSocket feeds itself what is already buffered before reading the handle.
          socket.unshift(first)
          for (const listener of tlsListeners) listener.call(tlsServer, socket)
        } else {
          plain.emit('connection', socket)
          socket.emit('data', first)
          socket.resume()
        }
      })
    }
    tlsServer.on('connection', onConnection)
    return () => {
      tlsServer.off('connection', onConnection)
      for (const listener of tlsListeners) tlsServer.on('connection', listener)
    }
  }

  const handleUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Answer through a fresh ServerResponse on the same socket, then give the socket back to
    // the server's HTTP parser so later keep-alive requests are answered too.
    const res = new http.ServerResponse(req)
    res.assignSocket(socket as any)
    res.on('finish', () => {
      res.detachSocket(socket as any)
      if (!res.shouldKeepAlive || socket.destroyed) { socket.end(); return }
      if (head.length > 0) socket.unshift(head)
      server.emit(isTls ? 'secureConnection' : 'connection', socket)
    })
    handleRequest(req, res)
  }

  server.on('request', handleRequest)
  server.on('clientError', handleClientError)
  const restoreTlsPort = isTls ? answerPlainOnTlsPort(server) : () => {}

  return {
    handleRequest,
    handleUpgrade,
    handleClientError,
    detach () {
      server.off('request', handleRequest)
      server.off('clientError', handleClientError);
      (server as any).requireHostHeader = saved.requireHostHeader
      server.keepAliveTimeout = saved.keepAliveTimeout
      server.headersTimeout = saved.headersTimeout
      server.requestTimeout = saved.requestTimeout
      restoreTlsPort()
    }
  }
}
