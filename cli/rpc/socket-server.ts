import { chmod, unlink } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { JSONRPCErrorException, JSONRPCServer } from 'json-rpc-2.0'
import { RPC_ERRORS, RpcSession } from './session.ts'

export { RPC_ERRORS }

/** A method of the daemon: its params, and the session that called it (to send notifications to). */
export type RpcMethod = (params: any, session: RpcSession) => unknown

/** The longest request line accepted, so a client cannot grow the daemon's memory without bound. */
const MAX_LINE = 1024 * 1024

/** The method table as a json-rpc-2.0 server: errors carry the error class's name in `data.name`. */
export function createRpcServer (methods: Record<string, RpcMethod>): JSONRPCServer<RpcSession> {
  const rpc = new JSONRPCServer<RpcSession>({ errorListener: () => {} })
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
    rpc.addMethod(name, async (params, session) => fn(params ?? {}, session))
  }
  return rpc
}

/**
 * Serves newline-delimited JSON-RPC 2.0 on a Unix socket with mode 0600 (only this user may
 * drive the node). The caller holds the profile lock, so a socket file left behind by a killed
 * daemon is stale and is replaced.
 */
export async function serveJsonRpc (path: string, methods: Record<string, RpcMethod>): Promise<Server> {
  const rpc = createRpcServer(methods)
  await unlink(path).catch(() => {})
  const sockets = new Set<Socket>()
  const server = createServer(socket => {
    sockets.add(socket)
    socket.once('close', () => { sockets.delete(socket) })
    new RpcSession(socket, { server: rpc, maxLine: MAX_LINE })
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

/** Closes the server and every connection on it, and removes the socket file. */
export async function stopServing (server: Server, path: string): Promise<void> {
  await new Promise<void>(resolve => { server.close(() => { resolve() }) })
  await unlink(path).catch(() => {})
}
