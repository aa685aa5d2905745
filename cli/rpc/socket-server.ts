import { chmod, unlink } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { JSONRPCErrorException, JSONRPCServer, type JSONRPCResponse } from 'json-rpc-2.0'

/** JSON-RPC 2.0 error codes; -32000 and below are ours. */
export const RPC_ERRORS = {
  PARSE: -32700,
  INVALID_PARAMS: -32602,
  APP: -32000
}

export interface RpcConnection {
  /** sends a JSON-RPC notification to this client */
  notify (method: string, params: unknown): void
  onClose (fn: () => void): void
  readonly closed: boolean
}

export type RpcMethod = (params: any, connection: RpcConnection) => unknown

/** The longest request line accepted, so a client cannot grow the daemon's memory without bound. */
const MAX_LINE = 1024 * 1024

/**
 * Serves newline-delimited JSON-RPC 2.0 on a Unix socket with mode 0600 (only this user may
 * drive the node). The caller holds the profile lock, so a socket file left behind by a killed
 * daemon is stale and is replaced.
 */
export async function serveJsonRpc (path: string, methods: Record<string, RpcMethod>): Promise<Server> {
  const rpc = new JSONRPCServer<RpcConnection>({ errorListener: () => {} })
  rpc.mapErrorToJSONRPCErrorResponse = (id, error: any) => ({
    jsonrpc: '2.0',
    id,
    error: error instanceof JSONRPCErrorException
      ? { code: error.code, message: error.message, data: error.data }
      : error?.name === 'InvalidArgumentError'
        ? { code: RPC_ERRORS.INVALID_PARAMS, message: error.message, data: { name: error.name } }
        : { code: RPC_ERRORS.APP, message: error?.message ?? String(error), data: { name: error?.name ?? 'Error' } }
  })
  for (const [name, fn] of Object.entries(methods)) {
    rpc.addMethod(name, async (params, connection) => fn(params ?? {}, connection))
  }

  await unlink(path).catch(() => {})
  const sockets = new Set<Socket>()
  const server = createServer(socket => {
    sockets.add(socket)
    socket.once('close', () => { sockets.delete(socket) })
    handleConnection(socket, rpc)
  })
  // closing the server closes its connections too: a subscribed client (a bot, an attached
  // terminal UI) never ends its own, and would otherwise hold the daemon's shutdown for ever
  const closeServer = server.close.bind(server)
  server.close = (callback?: (err?: Error) => void) => {
    closeServer(callback)
    for (const socket of sockets) socket.destroy()
    return server
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    // umask-free: create the socket, then restrict it before anyone is told it exists
    server.listen(path, () => { server.off('error', reject); resolve() })
  })
  await chmod(path, 0o600)
  return server
}

function handleConnection (socket: Socket, rpc: JSONRPCServer<RpcConnection>): void {
  let buffer = ''
  const closeListeners: Array<() => void> = []
  const connection: RpcConnection & { closed: boolean } = {
    closed: false,
    notify (method: string, params: unknown): void {
      if (!connection.closed) socket.write(JSON.stringify({ jsonrpc: '2.0', method, params }) + '\n')
    },
    onClose (fn) { closeListeners.push(fn) }
  }
  const reply = (response: JSONRPCResponse | JSONRPCResponse[] | null): void => {
    if (response != null && !connection.closed) socket.write(JSON.stringify(response) + '\n')
  }
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    buffer += chunk
    if (buffer.length > MAX_LINE && !buffer.includes('\n')) {
      reply({ jsonrpc: '2.0', id: null, error: { code: RPC_ERRORS.PARSE, message: 'request too large' } })
      socket.end()
      return
    }
    let nl: number
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, nl).trim()
      buffer = buffer.slice(nl + 1)
      if (line === '') continue
      let request: any
      try {
        request = JSON.parse(line)
      } catch {
        reply({ jsonrpc: '2.0', id: null, error: { code: RPC_ERRORS.PARSE, message: 'parse error: not JSON' } })
        continue
      }
      Promise.resolve(rpc.receive(request, connection)).then(reply, () => {})
    }
  })
  const close = (): void => {
    if (connection.closed) return
    connection.closed = true
    for (const fn of closeListeners.splice(0)) fn()
  }
  socket.on('close', close)
  socket.on('error', close)
}
