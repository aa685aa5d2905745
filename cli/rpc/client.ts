import { RpcSession } from './session.ts'

export { DaemonNotRunningError, RpcError } from './session.ts'

/** Calls one JSON-RPC method on the daemon's socket and returns its result. */
export async function callRpc (path: string, method: string, params: unknown = {}, options: { timeout?: number } = {}): Promise<any> {
  const session = await RpcSession.open(path)
  try {
    return await session.call(method, params, options.timeout)
  } finally {
    session.close()
  }
}

/** True when a daemon answers on the socket. */
export async function daemonRunning (path: string): Promise<boolean> {
  try {
    await callRpc(path, 'ping', {}, { timeout: 2_000 })
    return true
  } catch {
    return false
  }
}
