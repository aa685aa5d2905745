import { connect, type Socket } from 'node:net'
import { createJSONRPCErrorResponse, isJSONRPCResponse, isJSONRPCResponses, JSONRPCClient, JSONRPCErrorException, type JSONRPCServer } from 'json-rpc-2.0'
import { readLines, writeLine } from './framing.ts'

/** JSON-RPC 2.0 error codes; -32000 and below are ours. */
export const RPC_ERRORS = {
  PARSE: -32700,
  INVALID_PARAMS: -32602,
  APP: -32000,
  TIMEOUT: -32001
}

/** An error the other side answered with; named after the error class it reports in `data.name`. */
export class RpcError extends Error {
  static name = 'RpcError'
  readonly code: number
  readonly data: unknown
  constructor (code: number, message: string, data?: any) {
    super(message)
    this.name = typeof data?.name === 'string' ? data.name : 'RpcError'
    this.code = code
    this.data = data
  }
}

/** What may wait unread on a subscriber's socket before it is dropped. */
export const MAX_UNREAD = 16 * 1024 * 1024

export class DaemonNotRunningError extends Error {
  static name = 'DaemonNotRunningError'
  name = 'DaemonNotRunningError'
  constructor (path: string) {
    super(`no hyphae daemon is listening on ${path} (start one with \`hyphae daemon\`)`)
  }
}

export interface RpcSessionInit {
  /** the methods this end answers (the daemon's side); a client passes none */
  server?: JSONRPCServer<RpcSession>
  /** the longest line accepted from the other side */
  maxLine?: number
}

/**
 * One end of a newline-delimited JSON-RPC 2.0 connection on a Unix socket, either side: the
 * daemon makes one per client, with its method table (`server`), and sends it notifications;
 * a client calls methods and receives those notifications in `onNotification`.
 */
export class RpcSession {
  /** a notification from the other side (after `subscribe`) */
  onNotification: (method: string, params: any) => void = () => {}
  private readonly socket: Socket
  private readonly server?: JSONRPCServer<RpcSession>
  private readonly client: JSONRPCClient
  private readonly closeListeners: Array<() => void> = []
  private closed = false

  constructor (socket: Socket, init: RpcSessionInit = {}) {
    this.socket = socket
    this.server = init.server
    this.client = new JSONRPCClient(payload => { this.send(payload) })
    readLines(socket, line => { this.receive(line) }, {
      maxLine: init.maxLine,
      onOverflow: () => {
        this.send({ jsonrpc: '2.0', id: null, error: { code: RPC_ERRORS.PARSE, message: 'request too large' } })
        socket.end()
      }
    })
    socket.on('close', () => { this.onClosed() })
    socket.on('error', () => { this.onClosed() })
  }

  /** Connects to the daemon's socket; DaemonNotRunningError when nobody listens there. */
  static async open (path: string): Promise<RpcSession> {
    return new Promise((resolve, reject) => {
      const socket = connect(path)
      const fail = (err: any): void => {
        reject(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? new DaemonNotRunningError(path) : err)
      }
      socket.once('error', fail)
      socket.once('connect', () => { socket.off('error', fail); resolve(new RpcSession(socket)) })
    })
  }

  /** Calls a method on the other side; rejects with its error (an RpcError) or after `timeout` ms. */
  async call (method: string, params: unknown = {}, timeout = 30_000): Promise<any> {
    if (this.closed) throw new Error('the daemon socket is closed')
    const late = (id: any): any => createJSONRPCErrorResponse(id, RPC_ERRORS.TIMEOUT, `the daemon did not answer ${method} within ${timeout} ms`)
    try {
      return await this.client.timeout(timeout, late).request(method, params as any)
    } catch (err) {
      if (err instanceof JSONRPCErrorException) throw new RpcError(err.code, err.message, err.data)
      throw err
    }
  }

  /**
   * Sends a notification to the other side (nothing when it went away). A subscriber that has
   * stopped reading is dropped once MAX_UNREAD bytes wait for it, rather than grow the daemon.
   */
  notify (method: string, params: unknown): void {
    if (this.socket.writableLength > MAX_UNREAD) {
      this.close()
      return
    }
    this.send({ jsonrpc: '2.0', method, params })
  }

  /** Runs `fn` once the connection closes, from either side. */
  addCloseListener (fn: () => void): void {
    if (this.closed) queueMicrotask(fn)
    else this.closeListeners.push(fn)
  }

  get isClosed (): boolean {
    return this.closed
  }

  /** Closes the connection; the close listeners run. */
  close (): void {
    this.socket.destroy()
    this.onClosed()
  }

  private onClosed (): void {
    if (this.closed) return
    this.closed = true
    this.client.rejectAllPendingRequests('the daemon socket closed')
    for (const fn of this.closeListeners.splice(0)) fn()
  }

  private send (payload: unknown): void {
    if (!this.closed) writeLine(this.socket, payload)
  }

  private receive (line: string): void {
    let payload: any
    try {
      payload = JSON.parse(line)
    } catch {
      // a client's garbage gets an answer; the daemon's is skipped (the calls waiting keep their timeout)
      if (this.server != null) this.send({ jsonrpc: '2.0', id: null, error: { code: RPC_ERRORS.PARSE, message: 'parse error: not JSON' } })
      return
    }
    if (this.server != null) {
      Promise.resolve(this.server.receive(payload, this)).then(response => { if (response != null) this.send(response) }, () => {})
      return
    }
    if (payload == null || typeof payload !== 'object') return
    if (isJSONRPCResponse(payload) || isJSONRPCResponses(payload)) this.client.receive(payload)
    else if (payload.id == null && typeof payload.method === 'string') this.onNotification(payload.method, payload.params)
  }
}
